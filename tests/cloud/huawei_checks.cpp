#include "cloud/huawei_checks.hpp"

#include <cctype>

#include "cloud/signing.hpp"

namespace edgegw::cloud {

std::optional<HuaweiClientId> parse_huawei_client_id(std::string_view s) {
  // The device id may itself hold underscores (product id + "_" + node id): parse from the right.
  constexpr std::size_t kTail = 1 + 1 + 1 + 1 + 1 + 10;  // _A_S_YYYYMMDDHH
  if (s.size() <= kTail) return std::nullopt;
  auto tail = s.substr(s.size() - kTail);
  if (tail[0] != '_' || tail[2] != '_' || tail[4] != '_') return std::nullopt;
  HuaweiClientId out{std::string(s.substr(0, s.size() - kTail)), tail[1], tail[3],
                     std::string(tail.substr(5))};
  if (out.auth_type != '0' && out.auth_type != '2') return std::nullopt;
  if (out.sign_type != '0' && out.sign_type != '1') return std::nullopt;
  if (!huawei_hour(out.timestamp)) return std::nullopt;
  return out;
}

std::string huawei_password(std::string_view secret, std::string_view timestamp) {
  return to_hex(hmac(HmacAlgorithm::sha256, timestamp, secret));
}

std::optional<std::time_t> huawei_hour(std::string_view ts) {
  if (ts.size() != 10) return std::nullopt;
  for (char c : ts) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  auto num = [&](std::size_t pos, std::size_t len) {
    return std::stoi(std::string(ts.substr(pos, len)));
  };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(8, 2);
  if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23) {
    return std::nullopt;
  }
  return timegm(&tm);
}

Verdict check_huawei(const Registry& registry, const ConnectRequest& request) {
  if (request.listener == Listener::plain || request.listener == Listener::psk) {
    return refuse(kNotAuthorized, "huawei is MQTTS only");
  }
  auto id = parse_huawei_client_id(request.client_id);
  if (!id) return refuse(kIdentifierRejected, "client id is not deviceId_0_S_YYYYMMDDHH");
  const HuaweiDevice* d = registry.find_huawei(id->device_id);
  if (!d) return refuse(kBadUsernameOrPassword, "unknown device " + id->device_id);
  if (request.username && *request.username != id->device_id) {
    return refuse(kBadUsernameOrPassword, "username is not the device id");
  }
  const bool by_cert =
      request.listener == Listener::mtls && request.cert_common_name == d->device_id;
  if (by_cert) {
    if (!allows(d->auth, "cert")) return refuse(kNotAuthorized, "certificate auth not allowed");
  } else {
    if (!request.username) return refuse(kBadUsernameOrPassword, "no username");
    if (!allows(d->auth, "secret")) return refuse(kNotAuthorized, "secret auth not allowed");
    // Lowercase only, as the vendor page gives it: a signer that sends uppercase is caught here.
    if (request.password.value_or("") != huawei_password(d->secret, id->timestamp)) {
      return refuse(kBadUsernameOrPassword, "wrong signature");
    }
    if (id->sign_type == '1') {
      auto hour = *huawei_hour(id->timestamp) / 3600;
      auto now_hour = request.now / 3600;
      if (hour < now_hour - 1 || hour > now_hour + 1) {
        return refuse(kBadUsernameOrPassword, "timestamp more than an hour off the server's clock");
      }
    }
  }
  if (d->disabled) return refuse(kNotAuthorized, "device disabled");
  if (!keepalive_within(request.keepalive, 30, 1200)) {
    return refuse(kIdentifierRejected, "keepalive outside 30-1200 s");
  }
  return accept({Platform::huawei, "huawei " + d->device_id, {"$oc/devices/" + d->device_id}});
}

}  // namespace edgegw::cloud
