// ModbusBus: one Modbus bus (a serial line or one TCP endpoint) and the devices on it, polled by a
// thread of its own because libmodbus blocks and a bus is sequential anyway.
//
// The event loop talks to it only through two queues and an eventfd: readings (telemetry and
// device_status Records) and write results come up, write requests go down. When event_fd() is
// readable, call take_readings() and take_write_results(); both are cheap and never block on the
// bus. Writes go before the next poll, and the written device is polled right after, so a write
// shows up as a reading soon.
//
// Logs: lines about one device carry its name as the sink's `device`; lines about the bus itself
// (connect failures) carry an empty device and name the bus in the text.
//
// Costs: one thread and one fd (kept below 1024, see low_fd.hpp) per bus. Queued readings are
// capped (kMaxQueuedRecords); past the cap the oldest are dropped and counted.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "loop/backoff.hpp"
#include "loop/log_sink.hpp"
#include "southbound/device_poller.hpp"
#include "southbound/modbus_write.hpp"
#include "southbound/southbound_options.hpp"
#include "store/record.hpp"

namespace edgegw::southbound {

class ModbusLink;

// A read of some points now, outside the poll schedule (a cloud's property get with
// property_get = "device"): the points' blocks are read once, with the bus's timeout and
// retries, and decoded; nothing of it goes into the outbox.
struct ReadRequest {
  std::string device;
  std::uint64_t request_id = 0;
  std::vector<std::string> points;  // empty: every point of the device
};
struct ReadResult {
  std::string device;
  std::uint64_t request_id = 0;
  bool ok = false;                   // every asked point read
  std::string message;               // "ok", or what is missing and why
  std::vector<store::Field> values;  // the points read (also when some are missing)
};

// What happened on the line (each request counts, retries and writes included), and each device's
// own poll outcomes (counted by its DevicePoller): a shared RTU line where one device fails shows
// failures on the bus and errors on that device only.
struct BusStats {
  std::uint64_t requests = 0;            // every request sent, retries and writes included
  std::uint64_t failures = 0;            // requests without a usable answer (timeouts, errors)
  std::uint64_t exceptions = 0;          // requests answered with an exception
  std::uint64_t polls = 0;               // device polls (the sum over `devices`)
  std::uint64_t points = 0;              // point values reported
  std::uint64_t connects = 0;            // successful connects / opens
  std::uint64_t dropped = 0;             // readings dropped because the queue was full
  int fd = -1;                           // the fd libmodbus uses now (-1: none)
  std::vector<DevicePollStats> devices;  // in the order the bus was given them
};

class ModbusBus {
 public:
  static constexpr std::size_t kMaxQueuedRecords = 100000;
  static constexpr std::size_t kMaxQueuedWrites = 1024;

  // `devices` are those whose options().bus names this bus. Nothing happens before start().
  // Throws std::system_error when the bus's eventfd cannot be made (the fd limit): a bus that
  // cannot wake the loop would never deliver a reading.
  ModbusBus(BusOptions bus, std::vector<ModbusDevice> devices, loop::LogSink log = {});
  ~ModbusBus();  // stops the thread (waits at most one response timeout)
  ModbusBus(const ModbusBus&) = delete;
  ModbusBus& operator=(const ModbusBus&) = delete;

  void start();
  void stop();

  // Readable (eventfd semantics) when readings or write results are waiting.
  int event_fd() const { return event_fd_; }
  std::vector<store::Record> take_readings();
  // Device -> its event conditions' baselines (event_conditions.hpp). restore: before start().
  using Baselines = std::map<std::string, EventConditions::Baselines>;
  void restore_baselines(const Baselines& baselines);
  // Every device's baselines when a poll changed some since the last call (take it after
  // take_readings(): they describe the readings taken).
  std::optional<Baselines> take_baselines();
  // Queues a write; its result arrives through take_write_results().
  void submit_write(WriteRequest request);
  std::vector<WriteResult> take_write_results();
  // Queues a read (before any poll that is due); its result arrives through take_read_results().
  void submit_read(ReadRequest request);
  std::vector<ReadResult> take_read_results();
  // Polls `device` as soon as the line is free (a remote "poll now"), ahead of its interval; its
  // readings and poll counters come out as usual. False for a device not on this bus.
  bool request_poll(const std::string& device);

  BusStats stats() const;
  const BusOptions& options() const { return options_; }

 private:
  void run();
  void poll_device(DevicePoller& device);
  void execute_write(const WriteRequest& request);
  void execute_read(const ReadRequest& request);
  // One request with the bus's policy: connect if needed (with backoff), pause between requests,
  // retry timeouts (only while the device is online) and reconnect after transport errors.
  template <typename Request>
  RequestResult with_retries(bool device_online, Request&& request);
  bool ensure_connected();
  void pace();
  void log(loop::LogLevel level, const std::string& device, const std::string& message) const;
  bool push_readings(std::vector<store::Record>& records);  // mutex_ held; moves them out
  void publish_result(WriteResult result);
  void signal();

  BusOptions options_;
  loop::LogSink log_;
  std::unique_ptr<ModbusLink> link_;
  std::vector<DevicePoller> devices_;
  int event_fd_ = -1;

  // Bus thread only.
  std::chrono::steady_clock::time_point reconnect_at_{};
  loop::Backoff reconnect_backoff_;
  bool connect_failing_ = false;
  std::chrono::steady_clock::time_point failing_since_{};
  unsigned failed_connects_ = 0;  // in the current outage
  std::string connect_error_;
  std::chrono::steady_clock::time_point last_request_end_{};

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::atomic<bool> stop_requested_{false};  // read by the bus thread without the mutex
  std::deque<WriteRequest> writes_;
  std::vector<std::string> poll_requests_;
  std::vector<store::Record> readings_;
  bool readings_signaled_ = false;  // the eventfd was written for readings_ not yet taken
  Baselines baselines_;
  bool baselines_changed_ = false;
  std::vector<WriteResult> results_;
  std::deque<ReadRequest> reads_;
  std::vector<ReadResult> read_results_;
  std::vector<DevicePollStats> device_stats_;  // copied from the pollers after each poll
  std::thread thread_;

  struct Counters {
    std::atomic<std::uint64_t> requests{0}, failures{0}, exceptions{0}, points{0}, connects{0},
        dropped{0};
    std::atomic<int> fd{-1};
  };
  Counters counters_;
};

}  // namespace edgegw::southbound
