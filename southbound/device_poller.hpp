// One Modbus device's polling state on its bus: its read plan (replanned under what the slave
// refused: points it lacks, pairs of points it will not read together), the report-by-exception
// filter of each point, whether the device is online, and when it is due next. It issues requests
// through a function it is given, so the bus owns the link, retries and pacing, and tests can
// answer with a fake slave.
//
// One poll reads the due blocks in order. A block refused for its range (exception 02 or 03) is
// read in halves at once, recursively, so no point is lost; what that teaches is kept and the plan
// is made afresh after the poll, again the fewest reads (block_planner.hpp). On a block that gets
// no answer (a timeout, or gateway exception 0A / 0B) the poll stops there: an absent slave costs
// its bus one timeout (times the retries) per poll and no more. If no block answered, the device
// is offline (one status record, one log line) and is polled every offline_interval until it
// answers again (one status record, and every point reported afresh). If earlier blocks answered,
// the device is up and only that block is set aside until the next heartbeat (some slaves stay
// silent instead of answering "illegal data address").
//
// Points may have their own interval (a meter's energy every 15 min, its power every second). The
// plan still merges them all; a poll reads the blocks that hold a due point, once each, and
// reports only the due points, so each keeps its period and no block is read twice in a cycle.
//
// The poller is also the one place that counts a device's poll outcomes (DevicePollStats), so the
// status report can say which device on a shared line is failing; the bus only counts what is a
// property of the line (requests, reconnects).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "loop/log_sink.hpp"
#include "southbound/block_planner.hpp"
#include "southbound/event_conditions.hpp"
#include "southbound/modbus_outcome.hpp"
#include "southbound/point_codec.hpp"
#include "southbound/report_filter.hpp"
#include "southbound/southbound_options.hpp"
#include "store/record.hpp"

namespace edgegw::southbound {

// The field that carries a point's quality in a telemetry record: "$quality/<point>" with the
// value "bad: <why>" or "good" (docs/modbus.md, "Point quality"). Point names cannot start with
// '$', so it never collides with a point.
inline constexpr std::string_view kQualityPrefix = "$quality/";

struct ModbusDevice {
  std::string name;  // the local device name
  ModbusDeviceOptions options;
  bool operator==(const ModbusDevice&) const = default;
};

// One device's poll outcomes since the bus started. A read is one block after the bus's retries,
// so a failing device adds one error per poll (a poll stops at the first unanswered block).
struct DevicePollStats {
  std::string device;
  std::uint64_t polls = 0;         // polls that asked the device something
  std::uint64_t errors = 0;        // reads without a usable answer (timeout, garbled, link down)
  std::uint64_t exceptions = 0;    // reads the device refused with a Modbus exception
  std::string last_error;          // the latest error or exception, with the block it concerned
  std::int64_t last_error_ms = 0;  // when (Unix milliseconds); 0: never
  bool operator==(const DevicePollStats&) const = default;
};

class DevicePoller {
 public:
  using Clock = std::chrono::steady_clock;
  // Issues one read (with whatever retries the caller applies) into the buffers.
  using ReadFn = std::function<RequestResult(const ReadBlock&, std::vector<std::uint16_t>&,
                                             std::vector<std::uint8_t>&)>;

  struct PollResult {
    std::vector<store::Record> records;  // a status change first, then telemetry (if any)
    // Lines about this device (its name is not in them: the bus logs them with it as `device`).
    std::vector<std::pair<loop::LogLevel, std::string>> logs;
    // The event conditions' baselines, when this poll changed them (event_conditions.hpp).
    std::optional<EventConditions::Baselines> baselines;
  };

  DevicePoller(ModbusDevice device, Clock::time_point first_due);

  PollResult poll(const ReadFn& read, Clock::time_point now, std::int64_t time_ms);

  const ModbusDevice& device() const { return device_; }
  const std::string& name() const { return device_.name; }
  unsigned unit() const { return device_.options.unit; }
  // "(unit 3)": how this device's log lines start (the owner puts the device's name before it).
  std::string unit_text() const { return "(unit " + std::to_string(unit()) + ")"; }
  bool online() const { return state_ == State::online; }
  bool offline() const { return state_ == State::offline; }
  Clock::time_point next_due() const { return next_due_; }
  const DevicePollStats& stats() const { return stats_; }
  // Every point is due now (after a write: the new value comes back soon).
  void poll_soon(Clock::time_point now);
  // The event conditions' baselines saved before a restart; before the first poll.
  void restore_baselines(const EventConditions::Baselines& b) { events_.restore(b); }
  // Reads in the current plan (after splits); for tests and benchmarks.
  std::vector<ReadBlock> plan() const;

 private:
  enum class State { unknown, online, offline };
  struct PlannedBlock {
    ReadBlock block;
    std::optional<Clock::time_point> retry_at;  // set aside until then
    bool complaint_logged = false;
  };
  // How one block (and, when it was refused, its halves) came out.
  enum class BlockRead {
    whole,      // answered in one request
    in_pieces,  // refused whole, every point then read in smaller requests
    refused,    // some point refused on its own, or an exception other than a refused address
    no_answer,  // the device did not answer (poll ends)
  };
  struct PollContext {
    const ReadFn& read;
    Clock::time_point now;
    std::int64_t time_ms;
    PollResult& out;
    std::vector<store::Field>& fields;
    std::optional<RequestResult> failure;
    bool answered = false;
    bool learnt = false;  // the plan's limits changed: plan again after the poll
  };

  BlockRead read_block(PlannedBlock& pb, PollContext& ctx);
  BlockRead read_refusable(const ReadBlock& block, PlannedBlock& pb, PollContext& ctx);
  BlockRead refused_whole(const ReadBlock& block, PlannedBlock& pb, const RequestResult& r,
                          PollContext& ctx);
  void replan(Clock::time_point now);
  void schedule(Clock::time_point now);
  void set_quality(std::size_t point, const std::string& problem, std::vector<store::Field>& fields,
                   bool again = false);
  void decode_block(const ReadBlock& block, Clock::time_point now,
                    std::vector<store::Field>& fields);
  void set_state(bool answered, const std::string& why, std::int64_t time_ms, PollResult& out);
  std::string describe_block(const ReadBlock& block) const;
  void count_failure(const ReadBlock& block, const RequestResult& r, std::int64_t time_ms);
  void complain(PlannedBlock& pb, const ReadBlock& block, const RequestResult& r, PollResult& out);

  ModbusDevice device_;
  std::vector<PlannedBlock> blocks_;
  PlanLimits limits_;                  // what the slave refused so far: the plan avoids it
  std::vector<ReportFilter> filters_;  // one per point
  EventConditions events_{device_.options.events};
  State state_ = State::unknown;
  Clock::time_point next_due_;
  std::vector<Clock::time_point> point_due_;  // per point: when it is to be reported next
  std::vector<bool> due_;                     // per point, in the current poll
  std::vector<std::string> quality_;          // per point: "" good, else the last problem
  std::vector<std::uint16_t> widths_;         // per point: registers (or bits) it takes
  std::vector<DecodePath> paths_;             // per point: how it is decoded
  bool one_interval_ = true;     // no point has an interval of its own: all are due together
  std::size_t last_fields_ = 0;  // fields reported by the last poll: reserved next
  std::vector<std::uint16_t> registers_;
  std::vector<std::uint8_t> bits_;
  DevicePollStats stats_;
};

}  // namespace edgegw::southbound
