// Tencent Cloud IoT Hub. See tencent_platform.hpp for the auth modes and payloads.
#include "northbound/tencent_platform.hpp"

#include "northbound/event_payloads.hpp"
#include "northbound/platform_common.hpp"
#include "northbound/platform_payload.hpp"
#include "northbound/platform_rules.hpp"
#include "northbound/signing.hpp"

namespace edgegw::northbound {
namespace {

// `secret` (the default auth value) means the platform's default: TLS-PSK over TLS, else password.
AuthMode tencent_auth(const CloudOptions& cloud, const DeviceIdentity& id) {
  if (id.auth == AuthMode::secret) return cloud.tls ? AuthMode::psk : AuthMode::password;
  return id.auth;
}

class TencentPlatform final : public Platform {
 public:
  explicit TencentPlatform(const CloudOptions& cloud) : cloud_(cloud) {}

  PlatformKind kind() const override { return PlatformKind::tencent; }

  ConnectParams connect_params(const DeviceIdentity& id, std::chrono::system_clock::time_point now,
                               std::string_view connid) const override {
    ConnectParams p = base_connect_params(cloud_, id);
    p.client_id = id.product_id + id.device_name;
    std::string conn = connid.empty() ? random_connid() : std::string(connid);
    auto login = tencent_login(
        id.product_id, id.device_name, id.device_psk, cloud_.tencent.sdkappid, conn,
        unix_seconds(now) + cloud_.tencent.token_lifetime.count(), cloud_.tencent.sign_method);
    p.username = std::move(login.username);
    switch (tencent_auth(cloud_, id)) {
      case AuthMode::password:
        p.password = login.password.value_or("");
        break;
      case AuthMode::cert:
        p.cert_file = id.cert_file;
        p.key_file = id.key_file;
        break;
      default:  // psk
        p.psk_identity = p.client_id;
        p.psk_key = base64_decode(id.device_psk).value_or("");
        break;
    }
    return p;
  }

  std::vector<std::string> subscriptions(const DeviceIdentity& id) const override {
    return {base(id) + "control", action_topic("down", id), event_reply_topic(id)};
  }

  UplinkResult encode_uplink(const DeviceIdentity& id, const store::Record& r) const override {
    if (r.kind == store::RecordKind::event) return encode_tencent_event(id, r);
    std::string prefix = "{\"method\":\"report\",\"clientToken\":";
    append_json_string(prefix, std::to_string(r.seq));
    prefix += ",\"timestamp\":";
    append_decimal(prefix, r.time_ms);
    prefix += ",\"params\":{";
    // The gateway's health are the data template's properties (a console rule reads them there).
    const std::string topic = id.role == IdentityRole::gateway
                                  ? "$thing/up/property/" + id.product_id + "/" + id.device_name
                                  : base(id) + "event";
    return pack_properties(r, topic, prefix, "}}", kTencentMaxPayload, append_json_member);
  }

  DownlinkResult decode_downlink(const DeviceIdentity& id, std::string_view topic,
                                 std::string_view payload) const override {
    if (topic == event_reply_topic(id)) return decode_event_reply(payload);
    const bool data_template = topic == action_topic("down", id);
    if (topic != base(id) + "control" && !data_template) {
      return downlink_error(DownlinkProblem::unknown_topic,
                            "not the control topic of this device: " + std::string(topic));
    }
    std::string why;
    auto j = parse_json_object(payload, &why);
    Command c;
    if (data_template) c.reply_context = kDataTemplate;
    if (j) c.request_id = json_member_text(*j, "clientToken");
    const std::string method = j ? json_member_text(*j, "method") : std::string();
    c.kind = method == "action" ? Command::Kind::run_command : Command::Kind::set_points;
    auto refuse = [&](DownlinkProblem problem, std::string reason) {
      std::optional<Publication> reply;
      if (!c.request_id.empty()) {
        reply = encode_reply(id, c, {false, result_code::bad_parameter, reason, {}});
      }
      return downlink_error(problem, std::move(reason), std::move(reply));
    };
    if (!j) return refuse(DownlinkProblem::malformed, why);
    std::string bad;
    if (!j->contains("method")) {
      // A bare object of point -> value: the simplest control message a user can send by hand.
      auto values = fields_from_json_object(*j, &bad);
      if (!values) return refuse(DownlinkProblem::malformed, "point \"" + bad + "\" is null");
      c.values = std::move(*values);
      DownlinkResult out;
      out.command = std::move(c);
      return out;
    }
    if (method != "control" && method != "action") {
      return refuse(DownlinkProblem::unsupported, "unsupported method \"" + method + "\"");
    }
    if (method == "action") {
      c.name = json_member_text(*j, "actionId");
      if (c.name.empty()) return refuse(DownlinkProblem::malformed, "no \"actionId\"");
    }
    auto params = j->find("params");
    if (params == j->end() || !params->is_object()) {
      if (method == "control" || params != j->end()) {
        return refuse(DownlinkProblem::malformed, "\"params\" is not an object");
      }
    } else {
      auto values = fields_from_json_object(*params, &bad);
      if (!values) return refuse(DownlinkProblem::malformed, "parameter \"" + bad + "\" is null");
      c.values = std::move(*values);
    }
    DownlinkResult out;
    out.command = std::move(c);
    return out;
  }

  std::optional<Publication> encode_reply(const DeviceIdentity& id, const Command& c,
                                          const CommandResult& r) const override {
    if (c.request_id.empty()) return std::nullopt;  // a bare control object expects no answer
    int code = r.code;
    if (!r.ok && code == result_code::ok) code = result_code::device_error;
    std::string payload = "{\"method\":";
    append_json_string(payload,
                       c.kind == Command::Kind::run_command ? "action_reply" : "control_reply");
    payload += ",\"clientToken\":";
    append_json_string(payload, c.request_id);
    payload += ",\"code\":" + std::to_string(code) + ",\"status\":";
    append_json_string(payload, r.message.empty() ? (code == 0 ? "success" : "failed") : r.message);
    if (c.kind == Command::Kind::run_command) {
      payload += ",\"response\":" + json_fields_object(r.values);
    }
    payload += '}';
    // A data-template action ($thing/down/action) is answered on $thing/up/action.
    if (c.reply_context == kDataTemplate) {
      return Publication{action_topic("up", id), std::move(payload), 1};
    }
    return Publication{base(id) + "event", std::move(payload), 1};
  }

  ConnectOutcome classify_connack(int rc) const override {
    return classify_mqtt_connack(
        rc,
        {"platform", "client id refused: product_id + device_name is not a device of this product",
         "bad username or password: device_psk does not match, the signature expired (is "
         "the clock set?), or sdkappid is wrong",
         "not authorized: the device is disabled, or its certificate is not bound to it"});
  }

 private:
  static constexpr const char* kDataTemplate = "data_template";
  static std::string action_topic(std::string_view direction, const DeviceIdentity& id) {
    return "$thing/" + std::string(direction) + "/action/" + id.product_id + "/" + id.device_name;
  }

  static std::string event_reply_topic(const DeviceIdentity& id) {
    return "$thing/down/event/" + id.product_id + "/" + id.device_name;
  }

  // {"method":"event_reply","clientToken":T,"code":C,"status":S}: the cloud's answer to an
  // event_post. PUBACK already removed the record; a code other than 0 (the data template refused
  // the event: unknown eventId, bad params) is logged by the session as a refused message.
  static DownlinkResult decode_event_reply(std::string_view payload) {
    std::string why;
    auto j = parse_json_object(payload, &why);
    if (!j) return downlink_error(DownlinkProblem::malformed, "event_reply: " + why);
    if (json_member_text(*j, "method") != "event_reply") {
      return downlink_error(DownlinkProblem::unsupported,
                            "not an event_reply: \"" + json_member_text(*j, "method") + "\"");
    }
    UplinkAck ack;
    ack.id = json_member_text(*j, "clientToken");
    auto code = j->find("code");
    ack.code = code != j->end() && code->is_number_integer() ? code->get<int>() : 0;
    ack.ok = ack.code == 0;
    ack.message = json_member_text(*j, "status");
    DownlinkResult out;
    out.ack = std::move(ack);
    return out;
  }

  static std::string base(const DeviceIdentity& id) {
    return id.product_id + "/" + id.device_name + "/";
  }

  CloudOptions cloud_;
};

// What the configuration needs to know about tencent (platform_rules.hpp).
class TencentRules final : public PlatformRules {
 public:
  PlatformKind kind() const override { return PlatformKind::tencent; }
  std::string_view name() const override { return "tencent"; }
  const PlatformDefaults& defaults() const override {
    static constexpr PlatformDefaults kDefaults{
        "{product_id}.iotcloud.tencentdevices.com",           8883, 1883, std::chrono::seconds(240),
        {std::chrono::seconds(0), std::chrono::seconds(900)}, true};
    return kDefaults;
  }

  // PLATFORMS.md: 30 uplink messages/s per device; one connect per 5 s per device.
  std::optional<double> publish_quota() const override { return 30; }
  std::chrono::milliseconds min_connect_interval() const override {
    return std::chrono::seconds(5);
  }

  std::vector<AuthChoice> auth_choices() const override {
    return {{"psk", AuthMode::psk}, {"password", AuthMode::password}, {"cert", AuthMode::cert}};
  }
  AuthMode default_auth(const CloudOptions& cloud,
                        const std::function<bool(std::string_view)>&) const override {
    return cloud.tls ? AuthMode::psk : AuthMode::password;
  }
  std::vector<IdentityField> identity_fields(AuthMode auth) const override {
    using K = IdentityField::Kind;
    std::vector<IdentityField> fields{{"product_id", K::text, true, &DeviceIdentity::product_id},
                                      {"device_name", K::text, true, &DeviceIdentity::device_name}};
    if (auth == AuthMode::cert) {
      fields.push_back({"cert_file", K::certificate, true, nullptr, &DeviceIdentity::cert_file});
      fields.push_back({"key_file", K::private_key, true, nullptr, &DeviceIdentity::key_file});
    } else {
      fields.push_back({"device_psk", K::secret, true, &DeviceIdentity::device_psk});
    }
    return fields;
  }
  void complete(DeviceIdentity&) const override {}

  std::optional<RuleProblem> check(const CloudOptions& cloud,
                                   const DeviceIdentity& id) const override {
    if (auto p = require_key(id.product_id, "product_id", "for tencent")) return p;
    if (auto p = require_key(id.device_name, "device_name", "for tencent")) return p;
    const AuthMode auth = tencent_auth(cloud, id);
    if (auth == AuthMode::password && cloud.tls) {
      return RuleProblem{"auth",
                         "tencent auth = \"password\" works only without TLS (port 1883, tls = "
                         "false with allow_plaintext = true); over TLS use auth = \"psk\" or "
                         "\"cert\""};
    }
    if ((auth == AuthMode::psk || auth == AuthMode::cert) && !cloud.tls) {
      return RuleProblem{"auth",
                         "tencent auth = \"psk\" and \"cert\" need tls = true; without TLS use "
                         "auth = \"password\""};
    }
    switch (auth) {
      case AuthMode::password:
        if (cloud.tencent.sign_method == SignMethod::hmacmd5) {
          return RuleProblem{"", "tencent signs with hmacsha1 or hmacsha256, not hmacmd5"};
        }
        [[fallthrough]];
      case AuthMode::psk:
        if (auto p =
                require_key(id.device_psk, "device_psk_file", "for tencent key authentication")) {
          return p;
        }
        if (auto raw = base64_decode(id.device_psk); !raw || raw->empty()) {
          return RuleProblem{"device_psk",
                             "tencent device_psk is not base64 (paste the key as the console "
                             "shows it)"};
        }
        return std::nullopt;
      case AuthMode::cert:
        if (id.cert_file.empty() || id.key_file.empty()) {
          return RuleProblem{"", "tencent auth = \"cert\" needs cert_file and key_file"};
        }
        return std::nullopt;
      default:
        return RuleProblem{"auth", "tencent auth must be \"psk\", \"password\" or \"cert\""};
    }
  }
  std::vector<std::string> identity_keys(const DeviceIdentity& id) const override {
    return {"product_id \"" + id.product_id + "\", device_name \"" + id.device_name + "\""};
  }

  std::unique_ptr<Platform> make(const CloudOptions& cloud, std::filesystem::path) const override {
    return make_tencent_platform(cloud);
  }
};

}  // namespace

const PlatformRules& tencent_rules() {
  static const TencentRules rules;
  return rules;
}

std::unique_ptr<Platform> make_tencent_platform(const CloudOptions& cloud) {
  return std::make_unique<TencentPlatform>(cloud);
}

TencentLogin tencent_login(std::string_view product_id, std::string_view device_name,
                           std::string_view device_psk_base64, std::string_view sdkappid,
                           std::string_view connid, std::int64_t expiry_unix_seconds,
                           SignMethod method) {
  TencentLogin login;
  login.username = std::string(product_id) + std::string(device_name) + ";" +
                   std::string(sdkappid) + ";" + std::string(connid) + ";" +
                   std::to_string(expiry_unix_seconds);
  if (auto key = base64_decode(device_psk_base64)) {
    login.password = hmac_hex(method, *key, login.username, HexCase::lower) + ";" +
                     std::string(to_string(method));
  }
  return login;
}

}  // namespace edgegw::northbound
