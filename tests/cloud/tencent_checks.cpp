#include "cloud/tencent_checks.hpp"

#include <charconv>

#include "cloud/signing.hpp"

namespace edgegw::cloud {

std::vector<std::string> tencent_topic_roots(std::string_view product_id,
                                             std::string_view device_name) {
  const std::string own = std::string(product_id) + "/" + std::string(device_name);
  return {own,
          "$shadow/operation/" + own,
          "$shadow/operation/result/" + own,
          "$ota/report/" + own,
          "$ota/update/" + own,
          "$thing/down/action/" + own,
          "$thing/up/action/" + own,
          "$thing/up/event/" + own,
          "$thing/down/event/" + own,
          "$thing/up/property/" + own,
          "$thing/down/property/" + own};
}

namespace {

// A gateway's own operation topics are allowed to every device here (the console decides which
// products are gateways; the emulator does not model product types).
Identity tencent_identity(const TencentDevice& d) {
  const std::string own = d.product_id + "/" + d.device_name;
  auto roots = tencent_topic_roots(d.product_id, d.device_name);
  roots.push_back("$gateway/operation/" + own);
  roots.push_back("$gateway/operation/result/" + own);
  return {Platform::tencent, "tencent " + own, std::move(roots)};
}

Verdict with_keepalive(const TencentDevice& d, const ConnectRequest& request) {
  if (d.disabled) return refuse(kNotAuthorized, "device disabled");
  if (!keepalive_within(request.keepalive, 0, 900)) {
    return refuse(kIdentifierRejected, "keepalive outside 0-900 s");
  }
  return accept(tencent_identity(d));
}

Verdict check_password(const Registry& registry, const ConnectRequest& request) {
  auto user = parse_tencent_username(request.username.value_or(""));
  if (!user) return refuse(kBadUsernameOrPassword, "username is not pid+dn;sdkappid;connid;expiry");
  if (request.client_id != user->client_id) {
    return refuse(kIdentifierRejected, "client id is not ${productId}${deviceName}");
  }
  const TencentDevice* d = registry.find_tencent(user->client_id);
  if (!d) return refuse(kBadUsernameOrPassword, "unknown device " + user->client_id);
  if (!allows(d->auth, "password")) return refuse(kNotAuthorized, "password auth not allowed");
  if (user->sdkappid != "12010126" && user->sdkappid != "21010406") {
    return refuse(kBadUsernameOrPassword, "unknown sdkappid " + user->sdkappid);
  }
  if (user->connid.empty()) return refuse(kBadUsernameOrPassword, "empty connid");
  long long expiry = 0;
  auto [end, ec] =
      std::from_chars(user->expiry.data(), user->expiry.data() + user->expiry.size(), expiry);
  if (ec != std::errc() || end != user->expiry.data() + user->expiry.size()) {
    return refuse(kBadUsernameOrPassword, "expiry is not a number");
  }
  if (expiry < static_cast<long long>(request.now)) {
    return refuse(kBadUsernameOrPassword, "signature expired");
  }
  const std::string password = request.password.value_or("");
  auto semi = password.rfind(';');
  if (semi == std::string::npos)
    return refuse(kBadUsernameOrPassword, "password is not token;method");
  auto method_name = password.substr(semi + 1);
  if (method_name != "hmacsha256" && method_name != "hmacsha1") {
    return refuse(kBadUsernameOrPassword, "bad signature method " + method_name);
  }
  auto key = base64_decode(d->psk);
  if (!key) return refuse(kBadUsernameOrPassword, "registry PSK is not base64");
  auto expected = to_hex(hmac(*parse_hmac_method(method_name), *key, *request.username));
  if (!hex_equal_ignore_case(password.substr(0, semi), expected)) {
    return refuse(kBadUsernameOrPassword, "wrong signature");
  }
  return with_keepalive(*d, request);
}

Verdict check_psk(const Registry& registry, const ConnectRequest& request) {
  const TencentDevice* d = registry.find_tencent(request.psk_identity);
  if (!d) return refuse(kBadUsernameOrPassword, "unknown PSK identity " + request.psk_identity);
  if (request.client_id != request.psk_identity) {
    return refuse(kIdentifierRejected, "client id is not the PSK identity");
  }
  if (request.username) {
    auto user = parse_tencent_username(*request.username);
    if (user && user->client_id != request.psk_identity) {
      return refuse(kBadUsernameOrPassword, "username names another device");
    }
  }
  return with_keepalive(*d, request);
}

}  // namespace

std::optional<TencentUsername> parse_tencent_username(std::string_view s) {
  TencentUsername out;
  std::string* fields[] = {&out.client_id, &out.sdkappid, &out.connid, &out.expiry};
  for (int i = 0; i < 4; ++i) {
    auto semi = s.find(';');
    if ((i < 3) != (semi != std::string_view::npos)) return std::nullopt;
    *fields[i] = std::string(s.substr(0, semi));
    if (semi != std::string_view::npos) s.remove_prefix(semi + 1);
  }
  if (out.client_id.empty()) return std::nullopt;
  return out;
}

std::optional<std::string> tencent_psk_hex(const Registry& registry, std::string_view identity) {
  const TencentDevice* d = registry.find_tencent(identity);
  if (!d || !allows(d->auth, "psk")) return std::nullopt;
  auto key = base64_decode(d->psk);
  if (!key || key->empty()) return std::nullopt;
  return to_hex(*key);
}

Verdict check_tencent(const Registry& registry, const ConnectRequest& request) {
  if (request.listener == Listener::psk) return check_psk(registry, request);
  if (request.listener == Listener::mtls) {
    const TencentDevice* d = registry.find_tencent(request.cert_common_name);
    if (!d) return refuse(kBadUsernameOrPassword, "no device for certificate CN");
    if (!allows(d->auth, "cert")) return refuse(kNotAuthorized, "certificate auth not allowed");
    if (request.client_id != d->client_id()) {
      return refuse(kIdentifierRejected, "client id is not ${productId}${deviceName}");
    }
    return with_keepalive(*d, request);  // the password is not checked with certificates
  }
  if (request.listener == Listener::tls) {
    // Tencent takes the HMAC password on 1883 only; over TLS the same key is used as TLS-PSK.
    return refuse(kNotAuthorized, "tencent key auth is plain TCP only (TLS: PSK or certificate)");
  }
  return check_password(registry, request);
}

}  // namespace edgegw::cloud
