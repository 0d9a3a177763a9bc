// make_platform(), random_connid() and the helpers every platform shares.
#include "northbound/platform.hpp"

#include <openssl/rand.h>

#include <random>

#include "northbound/platform_check.hpp"
#include "northbound/platform_common.hpp"
#include "northbound/platform_payload.hpp"
#include "northbound/platform_rules.hpp"

namespace edgegw::northbound {

std::unique_ptr<Platform> make_platform(const CloudOptions& cloud,
                                        std::filesystem::path state_dir) {
  return platform_rules(cloud.platform).make(cloud, std::move(state_dir));
}

std::string random_connid() {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  while (out.size() < 5) {
    unsigned char bytes[16];
    if (RAND_bytes(bytes, sizeof bytes) != 1) {
      // No entropy from OpenSSL: the connid only helps Tencent's troubleshooting, any value works.
      static thread_local std::mt19937 fallback{std::random_device{}()};
      for (auto& b : bytes) b = static_cast<unsigned char>(fallback());
    }
    for (unsigned char b : bytes) {
      // 248 = 4 * 62: drop the rest so that every character is equally likely.
      if (b < 248 && out.size() < 5) out.push_back(kAlphabet[b % kAlphabet.size()]);
    }
  }
  return out;
}

std::string_view to_string(UplinkProblem p) {
  switch (p) {
    case UplinkProblem::too_large:
      return "too_large";
    case UplinkProblem::empty_record:
      return "empty_record";
    case UplinkProblem::unsupported_kind:
      return "unsupported_kind";
    case UplinkProblem::nothing_to_send:
      return "nothing_to_send";
  }
  return "?";
}

UplinkDisposition disposition(const UplinkResult& r) {
  if (r.error) {
    return r.error->problem == UplinkProblem::nothing_to_send ? UplinkDisposition::done
                                                              : UplinkDisposition::drop;
  }
  // No error and no publication would be an encoder's bug; dropping (logged) keeps it visible.
  return r.publications.empty() ? UplinkDisposition::drop : UplinkDisposition::publish;
}

std::string_view to_string(DownlinkProblem p) {
  switch (p) {
    case DownlinkProblem::unknown_topic:
      return "unknown_topic";
    case DownlinkProblem::malformed:
      return "malformed";
    case DownlinkProblem::unsupported:
      return "unsupported";
  }
  return "?";
}

std::string endpoint_host(const CloudOptions& cloud, const DeviceIdentity& id) {
  const std::string tmpl =
      cloud.host.empty() ? platform_rules(cloud.platform).default_host(cloud) : cloud.host;
  return expand_template(tmpl, {{"product_key", id.product_key},
                                {"product_id", id.product_id},
                                {"region", cloud.aliyun.region},
                                {"instance_id", cloud.aliyun.instance_id}});
}

std::chrono::seconds effective_keepalive(const CloudOptions& cloud, const DeviceIdentity& id) {
  return id.keepalive.value_or(cloud.keepalive);
}

ConnectParams base_connect_params(const CloudOptions& cloud, const DeviceIdentity& id) {
  ConnectParams p;
  p.host = endpoint_host(cloud, id);
  p.port = cloud.port;
  p.tls = cloud.tls;
  p.keepalive = effective_keepalive(cloud, id);
  if (auto problem = check_identity(cloud, id)) p.problem = *problem;
  return p;
}

std::int64_t unix_ms(std::chrono::system_clock::time_point now) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
}

std::int64_t unix_seconds(std::chrono::system_clock::time_point now) {
  return std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
}

DownlinkResult downlink_error(DownlinkProblem problem, std::string reason,
                              std::optional<Publication> reply) {
  DownlinkResult out;
  out.error = DownlinkError{problem, std::move(reason), std::move(reply)};
  return out;
}

ConnectOutcome classify_tls_failure(std::string_view detail) {
  // OpenSSL names the alert the server sent ("...:tlsv13 alert certificate required").
  struct Refusal {
    std::string_view alert;
    std::string_view hint;
  };
  static constexpr Refusal kRefusals[] = {
      {"alert bad record mac", "the server did not accept the TLS-PSK key"},
      {"alert decrypt error", "the server did not accept the TLS-PSK key"},
      {"alert unknown psk identity", "the server does not know the TLS-PSK identity"},
      {"alert certificate required", "the server requires a client certificate"},
      {"alert bad certificate", "the server did not accept the client certificate"},
      {"alert unsupported certificate", "the server did not accept the client certificate"},
      {"alert certificate unknown", "the server did not accept the client certificate"},
      {"alert unknown ca", "the server does not trust the client certificate's CA"},
      {"alert certificate revoked", "the server says the client certificate is revoked"},
      {"alert certificate expired", "the server says the client certificate has expired"},
      {"alert access denied", "the server denied access to this device"},
  };
  for (const auto& refusal : kRefusals) {
    if (detail.find(refusal.alert) != std::string_view::npos) {
      return {ConnectVerdict::back_off_long, std::string(refusal.hint)};
    }
  }
  return {ConnectVerdict::retry_soon, {}};
}

ConnectOutcome classify_mqtt_connack(int rc, const ConnackHints& hints) {
  switch (rc) {
    case 0:
      return {ConnectVerdict::retry_soon, "accepted"};
    case 1:
      return {ConnectVerdict::configuration_error,
              "the " + std::string(hints.server) + " refused MQTT 3.1.1"};
    case 2:
      return {ConnectVerdict::configuration_error, std::string(hints.client_id_refused)};
    case 3:
      return {ConnectVerdict::retry_soon, "server unavailable"};
    case 4:
      return {ConnectVerdict::back_off_long, std::string(hints.bad_credentials)};
    case 5:
      return {ConnectVerdict::back_off_long, std::string(hints.not_authorized)};
    default:
      return {ConnectVerdict::retry_soon, "CONNACK code " + std::to_string(rc)};
  }
}

}  // namespace edgegw::northbound
