// [cloud] and [cloud.<platform>]: the northbound options, with the defaults and the [cloud] rules
// that the chosen platform states itself (northbound/platform_rules.hpp), e.g. huawei without TLS.
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "config/certificate_check.hpp"
#include "config/config_sections.hpp"
#include "config/secrets.hpp"
#include "config/units.hpp"
#include "mqtt/http_proxy.hpp"
#include "mqtt/topic_filter.hpp"
#include "northbound/platform_rules.hpp"
#include "northbound/session_defaults.hpp"

namespace edgegw::config {
namespace {

using namespace std::chrono_literals;
using northbound::AuthMode;
using northbound::PlatformKind;
using northbound::SignMethod;

constexpr std::chrono::seconds kYear{365 * 24 * 3600};

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

std::string lowercase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string file_digest(const std::filesystem::path& path, const EVP_MD* md) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  const std::string data = text.str();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, md, nullptr) != 1) return "";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

// ca_md5 / ca_sha256: a hex digest that must match ca_file's.
void read_ca_pin(TableReader& table, std::string_view key, std::size_t hex_length, const EVP_MD* md,
                 const std::filesystem::path& ca_file, bool ca_file_ok, std::string& out) {
  std::string pin;
  if (!table.read(key, pin)) return;
  pin = lowercase(pin);
  if (pin.size() != hex_length || !is_hex(pin)) {
    table.problem(key, "must be " + std::to_string(hex_length) + " hex digits");
    return;
  }
  if (!table.has("ca_file")) {
    table.problem(key, "a CA pin needs ca_file");
    return;
  }
  if (!ca_file_ok) return;  // ca_file's own problem is reported already
  const std::string actual = file_digest(ca_file, md);
  if (actual != pin) {
    table.problem(key, "does not match " + ca_file.string() + " (its digest is " + actual + ")");
    return;
  }
  out = pin;
}

// Placeholders a host template may use.
void check_host_template(TableReader& table, const std::string& host) {
  static constexpr std::string_view kKnown[] = {"{product_key}", "{product_id}", "{region}",
                                                "{instance_id}"};
  for (std::size_t open = host.find('{'); open != std::string::npos;
       open = host.find('{', open + 1)) {
    const std::size_t close = host.find('}', open);
    const std::string name =
        host.substr(open, close == std::string::npos ? std::string::npos : close - open + 1);
    if (std::find(std::begin(kKnown), std::end(kKnown), name) == std::end(kKnown)) {
      table.problem("host", "unknown placeholder " + name +
                                " (known: {product_key} {product_id} {region} {instance_id})");
    }
  }
}

void read_aliyun(TableReader& t, northbound::AliyunOptions& out) {
  t.read_nonempty("region", out.region);
  t.read("instance_id", out.instance_id);
  t.read_choice("sign_method", out.sign_method,
                {{"hmacmd5", SignMethod::hmacmd5},
                 {"hmacsha1", SignMethod::hmacsha1},
                 {"hmacsha256", SignMethod::hmacsha256}});
  t.read("timestamp", out.timestamp);
  // The registration page says -2; legacy public instances, Link SDK 4.x and LinkKit send 2.
  if (t.read_int("register_securemode", out.register_securemode, -2, 2) &&
      out.register_securemode != -2 && out.register_securemode != 2) {
    t.problem("register_securemode",
              "must be -2 (the registration page) or 2 (legacy public instances, Link SDK 4.x)");
  }
  t.report_unknown_keys();
}

void read_tencent(TableReader& t, northbound::TencentOptions& out) {
  t.read_choice("sign_method", out.sign_method,
                {{"hmacsha1", SignMethod::hmacsha1}, {"hmacsha256", SignMethod::hmacsha256}});
  t.read_nonempty("sdkappid", out.sdkappid);
  t.read_seconds("token_lifetime", out.token_lifetime, 1s, kYear);
  t.report_unknown_keys();
}

void read_huawei(TableReader& t, northbound::HuaweiOptions& out) {
  t.read("check_timestamp", out.check_timestamp);
  t.report_unknown_keys();
}

void read_generic_mqtt(TableReader& t, northbound::GenericMqttOptions& out) {
  // The templates are checked as written: {device} expands to a name without '/', '+' or '#'.
  if (t.read_nonempty("telemetry_topic", out.telemetry_topic)) {
    if (auto problem = mqtt::topic_name_problem(out.telemetry_topic)) {
      t.problem("telemetry_topic", "not a topic one can publish to: it " + std::string(*problem));
    }
  }
  if (t.read_nonempty("event_topic", out.event_topic)) {
    if (auto problem = mqtt::topic_name_problem(out.event_topic)) {
      t.problem("event_topic", "not a topic one can publish to: it " + std::string(*problem));
    }
  }
  if (t.read_nonempty("status_topic", out.status_topic)) {
    if (auto problem = mqtt::topic_name_problem(out.status_topic)) {
      t.problem("status_topic", "not a topic one can publish to: it " + std::string(*problem));
    }
  }
  for (auto [key, topic] : {std::pair{"gateway_telemetry_topic", &out.gateway_telemetry_topic},
                            std::pair{"gateway_event_topic", &out.gateway_event_topic}}) {
    if (t.read(key, *topic) && !topic->empty()) {
      if (auto problem = mqtt::topic_name_problem(*topic)) {
        t.problem(key, "not a topic one can publish to: it " + std::string(*problem));
      }
    }
  }
  // Empty: no commands. A filter: the platform accepts commands on any topic it matches.
  if (t.read("command_topic", out.command_topic) && !out.command_topic.empty()) {
    if (auto problem = mqtt::topic_filter_problem(out.command_topic)) {
      t.problem("command_topic", "not a valid MQTT topic filter: it " + std::string(*problem));
    }
  }
  check_generic_reply_topic(t, out);
  t.report_unknown_keys();
}

void read_platform_tables(TableReader& t, northbound::CloudOptions& out) {
  if (auto sub = t.subtable("aliyun")) read_aliyun(*sub, out.aliyun);
  if (auto sub = t.subtable("tencent")) read_tencent(*sub, out.tencent);
  if (auto sub = t.subtable("huawei")) read_huawei(*sub, out.huawei);
  if (auto sub = t.subtable("mqtt")) read_generic_mqtt(*sub, out.mqtt);
}

void read_websocket_and_proxy(TableReader& t, northbound::CloudOptions& out) {
  t.read_choice("transport", out.websocket, {{"mqtt", false}, {"websocket", true}});
  if (t.read_nonempty("ws_path", out.ws_path)) {
    if (out.ws_path.front() != '/' || out.ws_path.find_first_of(" \t\r\n#") != std::string::npos) {
      t.problem("ws_path", "must start with / and hold no spaces or #");
    }
    if (!out.websocket) t.problem("ws_path", "applies only with transport = \"websocket\"");
  }
  if (t.read_nonempty("proxy", out.proxy)) {
    std::string problem;
    if (!mqtt::parse_proxy_url(out.proxy, &problem)) t.problem("proxy", problem);
  }
  if (t.read("no_proxy", out.no_proxy) && out.proxy.empty()) {
    t.problem("no_proxy", "applies only with proxy set");
  }
}

void read_transport(TableReader& t, northbound::CloudOptions& out,
                    const northbound::PlatformDefaults& defaults) {
  t.read("allow_plaintext", out.allow_plaintext);
  t.read("tls", out.tls);
  if (auto problem = northbound::platform_rules(out.platform).check_cloud(out)) {
    t.problem(problem->key, problem->message);
  } else if (!out.tls && !out.allow_plaintext) {
    t.problem("tls",
              "tls = false sends secrets in clear text; set allow_plaintext = true to "
              "accept that");
  }
  read_websocket_and_proxy(t, out);
  // Vendors serve MQTT over WebSocket on the HTTPS/HTTP ports (docs/platforms.md).
  if (out.websocket) {
    out.port = out.tls ? 443 : 80;
  } else {
    out.port = out.tls ? defaults.tls_port : defaults.plain_port;
  }
  t.read_int("port", out.port, 1, 65535);

  out.host = northbound::platform_rules(out.platform).default_host(out);
  if (t.read_nonempty("host", out.host)) check_host_template(t, out.host);
  if (out.host.empty()) t.require("host");

  bool ca_ok = read_file_path(t, "ca_file", out.ca_file, false);
  if (ca_ok) {
    if (auto problem = check_certificate_file(out.ca_file, CertificateRole::trust_anchor,
                                              std::chrono::system_clock::now())) {
      t.problem("ca_file", *problem);
    }
  }
  read_ca_pin(t, "ca_md5", 32, EVP_md5(), out.ca_file, ca_ok, out.ca_md5);
  read_ca_pin(t, "ca_sha256", 64, EVP_sha256(), out.ca_file, ca_ok, out.ca_sha256);
  t.read_choice("ocsp", out.ocsp,
                {{"off", northbound::OcspMode::off},
                 {"prefer", northbound::OcspMode::prefer},
                 {"require", northbound::OcspMode::require}});
}

}  // namespace

// A keepalive outside the platform's range is refused by the platform at CONNECT: say so now.
void check_keepalive_range(TableReader& t, std::string_view key, PlatformKind platform,
                           std::chrono::seconds keepalive) {
  const northbound::PlatformRules& rules = northbound::platform_rules(platform);
  const auto range = rules.defaults().keepalive_range;
  if (!range.contains(keepalive)) {
    t.problem(key, format_duration(keepalive) + " is outside " + std::string(rules.name()) +
                       "'s keepalive range " + format_duration(range.min) + ".." +
                       format_duration(range.max));
  }
}

void read_cloud(TableReader& t, northbound::CloudOptions& out) {
  t.require("platform");
  std::string platform;
  if (t.read("platform", platform)) {
    if (auto kind = northbound::parse_platform(platform)) {
      out.platform = *kind;
    } else {
      t.problem("platform",
                "must be one of " + northbound::platform_names() + " (got \"" + platform + "\")");
    }
  }
  const auto& defaults = northbound::platform_rules(out.platform).defaults();
  read_platform_tables(t, out);  // first: the aliyun host default depends on instance_id
  read_transport(t, out, defaults);

  out.keepalive = defaults.keepalive;
  if (t.read_seconds("keepalive", out.keepalive, 0s, 65535s)) {
    check_keepalive_range(t, "keepalive", out.platform, out.keepalive);
  }
  t.read_duration("backoff_min", out.backoff_min, 10ms, 1h);
  if (t.read_duration("backoff_max", out.backoff_max, 10ms, 24h) &&
      out.backoff_max < out.backoff_min) {
    t.problem("backoff_max",
              "must not be less than backoff_min (" + format_duration(out.backoff_min) + ")");
  }
  t.read_number("connects_per_second", out.connects_per_second, 0, 100000, true);
  t.read_int("max_connecting", out.max_connecting, 0, 100000);
  t.read_int("max_inflight", out.max_inflight, 1, 65535);
  out.publish_rate = northbound::default_publish_rate(out.platform);
  t.read_number("publish_rate", out.publish_rate, 0, 100000, true);
  t.read_choice("mode", out.mode,
                {std::pair{std::string_view("device"), northbound::CloudMode::device},
                 std::pair{std::string_view("gateway"), northbound::CloudMode::gateway}});
  t.read_number("sub_logins_per_second", out.sub_logins_per_second, 0.1, 1000, false);
  t.report_unknown_keys();
}

}  // namespace edgegw::config
