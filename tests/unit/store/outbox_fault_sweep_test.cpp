// Every write, fsync and truncate of an append/commit/ack/checkpoint cycle fails in turn (EIO,
// then "disk full", in bursts of three): the outbox never crashes, never loses a record it called
// committed, never keeps one it did not, and once the fault stops the next commits write it all.
// Then the power goes at each point in turn (every write not yet fsynced is undone): with
// sync = full every committed record is there after the "reboot"; with sync = normal the store
// opens consistent and every missing committed record is in its loss report. Bounded: one cycle
// is ~100 points, the sweeps run in a few seconds (and under ASan in well under a minute).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>

#include "fault_vfs.hpp"
#include "outbox_test_support.hpp"
#include "store/outbox.hpp"
#include "support/tmpfs_mount.hpp"

namespace edgegw::store {
namespace {

namespace fs = std::filesystem;
using testing::all_seqs;
using testing::FaultVfs;
using testing::reading;

using Seqs = std::set<std::uint64_t>;

// The sweeps' directory: a tmpfs when this process may mount one (fsync costs nothing there, so
// the sweeps take seconds on a loaded CI machine), the temporary directory otherwise. The fault
// VFS, not the disk, decides what survives.
class SweepDir {
 public:
  explicit SweepDir(const fs::path& at) : tmpfs_(at, "64m") {}
  const fs::path& path() const { return tmpfs_.path(); }
  void clear() const {
    for (const auto& entry : fs::directory_iterator(path())) fs::remove_all(entry.path());
  }

 private:
  test::TmpfsMount tmpfs_;
};
const char* const kDevices[] = {"a", "b"};

OutboxOptions options_at(const fs::path& dir, SyncMode sync) {
  OutboxOptions options;
  options.path = dir / "outbox.db";
  options.max_age = std::chrono::milliseconds(0);
  options.sync = sync;
  // The background checkpointer stays asleep: the cycle checkpoints itself, so the points are
  // the same from one run to the next.
  options.wal_checkpoint_pages = 1u << 20;
  return options;
}

// What the cycle did, per device: appended, reported committed, acks whose commit returned ok.
struct Ledger {
  std::map<std::string, Seqs> appended, committed, acked, ack_queued;
  std::map<std::string, Seqs> expected() const {  // committed and not acked
    std::map<std::string, Seqs> out;
    for (const auto& [device, seqs] : committed) {
      for (auto seq : seqs) {
        auto it = acked.find(device);
        if (it == acked.end() || !it->second.count(seq)) out[device].insert(seq);
      }
    }
    return out;
  }
};

bool commit(Outbox& outbox, Ledger& ledger) {
  if (!outbox.commit().ok()) return false;
  for (auto& [device, seqs] : ledger.ack_queued) ledger.acked[device].merge(seqs);
  ledger.ack_queued.clear();
  return true;
}

// Three rounds of: 30 appends per device, commit, ack the older half of what is committed,
// commit, checkpoint. A failed commit keeps its work queued; the next commit retries it.
void run_cycle(Outbox& outbox, Ledger& ledger) {
  for (int round = 0; round < 3; ++round) {
    for (const char* device : kDevices) {
      for (int i = 0; i < 30; ++i) {
        auto* committed = &ledger.committed[device];
        // The sequence is known only once append returns; the callback runs later, at commit.
        auto seq_box = std::make_shared<std::uint64_t>(0);
        const auto seq = outbox.append(reading(device, round * 100 + i),
                                       [committed, seq_box] { committed->insert(*seq_box); });
        *seq_box = seq;
        ledger.appended[device].insert(seq);
      }
    }
    commit(outbox, ledger);
    for (const char* device : kDevices) {
      const auto waiting = ledger.expected()[device];
      std::size_t n = 0;
      for (auto seq : waiting) {
        if (n++ == waiting.size() / 2) break;
        if (ledger.ack_queued[device].insert(seq).second) outbox.ack(device, seq);
      }
    }
    commit(outbox, ledger);
    outbox.checkpoint();
  }
}

std::map<std::string, Seqs> present(Outbox& outbox) {
  std::map<std::string, Seqs> out;
  for (const char* device : kDevices) {
    for (auto seq : all_seqs(outbox, device)) out[device].insert(seq);
  }
  return out;
}

bool in_loss_report(const LossReport& report, const std::string& device, std::uint64_t seq) {
  for (const auto& range : report.ranges) {
    if (range.device == device && seq >= range.first_seq && seq <= range.last_seq) return true;
  }
  return false;
}

// The points one clean cycle takes, open to close.
long points_of_a_cycle(FaultVfs& vfs, const SweepDir& sweep) {
  sweep.clear();
  const fs::path& dir = sweep.path();
  auto outbox = Outbox::open(options_at(dir, SyncMode::full));
  vfs.reset_points();
  Ledger ledger;
  run_cycle(*outbox, ledger);
  outbox.reset();
  return vfs.points();
}

TEST(OutboxFaultSweep, EveryFailedWriteOrFsyncLosesNothingAndHeals) {
  edgegw::test::TempDir tmp;
  FaultVfs vfs;
  const SweepDir sweep(tmp / "db");
  const fs::path& dir = sweep.path();
  const long points = points_of_a_cycle(vfs, sweep);
  ASSERT_GT(points, 20);
  int covered = 0;
  std::uint64_t lost = 0, phantom = 0;
  for (const int error : {SQLITE_IOERR_WRITE, SQLITE_FULL}) {
    for (long at = 1; at <= points; ++at) {
      sweep.clear();
      const OutboxOptions options = options_at(dir, SyncMode::full);
      Ledger ledger;
      {
        auto outbox = Outbox::open(options);
        vfs.reset_points();
        vfs.fail(at, 3, error);
        run_cycle(*outbox, ledger);
        vfs.disarm();
        for (int i = 0; i < 5 && outbox->has_pending(); ++i) commit(*outbox, ledger);
        ASSERT_FALSE(outbox->has_pending()) << "did not heal, point " << at;
        ASSERT_EQ(present(*outbox), ledger.expected()) << "point " << at;
      }
      auto reopened = Outbox::open(options);
      const auto found = present(*reopened);
      const auto expected = ledger.expected();
      for (const auto& [device, seqs] : expected) {
        for (auto seq : seqs) lost += found.count(device) ? !found.at(device).count(seq) : 1;
      }
      for (const auto& [device, seqs] : found) {
        for (auto seq : seqs) phantom += !expected.count(device) || !expected.at(device).count(seq);
      }
      EXPECT_EQ(reopened->quick_check(), "ok") << "point " << at;
      ++covered;
    }
  }
  std::printf(
      "I/O fault sweep: %d fault points covered (EIO and ENOSPC, %ld per cycle), %llu lost, "
      "%llu kept that were not committed\n",
      covered, points, static_cast<unsigned long long>(lost),
      static_cast<unsigned long long>(phantom));
  EXPECT_EQ(lost, 0u);
  EXPECT_EQ(phantom, 0u);
}

void power_loss_sweep(SyncMode sync) {
  edgegw::test::TempDir tmp;
  FaultVfs vfs;
  const SweepDir sweep(tmp / "db");
  const fs::path& dir = sweep.path();
  const long points = points_of_a_cycle(vfs, sweep);
  int covered = 0;
  std::uint64_t lost = 0, detected = 0, undetected = 0, acked_back = 0;
  for (long at = 1; at <= points; ++at) {
    sweep.clear();
    const OutboxOptions options = options_at(dir, sync);
    Ledger ledger;
    {
      auto outbox = Outbox::open(options);
      vfs.reset_points();
      vfs.cut_power_at(at);
      run_cycle(*outbox, ledger);
    }  // closes with the power already gone: nothing of that reaches the disk
    vfs.lose_unsynced_writes();
    vfs.disarm();
    fs::remove(dir / "outbox.db-shm");
    OpenReport report;
    auto rebooted = Outbox::open(options, &report);
    ASSERT_FALSE(report.moved_aside) << "point " << at << ": " << report.corruption;
    ASSERT_EQ(rebooted->quick_check(), "ok") << "point " << at;
    const auto found = present(*rebooted);
    for (const auto& [device, seqs] : ledger.expected()) {
      for (auto seq : seqs) {
        if (found.count(device) && found.at(device).count(seq)) continue;
        ++lost;
        ++(in_loss_report(rebooted->loss_report(), device, seq) ? detected : undetected);
      }
    }
    for (const auto& [device, seqs] : found) {
      for (auto seq : seqs) {
        ASSERT_TRUE(ledger.appended[device].count(seq)) << "point " << at << ": " << seq;
        if (sync == SyncMode::full) acked_back += ledger.acked[device].count(seq);
      }
    }
    ++covered;
  }
  std::printf(
      "power-loss sweep, sync=%s: %d crash points covered, %llu committed record(s) "
      "lost (%llu detected, %llu undetected), %llu acked record(s) back\n",
      sync == SyncMode::full ? "full" : "normal", covered, static_cast<unsigned long long>(lost),
      static_cast<unsigned long long>(detected), static_cast<unsigned long long>(undetected),
      static_cast<unsigned long long>(acked_back));
  if (sync == SyncMode::full) {
    EXPECT_EQ(lost, 0u);
    EXPECT_EQ(acked_back, 0u);
  }
  EXPECT_EQ(undetected, 0u);
}

TEST(OutboxPowerLossSweep, SyncFullKeepsEveryCommittedRecord) {
  power_loss_sweep(SyncMode::full);
}

TEST(OutboxPowerLossSweep, SyncNormalStaysConsistentAndReportsEveryLoss) {
  power_loss_sweep(SyncMode::normal);
}

// A commit that finds the disk full commits its acks first, in pieces of their own. Those pieces
// marked every device as stored, also one whose first reading waited in the same commit: its row
// in `devices` was then never written, and after a restart its records belonged to no device (and
// its id went to the next new device, with them).
TEST(OutboxFaultSweep, ADeviceFirstSeenInACommitThatFindsTheDiskFullKeepsItsRecords) {
  edgegw::test::TempDir tmp;
  FaultVfs vfs;
  const OutboxOptions options = options_at(tmp.path(), SyncMode::full);
  auto outbox = Outbox::open(options);
  for (int i = 0; i < 20; ++i) outbox->append(reading("meter-1", i));
  ASSERT_TRUE(outbox->commit().ok());
  for (std::uint64_t seq : all_seqs(*outbox, "meter-1")) outbox->ack("meter-1", seq);
  outbox->append(reading("meter-2", 7));
  vfs.fail(vfs.points() + 1, 1, SQLITE_FULL);  // the commit's first write finds the disk full
  const CommitResult result = outbox->commit();
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.acked, 20u);
  EXPECT_EQ(result.appended, 1u);

  outbox.reset();
  outbox = Outbox::open(options);
  EXPECT_TRUE(outbox->loss_report().empty());
  EXPECT_EQ(outbox->backlog("meter-1"), 0u);
  ASSERT_EQ(outbox->backlog("meter-2"), 1u);
  const auto taken = outbox->take("meter-2", 10);
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].device, "meter-2");
  // The next new device gets an id of its own.
  outbox->append(reading("meter-3", 1));
  ASSERT_TRUE(outbox->commit().ok());
  EXPECT_EQ(outbox->backlog("meter-2"), 1u);
  EXPECT_EQ(outbox->backlog("meter-3"), 1u);
}

}  // namespace
}  // namespace edgegw::store
