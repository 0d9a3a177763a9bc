// N bare MQTT engine sessions (mqtt::Connection, nothing on top) on one sd-event loop: the floor
// the benchmarks compare the session layer and the daemon with (issue 18: idle CPU and memory per
// device against the engine's own at the same count). Header-only; benchmarks only.
#pragma once

#include <malloc.h>
#include <systemd/sd-event.h>

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "mqtt/connection.hpp"
#include "mqtt/resolver.hpp"
#include "support/process_usage.hpp"

namespace edgegw::test {

class EngineSessions {
 public:
  EngineSessions() {
    sd_event_new(&loop_);
    resolver_ = std::make_unique<mqtt::Resolver>(loop_);
  }
  ~EngineSessions() {
    sessions_.clear();
    resolver_.reset();
    sd_event_unref(loop_);
  }

  // Connects `n` sessions, at most `in_flight` connecting at once; options_for(i) says how.
  // Returns how many are online after `timeout_s`. A session whose attempt failed (EMFILE, a
  // refused or reset connection) frees its place in the window and is not retried: the bench
  // reports it as not online instead of waiting for it until the timeout.
  std::size_t connect(std::size_t n,
                      const std::function<mqtt::ConnectOptions(std::size_t)>& options_for,
                      std::size_t in_flight = 64, double timeout_s = 300) {
    const auto start = std::chrono::steady_clock::now();
    std::size_t next = 0;
    while (online() + failed_ < n && seconds_since(start) < timeout_s) {
      while (next < n && next - online() - failed_ < in_flight) {
        sessions_.push_back(std::make_unique<One>(loop_, *resolver_, online_, failed_));
        sessions_.back()->connection.connect(options_for(next++));
      }
      sd_event_run(loop_, 100000);
    }
    return online();
  }
  // Sessions whose first attempt failed before they were ever online.
  std::size_t failed() const { return failed_; }
  // Runs the loop as a daemon would when nothing happens: sleeping until an event is due.
  void idle(double seconds) {
    const auto start = std::chrono::steady_clock::now();
    while (seconds_since(start) < seconds) sd_event_run(loop_, 200000);
  }
  std::size_t online() const { return online_; }

 private:
  struct One : mqtt::Connection::Handler {
    One(sd_event* loop, mqtt::Resolver& resolver, std::size_t& online, std::size_t& failed)
        : online_count(online), failed_count(failed), connection(loop, resolver, *this) {}
    void on_connected(bool) override {
      up = true;
      was_up = true;
      ++online_count;
    }
    void on_closed(const mqtt::Outcome&) override {
      if (up) --online_count;
      if (!was_up && !counted_failed) {
        counted_failed = true;
        ++failed_count;
      }
      up = false;
    }
    void on_message(const mqtt::Message&) override {}
    void on_puback(std::uint16_t) override {}
    void on_suback(std::uint16_t, std::vector<int>) override {}
    std::size_t& online_count;
    std::size_t& failed_count;
    bool up = false;
    bool was_up = false;
    bool counted_failed = false;
    mqtt::Connection connection;
  };

  sd_event* loop_ = nullptr;
  std::unique_ptr<mqtt::Resolver> resolver_;
  std::vector<std::unique_ptr<One>> sessions_;
  std::size_t online_ = 0;
  std::size_t failed_ = 0;
};

// Heap in use (malloc'd and not freed), in bytes.
inline std::size_t heap_in_use() {
  return mallinfo2().uordblks;
}

}  // namespace edgegw::test
