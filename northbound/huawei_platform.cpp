// Huawei Cloud IoTDA. See huawei_platform.hpp for the topics. Replies carry the request_id from the
// request's topic verbatim; result_code 0 is success, 1 failure.
#include "northbound/huawei_platform.hpp"

#include <ctime>

#include "northbound/event_payloads.hpp"
#include "northbound/platform_common.hpp"
#include "northbound/platform_payload.hpp"
#include "northbound/platform_rules.hpp"
#include "northbound/signing.hpp"

namespace edgegw::northbound {
namespace {

std::string utc_format(std::int64_t unix_seconds, const char* format) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::size_t n = std::strftime(buf, sizeof buf, format, &tm);
  return std::string(buf, n);
}

class HuaweiPlatform final : public Platform {
 public:
  explicit HuaweiPlatform(const CloudOptions& cloud) : cloud_(cloud) {}

  PlatformKind kind() const override { return PlatformKind::huawei; }

  ConnectParams connect_params(const DeviceIdentity& id, std::chrono::system_clock::time_point now,
                               std::string_view) const override {
    ConnectParams p = base_connect_params(cloud_, id);
    const std::string hour = huawei_hour_stamp(now);
    p.client_id = id.device_id + "_0_" + (cloud_.huawei.check_timestamp ? "1" : "0") + "_" + hour;
    p.username = id.device_id;
    if (id.auth == AuthMode::cert) {
      p.cert_file = id.cert_file;
      p.key_file = id.key_file;
    } else {
      p.password = huawei_password(id.device_secret, hour);
    }
    return p;
  }

  std::vector<std::string> subscriptions(const DeviceIdentity& id) const override {
    auto s = sys(id);
    return {s + "commands/#", s + "properties/set/#", s + "properties/get/#"};
  }

  UplinkResult encode_uplink(const DeviceIdentity& id, const store::Record& r) const override {
    if (r.kind == store::RecordKind::event) return encode_huawei_event(id, r);
    std::string prefix = "{\"services\":[{\"service_id\":";
    append_json_string(prefix, id.service_id);
    prefix += ",\"properties\":{";
    std::string suffix = "},\"event_time\":\"" + huawei_event_time(r.time_ms) + "\"}]}";
    return pack_properties(r, sys(id) + "properties/report", prefix, suffix, kHuaweiMaxPayload,
                           append_json_member);
  }

  DownlinkResult decode_downlink(const DeviceIdentity& id, std::string_view topic,
                                 std::string_view payload) const override {
    const std::string s = sys(id);
    Command c;
    std::string_view rest = topic.starts_with(s) ? topic.substr(s.size()) : std::string_view();
    std::string_view request_id;
    if (take_request(rest, "properties/set/request_id=", request_id)) {
      c.kind = Command::Kind::set_points;
    } else if (take_request(rest, "properties/get/request_id=", request_id)) {
      c.kind = Command::Kind::get_points;
    } else if (take_request(rest, "commands/request_id=", request_id)) {
      c.kind = Command::Kind::run_command;
    } else {
      return downlink_error(DownlinkProblem::unknown_topic,
                            "not an IoTDA request topic of this device: " + std::string(topic));
    }
    c.request_id = std::string(request_id);
    return decode_request(id, std::move(c), payload);
  }

  std::optional<Publication> encode_reply(const DeviceIdentity& id, const Command& c,
                                          const CommandResult& r) const override {
    const bool ok = r.ok && r.code == result_code::ok;
    std::string payload;
    std::string topic = sys(id);
    switch (c.kind) {
      case Command::Kind::set_points:
        topic += "properties/set/response/request_id=" + c.request_id;
        payload = "{\"result_code\":" + std::string(ok ? "0" : "1") + ",\"result_desc\":";
        append_json_string(payload, r.message.empty() ? (ok ? "success" : "failed") : r.message);
        payload += "}";
        break;
      case Command::Kind::get_points:
        topic += "properties/get/response/request_id=" + c.request_id;
        payload = "{\"services\":[{\"service_id\":";
        append_json_string(payload, c.service_id.empty() ? id.service_id : c.service_id);
        payload += ",\"properties\":" + json_fields_object(r.values) + "}]}";
        break;
      case Command::Kind::run_command:
        topic += "commands/response/request_id=" + c.request_id;
        payload = "{\"result_code\":" + std::string(ok ? "0" : "1") + ",\"response_name\":";
        append_json_string(payload, c.name);
        payload += ",\"paras\":" + json_fields_object(r.values) + "}";
        break;
    }
    return Publication{std::move(topic), std::move(payload), 1};
  }

  ConnectOutcome classify_connack(int rc) const override {
    return classify_mqtt_connack(
        rc, {"platform", "client id refused: keepalive outside 30–1200 s or device_id malformed",
             "bad username or password: the device secret does not match device_id (with "
             "check_timestamp the gateway's clock must be right to the hour)",
             "not authorized: the device is frozen or deleted, or the instance's quota is used"});
  }

 private:
  static std::string sys(const DeviceIdentity& id) {
    return "$oc/devices/" + id.device_id + "/sys/";
  }

  static bool take_request(std::string_view rest, std::string_view prefix, std::string_view& id) {
    if (!rest.starts_with(prefix)) return false;
    id = rest.substr(prefix.size());
    return true;
  }

  DownlinkResult decode_request(const DeviceIdentity& id, Command c,
                                std::string_view payload) const {
    auto refuse = [&](std::string reason) {
      std::optional<Publication> reply;
      // Without a request id there is no topic to answer on; the platform times the request out.
      if (!c.request_id.empty() && c.request_id.find_first_of("+#/") == std::string::npos) {
        reply = encode_reply(id, c, {false, result_code::bad_parameter, reason, {}});
      }
      return downlink_error(DownlinkProblem::malformed, std::move(reason), std::move(reply));
    };
    if (c.request_id.empty() || c.request_id.find_first_of("+#/") != std::string::npos) {
      return refuse("the topic's request_id is empty or not one topic level");
    }
    std::string why;
    auto j = parse_json_object(payload, &why);
    if (!j) return refuse(why);
    c.service_id = json_member_text(*j, "service_id");
    std::string bad;
    switch (c.kind) {
      case Command::Kind::set_points: {
        auto services = j->find("services");
        if (services == j->end() || !services->is_array() || services->empty()) {
          return refuse("\"services\" is not a non-empty array");
        }
        for (const auto& service : *services) {
          if (!service.is_object()) return refuse("a service is not an object");
          auto props = service.find("properties");
          if (props == service.end() || !props->is_object()) {
            return refuse("a service has no \"properties\" object");
          }
          if (c.service_id.empty()) c.service_id = json_member_text(service, "service_id");
          auto values = fields_from_json_object(*props, &bad);
          if (!values) return refuse("property \"" + bad + "\" is null");
          for (auto& f : *values) c.values.push_back(std::move(f));
        }
        break;
      }
      case Command::Kind::get_points:
        break;  // the whole service is asked for; values stay empty
      case Command::Kind::run_command: {
        c.name = json_member_text(*j, "command_name");
        if (c.name.empty()) return refuse("no \"command_name\"");
        auto paras = j->find("paras");
        if (paras != j->end()) {
          if (!paras->is_object()) return refuse("\"paras\" is not an object");
          auto values = fields_from_json_object(*paras, &bad);
          if (!values) return refuse("parameter \"" + bad + "\" is null");
          c.values = std::move(*values);
        }
        break;
      }
    }
    DownlinkResult out;
    out.command = std::move(c);
    return out;
  }

  CloudOptions cloud_;
};

// What the configuration needs to know about huawei (platform_rules.hpp).
class HuaweiRules final : public PlatformRules {
 public:
  PlatformKind kind() const override { return PlatformKind::huawei; }
  std::string_view name() const override { return "huawei"; }
  const PlatformDefaults& defaults() const override {
    // IoTDA endpoints are per instance; there is no useful default host.
    static constexpr PlatformDefaults kDefaults{
        "",
        8883,
        8883,
        std::chrono::seconds(120),
        {std::chrono::seconds(30), std::chrono::seconds(1200)},
        true};
    return kDefaults;
  }

  // PLATFORMS.md: 50 uplink messages/s per connection.
  std::optional<double> publish_quota() const override { return 50; }

  std::vector<AuthChoice> auth_choices() const override {
    return {{"secret", AuthMode::secret}, {"cert", AuthMode::cert}};
  }
  AuthMode default_auth(const CloudOptions&,
                        const std::function<bool(std::string_view)>& has) const override {
    return has("cert_file") || has("key_file") ? AuthMode::cert : AuthMode::secret;
  }
  std::vector<IdentityField> identity_fields(AuthMode auth) const override {
    using K = IdentityField::Kind;
    std::vector<IdentityField> fields{{"device_id", K::text, true, &DeviceIdentity::device_id},
                                      {"service_id", K::text, false, &DeviceIdentity::service_id}};
    if (auth == AuthMode::cert) {
      fields.push_back({"cert_file", K::certificate, true, nullptr, &DeviceIdentity::cert_file});
      fields.push_back({"key_file", K::private_key, true, nullptr, &DeviceIdentity::key_file});
    } else {
      fields.push_back({"device_secret", K::secret, true, &DeviceIdentity::device_secret});
    }
    return fields;
  }
  void complete(DeviceIdentity&) const override {}

  std::optional<RuleProblem> check_cloud(const CloudOptions& cloud) const override {
    if (!cloud.tls) return RuleProblem{"tls", "huawei accepts MQTTS only; remove tls = false"};
    return std::nullopt;
  }
  std::optional<RuleProblem> check(const CloudOptions&, const DeviceIdentity& id) const override {
    if (auto p = require_key(id.device_id, "device_id", "for huawei")) return p;
    switch (id.auth) {
      case AuthMode::secret:
        return require_key(id.device_secret, "device_secret_file", "for huawei");
      case AuthMode::cert:
        if (id.cert_file.empty() || id.key_file.empty()) {
          return RuleProblem{"", "huawei auth = \"cert\" needs cert_file and key_file"};
        }
        return std::nullopt;
      default:
        return RuleProblem{"auth", "huawei auth must be \"secret\" or \"cert\""};
    }
  }
  std::vector<std::string> identity_keys(const DeviceIdentity& id) const override {
    return {"device_id \"" + id.device_id + "\""};
  }

  std::unique_ptr<Platform> make(const CloudOptions& cloud, std::filesystem::path) const override {
    return make_huawei_platform(cloud);
  }
};

}  // namespace

const PlatformRules& huawei_rules() {
  static const HuaweiRules rules;
  return rules;
}

std::unique_ptr<Platform> make_huawei_platform(const CloudOptions& cloud) {
  return std::make_unique<HuaweiPlatform>(cloud);
}

std::string huawei_hour_stamp(std::chrono::system_clock::time_point now) {
  return utc_format(unix_seconds(now), "%Y%m%d%H");
}

std::string huawei_password(std::string_view device_secret, std::string_view hour_stamp) {
  return hmac_hex(SignMethod::hmacsha256, hour_stamp, device_secret, HexCase::lower);
}

std::string huawei_event_time(std::int64_t unix_ms) {
  // Floor division: a time before 1970 still lands in the right second.
  std::int64_t s = unix_ms >= 0 ? unix_ms / 1000 : -((-unix_ms + 999) / 1000);
  return utc_format(s, "%Y%m%dT%H%M%SZ");
}

}  // namespace edgegw::northbound
