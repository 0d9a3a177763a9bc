// Alibaba Cloud IoT Platform (PLATFORMS.md "Alibaba Cloud IoT Platform"). See aliyun_platform.hpp
// for the topics. Alink codes: 200 ok, 400 request error, 460 bad parameter, 429 too many requests.
#include "northbound/aliyun_platform.hpp"

#include "northbound/aliyun_signing.hpp"
#include "northbound/event_payloads.hpp"
#include "northbound/platform_common.hpp"
#include "northbound/platform_payload.hpp"
#include "northbound/platform_rules.hpp"
#include "northbound/registration_store.hpp"

namespace edgegw::northbound {
namespace {

constexpr int kAlinkOk = 200;
constexpr int kAlinkRequestError = 400;
constexpr int kAlinkBadParameter = 460;
constexpr int kAlinkTooManyRequests = 429;

int alink_code(const CommandResult& r) {
  if (r.ok && r.code == result_code::ok) return kAlinkOk;
  switch (r.code) {
    case result_code::bad_parameter:
    case result_code::not_supported:  // an unknown service: what Alink answers it with today
      return kAlinkBadParameter;
    case result_code::busy:
      return kAlinkTooManyRequests;
    default:
      return kAlinkRequestError;
  }
}

// {"code":C,"data":DATA,"id":"ID","message":"M","version":"1.0"}, the key order of the Alink pages.
std::string alink_reply(int code, std::string_view data, std::string_view id,
                        std::string_view message) {
  std::string out =
      "{\"code\":" + std::to_string(code) + ",\"data\":" + std::string(data) + ",\"id\":";
  append_json_string(out, id);
  out += ",\"message\":";
  append_json_string(out, message);
  out += ",\"version\":\"1.0\"}";
  return out;
}

class AliyunPlatform final : public Platform {
 public:
  AliyunPlatform(const CloudOptions& cloud, std::filesystem::path state_dir)
      : cloud_(cloud), store_(std::move(state_dir)) {}

  PlatformKind kind() const override { return PlatformKind::aliyun; }

  ConnectParams connect_params(const DeviceIdentity& id, std::chrono::system_clock::time_point now,
                               std::string_view connid) const override {
    ConnectParams p = base_connect_params(cloud_, id);
    const std::string client_id = base_client_id(id);
    const SignMethod method = cloud_.aliyun.sign_method;
    std::optional<std::int64_t> ts;
    if (cloud_.aliyun.timestamp) ts = unix_ms(now);
    MqttLogin login;
    switch (id.auth) {
      case AuthMode::token:
        login = aliyun_token_login(client_id, id.product_key, id.device_name, id.device_token);
        break;
      case AuthMode::register_:
      case AuthMode::register_nwl: {
        auto loaded = store_.load(id);
        if (!loaded.problem.empty()) {
          p.problem = loaded.problem;
        } else if (!loaded.registration) {
          // Not registered yet: the registration connect. Any unique string will do as `random`;
          // the caller's connid when given (fixed in tests and `edgegw credentials`).
          std::string random = connid.empty() ? std::to_string(unix_ms(now)) : std::string(connid);
          login = aliyun_registration_login(
              client_id, id.product_key, id.device_name, id.product_secret, method, random,
              id.auth == AuthMode::register_nwl, cloud_.aliyun.register_securemode,
              cloud_.aliyun.instance_id);
          p.purpose = ConnectPurpose::registration;
        } else if (!loaded.registration->device_secret.empty()) {
          login = aliyun_secret_login(client_id, id.product_key, id.device_name,
                                      loaded.registration->device_secret, method, ts, p.tls);
        } else {
          login = aliyun_token_login(loaded.registration->client_id, id.product_key, id.device_name,
                                     loaded.registration->device_token);
        }
        break;
      }
      default:
        login = aliyun_secret_login(client_id, id.product_key, id.device_name, id.device_secret,
                                    method, ts, p.tls);
        break;
    }
    p.client_id = std::move(login.client_id);
    p.username = std::move(login.username);
    p.password = std::move(login.password);
    return p;
  }

  std::vector<std::string> subscriptions(const DeviceIdentity& id) const override {
    auto t = thing(id);
    return {t + "service/property/set", t + "service/property/get", t + "service/+",
            t + "event/+/post_reply", rrpc(id) + "request/+"};
  }

  UplinkResult encode_uplink(const DeviceIdentity& id, const store::Record& r) const override {
    if (r.kind == store::RecordKind::event) return encode_aliyun_event(id, r);
    std::string prefix = "{\"id\":";
    append_json_string(prefix, alink_id(r.seq));
    prefix += ",\"version\":\"1.0\",\"params\":{";
    const std::string time = std::to_string(r.time_ms);
    return pack_properties(r, thing(id) + "event/property/post", prefix,
                           "},\"method\":\"thing.event.property.post\"}", kAliyunMaxPayload,
                           [&time](std::string& piece, const store::Field& f) {
                             append_json_string(piece, f.name);
                             piece += ":{\"value\":";
                             append_json_value(piece, f.value);
                             piece += ",\"time\":";
                             piece += time;
                             piece += '}';
                           });
  }

  DownlinkResult decode_downlink(const DeviceIdentity& id, std::string_view topic,
                                 std::string_view payload) const override {
    DownlinkResult out;
    if (topic == "/ext/register" || topic == "/ext/regnwl") {
      auto parsed = parse_aliyun_registration(topic, payload);
      if (parsed.registration && (parsed.registration->product_key != id.product_key ||
                                  parsed.registration->device_name != id.device_name)) {
        parsed = {std::nullopt, "the registration answer names another device"};
      }
      if (!parsed.registration) return downlink_error(DownlinkProblem::malformed, parsed.problem);
      out.registration = std::move(parsed.registration);
      return out;
    }
    if (topic.starts_with(rrpc(id) + "request/")) {
      return decode_rrpc(id, topic.substr(rrpc(id).size() + 8), payload);
    }
    const std::string t = thing(id);
    if (!topic.starts_with(t)) return unknown(topic);
    std::string_view rest = topic.substr(t.size());
    if (rest == "event/property/post_reply") return decode_post_reply(payload);
    if (is_event_post_reply(rest)) return decode_post_reply(payload);
    if (rest.starts_with("service/")) {
      std::string_view service = rest.substr(8);
      if (service == "property/set") {
        return decode_service(id, payload, Command::Kind::set_points, "");
      }
      if (service == "property/get") {
        return decode_service(id, payload, Command::Kind::get_points, "");
      }
      if (!service.empty() && service.find('/') == std::string_view::npos) {
        // service/+ also brings back our own replies to services (service/<name>_reply): the
        // broker echoes what we publish on a topic we are subscribed to. Nothing to do with them.
        if (service.ends_with("_reply")) return {};
        return decode_service(id, payload, Command::Kind::run_command, std::string(service));
      }
    }
    return unknown(topic);
  }

  std::optional<Publication> encode_reply(const DeviceIdentity& id, const Command& c,
                                          const CommandResult& r) const override {
    std::string message = r.message.empty() ? (r.ok ? "success" : "failed") : r.message;
    const bool with_data = c.kind != Command::Kind::set_points;
    std::string payload = alink_reply(
        alink_code(r), with_data ? json_fields_object(r.values) : "{}", c.request_id, message);
    // An RRPC call is answered on its response topic, at QoS 0 (the only QoS RRPC takes).
    if (c.reply_context.starts_with(kRrpcContext)) {
      return Publication{rrpc(id) + "response/" + c.reply_context.substr(kRrpcContext.size()),
                         std::move(payload), 0};
    }
    switch (c.kind) {
      case Command::Kind::set_points:
        return Publication{thing(id) + "service/property/set_reply", std::move(payload), 1};
      case Command::Kind::get_points:
        return Publication{thing(id) + "service/property/get_reply", std::move(payload), 1};
      case Command::Kind::run_command:
        return Publication{thing(id) + "service/" + c.name + "_reply", std::move(payload), 1};
    }
    return std::nullopt;
  }

  ConnectOutcome classify_connack(int rc) const override {
    return classify_mqtt_connack(
        rc, {"platform",
             "client id refused: client_id longer than 64 characters or bad extension "
             "parameters (sign_method, instance_id)",
             "bad username or password: the device secret (or token, or product secret) does "
             "not match product_key/device_name",
             "not authorized: the device is disabled, deleted, or (registration) already "
             "activated"});
  }

  std::optional<std::string> save_registration(const DeviceIdentity& id,
                                               const Registration& r) const override {
    if (r.product_key != id.product_key || r.device_name != id.device_name) {
      return std::string("the registration names another device");
    }
    if (r.device_secret.empty() && (r.client_id.empty() || r.device_token.empty())) {
      return std::string("the registration holds neither a device secret nor client id and token");
    }
    return store_.save(id, r);
  }

 private:
  // event/{identifier}/post_reply: the answer to an event (property/post_reply is matched first).
  static bool is_event_post_reply(std::string_view rest) {
    if (!rest.starts_with("event/") || !rest.ends_with("/post_reply")) return false;
    return valid_event_identifier(rest.substr(6, rest.size() - 6 - 11));
  }

  static std::string thing(const DeviceIdentity& id) {
    return "/sys/" + id.product_key + "/" + id.device_name + "/thing/";
  }

  static std::string rrpc(const DeviceIdentity& id) {
    return "/sys/" + id.product_key + "/" + id.device_name + "/rrpc/";
  }
  static constexpr std::string_view kRrpcContext = "rrpc:";

  // /sys/{pk}/{dn}/rrpc/request/{messageId}: an Alink request (its "method" says which) answered
  // on rrpc/response/{messageId} within the caller's timeout (1–8 s).
  DownlinkResult decode_rrpc(const DeviceIdentity& id, std::string_view message_id,
                             std::string_view payload) const {
    if (message_id.empty() || message_id.find('/') != std::string_view::npos) {
      return downlink_error(DownlinkProblem::malformed, "RRPC request without a message id");
    }
    std::string why;
    auto j = parse_json_object(payload, &why);
    const std::string method = j ? json_member_text(*j, "method") : std::string();
    constexpr std::string_view kService = "thing.service.";
    DownlinkResult out;
    if (method == "thing.service.property.set") {
      out = decode_service(id, payload, Command::Kind::set_points, "");
    } else if (method == "thing.service.property.get") {
      out = decode_service(id, payload, Command::Kind::get_points, "");
    } else if (method.starts_with(kService) && method.size() > kService.size()) {
      out = decode_service(id, payload, Command::Kind::run_command, method.substr(kService.size()));
    } else {
      return downlink_error(DownlinkProblem::unsupported,
                            "RRPC request with method \"" + method + "\" (not an Alink service)");
    }
    const std::string context = std::string(kRrpcContext) + std::string(message_id);
    if (out.command) out.command->reply_context = context;
    if (out.error && out.error->reply) {
      out.error->reply->topic = rrpc(id) + "response/" + std::string(message_id);
      out.error->reply->qos = 0;
    }
    return out;
  }

  static std::string base_client_id(const DeviceIdentity& id) {
    return id.client_id.empty() ? id.product_key + "." + id.device_name : id.client_id;
  }

  // Alink ids are decimal strings 0–4294967295; the sequence wraps into that range.
  static std::string alink_id(std::uint64_t seq) { return std::to_string(seq % 4294967296ull); }

  static DownlinkResult unknown(std::string_view topic) {
    return downlink_error(DownlinkProblem::unknown_topic,
                          "not an Alink topic of this device: " + std::string(topic));
  }

  static DownlinkResult decode_post_reply(std::string_view payload) {
    std::string why;
    auto j = parse_json_object(payload, &why);
    if (!j) return downlink_error(DownlinkProblem::malformed, "post_reply: " + why);
    UplinkAck ack;
    ack.id = json_member_text(*j, "id");
    auto code = j->find("code");
    ack.code = code != j->end() && code->is_number_integer() ? code->get<int>() : 0;
    ack.ok = ack.code == kAlinkOk;
    auto msg = j->find("message");
    if (msg != j->end() && msg->is_string()) ack.message = msg->get<std::string>();
    DownlinkResult out;
    out.ack = std::move(ack);
    return out;
  }

  DownlinkResult decode_service(const DeviceIdentity& id, std::string_view payload,
                                Command::Kind kind, std::string name) const {
    DownlinkResult out;
    std::string why;
    auto j = parse_json_object(payload, &why);
    Command c;
    c.kind = kind;
    c.name = std::move(name);
    if (j) c.request_id = json_member_text(*j, "id");
    auto refuse = [&](int code, std::string reason) {
      std::optional<Publication> reply;
      if (!c.request_id.empty()) {
        CommandResult r{
            false,
            code == kAlinkBadParameter ? result_code::bad_parameter : result_code::device_error,
            reason,
            {}};
        reply = encode_reply(id, c, r);
      }
      return downlink_error(DownlinkProblem::malformed, std::move(reason), std::move(reply));
    };
    if (!j) return refuse(kAlinkRequestError, why);
    if (c.request_id.empty()) return refuse(kAlinkRequestError, "no \"id\"");
    auto params = j->find("params");
    if (kind == Command::Kind::get_points) {
      // params: the identifiers asked for, ["power","temp"]; none or [] asks for every one known.
      if (params != j->end() && !params->is_array()) {
        return refuse(kAlinkBadParameter, "\"params\" is not an array of identifiers");
      }
      if (params != j->end()) {
        for (const auto& name : *params) {
          if (!name.is_string()) return refuse(kAlinkBadParameter, "an identifier is not text");
          c.values.push_back({name.get<std::string>(), false});
        }
      }
      out.command = std::move(c);
      return out;
    }
    if (params == j->end() || !params->is_object()) {
      return refuse(kAlinkBadParameter, "\"params\" is not an object");
    }
    std::string bad;
    auto values = fields_from_json_object(*params, &bad);
    if (!values) return refuse(kAlinkBadParameter, "parameter \"" + bad + "\" is null");
    c.values = std::move(*values);
    out.command = std::move(c);
    return out;
  }

  CloudOptions cloud_;
  RegistrationStore store_;
};

// What the configuration needs to know about aliyun (platform_rules.hpp).
class AliyunRules final : public PlatformRules {
 public:
  PlatformKind kind() const override { return PlatformKind::aliyun; }
  std::string_view name() const override { return "aliyun"; }
  const PlatformDefaults& defaults() const override {
    // Legacy public instance; newer instances use {instance_id}.mqtt.iothub.aliyuncs.com.
    static constexpr PlatformDefaults kDefaults{
        "{product_key}.iot-as-mqtt.{region}.aliyuncs.com",
        8883,
        1883,
        std::chrono::seconds(300),
        {std::chrono::seconds(30), std::chrono::seconds(1200)},
        true};
    return kDefaults;
  }
  std::string default_host(const CloudOptions& cloud) const override {
    if (!cloud.aliyun.instance_id.empty()) return "{instance_id}.mqtt.iothub.aliyuncs.com";
    return std::string(defaults().host);
  }

  // Alibaba's limits page: 30 uplink messages/s per device (not in PLATFORMS.md).
  std::optional<double> publish_quota() const override { return 30; }

  std::vector<AuthChoice> auth_choices() const override {
    return {{"secret", AuthMode::secret},
            {"token", AuthMode::token},
            {"register", AuthMode::register_},
            {"register_nwl", AuthMode::register_nwl}};
  }
  AuthMode default_auth(const CloudOptions&,
                        const std::function<bool(std::string_view)>&) const override {
    return AuthMode::secret;
  }
  std::vector<IdentityField> identity_fields(AuthMode auth) const override {
    using K = IdentityField::Kind;
    std::vector<IdentityField> fields{{"product_key", K::text, true, &DeviceIdentity::product_key},
                                      {"device_name", K::text, true, &DeviceIdentity::device_name},
                                      {"client_id", K::text, false, &DeviceIdentity::client_id}};
    if (auth == AuthMode::secret) {
      fields.push_back({"device_secret", K::secret, true, &DeviceIdentity::device_secret});
    } else if (auth == AuthMode::token) {
      fields.push_back({"device_token", K::secret, true, &DeviceIdentity::device_token});
    } else {
      fields.push_back({"product_secret", K::secret, true, &DeviceIdentity::product_secret});
    }
    return fields;
  }
  void complete(DeviceIdentity& id) const override {
    if (id.client_id.empty()) id.client_id = id.product_key + "." + id.device_name;
  }

  std::optional<RuleProblem> check(const CloudOptions& cloud,
                                   const DeviceIdentity& id) const override {
    if (auto p = require_key(id.product_key, "product_key", "for aliyun")) return p;
    if (auto p = require_key(id.device_name, "device_name", "for aliyun")) return p;
    const std::string client_id =
        id.client_id.empty() ? id.product_key + "." + id.device_name : id.client_id;
    if (client_id.size() > 64) {
      return RuleProblem{"client_id", "aliyun client_id \"" + client_id + "\" is " +
                                          std::to_string(client_id.size()) +
                                          " characters; the platform allows at most 64 (set "
                                          "client_id to something shorter)"};
    }
    if (client_id.find('|') != std::string::npos) {
      return RuleProblem{"",
                         "aliyun client_id must not contain '|' (it separates the extension "
                         "parameters)"};
    }
    switch (id.auth) {
      case AuthMode::secret:
        return require_key(id.device_secret, "device_secret_file", "for aliyun auth = \"secret\"");
      case AuthMode::token:
        return require_key(id.device_token, "device_token_file", "for aliyun auth = \"token\"");
      case AuthMode::register_:
      case AuthMode::register_nwl:
        if (!cloud.tls) {
          return RuleProblem{"auth",
                             "aliyun dynamic registration works only over TLS: set tls = "
                             "true"};
        }
        return require_key(id.product_secret, "product_secret_file",
                           "for aliyun auth = \"register\" / \"register_nwl\"");
      default:
        return RuleProblem{"auth",
                           "aliyun auth must be \"secret\", \"token\", \"register\" or "
                           "\"register_nwl\""};
    }
  }
  std::vector<std::string> identity_keys(const DeviceIdentity& id) const override {
    return {"product_key \"" + id.product_key + "\", device_name \"" + id.device_name + "\"",
            "client_id \"" + id.client_id + "\""};
  }

  std::unique_ptr<Platform> make(const CloudOptions& cloud,
                                 std::filesystem::path state_dir) const override {
    return make_aliyun_platform(cloud, std::move(state_dir));
  }
};

}  // namespace

const PlatformRules& aliyun_rules() {
  static const AliyunRules rules;
  return rules;
}

std::unique_ptr<Platform> make_aliyun_platform(const CloudOptions& cloud,
                                               std::filesystem::path state_dir) {
  return std::make_unique<AliyunPlatform>(cloud, std::move(state_dir));
}

RegistrationParse parse_aliyun_registration(std::string_view topic, std::string_view payload) {
  std::string why;
  auto j = parse_json_object(payload, &why);
  if (!j) return {std::nullopt, std::string(topic) + ": " + why};
  Registration r;
  r.product_key = json_member_text(*j, "productKey");
  r.device_name = json_member_text(*j, "deviceName");
  if (r.product_key.empty() || r.device_name.empty()) {
    return {std::nullopt, std::string(topic) + ": no productKey/deviceName"};
  }
  if (topic == "/ext/register") {
    r.device_secret = json_member_text(*j, "deviceSecret");
    if (r.device_secret.empty()) return {std::nullopt, "/ext/register: no deviceSecret"};
  } else if (topic == "/ext/regnwl") {
    r.client_id = json_member_text(*j, "clientId");
    r.device_token = json_member_text(*j, "deviceToken");
    if (r.client_id.empty() || r.device_token.empty()) {
      return {std::nullopt, "/ext/regnwl: no clientId/deviceToken"};
    }
  } else {
    return {std::nullopt, "not a registration topic: " + std::string(topic)};
  }
  return {std::move(r), {}};
}

}  // namespace edgegw::northbound
