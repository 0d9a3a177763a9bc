// What every mqtt integration test needs: an sd-event loop run on the test thread, a Resolver, a
// Handler that records what the Connection reported, and run_until(condition, deadline).
#pragma once

#include <gtest/gtest.h>
#include <systemd/sd-event.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mqtt/connection.hpp"
#include "mqtt/resolver.hpp"
#include "support/loop_runner.hpp"

namespace edgegw::mqtt::test {

struct RecordingHandler : Connection::Handler {
  int connected = 0;
  bool session_present = false;
  std::vector<Outcome> closed;
  std::vector<Message> messages;
  std::vector<std::uint16_t> pubacks;
  std::vector<std::pair<std::uint16_t, std::vector<int>>> subacks;
  int writable = 0;
  // Optional hooks, run inside the callback (to test re-entrancy).
  std::function<void()> after_connected;
  std::function<void(const Outcome&)> after_closed;
  std::function<void(const Message&)> after_message;

  void on_connected(bool present) override {
    ++connected;
    session_present = present;
    if (after_connected) after_connected();
  }
  void on_closed(const Outcome& outcome) override {
    closed.push_back(outcome);
    if (after_closed) after_closed(outcome);
  }
  void on_message(const Message& message) override {
    messages.push_back(message);
    if (after_message) after_message(message);
  }
  void on_puback(std::uint16_t id) override { pubacks.push_back(id); }
  void on_suback(std::uint16_t id, std::vector<int> codes) override {
    subacks.emplace_back(id, std::move(codes));
  }
  void on_writable() override { ++writable; }
};

class LoopFixture : public ::testing::Test {
 protected:
  LoopFixture() {
    sd_event_new(&loop_);
    resolver_ = std::make_unique<Resolver>(loop_);
  }
  ~LoopFixture() override {
    resolver_.reset();
    sd_event_unref(loop_);
  }

  // Runs the loop until `condition` holds or `timeout` passes; returns whether it held.
  bool run_until(const std::function<bool()>& condition,
                 std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return edgegw::test::run_loop_until(loop_, condition, timeout);
  }

  ConnectOptions plain_options(std::uint16_t port, const std::string& client_id) {
    ConnectOptions o;
    o.host = "127.0.0.1";
    o.port = port;
    o.client_id = client_id;
    o.connect_timeout = std::chrono::seconds(5);
    return o;
  }

  sd_event* loop_ = nullptr;
  std::unique_ptr<Resolver> resolver_;
};

}  // namespace edgegw::mqtt::test
