#include "southbound/local_mqtt_source.hpp"

#include <systemd/sd-event.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <random>

#include "loop/guarded.hpp"
#include "mqtt/topic_filter.hpp"
#include "southbound/local_mqtt_records.hpp"

namespace edgegw::southbound {
namespace {

// Equal jitter: one client to one broker on this host, so there is no herd to spread with full
// jitter, and half the window as a floor means we never hammer a broker that is restarting with a
// retry almost at once. A link that stayed up 10 s was a working link: the next outage starts
// afresh; one dropped sooner (ACL refusal, a broker closing us after CONNACK) keeps counting.
loop::BackoffOptions reconnect_policy() {
  loop::BackoffOptions o;
  o.min = std::chrono::milliseconds(500);
  o.max = std::chrono::milliseconds(30000);
  o.stable_after = std::chrono::milliseconds(10000);
  o.jitter = loop::Jitter::equal;
  return o;
}
// Payloads between max_payload and this are read, counted and dropped; past it the MQTT engine
// closes the connection (it never buffers more than its cap).
constexpr std::uint32_t kPacketOverhead = 64 * 1024;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string command_payload(const std::vector<store::Field>& values) {
  nlohmann::ordered_json object = nlohmann::ordered_json::object();
  for (const auto& field : values) {
    std::visit([&](const auto& v) { object[field.name] = v; }, field.value);
  }
  return object.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

const char* to_string(LocalMqttState state) {
  switch (state) {
    case LocalMqttState::idle:
      return "idle";
    case LocalMqttState::connecting:
      return "connecting";
    case LocalMqttState::online:
      return "online";
    case LocalMqttState::backoff:
      return "backoff";
    case LocalMqttState::stopped:
      return "stopped";
  }
  return "?";
}

LocalMqttSource::LocalMqttSource(sd_event* loop, mqtt::Resolver& resolver, LocalMqttOptions options,
                                 std::vector<LocalMqttDevice> devices, ReadingSink sink,
                                 loop::LogSink log)
    : loop_(loop),
      options_(std::move(options)),
      devices_(std::move(devices)),
      sink_(std::move(sink)),
      log_(std::move(log)),
      connection_(std::make_unique<mqtt::Connection>(
          loop, resolver, static_cast<mqtt::Connection::Handler&>(*this))),
      backoff_(reconnect_policy(), std::random_device{}()),
      limited_log_(loop,
                   [this](loop::LogLevel level, std::string_view device, std::string_view message) {
                     if (log_) log_(level, device, message);
                   }) {
  for (std::size_t i = 0; i < devices_.size(); ++i) {
    const auto& device = devices_[i];
    const auto device_filter_list = device_filters(device.options());
    for (const auto& filter : device_filter_list) {
      if (std::find(filters_.begin(), filters_.end(), filter) == filters_.end()) {
        filters_.push_back(filter);
      }
    }
    index_device(i, device_filter_list);
    const auto& reply = device.options().reply_topic;
    if (reply.empty()) continue;
    if (std::find(filters_.begin(), filters_.end(), reply) == filters_.end()) {
      filters_.push_back(reply);
    }
    if (reply.find_first_of("+#") != std::string::npos) {
      wildcard_replies_.push_back(i);
    } else {
      exact_replies_.emplace_back(reply, static_cast<std::uint32_t>(i));
    }
  }
  sort_exact();
  std::sort(exact_replies_.begin(), exact_replies_.end());
}

LocalMqttSource::~LocalMqttSource() {
  *alive_ = false;
  cancel_timer();
}

void LocalMqttSource::start() {
  if (state_ != LocalMqttState::idle && state_ != LocalMqttState::stopped) return;
  connect_now();
}

void LocalMqttSource::stop() {
  cancel_timer();
  if (connection_->phase() != mqtt::Connection::Phase::idle) connection_->disconnect();
  state_ = LocalMqttState::stopped;
  next_generation();
  fail_pending_commands("edgegw is stopping");
}

bool LocalMqttSource::has_device(const std::string& device) const {
  return std::any_of(devices_.begin(), devices_.end(),
                     [&](const LocalMqttDevice& d) { return d.name == device; });
}

bool LocalMqttSource::share_options(const std::vector<LocalMqttDevice>& same) {
  if (same.size() != devices_.size()) return false;
  for (std::size_t i = 0; i < same.size(); ++i) {
    if (same[i].name != devices_[i].name || !(same[i].options() == devices_[i].options())) {
      return false;
    }
  }
  for (std::size_t i = 0; i < same.size(); ++i) devices_[i].share_options(same[i].shared_options());
  return true;
}

void LocalMqttSource::connect_now() {
  if (outage_told_) ++outage_attempts_;
  mqtt::ConnectOptions o;
  o.host = options_.host;
  o.port = options_.port;
  o.client_id = options_.client_id;
  if (!options_.username.empty()) {
    o.username = options_.username;
    o.password = options_.password;
  }
  o.clean_session = false;  // the broker keeps our subscriptions and queues QoS 1 meanwhile
  o.keepalive = options_.keepalive;
  o.max_incoming_packet = options_.max_payload + kPacketOverhead;
  state_ = LocalMqttState::connecting;
  subscribed_ = false;
  next_generation();
  if (!connection_->connect(std::move(o))) {
    // Without the timer that bounds the attempt it would hang unseen: count it as a failure.
    last_error_ = "the event loop has no timer for a connect attempt";
    log(loop::LogLevel::error, {}, broker() + ": " + last_error_);
    backoff_.link_down(std::chrono::steady_clock::now());
    schedule_reconnect(/*connect_if_no_timer=*/false);
  }
}

void LocalMqttSource::on_connected(bool session_present) {
  state_ = LocalMqttState::online;
  backoff_.link_up(std::chrono::steady_clock::now());
  // "Again" only for a link that was up before: a broker that was not there yet when edgegw
  // started (or went away mid-handshake) is reached for the first time.
  const bool was_up = counters_.connects > 0;
  ++counters_.connects;
  last_error_.clear();
  std::string again;
  if (outage_told_) {
    const auto down = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::steady_clock::now() - down_since_);
    again = std::string(was_up ? " again" : "") + " after " + std::to_string(down.count()) +
            " s, attempt " + std::to_string(outage_attempts_);
  }
  outage_told_ = false;
  log(loop::LogLevel::info, {},
      broker() + " connected" + again + (session_present ? " (session resumed)" : ""));
  // Subscribing again on a resumed session is harmless and covers filters added since.
  std::vector<std::pair<std::string, int>> subscriptions;
  for (const auto& filter : filters_) subscriptions.emplace_back(filter, 1);
  subscribed_ = subscriptions.empty();
  if (!subscriptions.empty() && !connection_->subscribe(subscriptions)) {
    log(loop::LogLevel::error, {}, "local broker: cannot send SUBSCRIBE; reconnecting");
    connection_->disconnect();
    backoff_.link_down(std::chrono::steady_clock::now());
    schedule_reconnect();
  }
}

void LocalMqttSource::on_closed(const mqtt::Outcome& outcome) {
  next_generation();
  subscribed_ = false;
  last_error_ = std::string(mqtt::to_string(outcome.reason)) +
                (outcome.detail.empty() ? "" : ": " + outcome.detail);
  if (outcome.reason == mqtt::CloseReason::refused) {
    last_error_ += " (CONNACK " + std::to_string(outcome.connack_code) + ")";
  }
  backoff_.link_down(std::chrono::steady_clock::now());
  fail_pending_commands("local broker connection lost: " + last_error_);
  const auto delay = schedule_reconnect();
  // One line per outage (not per failed attempt, nor per early drop of a flapping link).
  const auto retry = "; next attempt in " + std::to_string(delay.count()) + " ms";
  if (!outage_told_) {
    outage_told_ = true;
    down_since_ = std::chrono::steady_clock::now();
    outage_attempts_ = 0;
    log(loop::LogLevel::warning, {}, broker() + ": " + last_error_ + retry + " (backing off)");
  } else {
    log(loop::LogLevel::debug, {}, broker() + ": " + last_error_ + retry);
  }
}

std::chrono::milliseconds LocalMqttSource::schedule_reconnect(bool connect_if_no_timer) {
  if (state_ == LocalMqttState::stopped) return {};
  state_ = LocalMqttState::backoff;
  const auto delay = backoff_.next_delay();
  const auto delay_usec = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(delay).count());
  // The timer is made once and re-armed; only making it can fail (no memory, a loop that is
  // exiting). Then reconnect at once rather than stay in backoff forever with nothing to wake us.
  int r = timer_ ? timer_.arm_relative(delay_usec)
                 : sd_event_add_time_relative(loop_, timer_.out(), CLOCK_MONOTONIC, delay_usec, 0,
                                              &LocalMqttSource::on_timer, this);
  if (r < 0) {
    timer_.reset();
    log(loop::LogLevel::error, {},
        broker() + ": cannot arm the reconnect timer (" + std::strerror(-r) + ")" +
            (connect_if_no_timer ? "; reconnecting without waiting" : "; giving up"));
    // A loop that can give neither timer is finishing: stay put rather than recurse.
    if (connect_if_no_timer)
      connect_now();
    else
      state_ = LocalMqttState::stopped;
    return {};
  }
  return delay;
}

void LocalMqttSource::cancel_timer() {
  timer_.set_enabled(SD_EVENT_OFF);
}

int LocalMqttSource::on_timer(sd_event_source* timer, std::uint64_t, void* self) {
  return loop::guarded(timer, "local broker reconnect timer", [&] {
    auto* source = static_cast<LocalMqttSource*>(self);
    if (source->state_ == LocalMqttState::backoff) source->connect_now();
  });
}

void LocalMqttSource::index_device(std::size_t index, const std::vector<std::string>& filters) {
  const bool wildcard = std::any_of(filters.begin(), filters.end(), [](const std::string& f) {
    return f.find_first_of("+#") != std::string::npos;
  });
  if (wildcard) {
    wildcard_devices_.push_back(index);
    return;
  }
  for (const auto& filter : filters) {
    exact_devices_.emplace_back(filter, static_cast<std::uint32_t>(index));
  }
}

void LocalMqttSource::sort_exact() {
  std::sort(exact_devices_.begin(), exact_devices_.end());
  // One entry per (topic, device): a device listing a topic twice is found once.
  exact_devices_.erase(std::unique(exact_devices_.begin(), exact_devices_.end()),
                       exact_devices_.end());
  exact_devices_.shrink_to_fit();
}

// The entries of `topic` in a (topic, device index) list sorted by both: ascending by index.
std::pair<LocalMqttSource::TopicEntries::const_iterator,
          LocalMqttSource::TopicEntries::const_iterator>
LocalMqttSource::entries_of(const TopicEntries& entries, const std::string& topic) {
  const auto first =
      std::lower_bound(entries.begin(), entries.end(), topic,
                       [](const auto& entry, const std::string& t) { return entry.first < t; });
  auto last = first;
  while (last != entries.end() && last->first == topic) ++last;
  return {first, last};
}

void LocalMqttSource::devices_for(const std::string& topic,
                                  std::vector<const LocalMqttDevice*>& matched) const {
  matched.clear();
  // The topic's entries, ascending by device index (sorted by (topic, index)).
  const auto [first, last] = entries_of(exact_devices_, topic);
  // Both index lists are ascending: merge them, so the order is the configuration's.
  auto p = first;
  for (std::size_t w : wildcard_devices_) {
    if (!device_matches(devices_[w].options(), topic)) continue;
    for (; p != last && p->second < w; ++p) matched.push_back(&devices_[p->second]);
    matched.push_back(&devices_[w]);
  }
  for (; p != last; ++p) matched.push_back(&devices_[p->second]);
}

void LocalMqttSource::on_message(const mqtt::Message& message) {
  ++counters_.received;
  if (take_reply(message)) return;
  // The scratch vectors keep their room from message to message (nothing in here reads the
  // connection again, so on_message is never re-entered).
  auto& matched = matched_scratch_;
  devices_for(message.topic, matched);
  if (matched.empty()) {
    ++counters_.unmatched;
    log(loop::LogLevel::debug, {},
        "local broker: message on '" + message.topic + "' matches no device");
    ack_now(message);
    return;
  }
  if (refuse_oversized(message, matched)) return;
  const std::int64_t time = now_ms();
  auto& records = records_scratch_;
  records.clear();
  for (const auto* device : matched) {
    auto made =
        device_message(device->name, device->options(), message.topic, message.payload, time);
    if (!made.record) {
      refuse(*device, "malformed payload", made.problem, counters_.malformed);
      continue;
    }
    records.push_back(std::move(*made.record));
  }
  if (records.empty()) {
    ack_now(message);
    return;
  }
  counters_.records += records.size();
  if (message.qos != 1) {
    for (auto& record : records) sink_(std::move(record), {});
    records.clear();
    return;
  }
  most_awaiting_ = std::max(most_awaiting_, ++awaiting_commit_);
  const AckWait ack{message.packet_id, generation_};
  if (records.size() == 1) {  // the usual message: one device, its record alone holds the ack
    sink_(std::move(records.front()), [this, alive = std::weak_ptr<bool>(alive_), ack] {
      const auto still = alive.lock();
      if (still && *still) committed(ack);
    });
    records.clear();
    return;
  }
  // One message for several devices: acknowledged once all their records are committed.
  auto remaining = std::make_shared<unsigned>(static_cast<unsigned>(records.size()));
  for (auto& record : records) {
    sink_(std::move(record), [this, alive = std::weak_ptr<bool>(alive_), ack, remaining] {
      const auto still = alive.lock();
      if (still && *still && --*remaining == 0) committed(ack);
    });
  }
  records.clear();
}

void LocalMqttSource::committed(const AckWait& ack) {
  // A message of an earlier connection is redelivered by the broker on this one; acking its old
  // packet id here could acknowledge a different message.
  if (ack.generation != generation_ || !connection_->connected()) return;
  if (awaiting_commit_ > 0) --awaiting_commit_;
  connection_->ack(ack.packet_id);
  ++counters_.acked;
}

// A new connection (or none): what waited on a commit belongs to the old one, and the new broker
// connection's window is learnt afresh (it may be configured differently now).
void LocalMqttSource::next_generation() {
  ++generation_;
  awaiting_commit_ = 0;
  most_awaiting_ = 0;
}

void LocalMqttSource::ack_now(const mqtt::Message& message) {
  if (message.qos != 1) return;
  connection_->ack(message.packet_id);
  ++counters_.acked;
}

// Over max_payload, whether the engine skipped it unread (over max_incoming_packet) or it fit in
// the engine's cap: counted once per message, logged per device, acknowledged so the broker does
// not redeliver it forever.
bool LocalMqttSource::refuse_oversized(const mqtt::Message& message,
                                       const std::vector<const LocalMqttDevice*>& matched) {
  const std::size_t size = message.payload.size() + message.dropped_payload;
  if (message.dropped_payload == 0 && size <= options_.max_payload) return false;
  ++counters_.oversized;
  for (const auto* device : matched) {
    std::uint64_t counted_once = 0;
    refuse(*device, "oversized payload",
           "payload of " + std::to_string(size) + " bytes on '" + message.topic +
               "' is over max_payload (" + std::to_string(options_.max_payload) +
               "); dropped and acknowledged",
           counted_once);
  }
  ack_now(message);
  return true;
}

void LocalMqttSource::refuse(const LocalMqttDevice& device, std::string_view kind,
                             const std::string& what, std::uint64_t& counter) {
  ++counter;
  limited_log_.log(loop::LogLevel::warning, device.name, kind, what);
}

void LocalMqttSource::on_puback(std::uint16_t packet_id) {
  auto it = pending_commands_.find(packet_id);
  if (it == pending_commands_.end()) return;
  CommandDone done = std::move(it->second);
  pending_commands_.erase(it);
  ++counters_.commands;
  if (done) done(true, "published to the local broker");
}

void LocalMqttSource::on_suback(std::uint16_t, std::vector<int> return_codes) {
  subscribed_ = true;
  for (std::size_t i = 0; i < return_codes.size() && i < filters_.size(); ++i) {
    if (return_codes[i] == 0x80) {
      log(loop::LogLevel::error, {},
          "local broker refused the subscription to '" + filters_[i] +
              "' (check the broker's ACL for client id " + options_.client_id + ")");
    }
  }
}

std::optional<std::string> LocalMqttSource::publish_command(const std::string& device,
                                                            const std::vector<store::Field>& values,
                                                            CommandDone done) {
  auto it = std::find_if(devices_.begin(), devices_.end(),
                         [&](const LocalMqttDevice& d) { return d.name == device; });
  if (it == devices_.end()) return "not a local MQTT device";
  const auto& topic = it->options().command_topic;
  if (topic.empty()) return "the device has no command_topic";
  if (values.empty()) return "no values to set";
  if (!connected()) return "the local broker is not connected";
  auto id = connection_->publish(topic, command_payload(values), 1);
  if (!id) {
    ++counters_.command_failures;
    return "the local broker connection is busy; try again";
  }
  pending_commands_[*id] = std::move(done);
  return std::nullopt;
}

std::optional<std::string> LocalMqttSource::publish_call(const std::string& device,
                                                         const std::string& payload,
                                                         CommandDone done) {
  auto it = std::find_if(devices_.begin(), devices_.end(),
                         [&](const LocalMqttDevice& d) { return d.name == device; });
  if (it == devices_.end()) return "not a local MQTT device";
  if (it->options().command_topic.empty()) return "the device has no command_topic";
  if (!connected()) return "the local broker is not connected";
  auto id = connection_->publish(it->options().command_topic, payload, 1);
  if (!id) {
    ++counters_.command_failures;
    return "the local broker connection is busy; try again";
  }
  pending_commands_[*id] = std::move(done);
  return std::nullopt;
}

// The first device, in configuration order, whose reply_topic is `topic`: a plain reply topic by
// binary search, and only the wildcard ones matched. Every message is asked this; matching each
// device's reply topic cost 725 instructions a message at 100 devices, and grew with them.
const LocalMqttDevice* LocalMqttSource::reply_device(const std::string& topic) const {
  std::size_t first = devices_.size();
  if (const auto [exact, end] = entries_of(exact_replies_, topic); exact != end) {
    first = exact->second;
  }
  for (std::size_t w : wildcard_replies_) {
    if (w >= first) break;
    if (mqtt::topic_matches(devices_[w].options().reply_topic, topic)) {
      first = w;
      break;
    }
  }
  return first < devices_.size() ? &devices_[first] : nullptr;
}

bool LocalMqttSource::take_reply(const mqtt::Message& message) {
  const LocalMqttDevice* device = reply_device(message.topic);
  if (!device) return false;
  auto parsed = parse_device_reply(message.payload, device->options().reply_id_field);
  if (!parsed.reply) {
    std::uint64_t ignored = 0;
    refuse(*device, "malformed reply",
           "reply on '" + message.topic + "' refused: " + parsed.problem, ignored);
  } else if (on_reply_) {
    on_reply_(device->name, std::move(*parsed.reply));
  }
  ack_now(message);  // a reply is acted on at once; nothing of it is stored
  return true;
}

void LocalMqttSource::fail_pending_commands(const std::string& why) {
  auto pending = std::move(pending_commands_);
  pending_commands_.clear();
  for (auto& [id, done] : pending) {
    ++counters_.command_failures;
    if (done) done(false, why);
  }
}

void LocalMqttSource::log(loop::LogLevel level, const std::string& device,
                          const std::string& message) const {
  if (log_) log_(level, device, message);
}

std::string LocalMqttSource::broker() const {
  return "local broker " + options_.host + ":" + std::to_string(options_.port);
}

}  // namespace edgegw::southbound
