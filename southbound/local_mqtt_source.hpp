// The local MQTT source: devices that publish to a broker on the gateway ([local_mqtt] and
// [device.mqtt] in CONFIG.md). One persistent MQTT session (clean_session = false, QoS 1
// subscriptions), so whatever devices publish while edgegw is away waits at the broker.
//
//   broker ─PUBLISH─► topic matched against every device's filter ─► payload_fields() ─► Record
//   ─► sink(record, on_committed) ─► (the owner appends it to the outbox and commits) ─►
//   on_committed ─► PUBACK to the broker
//
// A QoS 1 message is acknowledged only when every record made from it is durable, so a crash
// before the commit makes the broker send it again: the local side loses nothing (DESIGN.md).
// Malformed and oversized payloads are counted, logged (rate-limited per device and kind by
// loop::LogRateLimit, with the count of the rest) and acknowledged, so a bad publisher cannot
// wedge the session with redeliveries. An oversized one is read past by the MQTT engine, never
// buffered whole.
// The connection is retried with exponential backoff (0.5 s .. 30 s, equal jitter), reset only
// after a link stayed up a while: a broker that accepts and drops us at once backs off like one
// that refuses. Log lines about one device carry its name as the sink's `device`; lines about the
// broker link carry an empty device.
//
// Commands for MQTT devices go the other way: publish_command() sends a JSON object of
// point -> value to the device's command_topic at QoS 1 and reports when the broker acknowledged
// it. Everything runs on the event loop thread; southbound does not know the Outbox type, only the
// sink.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "loop/backoff.hpp"
#include "loop/event_source.hpp"
#include "loop/log_rate_limit.hpp"
#include "loop/log_sink.hpp"
#include "mqtt/connection.hpp"
#include "mqtt/resolver.hpp"
#include "southbound/local_command.hpp"
#include "southbound/southbound_options.hpp"
#include "store/record.hpp"

struct sd_event;
struct sd_event_source;

namespace edgegw::southbound {

// A device the source reads. Its options are shared, not copied: the daemon points them into its
// configuration (one copy per device at 10,000 devices, issue 18).
class LocalMqttDevice {
 public:
  LocalMqttDevice(std::string name, MqttDeviceOptions options)
      : name(std::move(name)),
        options_(std::make_shared<const MqttDeviceOptions>(std::move(options))) {}
  LocalMqttDevice(std::string name, std::shared_ptr<const MqttDeviceOptions> options)
      : name(std::move(name)), options_(std::move(options)) {}

  const MqttDeviceOptions& options() const { return *options_; }
  const std::shared_ptr<const MqttDeviceOptions>& shared_options() const { return options_; }
  // Holds `same` instead when it says the same; false, keeping its own, otherwise.
  bool share_options(std::shared_ptr<const MqttDeviceOptions> same) {
    if (!same || !(*same == *options_)) return false;
    options_ = std::move(same);
    return true;
  }

  std::string name;  // the local device name ([[device]] name)

 private:
  std::shared_ptr<const MqttDeviceOptions> options_;  // never null
};

struct LocalMqttCounters {
  std::uint64_t received = 0;   // PUBLISH packets from the broker
  std::uint64_t records = 0;    // records handed to the sink
  std::uint64_t malformed = 0;  // payloads refused by payload_fields() (per matching device)
  std::uint64_t oversized = 0;  // payloads over max_payload (per message)
  std::uint64_t unmatched = 0;  // messages whose topic matched no device
  std::uint64_t acked = 0;      // QoS 1 messages acknowledged to the broker
  std::uint64_t connects = 0;   // successful connects
  std::uint64_t commands = 0;   // command publishes acknowledged by the broker
  std::uint64_t command_failures = 0;
};

enum class LocalMqttState { idle, connecting, online, backoff, stopped };
const char* to_string(LocalMqttState state);

// Hands a record to the owner. The owner calls on_committed once the record is durable (for the
// daemon: from inside Outbox::commit); never calling it means the broker redelivers later.
using ReadingSink = std::function<void(store::Record record, std::function<void()> on_committed)>;
// The outcome of a command publish: ok once the broker acknowledged it; else why not.
using CommandDone = std::function<void(bool ok, const std::string& message)>;

class LocalMqttSource : private mqtt::Connection::Handler {
 public:
  LocalMqttSource(sd_event* loop, mqtt::Resolver& resolver, LocalMqttOptions options,
                  std::vector<LocalMqttDevice> devices, ReadingSink sink, loop::LogSink log = {});
  ~LocalMqttSource() override;  // closes silently; pending on_committed callbacks become no-ops
  LocalMqttSource(const LocalMqttSource&) = delete;
  LocalMqttSource& operator=(const LocalMqttSource&) = delete;

  void start();  // connects (asynchronously); retries on its own from then on
  void stop();   // DISCONNECT and stay stopped; pending commands fail

  bool has_device(const std::string& device) const;
  // Each device of `same` (the same devices in the same order, as a reload that changed nothing
  // here passes them) lends its options to ours, so the previous configuration can be freed.
  // False, changing nothing, when they are not the same devices.
  bool share_options(const std::vector<LocalMqttDevice>& same);
  // Publishes `values` as a JSON object to the device's command_topic (QoS 1). Returns why not
  // when it cannot even be sent (unknown device, no command_topic, no values, not connected, the
  // window full); then `done` is never called. Otherwise `done` runs later on the loop.
  std::optional<std::string> publish_command(const std::string& device,
                                             const std::vector<store::Field>& values,
                                             CommandDone done);

  // Publishes a forwarded cloud call (local_command.hpp) as it is to the device's command_topic;
  // like publish_command(). The device's answer comes to the reply sink.
  std::optional<std::string> publish_call(const std::string& device, const std::string& payload,
                                          CommandDone done);
  // Who hears the devices' replies on their reply_topic (set before start()).
  void on_reply(std::function<void(const std::string& device, DeviceReply reply)> sink) {
    on_reply_ = std::move(sink);
  }

  LocalMqttState state() const { return state_; }
  bool connected() const { return state_ == LocalMqttState::online; }
  // The broker answered this connection's SUBSCRIBE (messages published from now on are ours).
  bool subscribed() const { return connected() && subscribed_; }
  const LocalMqttCounters& counters() const { return counters_; }
  // The broker may be able to send us nothing more until the next commit: it has as many QoS 1
  // messages in flight to us, unacknowledged until their records are durable, as it ever had at
  // once on this connection, or 16. Its window (mosquitto: max_inflight_messages, 20 by default)
  // is not announced in MQTT 3.1.1, but no count it let through exceeds it. The cap of 16: once a
  // window was acknowledged in part, mosquitto 2.0.11 lets more than max_inflight_messages through
  // (tests/integration/local_mqtt), so the most seen can lie above where it stops next time. The
  // group commit runs at the next idle moment, not paced, while this holds.
  bool blocked_on_commit() const {
    return awaiting_commit_ > 0 && awaiting_commit_ >= std::min(most_awaiting_, kFullWindow);
  }
  unsigned awaiting_commit() const { return awaiting_commit_; }
  const std::string& last_error() const { return last_error_; }

 private:
  struct AckWait {  // a QoS 1 message waiting for its records to be committed
    std::uint16_t packet_id;
    std::uint64_t generation;
  };

  // mqtt::Connection::Handler
  void on_connected(bool session_present) override;
  void on_closed(const mqtt::Outcome& outcome) override;
  void on_message(const mqtt::Message& message) override;
  void on_puback(std::uint16_t packet_id) override;
  void on_suback(std::uint16_t packet_id, std::vector<int> return_codes) override;

  void connect_now();
  // Arms the reconnect timer; returns the delay it chose. When no timer can be had it reconnects
  // at once, or (connect_if_no_timer false: called from a failed connect) stops.
  std::chrono::milliseconds schedule_reconnect(bool connect_if_no_timer = true);
  void cancel_timer();
  static int on_timer(sd_event_source* source, std::uint64_t usec, void* self);
  void committed(const AckWait& ack);
  void ack_now(const mqtt::Message& message);
  void next_generation();
  void refuse(const LocalMqttDevice& device, std::string_view kind, const std::string& what,
              std::uint64_t& counter);
  bool refuse_oversized(const mqtt::Message& message,
                        const std::vector<const LocalMqttDevice*>& matched);
  bool take_reply(const mqtt::Message& message);  // true: it was a device's reply
  const LocalMqttDevice* reply_device(const std::string& topic) const;
  void index_device(std::size_t index, const std::vector<std::string>& filters);
  void sort_exact();  // once all devices are indexed
  // The devices a message on `topic` concerns, in configuration order.
  void devices_for(const std::string& topic, std::vector<const LocalMqttDevice*>& matched) const;
  void fail_pending_commands(const std::string& why);
  void log(loop::LogLevel level, const std::string& device, const std::string& message) const;
  std::string broker() const;  // "local broker HOST:PORT"

  sd_event* loop_;
  LocalMqttOptions options_;
  std::vector<LocalMqttDevice> devices_;
  std::vector<std::string> filters_;  // distinct device filters, subscribed at QoS 1
  // Which devices a topic concerns without matching every device's filters per message: a device
  // whose filters are all plain topics is found by binary search; only those with wildcards are
  // matched. (topic, device index) of the devices without wildcards, sorted. A
  // flat vector rather than a hash map of vectors: ~72 bytes a device instead of ~150 (issue 18).
  using TopicEntries = std::vector<std::pair<std::string, std::uint32_t>>;
  static std::pair<TopicEntries::const_iterator, TopicEntries::const_iterator> entries_of(
      const TopicEntries& entries, const std::string& topic);
  TopicEntries exact_devices_;
  std::vector<std::size_t> wildcard_devices_;
  // Likewise for the reply topics: (topic, device index) of the plain ones, sorted; the devices
  // whose reply topic has wildcards, ascending.
  TopicEntries exact_replies_;
  std::vector<std::size_t> wildcard_replies_;
  ReadingSink sink_;
  loop::LogSink log_;
  std::function<void(const std::string&, DeviceReply)> on_reply_;
  std::unique_ptr<mqtt::Connection> connection_;
  loop::EventSource timer_;

  LocalMqttState state_ = LocalMqttState::idle;
  std::uint64_t generation_ = 0;  // one per connection; acks of an old one are not sent
  static constexpr unsigned kFullWindow = 16;  // see blocked_on_commit()
  unsigned awaiting_commit_ = 0;  // QoS 1 messages of this connection not acknowledged yet
  unsigned most_awaiting_ = 0;    // the most of them at once on this connection
  bool subscribed_ = false;
  loop::Backoff backoff_;
  std::map<std::uint16_t, CommandDone> pending_commands_;
  loop::LogRateLimit limited_log_;  // per-message lines (malformed, oversized)
  LocalMqttCounters counters_;
  std::string last_error_;
  // The outage being told: its first line at warning, the retries at debug, the way back at info.
  bool outage_told_ = false;
  std::chrono::steady_clock::time_point down_since_{};
  unsigned outage_attempts_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  // on_message's working room, kept from message to message.
  std::vector<const LocalMqttDevice*> matched_scratch_;
  std::vector<store::Record> records_scratch_;
};

}  // namespace edgegw::southbound
