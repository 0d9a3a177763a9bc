// What waits in memory for a commit is bounded. While commits fail (another program holds the
// database's write lock, a disk too full to take even a dropped batch, I/O errors), Modbus polls
// and local MQTT messages of QoS 0 keep coming: they waited in memory without bound, so a gateway
// would grow until the kernel killed the daemon and lost all of it. Past store.max_queued the
// oldest waiting readings are dropped, counted per device like the outbox's other drops; readings
// whose sender waits for the commit (a local MQTT message of QoS 1, acknowledged to the broker only
// once stored) are never dropped: the broker keeps them, and its window bounds them.
#include <gtest/gtest.h>

#include "outbox_test_support.hpp"
#include "store/outbox.hpp"
#include "support/other_sqlite_connections.hpp"

namespace edgegw::store {
namespace {

using testing::all_seqs;
using testing::options_in;
using testing::reading;

Record padded_reading(const std::string& device, std::int64_t value) {
  Record r = reading(device, value);
  r.fields.push_back({"padding", std::string(500, 'p')});
  return r;
}

TEST(OutboxQueue, WhileCommitsFailTheWaitingReadingsStayWithinTheirBoundTheOldestDropped) {
  edgegw::test::TempDir dir;
  auto options = options_in(dir);
  options.max_queued_bytes = 256 * 1024;
  auto outbox = Outbox::open(options);
  ASSERT_TRUE(outbox->commit().ok());  // the database exists: the lock below can be taken

  test::WriteLock lock(options.path.string());
  ASSERT_TRUE(lock.held());
  int awaited_committed = 0;
  std::vector<std::uint64_t> awaited;  // a QoS 1 message's record, every 1,000th
  std::uint64_t last = 0;
  for (int i = 1; i <= 20000; ++i) {
    if (i % 1000 == 0) {
      awaited.push_back(outbox->append(padded_reading("meter-1", i), [&] { ++awaited_committed; }));
      last = awaited.back();
    } else {
      last = outbox->append(padded_reading("meter-1", i));
    }
    if (i % 1000 == 0) {
      EXPECT_FALSE(outbox->commit().ok()) << "the lock did not hold";
    }
  }
  // About 1 KB each in memory: 20,000 readings are 20 MB, the bound 256 KiB.
  const std::size_t waiting = outbox->pending_appends();
  EXPECT_LT(waiting, 400u) << "the readings waiting in memory were not bounded";
  EXPECT_GT(waiting, 100u) << "it dropped far more than the bound asks";
  EXPECT_EQ(outbox->counters().dropped_queued, 20000u - waiting);

  lock.release();
  const CommitResult stored = outbox->commit();
  ASSERT_TRUE(stored.ok()) << stored.error;
  EXPECT_EQ(stored.appended, waiting);
  EXPECT_EQ(awaited_committed, 20) << "a reading its sender waits for was dropped";
  const auto seqs = all_seqs(*outbox, "meter-1");
  ASSERT_FALSE(seqs.empty());
  EXPECT_EQ(seqs.back(), last) << "the newest must be kept";
  for (std::uint64_t seq : awaited) {
    EXPECT_TRUE(std::binary_search(seqs.begin(), seqs.end(), seq)) << "lost awaited " << seq;
  }
  // The oldest went first: beside the awaited ones, the readings kept are the newest, no gap.
  std::vector<std::uint64_t> unawaited;
  for (std::uint64_t seq : seqs) {
    if (!std::binary_search(awaited.begin(), awaited.end(), seq)) unawaited.push_back(seq);
  }
  ASSERT_FALSE(unawaited.empty());
  ASSERT_EQ(awaited.front(), 1000u);  // a new device's sequences start at 1: seq i is reading i
  std::vector<std::uint64_t> expected;
  for (std::uint64_t seq = unawaited.front(); seq <= last; ++seq) {
    if (seq % 1000 != 0) expected.push_back(seq);
  }
  EXPECT_EQ(unawaited, expected);
  // Counted with the device's drops, in the database: they survive a restart.
  const std::uint64_t dropped = 20000u - waiting;
  EXPECT_EQ(outbox->drops("meter-1").by_size, dropped);
  outbox.reset();
  outbox = Outbox::open(options);
  EXPECT_EQ(outbox->drops("meter-1").by_size, dropped);
  EXPECT_EQ(outbox->total_backlog(), waiting);
}

// The bound is a ceiling for the bad day, not a pace: with commits that work, nothing is dropped
// however many readings arrive between two of them.
TEST(OutboxQueue, WorkingCommitsDropNothing) {
  edgegw::test::TempDir dir;
  auto options = options_in(dir);
  options.max_queued_bytes = 256 * 1024;
  auto outbox = Outbox::open(options);
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 300; ++i) outbox->append(padded_reading("meter-1", round * 300 + i));
    ASSERT_TRUE(outbox->commit().ok());
  }
  EXPECT_EQ(outbox->counters().dropped_queued, 0u);
  EXPECT_EQ(outbox->total_backlog(), 6000u);
  EXPECT_EQ(outbox->drops("meter-1").by_size, 0u);
}

// A queue of readings that are all awaited (QoS 1 from a flooding broker that ignores its own
// window) cannot be made smaller: nothing is dropped, and what is kept is stored once the lock
// goes.
TEST(OutboxQueue, AwaitedReadingsAreKeptEvenPastTheBound) {
  edgegw::test::TempDir dir;
  auto options = options_in(dir);
  options.max_queued_bytes = 64 * 1024;
  auto outbox = Outbox::open(options);
  ASSERT_TRUE(outbox->commit().ok());
  test::WriteLock lock(options.path.string());
  ASSERT_TRUE(lock.held());
  int committed = 0;
  for (int i = 0; i < 500; ++i) outbox->append(padded_reading("meter-1", i), [&] { ++committed; });
  EXPECT_FALSE(outbox->commit().ok());
  EXPECT_EQ(outbox->pending_appends(), 500u);
  EXPECT_EQ(outbox->counters().dropped_queued, 0u);
  lock.release();
  ASSERT_TRUE(outbox->commit().ok());
  EXPECT_EQ(committed, 500);
  EXPECT_EQ(outbox->total_backlog(), 500u);
}

}  // namespace
}  // namespace edgegw::store
