// A full file system, for real: the outbox lives on a small tmpfs mounted for the test (skipped
// only when this process may not mount). An outbox that fills its file system keeps committing by
// dropping the oldest (counted), the acks of everything it holds still commit and drain the
// backlog to 0, and it opens again, also when something else filled the disk while it was down.
#include <gtest/gtest.h>
#include <sys/statvfs.h>

#include <filesystem>
#include <fstream>

#include "outbox_test_support.hpp"
#include "store/outbox.hpp"
#include "support/other_sqlite_connections.hpp"
#include "support/tmpfs_mount.hpp"

namespace edgegw::store {
namespace {

namespace fs = std::filesystem;
using testing::all_seqs;
using testing::reading;

Record big_reading(std::int64_t i) {
  Record r = reading("meter-1", i);
  r.fields.push_back({"padding", std::string(600, 'p')});
  return r;
}

std::uint64_t free_bytes(const fs::path& dir) {
  struct statvfs s {};
  ::statvfs(dir.c_str(), &s);
  return static_cast<std::uint64_t>(s.f_bavail) * s.f_frsize;
}

// Writes until the file system refuses: whatever is left is taken.
void fill(const fs::path& file) {
  std::ofstream out(file, std::ios::binary);
  const std::string chunk(4096, 'b');
  while (out.write(chunk.data(), static_cast<std::streamsize>(chunk.size())) && out.flush()) {
  }
}

fs::path outbox_path_;

// A test's small file system (a tmpfs of `size` in a temporary directory) and the options of an
// outbox on it. Each test checks small.mounted() first: skipped where this process may not mount.
struct OnSmallFilesystem {
  explicit OnSmallFilesystem(const char* size)
      : mount_point(dir / "small"), small(mount_point, size) {
    options.path = mount_point / "outbox.db";
    options.max_age = std::chrono::milliseconds(0);
    outbox_path_ = options.path;
  }
  edgegw::test::TempDir dir;
  fs::path mount_point;
  test::TmpfsMount small;
  OutboxOptions options;
};

// Four readings of ~1 KiB per commit at `now`, each acknowledged once sent (delivered as they go:
// the backlog stays small), until `bytes` more were written. Returns the commits refused (none
// unless `may_refuse`; those readings stay queued for the next commit).
int write_delivered(Outbox& outbox, std::int64_t& value, std::uint64_t bytes,
                    std::chrono::system_clock::time_point now = std::chrono::system_clock::now(),
                    bool may_refuse = false) {
  int refused = 0;
  for (std::uint64_t written = 0; written < bytes; written += 4 * 1024) {
    for (int i = 0; i < 4; ++i) outbox.append(big_reading(value++));
    const bool ok = outbox.commit(now).ok();
    EXPECT_TRUE(ok || may_refuse);
    refused += ok ? 0 : 1;
    for (std::int64_t seq = value - 3; seq <= value; ++seq) {
      outbox.ack("meter-1", static_cast<std::uint64_t>(seq));
    }
  }
  return refused;
}

struct Filled {
  std::uint64_t committed = 0;
  std::uint64_t dropped = 0;
  int failed_commits = 0;
  int failed_naming_a_pinned_wal = 0;  // CommitResult::wal_pinned_bytes said why
};

// Appends 40 readings per commit, never acking, until the outbox has dropped for a while.
Filled fill_outbox(Outbox& outbox, int commits) {
  Filled filled;
  for (int round = 0; round < commits; ++round) {
    for (int i = 0; i < 40; ++i) outbox.append(big_reading(round * 40 + i));
    const CommitResult result = outbox.commit();
    if (!result.ok()) {
      ++filled.failed_commits;
      if (result.wal_pinned_bytes > 0) ++filled.failed_naming_a_pinned_wal;
      std::error_code ec;
      std::printf(
          "refused at round %d: %s (db %llu, wal %llu, free %llu)\n", round, result.error.c_str(),
          static_cast<unsigned long long>(fs::file_size(outbox_path_, ec)),
          static_cast<unsigned long long>(fs::file_size(outbox_path_.string() + "-wal", ec)),
          static_cast<unsigned long long>(free_bytes(outbox_path_.parent_path())));
      continue;
    }
    filled.committed += result.appended;
    filled.dropped += result.dropped_by_size;
  }
  return filled;
}

TEST(OutboxDiskFull, AFullFileSystemDropsTheOldestAcksStillDrainAndItReopens) {
  OnSmallFilesystem on("4m");
  if (!on.small.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << on.small.error();
  auto& options = on.options;  // max_size stays at its default: 1 GiB, far beyond the file system
  const fs::path& mount_point = on.mount_point;
  auto outbox = Outbox::open(options);
  // ~1 KiB per reading, 16,000 of them: four times what the file system holds.
  const Filled filled = fill_outbox(*outbox, 400);
  std::printf(
      "committed %llu, dropped %llu for space, %d commit(s) refused, backlog %llu, "
      "limit %llu bytes, %llu bytes free\n",
      static_cast<unsigned long long>(filled.committed),
      static_cast<unsigned long long>(filled.dropped), filled.failed_commits,
      static_cast<unsigned long long>(outbox->total_backlog()),
      static_cast<unsigned long long>(outbox->counters().size_limit_bytes),
      static_cast<unsigned long long>(free_bytes(mount_point)));
  EXPECT_GT(filled.dropped, 0u) << "the file system never filled";
  EXPECT_EQ(filled.failed_commits, 0) << "a full file system stopped the outbox";
  EXPECT_GT(outbox->total_backlog(), 500u) << "it dropped far more than it needed";
  EXPECT_EQ(outbox->drops("meter-1").by_size, filled.dropped);
  EXPECT_FALSE(outbox->has_pending());

  // The cloud comes back and acknowledges everything: the deletes commit, the backlog drains.
  const auto seqs = all_seqs(*outbox, "meter-1");
  ASSERT_EQ(seqs.size(), outbox->total_backlog());
  for (std::uint64_t seq : seqs) outbox->ack("meter-1", seq);
  const CommitResult drained = outbox->commit();
  ASSERT_TRUE(drained.ok()) << drained.error;
  EXPECT_EQ(drained.acked, seqs.size());
  EXPECT_EQ(outbox->total_backlog(), 0u);

  outbox.reset();
  OpenReport report;
  outbox = Outbox::open(options, &report);
  EXPECT_FALSE(report.moved_aside) << report.corruption;
  EXPECT_EQ(outbox->total_backlog(), 0u);
  EXPECT_TRUE(outbox->loss_report().empty());
  EXPECT_EQ(outbox->quick_check(), "ok");
}

TEST(OutboxDiskFull, OpensWhenSomethingElseFilledTheFileSystemWhileItWasDown) {
  OnSmallFilesystem on("3m");
  if (!on.small.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << on.small.error();
  auto& options = on.options;
  const fs::path& mount_point = on.mount_point;
  std::vector<std::uint64_t> kept;
  {
    auto outbox = Outbox::open(options);
    fill_outbox(*outbox, 10);
    kept = all_seqs(*outbox, "meter-1");
    ASSERT_FALSE(kept.empty());
  }
  fill(mount_point / "ballast");
  ASSERT_LT(free_bytes(mount_point), 8192u);
  OpenReport report;
  auto outbox = Outbox::open(options, &report);  // before the fix: "disk I/O error"
  EXPECT_TRUE(report.started_on_full_disk);
  EXPECT_FALSE(report.moved_aside) << report.corruption;
  EXPECT_EQ(all_seqs(*outbox, "meter-1"), kept);
  for (std::uint64_t seq : kept) outbox->ack("meter-1", seq);
  const CommitResult drained = outbox->commit();
  ASSERT_TRUE(drained.ok()) << drained.error;
  EXPECT_EQ(outbox->total_backlog(), 0u);
  EXPECT_EQ(outbox->quick_check(), "ok");
  outbox.reset();

  // With nothing left to give back, it refuses with a sentence that says why.
  fill(mount_point / "ballast-2");
  fs::remove(mount_point / "outbox.db-reserve");
  fill(mount_point / "ballast-3");
  fs::remove(mount_point / "outbox.db-shm");
  try {
    outbox = Outbox::open(options);
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("file system of the state directory is full"),
              std::string::npos)
        << e.what();
  }
}

// A reader in another process that kept its transaction open for a while pinned the WAL, which
// grew past its budget (store/wal_checkpointer.hpp). Once the reader is gone the WAL restarts and
// shrinks: the outbox's size limit must come back too. It learned the pinned WAL as the budget a
// WAL needs on this file system, and kept the limit that much lower until a restart, dropping
// readings for room it had again.
TEST(OutboxDiskFull, AWalPinnedForAWhileLeavesTheSizeLimitAsItWas) {
  OnSmallFilesystem on("16m");
  if (!on.small.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << on.small.error();
  auto& options = on.options;
  auto outbox = Outbox::open(options);
  std::int64_t value = 0;
  auto write = [&](std::uint64_t bytes) { write_delivered(*outbox, value, bytes); };
  write(2u << 20);
  const std::uint64_t before = outbox->counters().size_limit_bytes;

  test::WalPinningReader reader(options.path.string());
  ASSERT_TRUE(reader.pinning());
  // Refused once the pinned WAL is as large as the free space (the room the checkpoint after the
  // pin needs), past its budget of 4 MiB. (Each commit's acks free the pages its inserts then
  // reuse, so the WAL grows by about what is written: 8 MiB get it there.)
  const int refused = write_delivered(*outbox, value, 8u << 20, std::chrono::system_clock::now(),
                                      /*may_refuse=*/true);
  std::error_code ec;
  const auto pinned_wal = fs::file_size(options.path.string() + "-wal", ec);
  EXPECT_GT(pinned_wal, 4u << 20) << "the WAL never outgrew its budget: the test shows nothing";
  EXPECT_GT(refused, 0);
  reader.end();

  write(2u << 20);
  EXPECT_EQ(outbox->pending_appends(), 0u);
  const std::uint64_t after = outbox->counters().size_limit_bytes;
  std::printf("limit %llu before, %llu after a WAL pinned at %llu bytes\n",
              static_cast<unsigned long long>(before), static_cast<unsigned long long>(after),
              static_cast<unsigned long long>(pinned_wal));
  EXPECT_GT(after + (1u << 20), before);
}

// A burst that grew the WAL past its budget (here one commit of 5,000 readings, as a reconnect's
// flood or a quarantine can write) teaches the size limit that the WAL needs more room on this file
// system. That lesson must fade once the WAL has kept within its budget for a while: it never
// did, and a single burst kept the limit lower for as long as the daemon ran, dropping readings
// for room the outbox had.
TEST(OutboxDiskFull, ABurstThatOutgrewTheWalBudgetLowersTheLimitOnlyForAWhile) {
  OnSmallFilesystem on("32m");
  if (!on.small.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << on.small.error();
  auto& options = on.options;
  options.wal_checkpoint_pages = 16;  // a stall size of 256 pages: a budget of 2 MiB
  auto outbox = Outbox::open(options);
  auto now = std::chrono::system_clock::now();
  std::int64_t value = 0;
  auto write = [&](std::uint64_t bytes) { write_delivered(*outbox, value, bytes, now); };
  write(2u << 20);
  const std::uint64_t before = outbox->counters().size_limit_bytes;

  for (int i = 0; i < 5000; ++i) outbox->append(big_reading(value++));
  ASSERT_TRUE(outbox->commit(now).ok());
  std::error_code ec;
  const auto burst_wal = fs::file_size(options.path.string() + "-wal", ec);
  ASSERT_GT(burst_wal, 2u << 20) << "the burst did not outgrow the WAL's budget";
  for (std::int64_t seq = value - 4999; seq <= value; ++seq)
    outbox->ack("meter-1", static_cast<std::uint64_t>(seq));
  write(2u << 20);
  const std::uint64_t during = outbox->counters().size_limit_bytes;

  now += std::chrono::minutes(25);  // the WAL kept within its budget meanwhile
  write(2u << 20);
  const std::uint64_t after = outbox->counters().size_limit_bytes;
  std::printf("limit %llu before, %llu after a WAL of %llu bytes, %llu 25 minutes later\n",
              static_cast<unsigned long long>(before), static_cast<unsigned long long>(during),
              static_cast<unsigned long long>(burst_wal), static_cast<unsigned long long>(after));
  EXPECT_LT(during + (1u << 20), before) << "the burst taught nothing: the test shows nothing";
  EXPECT_GT(after + (1u << 20), before);
}

// The cloud is away and the outbox is full, dropping its oldest for each new reading, when a
// reader in another process pins the WAL until the WAL has filled the file system. Two defects:
// - The WAL grew with every commit, deletes included, until the disk was full, and each full-disk
//   commit dropped the oldest to make room that dropping could not make (a delete adds to the
//   WAL) and that came back anyway when the reader went: 1,231 readings at once here.
// - The full-disk path gave the space reserve to the WAL, which ate it too; once the reader had
//   gone, the checkpoint that grows the database by the WAL's pages had no room left, so it and
//   every commit after it failed, for good.
// Now commits are refused while the pinned WAL fills the disk (what waits is bounded by
// max_queued), work again once the reader goes, and the outbox holds what it held.
TEST(OutboxDiskFull, AWalPinnedUntilTheDiskIsFullCostsNoReadingsAndCommitsResumeAfter) {
  OnSmallFilesystem on("16m");
  if (!on.small.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << on.small.error();
  auto& options = on.options;
  auto outbox = Outbox::open(options);
  // Full: the last commits dropped as many as they added.
  const Filled filled = fill_outbox(*outbox, 400);
  ASSERT_GT(filled.dropped, 0u) << "the file system never filled";
  const std::uint64_t before = outbox->total_backlog();

  test::WalPinningReader reader(options.path.string());
  ASSERT_TRUE(reader.pinning());
  const Filled pinned = fill_outbox(*outbox, 120);  // 4,800 readings, ~4.8 MB
  std::error_code ec;
  const auto pinned_wal = fs::file_size(options.path.string() + "-wal", ec);
  EXPECT_GT(pinned.failed_commits, 0) << "the pinned WAL never filled the file system";
  EXPECT_EQ(pinned.failed_naming_a_pinned_wal, pinned.failed_commits) << "the cause goes unsaid";
  // The ring drops in batches of at least 256: within a batch of what was appended.
  EXPECT_LT(pinned.dropped, pinned.committed + 300)
      << "readings were dropped for room the pin took";

  reader.end();
  const std::uint64_t waiting = outbox->pending_appends();
  const Filled after = fill_outbox(*outbox, 5);
  std::printf(
      "backlog %llu before; while pinned (WAL %llu bytes) %llu appended, %llu dropped, "
      "%d commit(s) refused; after, %llu waiting and %llu new committed, %llu dropped, "
      "%d refused; backlog %llu\n",
      static_cast<unsigned long long>(before), static_cast<unsigned long long>(pinned_wal),
      static_cast<unsigned long long>(pinned.committed),
      static_cast<unsigned long long>(pinned.dropped), pinned.failed_commits,
      static_cast<unsigned long long>(waiting), static_cast<unsigned long long>(after.committed),
      static_cast<unsigned long long>(after.dropped), after.failed_commits,
      static_cast<unsigned long long>(outbox->total_backlog()));
  EXPECT_EQ(after.failed_commits, 0) << "the commits did not resume after the reader went";
  EXPECT_EQ(outbox->pending_appends(), 0u);
  EXPECT_GT(outbox->total_backlog() + 300, before);
  EXPECT_EQ(outbox->quick_check(), "ok");
}

}  // namespace
}  // namespace edgegw::store
