// max_size and max_age: the oldest records go, in batches, counted per device; the database never
// grows past max_size plus one commit's worth.
#include <gtest/gtest.h>

#include <optional>

#include "outbox_test_support.hpp"
#include "store/outbox.hpp"

namespace edgegw::store {
namespace {

using testing::all_seqs;
using testing::options_in;
using testing::reading;

constexpr std::size_t kPerCommit = 200;

TEST(OutboxLimits, MaxSizeDropsTheOldestAndIsNeverExceededByMoreThanABatch) {
  edgegw::test::TempDir dir;
  OutboxOptions options = options_in(dir);
  options.max_size_bytes = 256 * 1024;
  auto outbox = Outbox::open(options);

  // Measure what one commit's batch adds to an empty database.
  std::uint64_t before = outbox->database_bytes();
  for (std::size_t i = 0; i < kPerCommit; ++i) outbox->append(reading(i % 3 ? "a" : "b", 0));
  ASSERT_TRUE(outbox->commit().ok());
  const std::uint64_t batch_bytes = outbox->database_bytes() - before + 4096;

  std::uint64_t dropped = 0;
  std::uint64_t appended = kPerCommit;
  for (int round = 0; round < 200; ++round) {
    for (std::size_t i = 0; i < kPerCommit; ++i) outbox->append(reading(i % 3 ? "a" : "b", round));
    appended += kPerCommit;
    const CommitResult result = outbox->commit();
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_EQ(result.dropped_by_age, 0u);
    dropped += result.dropped_by_size;
    ASSERT_LE(outbox->database_bytes(), options.max_size_bytes + batch_bytes) << "round " << round;
  }
  EXPECT_GT(dropped, 0u);
  const DropCounters a = outbox->drops("a");
  const DropCounters b = outbox->drops("b");
  EXPECT_EQ(a.by_size + b.by_size, dropped);
  EXPECT_GT(a.by_size, 0u);
  EXPECT_GT(b.by_size, 0u);
  EXPECT_EQ(outbox->backlog("a") + outbox->backlog("b") + dropped, appended);

  // What is left is the newest, still in order and contiguous per device.
  const auto seqs = all_seqs(*outbox, "a");
  ASSERT_FALSE(seqs.empty());
  EXPECT_EQ(seqs.back(), a.by_size + seqs.size());
  for (std::size_t i = 1; i < seqs.size(); ++i) ASSERT_EQ(seqs[i], seqs[i - 1] + 1);

  // The counters survive a restart.
  outbox.reset();
  outbox = Outbox::open(options);
  EXPECT_EQ(outbox->drops("a"), a);
  EXPECT_EQ(outbox->drops("b"), b);
  EXPECT_EQ(outbox->quick_check(), "ok");
}

// An outbox at its max_size while the cloud keeps up: each commit brings new readings and the acks
// of older ones. The size check ran before the acks, so it dropped the oldest records for room -
// the very ones the cloud had just acknowledged - and counted them as dropped: a gateway that lost
// nothing reported thousands of readings dropped, and its acks deleted nothing.
TEST(OutboxLimits, RecordsTheCloudAcknowledgedAreNotDroppedForSizeInTheSameCommit) {
  edgegw::test::TempDir dir;
  OutboxOptions options = options_in(dir);
  options.max_size_bytes = 128 * 1024;
  auto outbox = Outbox::open(options);
  // Fill to the limit: from here each commit must make room for what it adds.
  std::int64_t value = 0;
  for (int round = 0; round < 40 && outbox->drops("a").by_size == 0; ++round) {
    for (std::size_t i = 0; i < kPerCommit; ++i) outbox->append(reading("a", value++));
    ASSERT_TRUE(outbox->commit().ok());
  }
  ASSERT_GT(outbox->drops("a").by_size, 0u) << "the limit was never reached";
  const std::uint64_t dropped_before = outbox->drops("a").by_size;

  // The cloud now acknowledges as much as arrives, oldest first.
  std::uint64_t acked = 0;
  for (int round = 0; round < 20; ++round) {
    const auto seqs = all_seqs(*outbox, "a");
    for (std::size_t i = 0; i < kPerCommit && i < seqs.size(); ++i) outbox->ack("a", seqs[i]);
    for (std::size_t i = 0; i < kPerCommit; ++i) outbox->append(reading("a", value++));
    const CommitResult result = outbox->commit();
    ASSERT_TRUE(result.ok()) << result.error;
    acked += result.acked;
  }
  EXPECT_EQ(acked, 20 * kPerCommit);
  EXPECT_EQ(outbox->drops("a").by_size, dropped_before)
      << "acknowledged records counted as dropped";
  EXPECT_LE(outbox->database_bytes(), options.max_size_bytes + 64 * 1024);
}

// Far under max_size a commit does not look the database's size up (PRAGMA page_count, which
// SQLite prepares anew at every run); near it, it looks at every commit and the limit holds.
TEST(OutboxLimits, SizeIsLookedUpOnlyNearTheLimit) {
  edgegw::test::TempDir dir;
  OutboxOptions options = options_in(dir);
  options.max_size_bytes = 1ull << 30;
  auto outbox = Outbox::open(options);
  for (int round = 0; round < 100; ++round) {
    for (int i = 0; i < 5; ++i) outbox->append(reading("a", round));
    ASSERT_TRUE(outbox->commit().ok());
  }
  // The first commit looks (nothing known yet); the other 99 stay under the bound. The free
  // space of the file system too: 500 small records are far from a sixteenth of what it holds.
  EXPECT_LE(outbox->counters().size_queries, 2u);
  EXPECT_LE(outbox->counters().space_queries, 2u);
  EXPECT_EQ(outbox->backlog("a"), 500u);

  outbox.reset();
  options.max_size_bytes = 64 * 1024;
  outbox = Outbox::open(options);
  std::uint64_t dropped = 0;
  for (int round = 0; round < 100; ++round) {
    for (std::size_t i = 0; i < kPerCommit; ++i) outbox->append(reading("a", round));
    const CommitResult result = outbox->commit();
    ASSERT_TRUE(result.ok()) << result.error;
    dropped += result.dropped_by_size;
  }
  EXPECT_GT(dropped, 0u);
  EXPECT_GE(outbox->counters().size_queries, 100u);
}

// A reader that keeps up gets records from memory; those a commit drops for max_size are never
// handed out, from memory or not.
TEST(OutboxLimits, RecordsDroppedForSizeAreNeverHandedOut) {
  edgegw::test::TempDir dir;
  OutboxOptions options = options_in(dir);
  options.max_size_bytes = 64 * 1024;
  auto outbox = Outbox::open(options);
  outbox->append(reading("a", 0));
  ASSERT_TRUE(outbox->commit().ok());
  std::uint64_t last = 0;
  for (int round = 0; round < 60; ++round) {
    for (auto& r : outbox->take("a", 500)) {
      ASSERT_GT(r.seq, outbox->drops("a").by_size) << "round " << round;
      ASSERT_GT(r.seq, last);
      last = r.seq;
      if (round % 4 != 0) outbox->ack("a", r.seq);  // a backlog, and drops, every fourth round
    }
    for (std::size_t i = 0; i < kPerCommit / 4; ++i) outbox->append(reading("a", round));
    ASSERT_TRUE(outbox->commit().ok());
  }
  EXPECT_GT(outbox->drops("a").by_size, 0u);
  EXPECT_GT(outbox->counters().taken_from_memory, 0u);
}

TEST(OutboxLimits, MaxAgeDropsOldRecordsCountedPerDevice) {
  edgegw::test::TempDir dir;
  OutboxOptions options = options_in(dir);
  options.max_age = std::chrono::hours(1);
  auto outbox = Outbox::open(options);
  const std::chrono::system_clock::time_point now{std::chrono::hours(1000)};
  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::int64_t hour = 3600 * 1000;

  for (int i = 0; i < 600; ++i) outbox->append(reading(i % 2 ? "a" : "b", i, now_ms - 3 * hour));
  for (int i = 0; i < 10; ++i) outbox->append(reading("a", i, now_ms - hour / 2));
  CommitResult result = outbox->commit(now);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.dropped_by_age, 600u);
  EXPECT_EQ(outbox->drops("a"), (DropCounters{0, 300}));
  EXPECT_EQ(outbox->drops("b"), (DropCounters{0, 300}));
  EXPECT_EQ(outbox->backlog("a"), 10u);
  EXPECT_EQ(outbox->backlog("b"), 0u);
  EXPECT_EQ(outbox->devices(), std::vector<std::string>{"a"});

  // Idle: a later commit with nothing queued still ages the rest out.
  result = outbox->commit(now + std::chrono::minutes(45));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.dropped_by_age, 10u);
  EXPECT_EQ(outbox->backlog("a"), 0u);

  // The sequence does not go back after the device's rows all went.
  outbox.reset();
  outbox = Outbox::open(options);
  EXPECT_EQ(outbox->append(reading("a", 0, now_ms)), 311u);
  EXPECT_EQ(outbox->drops("a"), (DropCounters{0, 310}));
}

// A busy outbox commits hundreds of times a second; max_age (days by default) is checked once a
// second, not at every commit (the check reads the head of every device's rows): a record past
// max_age goes within that second, while the commits never pause.
TEST(OutboxLimits, MaxAgeIsCheckedOnceASecondUnderContinuousCommits) {
  edgegw::test::TempDir dir;
  OutboxOptions options = options_in(dir);
  options.max_age = std::chrono::hours(1);
  auto outbox = Outbox::open(options);
  const std::chrono::system_clock::time_point t0{std::chrono::hours(1000)};
  const auto ms = [](std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  };
  // Readings two hours old (a device that buffered them) arrive with every commit, every 100 ms.
  outbox->append(reading("b", 0, ms(t0) - 2 * 3600 * 1000));
  const CommitResult first = outbox->commit(t0);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first.dropped_by_age, 1u);  // the first commit checks
  std::uint64_t dropped = 0;
  std::optional<std::chrono::milliseconds> dropped_at;
  for (int i = 1; i <= 15; ++i) {
    const auto at = t0 + std::chrono::milliseconds(100 * i);
    outbox->append(reading("b", i, ms(at) - 2 * 3600 * 1000));
    const CommitResult result = outbox->commit(at);
    ASSERT_TRUE(result.ok());
    if (result.dropped_by_age > 0 && !dropped_at) dropped_at = std::chrono::milliseconds(100 * i);
    dropped += result.dropped_by_age;
  }
  ASSERT_TRUE(dropped_at.has_value());
  EXPECT_EQ(*dropped_at, std::chrono::milliseconds(1000));  // not at every commit: once a second
  EXPECT_EQ(dropped, 10u);  // the ten that had arrived by then; the next five wait for the next
  EXPECT_EQ(outbox->backlog("b"), 5u);
}

TEST(OutboxLimits, MaxAgeZeroKeepsForever) {
  edgegw::test::TempDir dir;
  auto outbox = Outbox::open(options_in(dir));  // max_age 0
  outbox->append(reading("a", 0, 1));
  ASSERT_TRUE(outbox->commit(std::chrono::system_clock::now()).ok());
  EXPECT_EQ(outbox->backlog("a"), 1u);
}

}  // namespace
}  // namespace edgegw::store
