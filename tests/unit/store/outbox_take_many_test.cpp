// Outbox::take_many, what the northbound reads for all its ready sessions in one round: each
// device's records come back in its own order, nothing is skipped or handed out twice, and
// release and ack behave as with take().
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "outbox_test_support.hpp"
#include "store/outbox.hpp"

namespace edgegw::store {
namespace {

using testing::all_seqs;
using testing::options_in;
using testing::reading;

std::vector<std::uint64_t> seqs_of(const std::vector<Record>& records) {
  std::vector<std::uint64_t> seqs;
  for (const auto& r : records) seqs.push_back(r.seq);
  return seqs;
}

TEST(OutboxTakeMany, AnswersEachDeviceInItsOwnOrderInTheAskedOrder) {
  edgegw::test::TempDir dir;
  auto outbox = Outbox::open(options_in(dir));
  // Interleaved appends over three devices, committed in two rounds.
  for (int i = 0; i < 6; ++i) {
    for (const char* device : {"a", "b", "c"}) outbox->append(reading(device, i));
    if (i == 2) {
      ASSERT_TRUE(outbox->commit().ok());
    }
  }
  ASSERT_TRUE(outbox->commit().ok());
  auto batches = outbox->take_many({"c", "unknown", "a", "b"}, 4);
  ASSERT_EQ(batches.size(), 4u);
  EXPECT_EQ(seqs_of(batches[0]), (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_TRUE(batches[1].empty());
  EXPECT_EQ(seqs_of(batches[2]), (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(seqs_of(batches[3]), (std::vector<std::uint64_t>{1, 2, 3, 4}));
  for (const auto& r : batches[0]) EXPECT_EQ(r.device, "c");
  EXPECT_EQ(batches[2][3].fields, reading("a", 3).fields);
  // The rest, then nothing: no record twice, none skipped.
  batches = outbox->take_many({"a", "b", "c"}, 100);
  for (const auto& batch : batches) EXPECT_EQ(seqs_of(batch), (std::vector<std::uint64_t>{5, 6}));
  batches = outbox->take_many({"a", "b", "c"}, 100);
  for (const auto& batch : batches) EXPECT_TRUE(batch.empty());
}

TEST(OutboxTakeMany, SharesTheHandOutWithTakeAndRelease) {
  edgegw::test::TempDir dir;
  auto outbox = Outbox::open(options_in(dir));
  for (int i = 0; i < 5; ++i) {
    outbox->append(reading("a", i));
    outbox->append(reading("b", i));
  }
  ASSERT_TRUE(outbox->commit().ok());
  EXPECT_EQ(seqs_of(outbox->take("a", 2)), (std::vector<std::uint64_t>{1, 2}));
  auto batches = outbox->take_many({"a", "b"}, 2);
  EXPECT_EQ(seqs_of(batches[0]), (std::vector<std::uint64_t>{3, 4}));
  EXPECT_EQ(seqs_of(batches[1]), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(seqs_of(outbox->take("b", 10)), (std::vector<std::uint64_t>{3, 4, 5}));
  // Records committed after everything was handed out are found (the "nothing new" shortcut
  // must not hide them), and a release offers the unacknowledged ones again.
  outbox->append(reading("a", 5));
  outbox->append(reading("b", 5));
  ASSERT_TRUE(outbox->commit().ok());
  batches = outbox->take_many({"a", "b"}, 10);
  EXPECT_EQ(seqs_of(batches[0]), (std::vector<std::uint64_t>{5, 6}));
  EXPECT_EQ(seqs_of(batches[1]), (std::vector<std::uint64_t>{6}));
  outbox->ack("b", 1);
  outbox->ack("b", 6);
  ASSERT_TRUE(outbox->commit().ok());
  outbox->release("b");
  batches = outbox->take_many({"a", "b"}, 10);
  EXPECT_TRUE(batches[0].empty());
  EXPECT_EQ(seqs_of(batches[1]), (std::vector<std::uint64_t>{2, 3, 4, 5}));
}

TEST(OutboxTakeMany, EveryRecordIsHandedOutOnceAndAckedOnceAcrossRounds) {
  edgegw::test::TempDir dir;
  auto outbox = Outbox::open(options_in(dir));
  const std::vector<std::string> devices{"d0", "d1", "d2", "d3", "d4"};
  std::map<std::string, std::vector<std::uint64_t>> handed;
  std::set<std::pair<std::string, std::uint64_t>> acked;
  // One round as the daemon runs it: one take_many, acks of the even half of what came.
  auto take_round = [&] {
    bool any = false;
    auto batches = outbox->take_many(devices, 3);
    for (std::size_t d = 0; d < devices.size(); ++d) {
      for (const auto& r : batches[d]) {
        any = true;
        handed[devices[d]].push_back(r.seq);
        if (r.seq % 2 == 0) {
          EXPECT_TRUE(acked.insert({devices[d], r.seq}).second);
          outbox->ack(devices[d], r.seq);
        }
      }
    }
    return any;
  };
  for (int round = 0; round < 20; ++round) {
    for (std::size_t d = 0; d < devices.size(); ++d) {
      for (std::size_t k = 0; k <= (round + d) % 4; ++k) outbox->append(reading(devices[d], round));
    }
    ASSERT_TRUE(outbox->commit().ok());
    take_round();
  }
  while (take_round()) ASSERT_TRUE(outbox->commit().ok());  // what is left
  ASSERT_TRUE(outbox->commit().ok());
  for (const auto& device : devices) {
    const auto& seqs = handed[device];
    ASSERT_FALSE(seqs.empty());
    for (std::size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], i + 1) << device;
    EXPECT_EQ(seqs.size(), outbox->backlog(device) + (seqs.size() / 2)) << device;
    // What stays is exactly the odd ones.
    for (auto seq : all_seqs(*outbox, device)) EXPECT_EQ(seq % 2, 1u) << device;
  }
}

// A reader that caught up gets the next commit's records from memory, exactly as the database
// holds them, without a query; after a release, or for a reader that had not caught up, the
// database answers. Nothing is handed out before its commit.
TEST(OutboxTakeMany, ACaughtUpReaderGetsTheNextCommitFromMemory) {
  edgegw::test::TempDir dir;
  auto outbox = Outbox::open(options_in(dir));
  EXPECT_TRUE(outbox->take("a", 64).empty());  // caught up: nothing committed
  for (int i = 0; i < 3; ++i) outbox->append(reading("a", 10 + i));
  EXPECT_TRUE(outbox->take("a", 64).empty());  // not committed yet
  ASSERT_TRUE(outbox->commit().ok());
  const auto queries = outbox->counters().take_queries;
  const auto fresh = outbox->take("a", 2);
  ASSERT_EQ(seqs_of(fresh), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(fresh[1].fields, reading("a", 11).fields);
  EXPECT_EQ(fresh[1].device, "a");
  EXPECT_EQ(seqs_of(outbox->take("a", 64)), (std::vector<std::uint64_t>{3}));
  EXPECT_EQ(outbox->counters().take_queries, queries);
  EXPECT_EQ(outbox->counters().taken_from_memory, 3u);

  // A reconnect offers everything unacknowledged again: from the database, the same records.
  outbox->release("a");
  const auto again = outbox->take("a", 64);
  EXPECT_EQ(seqs_of(again), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(again[1], fresh[1]);
  EXPECT_GT(outbox->counters().take_queries, queries);

  // Kept records of two devices, read for both in one round. A device the outbox did not know
  // yet has its first records read from the database.
  outbox->append(reading("b", 1));
  ASSERT_TRUE(outbox->commit().ok());
  EXPECT_EQ(seqs_of(outbox->take("b", 64)), (std::vector<std::uint64_t>{1}));
  for (int i = 0; i < 2; ++i) {
    outbox->append(reading("a", 20 + i));
    outbox->append(reading("b", 30 + i));
  }
  ASSERT_TRUE(outbox->commit().ok());
  const auto before = outbox->counters().take_queries;
  auto batches = outbox->take_many({"b", "a"}, 64);
  EXPECT_EQ(seqs_of(batches[0]), (std::vector<std::uint64_t>{2, 3}));
  EXPECT_EQ(seqs_of(batches[1]), (std::vector<std::uint64_t>{4, 5}));
  EXPECT_EQ(outbox->counters().take_queries, before);
  EXPECT_EQ(outbox->counters().taken_from_memory, 7u);
}

// A reader that falls behind (more committed than it takes) reads the rest from the database, in
// order, nothing twice, nothing skipped; records dropped for max_size are never handed out.
TEST(OutboxTakeMany, AReaderBehindItsCommitsGetsEverythingOnceInOrder) {
  edgegw::test::TempDir dir;
  auto outbox = Outbox::open(options_in(dir));
  EXPECT_TRUE(outbox->take("a", 4).empty());
  std::vector<std::uint64_t> seen;
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 7; ++i) outbox->append(reading("a", round * 7 + i));
    ASSERT_TRUE(outbox->commit().ok());
    for (const auto& r : outbox->take("a", 4)) seen.push_back(r.seq);
  }
  for (auto batch = outbox->take("a", 4); !batch.empty(); batch = outbox->take("a", 4)) {
    for (const auto& r : batch) seen.push_back(r.seq);
  }
  ASSERT_EQ(seen.size(), 140u);
  for (std::size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], i + 1);
}

}  // namespace
}  // namespace edgegw::store
