// The outbox's contract with its callers: order, sequences, commit callbacks, hand-out and
// release, at-least-once across reopen, fairness.
#include "store/outbox.hpp"

#include <gtest/gtest.h>

#include <map>
#include <numeric>

#include "outbox_test_support.hpp"
#include "store/schema.hpp"

namespace edgegw::store {
namespace {

using testing::all_seqs;
using testing::options_in;
using testing::reading;

TEST(Outbox, CreatesAFreshDatabase) {
  edgegw::test::TempDir dir;
  OpenReport report;
  auto outbox = Outbox::open(options_in(dir), &report);
  EXPECT_TRUE(report.created);
  EXPECT_FALSE(report.moved_aside);
  EXPECT_EQ(report.schema_before, 0);
  EXPECT_EQ(report.schema_after, kSchemaVersion);
  EXPECT_EQ(outbox->quick_check(), "ok");
  EXPECT_TRUE(outbox->devices().empty());
}

TEST(Outbox, RecordsAreInvisibleUntilCommittedAndComeBackIntact) {
  edgegw::test::TempDir dir;
  auto outbox = Outbox::open(options_in(dir));
  Record r = reading("meter-1", 42, 1234);
  r.kind = RecordKind::command_reply;
  EXPECT_EQ(outbox->append(r), 1u);
  EXPECT_TRUE(outbox->has_pending());
  EXPECT_EQ(outbox->backlog("meter-1"), 0u);
  EXPECT_TRUE(outbox->take("meter-1", 10).empty());

  const CommitResult result = outbox->commit();
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.appended, 1u);
  EXPECT_FALSE(outbox->has_pending());
  EXPECT_EQ(outbox->backlog("meter-1"), 1u);
  auto taken = outbox->take("meter-1", 10);
  ASSERT_EQ(taken.size(), 1u);
  r.seq = 1;
  EXPECT_EQ(taken[0], r);
}

TEST(Outbox, AnEventKeepsItsIdentifierAcrossAReopen) {
  edgegw::test::TempDir dir;
  Record r = reading("meter-1", 7, 1234);
  r.kind = RecordKind::event;
  r.event = "OverVoltage";
  {
    auto outbox = Outbox::open(options_in(dir));
    outbox->append(r);
    outbox->append(reading("meter-1", 8, 1235));
    ASSERT_TRUE(outbox->commit().ok());
  }
  auto outbox = Outbox::open(options_in(dir));
  auto taken = outbox->take("meter-1", 10);
  ASSERT_EQ(taken.size(), 2u);
  r.seq = 1;
  EXPECT_EQ(taken[0], r);
  EXPECT_EQ(taken[1].kind, RecordKind::telemetry);
  EXPECT_EQ(taken[1].event, "");
}

TEST(Outbox, OnCommittedRunsOnlyAfterTheCommit) {
  edgegw::test::TempDir dir;
  auto outbox = Outbox::open(options_in(dir));
  int committed = 0;
  outbox->append(reading("a", 1), [&] { ++committed; });
  outbox->append(reading("a", 2), [&] { ++committed; });
  outbox->append(reading("a", 3));
  EXPECT_EQ(committed, 0);
  ASSERT_TRUE(outbox->commit().ok());
  EXPECT_EQ(committed, 2);
  ASSERT_TRUE(outbox->commit().ok());
  EXPECT_EQ(committed, 2);
}

// The daemon's group commit arms on this hook alone: a queued change it missed would wait for the
// next unrelated one (an ack after the last reading of the day: for ever).
TEST(Outbox, EveryQueuedChangeCallsTheHookAndNothingElseDoes) {
  edgegw::test::TempDir dir;
  auto outbox = Outbox::open(options_in(dir));
  int queued = 0;
  outbox->on_queued([&] { ++queued; });
  outbox->append(reading("a", 1));
  outbox->append(reading("a", 2), [] {});
  EXPECT_EQ(queued, 2);
  ASSERT_TRUE(outbox->commit().ok());
  EXPECT_EQ(outbox->take("a", 10).size(), 2u);
  EXPECT_EQ(queued, 2) << "a commit or a take queued nothing";
  outbox->ack("a", 1);
  EXPECT_EQ(queued, 3);
  outbox->ack("no-such-device", 1);
  EXPECT_EQ(queued, 3) << "an ack that queues nothing";
  outbox->on_queued({});
  outbox->ack("a", 2);
  EXPECT_EQ(queued, 3);
  ASSERT_TRUE(outbox->commit().ok());
  EXPECT_EQ(outbox->backlog("a"), 0u);
}

TEST(Outbox, SequencesIncreasePerDeviceInOrder) {
  edgegw::test::TempDir dir;
  auto outbox = Outbox::open(options_in(dir));
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(outbox->append(reading("a", i)), static_cast<std::uint64_t>(2 * i + 1));
    EXPECT_EQ(outbox->append(reading("a", i)), static_cast<std::uint64_t>(2 * i + 2));
    EXPECT_EQ(outbox->append(reading("b", i)), static_cast<std::uint64_t>(i + 1));
  }
  ASSERT_TRUE(outbox->commit().ok());
  std::vector<std::uint64_t> expected(200);
  std::iota(expected.begin(), expected.end(), 1);
  EXPECT_EQ(all_seqs(*outbox, "a"), expected);
  auto b = outbox->take("b", 1000);
  ASSERT_EQ(b.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(std::get<std::int64_t>(b[i].fields[0].value), i);
}

TEST(Outbox, SequencesSurviveReopenEvenWhenEverythingWasAcked) {
  edgegw::test::TempDir dir;
  {
    auto outbox = Outbox::open(options_in(dir));
    for (int i = 0; i < 5; ++i) outbox->append(reading("a", i));
    outbox->append(reading("b", 0));
    ASSERT_TRUE(outbox->commit().ok());
    for (std::uint64_t seq = 1; seq <= 5; ++seq) outbox->ack("a", seq);
    ASSERT_TRUE(outbox->commit().ok());
    EXPECT_EQ(outbox->backlog("a"), 0u);
  }
  {
    OpenReport report;
    auto outbox = Outbox::open(options_in(dir), &report);
    EXPECT_FALSE(report.created);
    EXPECT_EQ(report.backlog, 1u);
    EXPECT_EQ(outbox->append(reading("a", 5)), 6u);
    EXPECT_EQ(outbox->append(reading("b", 1)), 2u);
    // Appended but never committed: the sequence may be reused, nobody saw it committed.
  }
  auto outbox = Outbox::open(options_in(dir));
  EXPECT_EQ(outbox->append(reading("a", 5)), 6u);
  EXPECT_EQ(outbox->append(reading("b", 1)), 2u);
}

TEST(Outbox, TakeHandsOutEachRecordOnceUntilRelease) {
  edgegw::test::TempDir dir;
  auto outbox = Outbox::open(options_in(dir));
  for (int i = 0; i < 10; ++i) outbox->append(reading("a", i));
  ASSERT_TRUE(outbox->commit().ok());
  auto first = outbox->take("a", 4);
  ASSERT_EQ(first.size(), 4u);
  EXPECT_EQ(first.front().seq, 1u);
  auto second = outbox->take("a", 100);
  ASSERT_EQ(second.size(), 6u);
  EXPECT_EQ(second.front().seq, 5u);
  EXPECT_TRUE(outbox->take("a", 100).empty());

  outbox->append(reading("a", 10));
  ASSERT_TRUE(outbox->commit().ok());
  auto fresh = outbox->take("a", 100);
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_EQ(fresh[0].seq, 11u);

  outbox->ack("a", 1);
  outbox->ack("a", 2);
  ASSERT_TRUE(outbox->commit().ok());
  outbox->release("a");
  auto again = outbox->take("a", 100);
  ASSERT_EQ(again.size(), 9u);
  EXPECT_EQ(again.front().seq, 3u);
  EXPECT_EQ(again.back().seq, 11u);
}

TEST(Outbox, AcksInAnyOrderRemoveExactlyThoseRecords) {
  edgegw::test::TempDir dir;
  auto outbox = Outbox::open(options_in(dir));
  for (int i = 0; i < 20; ++i) outbox->append(reading("a", i));
  ASSERT_TRUE(outbox->commit().ok());
  for (std::uint64_t seq : {7u, 3u, 4u, 5u, 20u, 1u, 5u, 99u}) outbox->ack("a", seq);
  outbox->ack("unknown", 1);
  const CommitResult result = outbox->commit();
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.acked, 6u);
  EXPECT_EQ(outbox->backlog("a"), 14u);
  EXPECT_EQ(all_seqs(*outbox, "a"),
            (std::vector<std::uint64_t>{2, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}));
}

TEST(Outbox, AppendAndAckInTheSameCommit) {
  edgegw::test::TempDir dir;
  auto outbox = Outbox::open(options_in(dir));
  const auto seq = outbox->append(reading("a", 1));
  outbox->ack("a", seq);
  ASSERT_TRUE(outbox->commit().ok());
  EXPECT_EQ(outbox->backlog("a"), 0u);
  EXPECT_TRUE(outbox->devices().empty());
}

TEST(Outbox, EveryUnackedRecordIsOfferedAgainAfterReopen) {
  edgegw::test::TempDir dir;
  {
    auto outbox = Outbox::open(options_in(dir));
    for (int i = 0; i < 50; ++i) outbox->append(reading(i % 2 ? "odd" : "even", i));
    ASSERT_TRUE(outbox->commit().ok());
    ASSERT_EQ(outbox->take("odd", 100).size(), 25u);  // in flight when the daemon stops
    for (std::uint64_t seq = 1; seq <= 10; ++seq) outbox->ack("odd", seq);
    ASSERT_TRUE(outbox->commit().ok());
    outbox->append(reading("odd", 99));  // never committed
  }
  OpenReport report;
  auto outbox = Outbox::open(options_in(dir), &report);
  EXPECT_EQ(report.backlog, 40u);
  EXPECT_EQ(outbox->backlog("odd"), 15u);
  EXPECT_EQ(outbox->backlog("even"), 25u);
  auto odd = outbox->take("odd", 100);
  ASSERT_EQ(odd.size(), 15u);
  EXPECT_EQ(odd.front().seq, 11u);
  EXPECT_EQ(std::get<std::int64_t>(odd.front().fields[0].value), 21);
  EXPECT_EQ(outbox->devices(), (std::vector<std::string>{"even", "odd"}));
}

TEST(Outbox, DrainOrderRotatesSoNoDeviceStarves) {
  edgegw::test::TempDir dir;
  auto outbox = Outbox::open(options_in(dir));
  for (int i = 0; i < 10000; ++i) outbox->append(reading("huge", i));
  outbox->append(reading("small-1", 0));
  outbox->append(reading("small-2", 0));
  ASSERT_TRUE(outbox->commit().ok());

  // A caller with a budget of 100 records per loop turn, taking up to 100 per device.
  std::map<std::string, int> turns_until_drained;
  for (int turn = 1; turn <= 4 && turns_until_drained.size() < 2; ++turn) {
    std::size_t budget = 100;
    for (const auto& device : outbox->drain_order()) {
      if (budget == 0) break;
      auto batch = outbox->take(device, budget);
      budget -= batch.size();
      for (const auto& r : batch) outbox->ack(device, r.seq);
    }
    ASSERT_TRUE(outbox->commit().ok());
    for (const char* small : {"small-1", "small-2"}) {
      if (outbox->backlog(small) == 0) turns_until_drained.emplace(small, turn);
    }
  }
  EXPECT_EQ(turns_until_drained.size(), 2u) << "a small device starved behind the huge backlog";
  EXPECT_GT(outbox->backlog("huge"), 9000u);
}

TEST(Outbox, UnusablePathThrows) {
  OutboxOptions options;
  options.path = "/nonexistent-dir/sub/outbox.db";
  EXPECT_THROW(Outbox::open(options), std::runtime_error);
}

}  // namespace
}  // namespace edgegw::store
