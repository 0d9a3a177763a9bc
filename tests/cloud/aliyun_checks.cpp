#include "cloud/aliyun_checks.hpp"

#include <nlohmann/json.hpp>

namespace edgegw::cloud {

namespace {

constexpr std::size_t kMaxClientIdLength = 64;

bool is_tls(Listener l) {
  return l == Listener::tls || l == Listener::mtls;
}

Identity aliyun_identity(const std::string& pk, const std::string& dn) {
  Identity id{Platform::aliyun, "aliyun " + pk + "/" + dn, {}};
  id.topic_roots = {"/sys/" + pk + "/" + dn,
                    "/" + pk + "/" + dn,
                    "/ext/session/" + pk + "/" + dn,
                    "/ext/ntp/" + pk + "/" + dn,
                    "/ext/error/" + pk + "/" + dn,
                    "/ext/register",
                    "/ext/regnwl"};
  return id;
}

std::string param(const AliyunClientId& id, const char* name) {
  auto it = id.params.find(name);
  return it == id.params.end() ? std::string() : it->second;
}

Verdict check_registration(const Registry& registry, const std::set<std::string>& activated,
                           const ConnectRequest& request, const AliyunClientId& id,
                           const std::string& pk, const std::string& dn) {
  const std::string auth_type = param(id, "authType");
  const bool nwl = auth_type == "regnwl";
  if (!is_tls(request.listener)) return refuse(kIdentifierRejected, "registration is TLS only");
  auto securemode = param(id, "securemode");
  if (securemode != "-2" && securemode != "2") {
    return refuse(kIdentifierRejected, "registration needs securemode -2 (or 2)");
  }
  auto method = parse_hmac_method(param(id, "signmethod"));
  if (!method) return refuse(kIdentifierRejected, "bad signmethod");
  auto random = param(id, "random");
  if (random.empty()) return refuse(kIdentifierRejected, "registration without random");
  const AliyunDevice* product = registry.find_aliyun_product(pk);
  if (!product) return refuse(kBadUsernameOrPassword, "no product secret for " + pk);
  const AliyunDevice* device = registry.find_aliyun(pk, dn);
  if (!nwl && !device) return refuse(kBadUsernameOrPassword, "device not pre-registered");
  if (device && !allows(device->auth, nwl ? "register_nwl" : "register")) {
    return refuse(kNotAuthorized, "auth mode " + auth_type + " not allowed for this device");
  }
  auto expected =
      aliyun_password(*method, product->product_secret, aliyun_register_content(dn, pk, random));
  if (!request.password || !hex_equal_ignore_case(*request.password, expected)) {
    return refuse(kBadUsernameOrPassword, "wrong registration signature");
  }
  if (device && device->disabled) return refuse(kNotAuthorized, "device disabled");
  const std::string key = pk + "/" + dn;
  if ((device && device->registered) || activated.count(key)) {
    return refuse(kNotAuthorized, "device already activated: registration refused");
  }
  Verdict v = accept(aliyun_identity(pk, dn));
  v.activates = key;
  nlohmann::json body{{"productKey", pk}, {"deviceName", dn}};
  if (nwl) {
    body["clientId"] = aliyun_nwl_client_id(pk, dn, device);
    body["deviceToken"] = aliyun_device_token(*product, pk, dn, device);
    v.push = Push{"/ext/regnwl", body.dump()};
  } else {
    body["deviceSecret"] = aliyun_device_secret(*product, pk, dn, device);
    v.push = Push{"/ext/register", body.dump()};
  }
  return v;
}

Verdict check_token(const Registry& registry, const ConnectRequest& request,
                    const AliyunClientId& id, const std::string& pk, const std::string& dn) {
  if (!is_tls(request.listener)) return refuse(kIdentifierRejected, "connwl is TLS only");
  if (param(id, "securemode") != "-2") {
    return refuse(kIdentifierRejected, "connwl needs securemode=-2");
  }
  const AliyunDevice* device = registry.find_aliyun(pk, dn);
  const AliyunDevice* product = registry.find_aliyun_product(pk);
  if (device && !allows(device->auth, "token")) {
    return refuse(kNotAuthorized, "token auth not allowed for this device");
  }
  std::string token = device && !device->device_token.empty() ? device->device_token
                      : product ? aliyun_device_token(*product, pk, dn, device)
                                : std::string();
  if (token.empty()) return refuse(kBadUsernameOrPassword, "no device token for " + pk + "/" + dn);
  if (id.client_id != aliyun_nwl_client_id(pk, dn, device)) {
    return refuse(kBadUsernameOrPassword, "client id is not the one the token was issued for");
  }
  if (!request.password || *request.password != token) {
    return refuse(kBadUsernameOrPassword, "wrong device token");
  }
  if (device && device->disabled) return refuse(kNotAuthorized, "device disabled");
  if (!keepalive_within(request.keepalive, 30, 1200)) {
    return refuse(kIdentifierRejected, "keepalive outside 30-1200 s");
  }
  return accept(aliyun_identity(pk, dn));
}

Verdict check_secret(const Registry& registry, const ConnectRequest& request,
                     const AliyunClientId& id, const std::string& pk, const std::string& dn) {
  auto securemode = param(id, "securemode");
  if (securemode == "2") {
    if (!is_tls(request.listener)) return refuse(kIdentifierRejected, "securemode=2 needs TLS");
  } else if (securemode == "3") {
    if (request.listener != Listener::plain) {
      return refuse(kIdentifierRejected, "securemode=3 is for plain TCP");
    }
  } else {
    return refuse(kIdentifierRejected, "bad securemode '" + securemode + "'");
  }
  auto method = parse_hmac_method(param(id, "signmethod"));
  if (!method) return refuse(kIdentifierRejected, "bad signmethod");
  const AliyunDevice* device = registry.find_aliyun(pk, dn);
  if (!device) return refuse(kBadUsernameOrPassword, "unknown device " + pk + "/" + dn);
  if (!allows(device->auth, "secret")) {
    return refuse(kNotAuthorized, "secret auth not allowed for this device");
  }
  const AliyunDevice* product = registry.find_aliyun_product(pk);
  std::string secret = !device->device_secret.empty()
                           ? device->device_secret
                           : (product ? aliyun_device_secret(*product, pk, dn, device) : "");
  if (secret.empty()) return refuse(kBadUsernameOrPassword, "device has no secret");
  std::optional<std::string_view> timestamp;
  if (id.params.count("timestamp")) timestamp = id.params.at("timestamp");
  auto expected =
      aliyun_password(*method, secret, aliyun_sign_content(id.client_id, dn, pk, timestamp));
  if (!request.password || !hex_equal_ignore_case(*request.password, expected)) {
    return refuse(kBadUsernameOrPassword, "wrong signature");
  }
  if (device->disabled) return refuse(kNotAuthorized, "device disabled");
  if (!keepalive_within(request.keepalive, 30, 1200)) {
    return refuse(kIdentifierRejected, "keepalive outside 30-1200 s");
  }
  Verdict v = accept(aliyun_identity(pk, dn));
  v.activates = pk + "/" + dn;
  return v;
}

// What the emulator hands out when the registry holds no device secret or token of its own: the
// first 32 hex digits of HMAC-SHA256(product secret, kind + "pk/dn"), stable across restarts.
std::string derived_credential(const AliyunDevice& product, std::string_view kind,
                               std::string_view product_key, std::string_view device_name) {
  auto derived =
      to_hex(hmac(HmacAlgorithm::sha256, product.product_secret,
                  std::string(kind) + std::string(product_key) + "/" + std::string(device_name)));
  return derived.substr(0, 32);
}

}  // namespace

std::optional<AliyunClientId> parse_aliyun_client_id(std::string_view s) {
  auto first = s.find('|');
  if (first == std::string_view::npos || s.size() < first + 2 || s.back() != '|') {
    return std::nullopt;
  }
  AliyunClientId out{std::string(s.substr(0, first)), {}};
  std::string_view rest = s.substr(first + 1, s.size() - first - 2);
  if (rest.find('|') != std::string_view::npos) return std::nullopt;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    auto item = rest.substr(0, comma);
    auto eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) return std::nullopt;
    out.params[std::string(item.substr(0, eq))] = std::string(item.substr(eq + 1));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

std::string aliyun_sign_content(std::string_view client_id, std::string_view device_name,
                                std::string_view product_key,
                                std::optional<std::string_view> timestamp) {
  std::string content;
  if (!client_id.empty()) content += "clientId" + std::string(client_id);
  content += "deviceName" + std::string(device_name);
  content += "productKey" + std::string(product_key);
  if (timestamp) content += "timestamp" + std::string(*timestamp);
  return content;
}

std::string aliyun_password(HmacAlgorithm method, std::string_view device_secret,
                            std::string_view content) {
  return to_hex(hmac(method, device_secret, content));
}

std::string aliyun_register_content(std::string_view device_name, std::string_view product_key,
                                    std::string_view random) {
  return "deviceName" + std::string(device_name) + "productKey" + std::string(product_key) +
         "random" + std::string(random);
}

std::string aliyun_device_secret(const AliyunDevice& product, std::string_view product_key,
                                 std::string_view device_name, const AliyunDevice* device) {
  if (device && !device->device_secret.empty()) return device->device_secret;
  return derived_credential(product, "secret", product_key, device_name);
}

std::string aliyun_nwl_client_id(std::string_view product_key, std::string_view device_name,
                                 const AliyunDevice* device) {
  if (device && !device->client_id.empty()) return device->client_id;
  return std::string(product_key) + "." + std::string(device_name);
}

std::string aliyun_device_token(const AliyunDevice& product, std::string_view product_key,
                                std::string_view device_name, const AliyunDevice* device) {
  if (device && !device->device_token.empty()) return device->device_token;
  return derived_credential(product, "token", product_key, device_name);
}

Verdict check_aliyun(const Registry& registry, const std::set<std::string>& activated,
                     const ConnectRequest& request) {
  auto id = parse_aliyun_client_id(request.client_id);
  if (!id) return refuse(kIdentifierRejected, "client id is not clientId|params|");
  if (id->client_id.size() > kMaxClientIdLength) {
    return refuse(kIdentifierRejected, "clientId longer than 64 characters");
  }
  const std::string username = request.username.value_or("");
  auto amp = username.find('&');
  if (amp == std::string::npos || amp == 0 || amp + 1 == username.size()) {
    return refuse(kBadUsernameOrPassword, "username is not deviceName&productKey");
  }
  const std::string dn = username.substr(0, amp);
  const std::string pk = username.substr(amp + 1);
  const std::string auth_type = param(*id, "authType");
  if (auth_type == "register" || auth_type == "regnwl") {
    return check_registration(registry, activated, request, *id, pk, dn);
  }
  if (auth_type == "connwl") return check_token(registry, request, *id, pk, dn);
  if (!auth_type.empty()) return refuse(kIdentifierRejected, "unknown authType " + auth_type);
  return check_secret(registry, request, *id, pk, dn);
}

}  // namespace edgegw::cloud
