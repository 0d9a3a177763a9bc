// Test harness for the cloud sessions: an sd-event loop driving a Northbound and a real Outbox, the
// way the daemon does (commit, then drain, every turn), plus an Observer — a separate MQTT client
// on its own loop that subscribes to everything on the cloud emulator and records what arrives. The
// observer has its own loop so a test can bring it back first after a broker restart, before the
// sessions get a turn, and so see every message they publish.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "cloud/cloud_emulator.hpp"
#include "mqtt/connection.hpp"
#include "northbound/northbound.hpp"
#include "store/outbox.hpp"
#include "support/temp_dir.hpp"

struct sd_event;

namespace edgegw::test {

using SteadyClock = std::chrono::steady_clock;

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  sd_event* get() const { return loop_; }
  // Runs at most one iteration (one event source), waiting up to `timeout` for an event; returns
  // whether something was dispatched.
  bool run_once(std::chrono::microseconds timeout);

 private:
  sd_event* loop_ = nullptr;
};

// Subscribes to every topic of the emulator (as its observer user) and records the messages.
class Observer : private mqtt::Connection::Handler {
 public:
  explicit Observer(CloudEmulator& cloud);
  ~Observer() override;

  void connect();
  // Runs the observer's loop until it is subscribed (throws after `timeout`).
  void connect_and_wait(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  bool ready() const { return subscribed_ >= kFilters; }
  void poll() { loop_.run_once(std::chrono::microseconds(0)); }
  // Publishes as the observer (it may publish to any device's topics), QoS 1.
  void publish(const std::string& topic, const std::string& payload);

  const std::vector<mqtt::Message>& messages() const { return messages_; }
  // Messages whose topic contains `needle`.
  std::size_t count_on(const std::string& needle) const;
  // The "seq" numbers of the generic-MQTT telemetry of `device` (devices/<device>/telemetry).
  std::set<std::uint64_t> seqs_of(const std::string& device) const;

 private:
  static constexpr int kFilters = 5;
  void on_connected(bool) override;
  void on_closed(const mqtt::Outcome&) override { subscribed_ = 0; }
  void on_message(const mqtt::Message& message) override;
  void on_puback(std::uint16_t) override {}
  void on_suback(std::uint16_t, std::vector<int>) override { ++subscribed_; }

  CloudEmulator& cloud_;
  EventLoop loop_;
  std::unique_ptr<mqtt::Resolver> resolver_;
  std::unique_ptr<mqtt::Connection> connection_;
  int subscribed_ = 0;
  std::vector<mqtt::Message> messages_;
};

class SessionHarness {
 public:
  // Cloud options for the emulator: host 127.0.0.1, its CA, fast backoff.
  static northbound::NorthboundOptions options_for(const CloudEmulator& cloud,
                                                   northbound::PlatformKind kind,
                                                   std::uint16_t port, bool tls);

  explicit SessionHarness(northbound::NorthboundOptions options,
                          northbound::WallClock wall_clock = {});
  ~SessionHarness();

  northbound::Northbound& northbound() { return *northbound_; }
  store::Outbox& outbox() { return *outbox_; }
  sd_event* loop() const { return loop_.get(); }
  const std::filesystem::path& state_dir() const { return dir_.path(); }

  // Queues one telemetry record for `device` (committed on the next turn); returns its seq.
  std::uint64_t append(const std::string& device, double value);
  std::uint64_t backlog() const { return outbox_->total_backlog(); }

  // Runs turns (commit, drain, loop iteration; `observer` polled too) until `done` or `timeout`.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                 Observer* observer = nullptr);
  // Runs turns for `duration` (to count what happens in a window, e.g. connect attempts).
  void run_for(std::chrono::milliseconds duration, Observer* observer = nullptr);
  // Something else to poll on every turn (another client's loop).
  void also_poll(std::function<void()> poll) { pollers_.push_back(std::move(poll)); }

  bool all_online() const;
  std::size_t count_logs(const std::string& needle) const;
  std::string logs() const;
  // A connect attempt: which device, when the loop started it, and the connect limiter's slot
  // it was granted (never after `started`; earlier when the loop ran its timer late).
  struct Attempt {
    std::string device;
    SteadyClock::time_point started;
    SteadyClock::time_point granted;
  };
  const std::vector<Attempt>& attempts() const { return attempts_; }
  const std::vector<std::pair<std::string, northbound::Command>>& commands() const {
    return commands_;
  }

 private:
  void turn(std::chrono::microseconds wait, Observer* observer);

  TempDir dir_;
  EventLoop loop_;
  std::unique_ptr<store::Outbox> outbox_;
  std::vector<std::string> logs_;
  std::vector<Attempt> attempts_;
  std::vector<std::pair<std::string, northbound::Command>> commands_;
  std::vector<std::function<void()>> pollers_;
  std::unique_ptr<northbound::Northbound> northbound_;
};

}  // namespace edgegw::test
