// The generic MQTT platform: no signing; commands on command_topic answered on reply_topic
// (generic_mqtt_commands.cpp); the broker's own CONNACK codes.
#include "northbound/generic_mqtt_platform.hpp"

#include <algorithm>

#include "mqtt/topic_filter.hpp"
#include "northbound/event_payloads.hpp"
#include "northbound/generic_mqtt_commands.hpp"
#include "northbound/platform_common.hpp"
#include "northbound/platform_payload.hpp"
#include "northbound/platform_rules.hpp"

namespace edgegw::northbound {
namespace {

class GenericMqttPlatform final : public Platform {
 public:
  explicit GenericMqttPlatform(const CloudOptions& cloud) : cloud_(cloud) {}

  PlatformKind kind() const override { return PlatformKind::mqtt; }

  ConnectParams connect_params(const DeviceIdentity& id, std::chrono::system_clock::time_point,
                               std::string_view) const override {
    ConnectParams p = base_connect_params(cloud_, id);
    p.client_id = id.client_id.empty() ? id.device : id.client_id;
    if (id.auth != AuthMode::none) {
      p.username = id.username;
      p.password = id.password;
      p.cert_file = id.cert_file;
      p.key_file = id.key_file;
    }
    return p;
  }

  std::vector<std::string> subscriptions(const DeviceIdentity& id) const override {
    if (cloud_.mqtt.command_topic.empty()) return {};  // commands switched off
    return {command_topic(id)};
  }

  UplinkResult encode_uplink(const DeviceIdentity& id, const store::Record& r) const override {
    if (r.kind == store::RecordKind::event) {
      const bool own = id.role == IdentityRole::gateway && !cloud_.mqtt.gateway_event_topic.empty();
      return encode_mqtt_event(id, r,
                               own ? cloud_.mqtt.gateway_event_topic : cloud_.mqtt.event_topic);
    }
    if (r.kind == store::RecordKind::device_status) return encode_status(id, r);
    std::string prefix = "{\"device\":";
    append_json_string(prefix, id.device);
    prefix += ",\"seq\":";
    append_decimal(prefix, r.seq);
    prefix += ",\"time\":";
    append_decimal(prefix, r.time_ms);
    prefix += ",\"values\":{";
    return pack_record(r, telemetry_topic(id), prefix, "}}", kMqttMaxPayload, append_json_member);
  }

  DownlinkResult decode_downlink(const DeviceIdentity& id, std::string_view topic,
                                 std::string_view payload) const override {
    if (cloud_.mqtt.command_topic.empty() || !mqtt::topic_matches(command_topic(id), topic)) {
      return downlink_error(DownlinkProblem::unknown_topic,
                            "not the command topic of this device: " + std::string(topic));
    }
    std::string why;
    auto j = parse_json_object(payload, &why);
    if (!j) return downlink_error(DownlinkProblem::malformed, why);
    return decode_generic_command(*j, reply_topic(id));
  }

  std::optional<Publication> encode_reply(const DeviceIdentity& id, const Command& c,
                                          const CommandResult& r) const override {
    return encode_generic_reply(reply_topic(id), c, r);
  }

  ConnectOutcome classify_connack(int rc) const override {
    return classify_mqtt_connack(
        rc, {"broker", "the broker refused the client id",
             "the broker refused the username or password",
             "not authorized: the broker refused these credentials or this certificate"});
  }

 private:
  // Online/offline on its own topic: on the telemetry topic it would read as a point "online".
  UplinkResult encode_status(const DeviceIdentity& id, const store::Record& r) const {
    UplinkResult result;
    auto online = std::find_if(r.fields.begin(), r.fields.end(), [](const store::Field& f) {
      return f.name == "online" && std::holds_alternative<bool>(f.value);
    });
    if (online == r.fields.end()) {
      result.error =
          UplinkError{UplinkProblem::empty_record,
                      "device status record " + std::to_string(r.seq) + " has no boolean 'online'"};
      return result;
    }
    std::string payload = std::get<bool>(online->value) ? "{\"online\":true" : "{\"online\":false";
    payload += ",\"time\":" + std::to_string(r.time_ms) + "}";
    result.publications.push_back(
        {expand_template(cloud_.mqtt.status_topic, {{"device", id.device}}), std::move(payload),
         1});
    return result;
  }
  std::string telemetry_topic(const DeviceIdentity& id) const {
    const bool own =
        id.role == IdentityRole::gateway && !cloud_.mqtt.gateway_telemetry_topic.empty();
    return expand_template(own ? cloud_.mqtt.gateway_telemetry_topic : cloud_.mqtt.telemetry_topic,
                           {{"device", id.device}});
  }
  std::string command_topic(const DeviceIdentity& id) const {
    return expand_template(cloud_.mqtt.command_topic, {{"device", id.device}});
  }
  std::string reply_topic(const DeviceIdentity& id) const {
    if (!cloud_.mqtt.reply_topic.empty()) {
      return expand_template(cloud_.mqtt.reply_topic, {{"device", id.device}});
    }
    // Beside the command topic; a filter has no "beside" (config requires reply_topic then).
    const std::string commands = command_topic(id);
    if (commands.find_first_of("+#") != std::string::npos) return {};
    return commands + "/reply";
  }

  CloudOptions cloud_;
};

// What the configuration needs to know about a generic MQTT broker (platform_rules.hpp).
class GenericMqttRules final : public PlatformRules {
 public:
  PlatformKind kind() const override { return PlatformKind::mqtt; }
  std::string_view name() const override { return "mqtt"; }
  const PlatformDefaults& defaults() const override {
    static constexpr PlatformDefaults kDefaults{
        "",
        8883,
        1883,
        std::chrono::seconds(60),
        {std::chrono::seconds(0), std::chrono::seconds(65535)},
        false};
    return kDefaults;
  }

  std::vector<AuthChoice> auth_choices() const override { return {}; }
  AuthMode default_auth(const CloudOptions&,
                        const std::function<bool(std::string_view)>& has) const override {
    return has("cert_file") || has("key_file") ? AuthMode::cert : AuthMode::password;
  }
  std::vector<IdentityField> identity_fields(AuthMode auth) const override {
    using K = IdentityField::Kind;
    std::vector<IdentityField> fields{
        {"client_id", K::text, false, &DeviceIdentity::client_id},
        {"username", K::text, false, &DeviceIdentity::username, nullptr, true},
        {"password", K::secret, false, &DeviceIdentity::password}};
    if (auth == AuthMode::cert) {
      fields.push_back({"cert_file", K::certificate, true, nullptr, &DeviceIdentity::cert_file});
      fields.push_back({"key_file", K::private_key, true, nullptr, &DeviceIdentity::key_file});
    }
    return fields;
  }
  // Without [device.cloud] too: the client id is the device's name and there is no login.
  void complete(DeviceIdentity& id) const override {
    if (id.client_id.empty()) id.client_id = id.device;
    if (!id.cert_file.empty()) {
      id.auth = AuthMode::cert;
    } else {
      id.auth = id.username.empty() ? AuthMode::none : AuthMode::password;
    }
  }
  bool identity_optional() const override { return true; }

  std::optional<RuleProblem> check(const CloudOptions& cloud,
                                   const DeviceIdentity& id) const override {
    if (id.cert_file.empty() != id.key_file.empty()) {
      return RuleProblem{"", "cert_file and key_file go together"};
    }
    if (!id.cert_file.empty() && !cloud.tls) {
      return RuleProblem{"cert_file", "a client certificate needs tls = true"};
    }
    if (id.auth == AuthMode::cert && id.cert_file.empty()) {
      return RuleProblem{"", "auth = \"cert\" needs cert_file and key_file"};
    }
    if (!id.password.empty() && id.username.empty()) {
      return RuleProblem{"password", "MQTT sends a password only with a username; set username"};
    }
    return std::nullopt;
  }
  std::vector<std::string> identity_keys(const DeviceIdentity& id) const override {
    return {"client_id \"" + id.client_id + "\""};
  }

  std::unique_ptr<Platform> make(const CloudOptions& cloud, std::filesystem::path) const override {
    return make_generic_mqtt_platform(cloud);
  }
};

}  // namespace

const PlatformRules& generic_mqtt_rules() {
  static const GenericMqttRules rules;
  return rules;
}

std::unique_ptr<Platform> make_generic_mqtt_platform(const CloudOptions& cloud) {
  return std::make_unique<GenericMqttPlatform>(cloud);
}

}  // namespace edgegw::northbound
