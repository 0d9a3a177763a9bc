// What the daemon benches (daemon_sessions_bench, topology_bench) share: reading the daemon's
// status.json for a census of its devices, waiting on it, and feeding the devices' local topics
// ("sensors/dev-<i>") from one MQTT connection to the local broker. Header only: each bench is one
// executable that links edgegw_mqtt, nlohmann_json and libsystemd already.
#pragma once

#include <systemd/sd-event.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "mqtt/connection.hpp"
#include "mqtt/resolver.hpp"
#include "support/process_usage.hpp"

namespace edgegw::bench {

// What status.json says right now about the devices whose name starts with `prefix` (empty if
// the file is being replaced or not there yet: `read` false).
struct Census {
  std::size_t online = 0;
  std::uint64_t acknowledged = 0;
  std::uint64_t backlog = 0;
  std::uint64_t attempts = 0;
  bool read = false;
};

inline Census census(const std::filesystem::path& status_file, std::string_view prefix = "") {
  Census c;
  std::ifstream in(status_file);
  if (!in) return c;
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.contains("devices")) return c;
  for (const auto& d : j["devices"]) {
    if (!d.value("name", "").starts_with(prefix)) continue;
    c.online += d.value("state", "") == "online";
    c.acknowledged += d.value("acknowledged", 0ull);
    c.backlog += d.value("backlog", 0ull);
    c.attempts += d.value("connect_attempts", 0ull);
  }
  c.read = true;
  return c;
}

// Waits (polling the status file, which the daemon rewrites as things change) until `done`;
// seconds waited, or -1 after `timeout_s`. `last`: the last census read; `prefix` as census().
template <typename Done>
double wait_for(const std::filesystem::path& status_file, Done done, double timeout_s,
                Census* last = nullptr, std::string_view prefix = "") {
  const auto start = std::chrono::steady_clock::now();
  while (test::seconds_since(start) < timeout_s) {
    auto c = census(status_file, prefix);
    if (c.read && last) *last = c;
    if (c.read && done(c)) return test::seconds_since(start);
    usleep(100000);
  }
  return -1;
}

// Publishes readings to the devices' local topics, QoS 1, through one MQTT connection.
struct LocalPublisher : mqtt::Connection::Handler {
  sd_event* loop = nullptr;
  std::unique_ptr<mqtt::Resolver> resolver;
  std::unique_ptr<mqtt::Connection> connection;
  bool online = false;
  std::size_t acked = 0;

  explicit LocalPublisher(std::uint16_t port) {
    sd_event_new(&loop);
    resolver = std::make_unique<mqtt::Resolver>(loop);
    connection = std::make_unique<mqtt::Connection>(loop, *resolver, *this);
    mqtt::ConnectOptions o;
    o.host = "127.0.0.1";
    o.port = port;
    o.client_id = "bench-devices";
    o.max_inflight = 64;
    connection->connect(o);
  }
  ~LocalPublisher() override {
    connection.reset();
    resolver.reset();
    sd_event_unref(loop);
  }
  LocalPublisher(const LocalPublisher&) = delete;
  LocalPublisher& operator=(const LocalPublisher&) = delete;

  void on_connected(bool) override { online = true; }
  void on_closed(const mqtt::Outcome&) override { online = false; }
  void on_message(const mqtt::Message&) override {}
  void on_puback(std::uint16_t) override { ++acked; }
  void on_suback(std::uint16_t, std::vector<int>) override {}

  // `per_device` readings to each of `devices` devices (round robin: reading k of every device
  // before reading k + 1), {"value": k}; returns once the broker acknowledged them all.
  void publish(std::size_t devices, std::size_t per_device) {
    while (!online) sd_event_run(loop, 100000);
    const std::size_t total = devices * per_device;
    const std::size_t acked_before = acked;
    std::size_t next = 0;
    while (acked - acked_before < total) {
      while (next < total &&
             connection->publish("sensors/dev-" + std::to_string(next % devices),
                                 "{\"value\": " + std::to_string(next / devices) + "}", 1)) {
        ++next;
      }
      sd_event_run(loop, 100000);
    }
  }
};

}  // namespace edgegw::bench
