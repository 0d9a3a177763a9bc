// What one cloud expects of a device: fresh connect credentials, the topics, the payloads in both
// directions, and what a CONNACK code means. One implementation per cloud (aliyun, tencent, huawei,
// mqtt), made by make_platform().
//
// Every call is a pure function of its arguments (the time is a parameter), so the vendor pages'
// own worked examples are unit tests. Nothing here throws on the data path: a record too large or a
// malformed downlink comes back as a value that says why, which the Session logs once and counts.
// The one exception is the registration store (aliyun register / register_nwl), which reads a file
// under state_dir; its problems are values too.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "northbound/cloud_options.hpp"
#include "store/record.hpp"

namespace edgegw::northbound {

// Why a connect is made. A device with auth `register` / `register_nwl` that has not registered yet
// gets registration parameters: the Session connects with them, waits for the Registration that
// decode_downlink() returns for /ext/register or /ext/regnwl, hands it to save_registration(),
// disconnects, and asks connect_params() again (which then yields the ordinary session).
enum class ConnectPurpose { session, registration };

struct ConnectParams {  // what one MQTT CONNECT needs, signed for one moment
  std::string host;
  std::uint16_t port = 0;
  bool tls = true;
  std::string client_id, username, password;  // password may be empty (PSK, cert)
  std::chrono::seconds keepalive{0};
  std::string psk_identity;
  std::string psk_key;                        // raw (decoded) key bytes; empty if no PSK
  std::filesystem::path cert_file, key_file;  // client certificate (mutual TLS)
  bool clean_session = true;
  ConnectPurpose purpose = ConnectPurpose::session;
  // Non-empty: these parameters cannot be used and this says why, for the user (e.g. "the stored
  // registration in /var/lib/edgegw/... is unreadable"). Do not connect; it is a configuration
  // error.
  std::string problem;
  bool operator==(const ConnectParams&) const = default;
};

struct Publication {
  std::string topic;
  std::string payload;
  int qos = 1;
  bool operator==(const Publication&) const = default;
};

// A downlink command in neutral form: "set these points", "read these points", "run this command".
struct Command {
  enum class Kind { set_points, get_points, run_command };
  Kind kind = Kind::set_points;
  std::string request_id;            // the platform's id (Alink id, Huawei request_id, ...)
  std::string name;                  // command name for run_command
  std::vector<store::Field> values;  // point -> value; for get_points the names only (value false)
  std::string service_id;            // huawei service; empty elsewhere
  std::string reply_context;         // whatever the reply needs (e.g. Tencent clientToken)
  bool operator==(const Command&) const = default;
};

struct CommandResult {
  bool ok = true;
  int code = 0;  // platform-neutral: 0 ok; encode_reply maps it to the platform's code
  std::string message;
  std::vector<store::Field> values;  // read values / command outputs
  bool operator==(const CommandResult&) const = default;
};

// Uplink
// -------------------------------------------------------------------------------------------

enum class UplinkProblem {
  too_large,         // one field alone exceeds the platform's publish limit: the record is refused
  empty_record,      // no fields: nothing to send
  unsupported_kind,  // e.g. command_reply records: replies go through encode_reply()
  nothing_to_send,   // nothing of the record has a place on this platform (a vendor cloud's
                     // property report has none for device_status or `$quality/` fields):
                     // not a failure, the record is done
};
std::string_view to_string(UplinkProblem p);

struct UplinkError {
  UplinkProblem problem;
  std::string reason;  // for the log, e.g. "record 17 field 'blob' needs 20000 bytes, limit 16384"
  bool operator==(const UplinkError&) const = default;
};

// The record as publications (several when it had to be split to fit the platform's limit; each one
// carries whole fields, never a truncated value), or why it cannot be sent.
struct UplinkResult {
  std::vector<Publication> publications;
  std::optional<UplinkError> error;
  bool ok() const { return !error.has_value(); }
};

// What the session does with a record once encoded: publish it; consider it delivered without
// publishing (nothing_to_send: quietly, it is the platform's normal behaviour, not a loss); or drop
// it as unsendable (counted and logged: keeping it would block the device's queue for good).
enum class UplinkDisposition { publish, done, drop };
UplinkDisposition disposition(const UplinkResult& r);

// Downlink
// -----------------------------------------------------------------------------------------

// The platform's answer to something we published (e.g. Alink property/post_reply).
struct UplinkAck {
  std::string id;  // the id we sent (the record's sequence)
  bool ok = true;
  int code = 0;  // the platform's own code (Alink 200 ok)
  std::string message;
  bool operator==(const UplinkAck&) const = default;
};

// The result of an aliyun dynamic registration (/ext/register or /ext/regnwl).
struct Registration {
  std::string product_key, device_name;
  std::string device_secret;  // /ext/register
  std::string client_id;      // /ext/regnwl
  std::string device_token;   // /ext/regnwl
  bool operator==(const Registration&) const = default;
};

enum class DownlinkProblem {
  unknown_topic,  // not a topic this platform subscribes to for this device
  malformed,      // not the JSON shape the platform sends
  unsupported,    // well-formed but something we do not handle (an unknown method)
};
std::string_view to_string(DownlinkProblem p);

struct DownlinkError {
  DownlinkProblem problem;
  std::string reason;
  std::optional<Publication> reply;  // the refusal to send, if the platform expects an answer
  bool operator==(const DownlinkError&) const = default;
};

// Exactly one of the members is set.
struct DownlinkResult {
  std::optional<Command> command;
  std::optional<UplinkAck> ack;
  std::optional<Registration> registration;
  std::optional<DownlinkError> error;
  bool ok() const { return !error.has_value(); }
};

// Outcomes
// -----------------------------------------------------------------------------------------

enum class ConnectVerdict { retry_soon, back_off_long, configuration_error };
struct ConnectOutcome {
  ConnectVerdict verdict;
  std::string hint;  // e.g. "device secret does not match"
  bool operator==(const ConnectOutcome&) const = default;
};

// A failed TLS handshake, from the MQTT engine's detail text; the same for every platform (TLS
// alerts are standard). The server's alerts that refuse the device's own credentials (a PSK it
// does not accept, a client certificate it does not know) back off long like CONNACK 4; anything
// else is retried soon.
ConnectOutcome classify_tls_failure(std::string_view detail);

class Platform {
 public:
  virtual ~Platform() = default;
  virtual PlatformKind kind() const = 0;

  // Fresh credentials for one connect at `now`; connid = Tencent's 5-char random id (ignored
  // elsewhere). Cheap (one HMAC); call it on every connect. See ConnectPurpose and `problem`.
  virtual ConnectParams connect_params(const DeviceIdentity& id,
                                       std::chrono::system_clock::time_point now,
                                       std::string_view connid) const = 0;
  // Topic filters to subscribe to after CONNACK, one per SUBSCRIBE (Tencent allows no more).
  virtual std::vector<std::string> subscriptions(const DeviceIdentity& id) const = 0;
  // Uplink: the Record as the platform's publication(s); too large -> split or an error value
  // (never truncated).
  virtual UplinkResult encode_uplink(const DeviceIdentity& id, const store::Record& r) const = 0;
  // Downlink: decode a message that arrived on a subscribed topic; malformed -> an error value
  // carrying the reply to send (if the platform expects one), never a crash.
  virtual DownlinkResult decode_downlink(const DeviceIdentity& id, std::string_view topic,
                                         std::string_view payload) const = 0;
  // The platform's answer to a command; nullopt when the platform expects none.
  virtual std::optional<Publication> encode_reply(const DeviceIdentity& id, const Command& c,
                                                  const CommandResult& r) const = 0;
  virtual ConnectOutcome classify_connack(int return_code) const = 0;

  // Keeps a registration result under state_dir (mode 0600, atomically) so that connect_params()
  // uses it from now on. nullopt on success, else what went wrong. Only aliyun registers.
  virtual std::optional<std::string> save_registration(const DeviceIdentity& id,
                                                       const Registration& r) const {
    (void)id;
    (void)r;
    return std::string("this platform has no dynamic registration");
  }
};

// The platform named by cloud.platform. state_dir holds what a device obtains at run time
// (aliyun registration results).
std::unique_ptr<Platform> make_platform(const CloudOptions& cloud, std::filesystem::path state_dir);

// 5 random characters [A-Za-z0-9] (Tencent's connid).
std::string random_connid();

}  // namespace edgegw::northbound
