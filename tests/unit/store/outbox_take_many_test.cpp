// Outbox::take_many, what the northbound reads for all its ready sessions in one round: each
// device's records come back in its own order, nothing is skipped or handed out twice, and
// release and ack behave as with take().
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <random>
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

// The forwarding path at one device: a session keeps a window of records in flight and refills it
// one record per PUBACK, while commits add more. The records it takes come from memory, not one
// query per refill (before: every refill found untaken records left, so the next commit's were not
// kept, and each refill was a query of its own - 0.5 per message in the forwarding bench).
TEST(OutboxTakeMany, AReaderThatKeepsAWindowInFlightGetsTheNextCommitsFromMemory) {
  edgegw::test::TempDir dir;
  auto outbox = Outbox::open(options_in(dir));
  constexpr std::size_t kWindow = 16;
  std::deque<std::uint64_t> in_flight;
  std::vector<std::uint64_t> handed;
  const auto refill = [&](std::size_t room) {
    for (const auto& r : outbox->take("a", room)) {
      in_flight.push_back(r.seq);
      handed.push_back(r.seq);
    }
  };
  // The device's first records: read from the database (the outbox did not know the device).
  outbox->append(reading("a", -1));
  ASSERT_TRUE(outbox->commit().ok());
  refill(kWindow);
  const auto first_queries = outbox->counters().take_queries;
  for (int round = 0; round < 200; ++round) {
    for (int i = 0; i < 8; ++i) outbox->append(reading("a", round * 8 + i));
    ASSERT_TRUE(outbox->commit().ok());
    refill(kWindow - in_flight.size());
    for (int i = 0; i < 8 && !in_flight.empty(); ++i) {  // PUBACKs, each answered by a refill
      outbox->ack("a", in_flight.front());
      in_flight.pop_front();
      refill(1);
    }
  }
  ASSERT_EQ(handed.size(), 1u + 200u * 8);
  for (std::size_t i = 0; i < handed.size(); ++i) ASSERT_EQ(handed[i], i + 1);
  EXPECT_EQ(outbox->counters().take_queries, first_queries) << "a query per refill";
  EXPECT_EQ(outbox->counters().taken_from_memory, 200u * 8);
}

// A reader behind what is kept in memory gets the older records from the database first and the
// kept ones after them, in one take when they fit; a kept list that is full stops keeping, and
// what was not kept comes from the database before the list starts anew.
TEST(OutboxTakeMany, AReaderBehindTheKeptRecordsGetsTheStoredOnesFirst) {
  edgegw::test::TempDir dir;
  auto outbox = Outbox::open(options_in(dir));
  outbox->append(reading("a", 0));
  ASSERT_TRUE(outbox->commit().ok());
  std::vector<std::uint64_t> handed = seqs_of(outbox->take("a", 1));  // a new device: stored
  const auto first_queries = outbox->counters().take_queries;
  for (int i = 1; i <= 1100; ++i) outbox->append(reading("a", i));
  ASSERT_TRUE(outbox->commit().ok());  // 1,024 kept (the most per device), 76 only stored
  const auto kept = seqs_of(outbox->take("a", 1024));
  handed.insert(handed.end(), kept.begin(), kept.end());
  EXPECT_EQ(outbox->counters().take_queries, first_queries);
  EXPECT_EQ(outbox->counters().kept_bytes, 0u);
  for (int i = 1101; i <= 1110; ++i) outbox->append(reading("a", i));
  ASSERT_TRUE(outbox->commit().ok());  // kept again: the list was empty
  const auto both = seqs_of(outbox->take("a", 100));
  EXPECT_EQ(both.size(), 86u) << "the 76 stored and the 10 kept, in one take";
  EXPECT_EQ(outbox->counters().take_queries, first_queries + 1);
  EXPECT_EQ(outbox->counters().taken_from_memory, 1024u + 10u);
  handed.insert(handed.end(), both.begin(), both.end());
  ASSERT_EQ(handed.size(), 1111u);
  for (std::size_t i = 0; i < handed.size(); ++i) ASSERT_EQ(handed[i], i + 1);
  EXPECT_TRUE(outbox->take("a", 100).empty());
}

// Any mix of appends, commits, takes of any size, acks and reconnects (release) over a few
// devices: each take hands out exactly the oldest stored records the session has not had since it
// last connected, as a model of the outbox says, whether they come from memory or the database.
TEST(OutboxTakeMany, TakesAnswerAsTheStoredRecordsSayWhateverIsKeptInMemory) {
  edgegw::test::TempDir dir;
  auto outbox = Outbox::open(options_in(dir));
  const std::vector<std::string> devices{"a", "b", "c"};
  struct Model {
    std::vector<std::uint64_t> pending;  // appended, not committed
    std::set<std::uint64_t> stored;      // committed, and no ack committed
    std::vector<std::uint64_t> acked;    // acks not committed yet
    std::uint64_t handed_through = 0;    // since the last release
    std::vector<std::uint64_t> in_flight;
  };
  std::map<std::string, Model> model;
  std::mt19937 random(1205);
  const auto chance = [&](int percent) {
    return std::uniform_int_distribution<int>(0, 99)(random) < percent;
  };
  for (int step = 0; step < 4000; ++step) {
    const std::string& device = devices[random() % devices.size()];
    Model& m = model[device];
    if (chance(35)) {
      for (int i = 0, n = 1 + static_cast<int>(random() % 40); i < n; ++i) {
        m.pending.push_back(outbox->append(reading(device, step)));
      }
    } else if (chance(30)) {
      ASSERT_TRUE(outbox->commit().ok());
      for (auto& [name, each] : model) {
        each.stored.insert(each.pending.begin(), each.pending.end());
        each.pending.clear();
        for (std::uint64_t seq : each.acked) each.stored.erase(seq);
        each.acked.clear();
      }
    } else if (chance(60)) {
      const std::size_t max = 1 + random() % 30;
      std::vector<std::uint64_t> expected;
      for (auto it = m.stored.upper_bound(m.handed_through);
           it != m.stored.end() && expected.size() < max; ++it) {
        expected.push_back(*it);
      }
      const auto got = seqs_of(outbox->take(device, max));
      ASSERT_EQ(got, expected) << "step " << step << ", device " << device;
      if (!got.empty()) m.handed_through = got.back();
      m.in_flight.insert(m.in_flight.end(), got.begin(), got.end());
    } else if (chance(85)) {
      for (std::size_t i = 0, n = random() % 20; i < n && !m.in_flight.empty(); ++i) {
        const std::uint64_t seq = m.in_flight.front();
        m.in_flight.erase(m.in_flight.begin());
        outbox->ack(device, seq);
        m.acked.push_back(seq);  // until the commit, a reconnect is offered it again
      }
    } else {
      outbox->release(device);
      m.handed_through = 0;
      m.in_flight.clear();
    }
  }
  EXPECT_GT(outbox->counters().taken_from_memory, 0u);
  EXPECT_GT(outbox->counters().take_queries, 0u);
  for (const auto& device : devices) outbox->release(device);
  EXPECT_EQ(outbox->counters().kept_bytes, 0u) << "what is kept in memory is not counted right";
}

// Large readings (a local MQTT payload may be 256 KiB) are kept in memory only up to a total in
// bytes: by count alone, 4,096 of them were a gigabyte. What is not kept comes from the database.
TEST(OutboxTakeMany, RecordsKeptInMemoryStayWithinTheirBytes) {
  edgegw::test::TempDir dir;
  auto outbox = Outbox::open(options_in(dir));
  outbox->append(reading("a", 0));
  ASSERT_TRUE(outbox->commit().ok());
  std::vector<std::uint64_t> handed = seqs_of(outbox->take("a", 1));
  std::uint64_t most_kept = 0;
  for (int round = 0; round < 10; ++round) {
    for (int i = 0; i < 20; ++i) {
      Record r = reading("a", round * 20 + i);
      r.fields.push_back({"blob", std::string(64 * 1024, 'x')});
      outbox->append(std::move(r));
    }
    ASSERT_TRUE(outbox->commit().ok());
    most_kept = std::max(most_kept, outbox->counters().kept_bytes);
  }
  EXPECT_GT(most_kept, 2u << 20) << "large readings should still be kept up to the bound";
  EXPECT_LE(most_kept, 4u << 20) << "200 readings of 64 KiB: 13 MB if kept by count alone";
  for (auto batch = outbox->take("a", 64); !batch.empty(); batch = outbox->take("a", 64)) {
    for (const auto& r : batch) {
      ASSERT_EQ(r.fields.size(), 5u);
      handed.push_back(r.seq);
    }
  }
  ASSERT_EQ(handed.size(), 201u);
  for (std::size_t i = 0; i < handed.size(); ++i) ASSERT_EQ(handed[i], i + 1);
  EXPECT_EQ(outbox->counters().kept_bytes, 0u);
}

}  // namespace
}  // namespace edgegw::store
