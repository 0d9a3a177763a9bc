// The WAL is copied into the database file by the background checkpointer, without the owner of
// the outbox doing anything but commit.
#include "store/wal_checkpointer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "outbox_test_support.hpp"
#include "store/outbox.hpp"
#include "support/other_sqlite_connections.hpp"
#include "support/wait.hpp"

namespace edgegw::store {
namespace {

namespace fs = std::filesystem;

TEST(WalCheckpointer, CopiesTheWalIntoTheDatabaseInTheBackground) {
  edgegw::test::TempDir dir;
  const auto options = testing::options_in(dir);
  auto outbox = Outbox::open(options);
  const auto initial = fs::file_size(options.path);
  // About 8 MiB of records: past the 4 MiB at which the checkpointer wakes.
  for (int round = 0; round < 40; ++round) {
    for (int i = 0; i < 100; ++i) {
      Record r = testing::reading("meter-1", i);
      r.fields.push_back({"padding", std::string(2000, 'p')});
      outbox->append(std::move(r));
    }
    ASSERT_TRUE(outbox->commit().ok());
  }
  EXPECT_TRUE(edgegw::test::wait_until([&] {
    return fs::file_size(options.path) > initial + 2 * 1024 * 1024;
  })) << "the database file did not grow: nothing was checkpointed";
  EXPECT_EQ(outbox->backlog("meter-1"), 4000u);
  EXPECT_EQ(outbox->quick_check(), "ok");
}

// With the background checkpoint woken at every commit, it is running at nearly every stall. The
// commit that passes the stall size must still restart the WAL (waiting for that checkpoint):
// the WAL file stays within twice the stall size, the budget the outbox's size limit reserves for
// it. Before, SQLite refused the commit's checkpoint at once while the background one ran, and
// under load the WAL grew to several times its budget and filled a small file system.
TEST(WalCheckpointer, TheWalStaysWithinItsBudgetWhileBackgroundCheckpointsRun) {
  edgegw::test::TempDir dir;
  auto options = testing::options_in(dir);
  options.wal_checkpoint_pages = 1;  // the thread wakes at every commit; stall at 16 pages
  auto outbox = Outbox::open(options);
  const std::uintmax_t page = 4096, frame = page + 24, header = 32;
  const std::uintmax_t budget = header + 2 * 16 * frame;
  std::uintmax_t largest = 0;
  for (int round = 0; round < 3000; ++round) {
    for (int i = 0; i < 4; ++i) {
      Record r = testing::reading("meter-1", round * 4 + i);
      r.fields.push_back({"padding", std::string(1500, 'p')});
      outbox->append(std::move(r));
    }
    ASSERT_TRUE(outbox->commit().ok());
    std::error_code ec;
    largest = std::max(largest, fs::file_size(options.path.string() + "-wal", ec));
  }
  EXPECT_LE(largest, budget) << "the WAL grew to " << largest / frame << " frames; stall is 16";
  EXPECT_EQ(outbox->backlog("meter-1"), 12000u);
}

// Another process reading the outbox (`sqlite3 "file:outbox.db?mode=ro"`, a backup script) and
// keeping its read transaction open pins the WAL: no checkpoint can pass its snapshot. The commits
// past the stall size must not wait for that reader (the loop that commits also keeps every cloud
// session's keepalive and systemd's watchdog), must say that the WAL is pinned and how big it is
// once it has outgrown its budget (the daemon warns with it), and once the reader is gone the WAL
// must come back to its budget.
TEST(WalCheckpointer, AReaderThatPinsTheWalDoesNotStallCommitsAndIsReported) {
  edgegw::test::TempDir dir;
  auto options = testing::options_in(dir);
  options.wal_checkpoint_pages = 1;  // stall at 16 pages
  auto outbox = Outbox::open(options);
  const std::uintmax_t page = 4096, frame = page + 24, header = 32;
  const std::uintmax_t budget = header + 2 * 16 * frame;
  const std::string wal = options.path.string() + "-wal";
  std::int64_t value = 0;
  auto commit_padded = [&] {
    for (int i = 0; i < 4; ++i) {
      Record r = testing::reading("meter-1", value++);
      r.fields.push_back({"padding", std::string(1500, 'p')});
      outbox->append(std::move(r));
    }
    return outbox->commit();
  };
  ASSERT_TRUE(commit_padded().ok());
  EXPECT_EQ(commit_padded().wal_pinned_bytes, 0u);

  test::WalPinningReader reader(options.path.string());
  ASSERT_TRUE(reader.pinning());
  using Clock = std::chrono::steady_clock;
  Clock::duration slowest{};
  CommitResult last;
  int quiet_past_stall = 0;  // pinned past the stall size, within the budget: not reported yet
  for (int round = 0; round < 20; ++round) {
    const auto start = Clock::now();
    last = commit_padded();
    slowest = std::max(slowest, Clock::now() - start);
    ASSERT_TRUE(last.ok());
    std::error_code ec;
    const auto size = fs::file_size(wal, ec);
    if (size > header + 16 * frame && size <= budget) {
      EXPECT_EQ(last.wal_pinned_bytes, 0u) << "a reader that one restart met is no news yet";
      ++quiet_past_stall;
    }
  }
  EXPECT_GT(quiet_past_stall, 0);
  // A commit writes a few pages; each past the stall size waited 1 s for the reader before.
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(slowest).count(), 500);
  std::error_code ec;
  EXPECT_GT(fs::file_size(wal, ec), budget) << "the reader did not pin the WAL";
  EXPECT_EQ(last.wal_pinned_bytes, fs::file_size(wal, ec));

  // The reader ends its transaction: the next commits restart the WAL and the file shrinks back.
  reader.end();
  EXPECT_EQ(commit_padded().wal_pinned_bytes, 0u);
  ASSERT_TRUE(commit_padded().ok());
  EXPECT_LE(fs::file_size(wal, ec), budget);
  EXPECT_EQ(outbox->backlog("meter-1"), static_cast<std::uint64_t>(value));
}

}  // namespace
}  // namespace edgegw::store
