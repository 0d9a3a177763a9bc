#include "integration/sessions/session_harness.hpp"

#include <systemd/sd-event.h>

#include <cstdlib>
#include <stdexcept>

#include "northbound/platform_defaults.hpp"
#include "support/loop_runner.hpp"

namespace edgegw::test {

EventLoop::EventLoop() {
  if (sd_event_new(&loop_) < 0) throw std::runtime_error("sd_event_new failed");
}

EventLoop::~EventLoop() {
  sd_event_unref(loop_);
}

bool EventLoop::run_once(std::chrono::microseconds timeout) {
  return sd_event_run(loop_, static_cast<std::uint64_t>(timeout.count())) > 0;
}

Observer::Observer(CloudEmulator& cloud) : cloud_(cloud) {
  resolver_ = std::make_unique<mqtt::Resolver>(loop_.get());
  mqtt::Connection::Handler& handler = *this;
  connection_ = std::make_unique<mqtt::Connection>(loop_.get(), *resolver_, handler);
}

Observer::~Observer() {
  connection_.reset();
  resolver_.reset();
}

void Observer::connect() {
  subscribed_ = 0;
  mqtt::ConnectOptions o;
  o.host = cloud_.host();
  o.port = cloud_.plain_port();
  o.client_id = "observer";
  o.username = cloud_.observer_username();
  o.password = cloud_.observer_password();
  o.keepalive = std::chrono::seconds(30);
  o.max_inflight = 64;
  connection_->connect(o);
}

void Observer::connect_and_wait(std::chrono::milliseconds timeout) {
  connect();
  auto deadline = SteadyClock::now() + timeout;
  while (!ready()) {
    if (SteadyClock::now() > deadline) throw std::runtime_error("observer did not subscribe");
    if (connection_->phase() == mqtt::Connection::Phase::idle) connect();
    loop_.run_once(std::chrono::milliseconds(10));
  }
}

void Observer::on_connected(bool) {
  for (const char* filter : {"#", "$oc/#", "$shadow/#", "$thing/#", "$sys/#"}) {
    connection_->subscribe({{filter, 1}});
  }
}

void Observer::publish(const std::string& topic, const std::string& payload) {
  connection_->publish(topic, payload, 1);
}

void Observer::on_message(const mqtt::Message& message) {
  messages_.push_back(message);
  if (message.qos > 0) connection_->ack(message.packet_id);
}

std::size_t Observer::count_on(const std::string& needle) const {
  std::size_t n = 0;
  for (const auto& m : messages_) n += m.topic.find(needle) != std::string::npos;
  return n;
}

std::set<std::uint64_t> Observer::seqs_of(const std::string& device) const {
  // The generic platform's payload: {"device":"...","seq":N,...}. (No std::regex: GCC 12 warns
  // inside it under the sanitizers.)
  static const std::string key = "\"seq\":";
  std::set<std::uint64_t> out;
  const std::string topic = "devices/" + device + "/telemetry";
  for (const auto& m : messages_) {
    if (m.topic != topic) continue;
    auto at = m.payload.find(key);
    if (at == std::string::npos) continue;
    out.insert(std::strtoull(m.payload.c_str() + at + key.size(), nullptr, 10));
  }
  return out;
}

northbound::NorthboundOptions SessionHarness::options_for(const CloudEmulator& cloud,
                                                          northbound::PlatformKind kind,
                                                          std::uint16_t port, bool tls) {
  northbound::NorthboundOptions o;
  o.cloud.platform = kind;
  o.cloud.host = cloud.host();
  o.cloud.port = port;
  o.cloud.tls = tls;
  o.cloud.allow_plaintext = !tls;
  if (tls) o.cloud.ca_file = cloud.ca_file();
  o.cloud.backoff_min = std::chrono::milliseconds(100);
  o.cloud.backoff_max = std::chrono::milliseconds(2000);
  o.cloud.connects_per_second = 200;
  o.cloud.max_inflight = 16;
  o.cloud.publish_rate = 1000;
  o.cloud.keepalive = northbound::platform_defaults(kind).keepalive;
  o.clock_recheck = std::chrono::milliseconds(100);
  o.connect_timeout = std::chrono::seconds(10);
  o.connect_burst = 10;
  o.seed = 12345;
  return o;
}

SessionHarness::SessionHarness(northbound::NorthboundOptions options,
                               northbound::WallClock wall_clock) {
  store::OutboxOptions outbox_options;
  outbox_options.path = dir_.path() / "outbox.db";
  outbox_ = store::Outbox::open(outbox_options);
  if (options.state_dir.empty()) options.state_dir = dir_.path();
  northbound::NorthboundHandlers handlers;
  handlers.log = [this](loop::LogLevel, std::string_view device, std::string_view message) {
    logs_.push_back(std::string(device) + ": " + std::string(message));
  };
  handlers.on_command = [this](const std::string& device, const northbound::Command& command) {
    commands_.emplace_back(device, command);
  };
  handlers.wall_clock = std::move(wall_clock);
  handlers.on_connect_attempt = [this](const std::string& device, SteadyClock::time_point granted) {
    attempts_.push_back({device, SteadyClock::now(), granted});
  };
  northbound_ = std::make_unique<northbound::Northbound>(loop_.get(), *outbox_, std::move(options),
                                                         std::move(handlers));
}

SessionHarness::~SessionHarness() {
  northbound_.reset();
  outbox_.reset();
}

std::uint64_t SessionHarness::append(const std::string& device, double value) {
  store::Record r;
  r.device = device;
  r.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  r.fields.push_back({"value", value});
  return outbox_->append(std::move(r));
}

void SessionHarness::turn(std::chrono::microseconds wait, Observer* observer) {
  if (outbox_->has_pending()) outbox_->commit();
  northbound_->drain();
  if (outbox_->has_pending()) outbox_->commit();
  // sd_event_run dispatches one event source per call: a turn handles whatever is ready (up to a
  // bound), as the daemon's tick does, before the next commit.
  loop_.run_once(wait);
  for (int i = 0; i < 256 && loop_.run_once(std::chrono::microseconds(0)); ++i) {
  }
  if (observer) observer->poll();
  for (auto& poll : pollers_) poll();
}

bool SessionHarness::run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                               Observer* observer) {
  // At least one turn, even when `done` holds already (what is ready gets handled first).
  const auto one_turn = [&] { turn(std::chrono::milliseconds(observer ? 2 : 10), observer); };
  one_turn();
  return run_turns_until(one_turn, done, timeout);
}

void SessionHarness::run_for(std::chrono::milliseconds duration, Observer* observer) {
  run_turns_while([&] { turn(std::chrono::milliseconds(observer ? 2 : 10), observer); },
                  [] { return true; }, duration);
}

bool SessionHarness::all_online() const {
  for (const auto& s : northbound_->status()) {
    if (s.state != northbound::SessionState::online) return false;
  }
  return true;
}

std::size_t SessionHarness::count_logs(const std::string& needle) const {
  std::size_t n = 0;
  for (const auto& line : logs_) n += line.find(needle) != std::string::npos;
  return n;
}

std::string SessionHarness::logs() const {
  std::string out;
  for (const auto& line : logs_) out += line + "\n";
  return out;
}

}  // namespace edgegw::test
