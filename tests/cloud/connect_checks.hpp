// The cloud emulator's verdict on one MQTT CONNECT: accepted (and as whom) or refused with the
// CONNACK code the real platform would send. Pure functions of the request, the registry and the
// broker's clock, so every rule is unit-tested without a broker; the mosquitto plugin only gathers
// the request and applies the verdict.
//
// CONNACK codes used (MQTT 3.1.1): 2 identifier rejected (malformed client id, bad extension
// parameters, keepalive out of range, wrong listener for the mode), 4 bad username or password
// (unknown device, wrong signature, expired token), 5 not authorized (disabled device, a second
// registration, a platform on a listener it does not offer).
#pragma once

#include <ctime>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cloud/registry.hpp"

namespace edgegw::cloud {

// What the client connected to: each listener of the emulator has one kind.
enum class Listener { plain, tls, mtls, psk };

enum class Platform { aliyun, tencent, huawei, mqtt, observer };

struct ConnectRequest {
  Listener listener = Listener::plain;
  std::string client_id;
  std::optional<std::string> username;
  std::optional<std::string> password;
  int keepalive = 60;
  std::string cert_common_name;  // mtls: the client certificate's CN
  std::string psk_identity;      // psk: the identity the TLS-PSK handshake was keyed with
  std::time_t now = 0;           // the broker's clock, seconds since the epoch
};

// Who a connected client is: what its topic rules allow (topic_access.hpp).
struct Identity {
  Platform platform = Platform::mqtt;
  std::string name;                      // for the log: "aliyun pk/dn", "huawei id", ...
  std::vector<std::string> topic_roots;  // a topic is its own if it is a root or below one
  bool operator==(const Identity&) const = default;
};

// A message the broker sends to the client right after CONNACK, without a SUBSCRIBE.
struct Push {
  std::string topic;
  std::string payload;
};

struct Verdict {
  int connack = 0;  // 0: accepted
  std::string reason;
  Identity identity;
  std::optional<Push> push;
  std::optional<std::string> activates;  // an Aliyun device key ("pk/dn") that is now activated
  bool accepted() const { return connack == 0; }
};

inline constexpr int kIdentifierRejected = 2;
inline constexpr int kBadUsernameOrPassword = 4;
inline constexpr int kNotAuthorized = 5;

// `activated`: Aliyun device keys ("pk/dn") that registered or connected with their secret, so a
// (second) registration is refused.
Verdict check_connect(const Registry& registry, const std::set<std::string>& activated,
                      const ConnectRequest& request);

// Helpers shared by the per-platform checks.
Verdict refuse(int connack, std::string reason);
Verdict accept(Identity identity);
bool keepalive_within(int keepalive, int min, int max);

}  // namespace edgegw::cloud
