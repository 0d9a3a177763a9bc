// The poller against a scripted slave (a ReadFn over an array, with holes and silence): splitting
// on "illegal data address" and remembering the split, offline/online status records, report by
// exception across polls, and that an absent slave costs one request per poll.
#include "southbound/device_poller.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

namespace edgegw::southbound {
namespace {

using namespace std::chrono_literals;
using Clock = DevicePoller::Clock;

struct ScriptedSlave {
  std::vector<std::uint16_t> holding = std::vector<std::uint16_t>(200, 0);
  std::set<int> holes;
  bool silent = false;
  int requests = 0;

  DevicePoller::ReadFn reader() {
    return
        [this](const ReadBlock& b, std::vector<std::uint16_t>& regs, std::vector<std::uint8_t>&) {
          ++requests;
          if (silent) return RequestResult{Outcome::timeout, 0, "no answer (timeout)"};
          for (int a = b.start; a < b.start + b.count; ++a) {
            if (holes.count(a)) return RequestResult{Outcome::exception, 2, "Illegal data address"};
          }
          regs.assign(holding.begin() + b.start, holding.begin() + b.start + b.count);
          return RequestResult{};
        };
  }
};

ModbusDevice meter(std::vector<std::uint16_t> addresses, double deadband = 0.0) {
  ModbusDevice d;
  d.name = "meter-1";
  d.options.interval = 1s;
  d.options.offline_interval = 10s;
  d.options.heartbeat = 60s;
  d.options.max_gap = 8;
  for (auto a : addresses) {
    PointSpec p;
    p.name = "r" + std::to_string(a);
    p.address = a;
    p.deadband = deadband;
    d.options.points.push_back(p);
  }
  return d;
}

const store::Record* find(const std::vector<store::Record>& records, store::RecordKind kind) {
  for (const auto& r : records) {
    if (r.kind == kind) return &r;
  }
  return nullptr;
}

// Point values in a reading (quality fields left out).
std::size_t values_in(const store::Record& r) {
  return static_cast<std::size_t>(
      std::count_if(r.fields.begin(), r.fields.end(),
                    [](const auto& f) { return f.name.rfind(kQualityPrefix, 0) != 0; }));
}

TEST(DevicePoller, FirstPollReportsOnlineAndEveryPoint) {
  ScriptedSlave slave;
  slave.holding[3] = 42;
  DevicePoller poller(meter({0, 3}), Clock::time_point{});
  const auto result = poller.poll(slave.reader(), Clock::time_point{}, 1000);
  ASSERT_EQ(result.records.size(), 2u);
  EXPECT_EQ(result.records[0].kind, store::RecordKind::device_status);
  EXPECT_EQ(result.records[0].fields, (std::vector<store::Field>{{"online", true}}));
  EXPECT_EQ(result.records[1].kind, store::RecordKind::telemetry);
  EXPECT_EQ(result.records[1].time_ms, 1000);
  EXPECT_EQ(result.records[1].fields,
            (std::vector<store::Field>{{"r0", std::int64_t{0}}, {"r3", std::int64_t{42}}}));
  EXPECT_EQ(slave.requests, 1);
  EXPECT_EQ(poller.next_due(), Clock::time_point{} + 1s);
}

TEST(DevicePoller, IllegalAddressSplitsTheBlockAndRemembersTheSplit) {
  ScriptedSlave slave;
  slave.holes = {5};  // inside the gap between 4 and 6: the merged read is refused
  for (int a = 0; a < 12; ++a) slave.holding[a] = static_cast<std::uint16_t>(100 + a);
  DevicePoller poller(meter({0, 1, 2, 3, 4, 6, 7, 8, 9, 10}), Clock::time_point{});
  ASSERT_EQ(poller.plan().size(), 1u);
  auto result = poller.poll(slave.reader(), Clock::time_point{}, 0);
  const auto* reading = find(result.records, store::RecordKind::telemetry);
  ASSERT_NE(reading, nullptr);
  EXPECT_EQ(reading->fields.size(), 10u);  // no point lost
  EXPECT_EQ(poller.plan().size(), 2u);     // 0..4 and 6..10
  EXPECT_EQ(slave.requests, 3);            // the refused read and its two halves
  slave.requests = 0;
  poller.poll(slave.reader(), Clock::time_point{} + 1s, 0);
  EXPECT_EQ(slave.requests, 2);  // the split is remembered
}

TEST(DevicePoller, AnAddressTheSlaveLacksCostsOnlyThatPoint) {
  ScriptedSlave slave;
  slave.holes = {2};
  DevicePoller poller(meter({0, 1, 2, 3}), Clock::time_point{});
  const auto result = poller.poll(slave.reader(), Clock::time_point{}, 0);
  const auto* reading = find(result.records, store::RecordKind::telemetry);
  ASSERT_NE(reading, nullptr);
  ASSERT_EQ(reading->fields.size(), 4u);  // three values, and r2's bad quality
  EXPECT_EQ(reading->fields[2],
            (store::Field{"$quality/r2", std::string("bad: Illegal data address")}));
  bool warned = false;
  for (const auto& [level, message] : result.logs) {
    warned |= level == loop::LogLevel::warning && message.find("r2") != std::string::npos;
  }
  EXPECT_TRUE(warned);
  // The bad point is set aside until the heartbeat: the next poll does not ask for it.
  slave.requests = 0;
  const auto again = poller.poll(slave.reader(), Clock::time_point{} + 1s, 0);
  EXPECT_EQ(slave.requests, static_cast<int>(poller.plan().size()) - 1);
  EXPECT_TRUE(again.logs.empty());
}

TEST(DevicePoller, SilentSlaveGoesOfflineOnceAndComesBack) {
  ScriptedSlave slave;
  DevicePoller poller(meter({0, 50, 100}), Clock::time_point{});  // three reads
  const Clock::time_point t0{};
  poller.poll(slave.reader(), t0, 0);
  slave.silent = true;
  slave.requests = 0;
  auto down = poller.poll(slave.reader(), t0 + 1s, 0);
  EXPECT_EQ(slave.requests, 1);  // the poll stops at the first unanswered read
  ASSERT_EQ(down.records.size(), 1u);
  EXPECT_EQ(down.records[0].kind, store::RecordKind::device_status);
  EXPECT_EQ(down.records[0].fields, (std::vector<store::Field>{{"online", false}}));
  ASSERT_EQ(down.logs.size(), 1u);
  EXPECT_EQ(down.logs[0].first, loop::LogLevel::warning);
  EXPECT_TRUE(poller.offline());
  EXPECT_EQ(poller.next_due(), t0 + 11s);  // polled less often while offline
  auto still = poller.poll(slave.reader(), t0 + 11s, 0);
  EXPECT_TRUE(still.records.empty());
  EXPECT_TRUE(still.logs.empty());
  slave.silent = false;
  auto back = poller.poll(slave.reader(), t0 + 21s, 0);
  ASSERT_EQ(back.records.size(), 2u);
  EXPECT_EQ(back.records[0].fields, (std::vector<store::Field>{{"online", true}}));
  EXPECT_EQ(back.records[1].fields.size(), 3u);
  EXPECT_TRUE(poller.online());
}

TEST(DevicePoller, DeadbandAcrossPolls) {
  ScriptedSlave slave;
  DevicePoller poller(meter({0, 1}, 5.0), Clock::time_point{});
  const Clock::time_point t0{};
  EXPECT_NE(find(poller.poll(slave.reader(), t0, 0).records, store::RecordKind::telemetry),
            nullptr);
  slave.holding[1] = 3;
  EXPECT_EQ(find(poller.poll(slave.reader(), t0 + 1s, 0).records, store::RecordKind::telemetry),
            nullptr);
  slave.holding[1] = 6;
  const auto moved = poller.poll(slave.reader(), t0 + 2s, 0);
  const auto* reading = find(moved.records, store::RecordKind::telemetry);
  ASSERT_NE(reading, nullptr);
  EXPECT_EQ(reading->fields, (std::vector<store::Field>{{"r1", std::int64_t{6}}}));
  const auto beat = poller.poll(slave.reader(), t0 + 61s, 0);
  reading = find(beat.records, store::RecordKind::telemetry);
  ASSERT_NE(reading, nullptr);
  EXPECT_EQ(reading->fields.size(), 1u);  // r0, unchanged since t0: heartbeat
}

TEST(DevicePoller, CountsItsOwnPollErrorsAndExceptions) {
  ScriptedSlave slave;
  slave.holes = {50};
  DevicePoller poller(meter({0, 50, 100}), Clock::time_point{});  // three reads
  const Clock::time_point t0{};
  EXPECT_EQ(poller.stats(), (DevicePollStats{"meter-1", 0, 0, 0, "", 0}));
  poller.poll(slave.reader(), t0, 1000);
  EXPECT_EQ(poller.stats().polls, 1u);
  EXPECT_EQ(poller.stats().errors, 0u);
  EXPECT_EQ(poller.stats().exceptions, 1u);  // r50 refused
  EXPECT_EQ(poller.stats().last_error, "holding 50+1 (r50): Illegal data address");
  EXPECT_EQ(poller.stats().last_error_ms, 1000);
  slave.silent = true;
  poller.poll(slave.reader(), t0 + 1s, 2000);
  poller.poll(slave.reader(), t0 + 12s, 3000);
  EXPECT_EQ(poller.stats().polls, 3u);
  EXPECT_EQ(poller.stats().errors, 2u);  // one per poll: a poll stops at the unanswered read
  EXPECT_EQ(poller.stats().exceptions, 1u);
  EXPECT_EQ(poller.stats().last_error, "holding 0+1 (r0): no answer (timeout)");
  EXPECT_EQ(poller.stats().last_error_ms, 3000);
  slave.silent = false;
  poller.poll(slave.reader(), t0 + 23s, 4000);
  EXPECT_EQ(poller.stats().polls, 4u);
  EXPECT_EQ(poller.stats().errors, 2u);  // an answer does not clear the history
  EXPECT_EQ(poller.stats().last_error_ms, 3000);
}

// Issue 16: after the slave's refusals the plan is again the fewest reads that avoid them, not
// the fragments the halving left behind.
TEST(DevicePoller, AfterRefusalsThePlanIsMinimal) {
  ScriptedSlave slave;
  slave.holes = {11, 51, 70};  // two in gaps, one under point r70 itself
  std::vector<std::uint16_t> addresses;
  for (std::uint16_t a = 0; a < 100; a += 2) addresses.push_back(a);
  for (int a = 0; a < 100; ++a) slave.holding[a] = static_cast<std::uint16_t>(a);
  DevicePoller poller(meter(addresses), Clock::time_point{});
  ASSERT_EQ(poller.plan().size(), 1u);
  Clock::time_point t{};
  for (int round = 0; round < 6; ++round, t += 1s) {
    const auto result = poller.poll(slave.reader(), t, 0);
    const auto* reading = find(result.records, store::RecordKind::telemetry);
    ASSERT_NE(reading, nullptr);
    EXPECT_EQ(values_in(*reading), 49u) << "round " << round;  // every point but r70
  }
  // The fewest reads that avoid 11, 51 and 70: 0..10, 12..50, 52..68, 72..98.
  slave.requests = 0;
  poller.poll(slave.reader(), t, 0);
  EXPECT_EQ(slave.requests, 4);
  std::vector<std::pair<std::uint16_t, std::uint16_t>> spans;
  for (const auto& b : poller.plan()) spans.emplace_back(b.start, b.count);
  EXPECT_EQ(spans, (std::vector<std::pair<std::uint16_t, std::uint16_t>>{
                       {0, 11}, {12, 39}, {52, 17}, {72, 27}, {70, 1}}));
  // r70 comes back into the merged plan once the slave has it (asked at the heartbeat).
  slave.holes = {11, 51};
  poller.poll(slave.reader(), t + 61s, 0);
  slave.requests = 0;
  const auto all = poller.poll(slave.reader(), t + 62s, 0);
  const auto* reading = find(all.records, store::RecordKind::telemetry);
  ASSERT_NE(reading, nullptr);
  EXPECT_EQ(values_in(*reading), 50u);
}

// A refusal of a range with exception 03 (some slaves) splits like 02.
TEST(DevicePoller, IllegalDataValueSplitsLikeIllegalAddress) {
  ScriptedSlave slave;
  DevicePoller poller(meter({0, 4}), Clock::time_point{});
  int calls = 0;
  auto read = [&](const ReadBlock& b, std::vector<std::uint16_t>& regs,
                  std::vector<std::uint8_t>&) {
    ++calls;
    if (b.count > 1) return RequestResult{Outcome::exception, 3, "Illegal data value"};
    regs.assign(1, 7);
    return RequestResult{};
  };
  const auto result = poller.poll(read, Clock::time_point{}, 0);
  const auto* reading = find(result.records, store::RecordKind::telemetry);
  ASSERT_NE(reading, nullptr);
  EXPECT_EQ(reading->fields.size(), 2u);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(poller.plan().size(), 2u);
}

// Issue 16: per-point intervals keep their periods while blocks stay merged (each block read at
// most once per poll, and not at all when none of its points is due).
TEST(DevicePoller, PointIntervalsKeepTheirPeriodsInMergedBlocks) {
  ScriptedSlave slave;
  ModbusDevice d = meter({0, 1, 100});
  d.options.points[1].interval = 15s;  // energy, in the same block as r0
  d.options.points[2].interval = 15s;  // a block of its own
  DevicePoller poller(d, Clock::time_point{});
  ASSERT_EQ(poller.plan().size(), 2u);
  const Clock::time_point t0{};
  std::map<std::string, int> reported;
  int polls = 0;
  for (auto t = t0; t < t0 + 31s; t = poller.next_due()) {
    slave.requests = 0;
    const auto result = poller.poll(slave.reader(), t, 0);
    ++polls;
    const auto* reading = find(result.records, store::RecordKind::telemetry);
    ASSERT_NE(reading, nullptr);
    for (const auto& f : reading->fields) ++reported[f.name];
    const bool slow_due = (t - t0) % 15s == 0s;
    EXPECT_EQ(slave.requests, slow_due ? 2 : 1) << (t - t0).count();
  }
  EXPECT_EQ(polls, 31);  // every second, 0 s .. 30 s
  EXPECT_EQ(reported["r0"], 31);
  EXPECT_EQ(reported["r1"], 3);  // at 0, 15 and 30 s
  EXPECT_EQ(reported["r100"], 3);
  EXPECT_EQ(poller.plan().size(), 2u);  // still merged
}

// Issue 16: a point the device refuses, or whose registers do not decode to a usable value, is
// reported with a bad quality (not silently dropped), and "good" once it is read again.
TEST(DevicePoller, PointQualityIsReported) {
  ScriptedSlave slave;
  slave.holes = {2};
  ModbusDevice d = meter({0, 2, 4});
  d.options.points[2].type = PointType::f32;
  slave.holding[4] = 0x7FC0;  // f32 NaN
  DevicePoller poller(d, Clock::time_point{});
  const Clock::time_point t0{};
  auto result = poller.poll(slave.reader(), t0, 0);
  const auto* reading = find(result.records, store::RecordKind::telemetry);
  ASSERT_NE(reading, nullptr);
  const std::vector<store::Field> first = reading->fields;
  EXPECT_NE(std::find(first.begin(), first.end(),
                      store::Field{"$quality/r2", std::string("bad: Illegal data address")}),
            first.end());
  EXPECT_NE(std::find(first.begin(), first.end(),
                      store::Field{"$quality/r4",
                                   std::string("bad: not a finite number (NaN or infinity)")}),
            first.end());
  // Unchanged: not repeated every poll.
  result = poller.poll(slave.reader(), t0 + 1s, 0);
  reading = find(result.records, store::RecordKind::telemetry);
  ASSERT_NE(reading, nullptr);
  EXPECT_EQ(reading->fields, (std::vector<store::Field>{{"r0", std::int64_t{0}}}));
  // Both readable again: "good" and the values.
  slave.holes.clear();
  slave.holding[4] = 0x3F80;  // 1.0f
  result = poller.poll(slave.reader(), t0 + 61s, 0);
  reading = find(result.records, store::RecordKind::telemetry);
  ASSERT_NE(reading, nullptr);
  const auto& f = reading->fields;
  EXPECT_NE(std::find(f.begin(), f.end(), store::Field{"$quality/r2", std::string("good")}),
            f.end());
  EXPECT_NE(std::find(f.begin(), f.end(), store::Field{"$quality/r4", std::string("good")}),
            f.end());
  EXPECT_NE(std::find(f.begin(), f.end(), store::Field{"r4", 1.0}), f.end());
  EXPECT_NE(std::find(f.begin(), f.end(), store::Field{"r2", std::int64_t{0}}), f.end());
}

}  // namespace
}  // namespace edgegw::southbound
