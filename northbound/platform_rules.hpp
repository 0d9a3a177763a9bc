// What one cloud platform tells the configuration before anything connects, kept with that
// platform's Platform class in its own file (aliyun_platform.cpp, tencent_platform.cpp, ...): its
// name and defaults, the keys a device identity has for each auth mode, the values it derives, its
// checks (each rule written once, here, and run both by `edgegw check` and before a connect), what
// makes two identities the same session, and the factory of its Platform.
//
// config/ asks platform_rules(kind) and never switches on the platform kind. Adding a cloud is a
// PlatformKind value, one new file implementing PlatformRules and Platform, and one line in the
// registry (platform_rules.cpp).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "northbound/cloud_options.hpp"
#include "northbound/platform_defaults.hpp"

namespace edgegw::northbound {

class Platform;

// One key of [device.cloud] and where its value goes.
struct IdentityField {
  enum class Kind {
    text,         // a non-empty string
    secret,       // `key` inline or `key_file` (read, permission-checked); a string member
    certificate,  // a client certificate file (must be valid now); a path member
    private_key,  // a private key file (permission-checked); a path member
  };
  std::string_view key;
  Kind kind = Kind::text;
  bool required = false;
  std::string DeviceIdentity::*text = nullptr;            // text and secret
  std::filesystem::path DeviceIdentity::*path = nullptr;  // certificate and private_key
  bool allow_empty = false;                               // text: "" is a value
};

struct AuthChoice {
  std::string_view name;  // the value of `auth` in [device.cloud]
  AuthMode mode;
};

// A problem with a configuration, for the person editing it. `key` is where it belongs ("auth",
// "client_id", "tls"), or empty for the table as a whole.
struct RuleProblem {
  std::string key;
  std::string message;
  bool operator==(const RuleProblem&) const = default;
};

class PlatformRules {
 public:
  virtual ~PlatformRules() = default;

  virtual PlatformKind kind() const = 0;
  virtual std::string_view name() const = 0;  // "aliyun", as `platform =` names it
  virtual const PlatformDefaults& defaults() const = 0;
  // The endpoint when [cloud] has no host (a template, see endpoint_host()).
  virtual std::string default_host(const CloudOptions& cloud) const;

  // The values `auth` may take (empty: the platform has no `auth` key) and, when it is absent,
  // the mode to use; `has(key)` says whether [device.cloud] sets a key.
  virtual std::vector<AuthChoice> auth_choices() const = 0;
  virtual AuthMode default_auth(const CloudOptions& cloud,
                                const std::function<bool(std::string_view)>& has) const = 0;
  // The keys of [device.cloud] for this auth mode; any other key is unknown.
  virtual std::vector<IdentityField> identity_fields(AuthMode auth) const = 0;
  // Fills what the platform derives from the keys read (a default client id, the auth mode of a
  // generic MQTT identity). `id.device` is set.
  virtual void complete(DeviceIdentity& id) const = 0;
  // Whether a device may leave out [device.cloud] (then complete() alone makes its identity).
  virtual bool identity_optional() const { return false; }

  // Rules on [cloud] itself (e.g. a platform that accepts only TLS).
  virtual std::optional<RuleProblem> check_cloud(const CloudOptions& cloud) const;
  // Rules on one device's identity under `cloud`: the first one it breaks, or nullopt.
  virtual std::optional<RuleProblem> check(const CloudOptions& cloud,
                                           const DeviceIdentity& id) const = 0;
  // What makes a session unique on the platform, in the user's words: two devices that share one
  // of these would keep taking the session from each other.
  virtual std::vector<std::string> identity_keys(const DeviceIdentity& id) const = 0;

  // The platform's documented per-device uplink quota in messages per second (PLATFORMS.md): the
  // default publish_rate, above which `check` warns. nullopt: none documented.
  virtual std::optional<double> publish_quota() const { return std::nullopt; }
  // The least time between two connects of one device (Tencent: one per 5 s); the floor of the
  // reconnect backoff.
  virtual std::chrono::milliseconds min_connect_interval() const {
    return std::chrono::milliseconds(0);
  }

  virtual std::unique_ptr<Platform> make(const CloudOptions& cloud,
                                         std::filesystem::path state_dir) const = 0;
};

// The rules of a platform (every PlatformKind has them).
const PlatformRules& platform_rules(PlatformKind kind);

// Every platform, in the order the docs list them.
const std::vector<const PlatformRules*>& all_platform_rules();

// "aliyun, tencent, huawei, mqtt"
std::string platform_names();

// "<key> is required <why>" when `value` is empty.
std::optional<RuleProblem> require_key(const std::string& value, std::string_view key,
                                       std::string_view why);

}  // namespace edgegw::northbound
