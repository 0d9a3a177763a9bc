#include "cloud/connect_checks.hpp"

#include "cloud/aliyun_checks.hpp"
#include "cloud/huawei_checks.hpp"
#include "cloud/tencent_checks.hpp"

namespace edgegw::cloud {

namespace {

Identity mqtt_identity(const MqttDevice& d) {
  return {Platform::mqtt, "mqtt " + d.device, {"devices/" + d.device}};
}

Verdict check_mqtt(const Registry& registry, const ConnectRequest& request) {
  const MqttDevice* d = nullptr;
  if (request.listener == Listener::mtls) {
    d = registry.find_mqtt_by_device(request.cert_common_name);
    if (!d) return refuse(kBadUsernameOrPassword, "no device for certificate CN");
    if (!allows(d->auth, "cert")) return refuse(kNotAuthorized, "certificate auth not allowed");
  } else if (request.username) {
    d = registry.find_mqtt_by_username(*request.username);
    if (!d) return refuse(kBadUsernameOrPassword, "unknown username " + *request.username);
    if (!allows(d->auth, "password")) return refuse(kNotAuthorized, "password auth not allowed");
    if (request.password.value_or("") != d->password) {
      return refuse(kBadUsernameOrPassword, "wrong password");
    }
  } else {
    d = registry.find_mqtt_by_client_id(request.client_id);
    bool anonymous_ok = d && (d->auth.count("none") || (d->auth.empty() && d->username.empty()));
    if (!anonymous_ok) return refuse(kNotAuthorized, "no credentials");
  }
  if (!d->client_id.empty() && d->client_id != request.client_id) {
    return refuse(kIdentifierRejected, "client id is not " + d->client_id);
  }
  if (d->disabled) return refuse(kNotAuthorized, "device disabled");
  return accept(mqtt_identity(*d));
}

bool looks_huawei(const Registry& registry, const ConnectRequest& request) {
  if (request.username && registry.find_huawei(*request.username)) return true;
  auto id = parse_huawei_client_id(request.client_id);
  return id && registry.find_huawei(id->device_id);
}

}  // namespace

Verdict refuse(int connack, std::string reason) {
  Verdict v;
  v.connack = connack;
  v.reason = std::move(reason);
  return v;
}

Verdict accept(Identity identity) {
  Verdict v;
  v.identity = std::move(identity);
  return v;
}

bool keepalive_within(int keepalive, int min, int max) {
  return keepalive >= min && keepalive <= max;
}

Verdict check_connect(const Registry& registry, const std::set<std::string>& activated,
                      const ConnectRequest& request) {
  if (request.username && *request.username == registry.observer.username) {
    if (request.password.value_or("") != registry.observer.password) {
      return refuse(kBadUsernameOrPassword, "wrong observer password");
    }
    return accept({Platform::observer, "observer", {}});
  }
  // Which platform a client speaks is told by the shape of what it sends, as each platform's
  // endpoint would only ever see its own kind.
  if (request.listener == Listener::psk) return check_tencent(registry, request);
  if (request.listener == Listener::mtls) {
    const auto& cn = request.cert_common_name;
    if (registry.find_tencent(cn)) return check_tencent(registry, request);
    if (registry.find_huawei(cn)) return check_huawei(registry, request);
    if (registry.find_mqtt_by_device(cn)) return check_mqtt(registry, request);
  }
  if (request.client_id.find('|') != std::string::npos) {
    return check_aliyun(registry, activated, request);
  }
  if (request.username && parse_tencent_username(*request.username)) {
    return check_tencent(registry, request);
  }
  if (looks_huawei(registry, request)) return check_huawei(registry, request);
  return check_mqtt(registry, request);
}

}  // namespace edgegw::cloud
