// GroupCommit without a loop: the test plays the loop (it records what the group commit arms and
// fires it with a time it chooses) around a real SQLite outbox in a temporary directory. A failing
// store is a real one too: a second SQLite connection holds the write lock, so BEGIN IMMEDIATE of
// the outbox fails with "database is locked" until the test lets go.
#include "daemon/group_commit.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "daemon/message_ids.hpp"
#include "fakes/journal_capture.hpp"
#include "support/other_sqlite_connections.hpp"
#include "support/temp_dir.hpp"
#include "support/tmpfs_mount.hpp"

namespace edgegw::daemon {
namespace {

using namespace std::chrono_literals;
using Clock = GroupCommit::Clock;

struct Arm {
  std::chrono::microseconds delay;
  bool when_idle;
  bool operator==(const Arm&) const = default;
};

class RecordingWakeup final : public CommitWakeup {
 public:
  void arm(std::chrono::microseconds delay, bool when_idle) override {
    arms.push_back({delay, when_idle});
    armed = true;
  }
  void disarm() override { armed = false; }
  std::vector<Arm> arms;
  bool armed = false;
};

store::Record reading(const std::string& device, std::int64_t value) {
  return {device, 0, 1000, store::RecordKind::telemetry, {{"value", value}}};
}

// An outbox at `path` that leaves its commits to the tests (no age housekeeping).
store::OutboxOptions outbox_at(const std::filesystem::path& path) {
  store::OutboxOptions options;
  options.path = path;
  options.max_age = 0ms;
  return options;
}

class GroupCommitTest : public ::testing::Test {
 protected:
  static std::unique_ptr<store::Outbox> open_in(const test::TempDir& dir) {
    return store::Outbox::open(outbox_at(dir / "outbox.db"));
  }

  test::TempDir dir_;
  std::unique_ptr<store::Outbox> outbox_ = open_in(dir_);
  RecordingWakeup wakeup_;
  int drains_ = 0;
  GroupCommit commit_{*outbox_, wakeup_, [this] { ++drains_; }};
  Clock::time_point t0_ = Clock::now();
};

TEST_F(GroupCommitTest, ManyAppendsAndAcksGoIntoOneCommit) {
  int durable = 0;
  for (int i = 0; i < 1000; ++i) {
    outbox_->append(reading("meter-1", i), [&durable] { ++durable; });
    commit_.request(t0_);
  }
  // One wakeup for the whole batch: at once when the loop is idle, within 20 ms otherwise.
  ASSERT_EQ(wakeup_.arms, (std::vector<Arm>{{20ms, true}}));
  EXPECT_EQ(durable, 0);  // nothing is durable before the commit runs
  commit_.run(t0_ + 1ms);
  EXPECT_EQ(durable, 1000);
  EXPECT_EQ(commit_.counters().commits, 1u);
  EXPECT_EQ(outbox_->backlog("meter-1"), 1000u);
  EXPECT_EQ(drains_, 1);  // the sessions are offered the new records after the commit

  for (const auto& record : outbox_->take("meter-1", 600)) {
    outbox_->ack("meter-1", record.seq);
    commit_.request(t0_ + 2ms);
  }
  EXPECT_EQ(wakeup_.arms.size(), 2u);
  commit_.run(t0_ + 3ms);
  EXPECT_EQ(commit_.counters().commits, 2u);
  EXPECT_EQ(outbox_->backlog("meter-1"), 400u);
}

// A busy loop goes idle after nearly every read; committing at each idle moment made commits of a
// few readings each. The next commit waits for min_interval after the last one instead.
TEST_F(GroupCommitTest, CommitsAreAtLeastMinIntervalApart) {
  int durable = 0;
  outbox_->append(reading("meter-1", 1), [&durable] { ++durable; });
  commit_.request(t0_);
  commit_.run(t0_);
  ASSERT_EQ(durable, 1);

  outbox_->append(reading("meter-1", 2), [&durable] { ++durable; });
  commit_.request(t0_ + 200us);
  EXPECT_TRUE(commit_.paced());
  EXPECT_EQ(wakeup_.arms.back(), (Arm{800us, false}));  // the timer, not the idle moment
  outbox_->append(reading("meter-1", 3), [&durable] { ++durable; });
  commit_.request(t0_ + 300us);
  EXPECT_EQ(wakeup_.arms.size(), 2u);  // armed already
  EXPECT_EQ(durable, 1);
  commit_.run(t0_ + 1ms);
  EXPECT_EQ(durable, 3);
  EXPECT_EQ(commit_.counters().commits, 2u);

  // Past the interval the next idle moment commits, as before.
  outbox_->append(reading("meter-1", 4));
  commit_.request(t0_ + 2ms);
  EXPECT_FALSE(commit_.paced());
  EXPECT_EQ(wakeup_.arms.back(), (Arm{20ms, true}));
}

// A source that can send nothing more until the commit (the local broker's window is full) is not
// kept waiting for the interval: pacing it would cap its stream at one window per interval.
TEST_F(GroupCommitTest, ACommitASourceWaitsOnIsNotPaced) {
  bool waiting = false;
  commit_.set_waited_on([&waiting] { return waiting; });
  outbox_->append(reading("meter-1", 1));
  commit_.request(t0_);
  commit_.run(t0_);

  outbox_->append(reading("meter-1", 2));
  commit_.request(t0_ + 100us);
  ASSERT_TRUE(commit_.paced());
  waiting = true;  // the window filled up meanwhile: the paced commit moves to the idle moment
  commit_.request(t0_ + 200us);
  EXPECT_FALSE(commit_.paced());
  EXPECT_TRUE(commit_.armed());
  EXPECT_EQ(wakeup_.arms.back(), (Arm{20ms, true}));
  commit_.run(t0_ + 200us);
  EXPECT_EQ(commit_.counters().commits, 2u);

  outbox_->append(reading("meter-1", 3));
  commit_.request(t0_ + 300us);  // waited on from the start
  EXPECT_FALSE(commit_.paced());
  EXPECT_EQ(wakeup_.arms.back(), (Arm{20ms, true}));
}

TEST_F(GroupCommitTest, NothingQueuedArmsNothing) {
  commit_.request(t0_);
  EXPECT_TRUE(wakeup_.arms.empty());
  EXPECT_FALSE(commit_.armed());
}

TEST_F(GroupCommitTest, AFailedCommitIsRetriedWithGrowingDelayAndSucceedsWhenTheStoreWorks) {
  test::JournalCapture journal;
  test::WriteLock lock((dir_ / "outbox.db").string());
  ASSERT_TRUE(lock.held());
  int durable = 0;
  outbox_->append(reading("meter-1", 1), [&durable] { ++durable; });
  commit_.request(t0_);
  Clock::time_point now = t0_;
  commit_.run(now);
  ASSERT_TRUE(commit_.failing());
  // Retries wait for their time only (no idle wake-up) and back off: 100, 200, 400, 800 ms.
  std::vector<std::chrono::microseconds> delays;
  for (int attempt = 0; attempt < 3; ++attempt) {
    ASSERT_TRUE(commit_.armed());
    delays.push_back(wakeup_.arms.back().delay);
    EXPECT_FALSE(wakeup_.arms.back().when_idle);
    outbox_->append(reading("meter-1", attempt + 2), [&durable] { ++durable; });
    commit_.request(now);  // more readings while failing: still one wake-up, at the retry time
    now = commit_.retry_at();
    commit_.run(now);
  }
  delays.push_back(wakeup_.arms.back().delay);
  EXPECT_EQ(delays, (std::vector<std::chrono::microseconds>{100ms, 200ms, 400ms, 800ms}));
  EXPECT_EQ(wakeup_.arms.size(), 5u);  // the first batch, then one per failed attempt
  EXPECT_EQ(commit_.counters().failures, 4u);
  EXPECT_EQ(durable, 0);
  EXPECT_EQ(drains_, 0);
  EXPECT_EQ(outbox_->pending_appends(), 4u);  // everything stays queued

  lock.release();
  now = commit_.retry_at();
  commit_.run(now);
  EXPECT_FALSE(commit_.failing());
  EXPECT_EQ(durable, 4);
  EXPECT_EQ(outbox_->backlog("meter-1"), 4u);
  EXPECT_EQ(drains_, 1);
  // One line for the failure (not one per attempt), one for the recovery.
  EXPECT_EQ(journal.with_message("outbox: commit failed").size(), 1u);
  EXPECT_EQ(journal.with_message("outbox: commits succeed again").size(), 1u);

  // The next failure starts from the shortest delay again.
  test::WriteLock again((dir_ / "outbox.db").string());
  ASSERT_TRUE(again.held());
  outbox_->append(reading("meter-1", 9));
  commit_.request(now);
  commit_.run(now);
  EXPECT_EQ(wakeup_.arms.back(), (Arm{100ms, false}));
}

TEST_F(GroupCommitTest, HousekeepingCommitsForMaxAgeOnlyEverySixtyTicksAndNeverBesideAnArmedOne) {
  for (int i = 0; i < 59; ++i) commit_.tick(t0_);
  EXPECT_EQ(commit_.counters().commits, 0u);
  commit_.tick(t0_);  // the 60th: a commit with nothing queued, which enforces max_age
  EXPECT_EQ(commit_.counters().commits, 1u);

  // While a batch is armed the tick leaves it alone: the batch's own commit is the one.
  outbox_->append(reading("meter-1", 1));
  commit_.request(t0_);
  for (int i = 0; i < 60; ++i) commit_.tick(t0_);
  EXPECT_EQ(commit_.counters().commits, 1u);
  EXPECT_TRUE(outbox_->has_pending());
  commit_.run(t0_);
  EXPECT_EQ(commit_.counters().commits, 2u);
}

// An outbox with a GroupCommit on it, for the tests that fill its WAL: commit_padded() queues four
// readings of ~1.5 KB and runs the commit (at its retry time after a failure).
struct PaddedCommits {
  explicit PaddedCommits(const store::OutboxOptions& options)
      : outbox(store::Outbox::open(options)), commit(*outbox, wakeup, [] {}) {}
  void commit_padded() {
    for (int i = 0; i < 4; ++i) {
      store::Record r = reading("meter-1", value++);
      r.fields.push_back({"padding", std::string(1500, 'p')});
      outbox->append(std::move(r));
    }
    commit.request(now);
    now = std::max(now, commit.retry_at());
    commit.run(now);
  }
  std::unique_ptr<store::Outbox> outbox;
  RecordingWakeup wakeup;
  GroupCommit commit;
  Clock::time_point now = Clock::now();
  std::int64_t value = 0;
};

// Another process's reader that keeps a transaction open pins the WAL (store/wal_checkpointer.hpp):
// the admin reads why in the journal, under its MESSAGE_ID, once per rate-limit interval rather
// than at every commit, and reads when it is over.
TEST(GroupCommitWal, AWalPinnedByAnotherProcessIsWarnedAboutOnceAndItsEndSaid) {
  test::JournalCapture journal;
  test::TempDir dir;
  store::OutboxOptions options = outbox_at(dir / "outbox.db");
  options.wal_checkpoint_pages = 1;  // the WAL's stall size is 16 pages
  PaddedCommits padded(options);
  auto& outbox = padded.outbox;
  const auto commit_padded = [&] { padded.commit_padded(); };
  commit_padded();

  test::WalPinningReader reader(options.path.string());
  ASSERT_TRUE(reader.pinning());
  for (int round = 0; round < 20; ++round) commit_padded();
  const auto warned = journal.with_message("another process keeps a read transaction open");
  ASSERT_EQ(warned.size(), 1u);
  EXPECT_EQ(test::JournalCapture::field(warned[0], "MESSAGE_ID"),
            std::string(log::kStoreWalPinned.id));
  EXPECT_EQ(test::JournalCapture::field(warned[0], "PRIORITY"), "4");
  EXPECT_TRUE(journal.with_message("WAL was copied back").empty());

  reader.end();
  commit_padded();
  EXPECT_EQ(journal.with_message("WAL was copied back").size(), 1u);
  commit_padded();
  EXPECT_EQ(journal.with_message("WAL was copied back").size(), 1u);
  EXPECT_EQ(outbox->backlog("meter-1"), static_cast<std::uint64_t>(padded.value));
}

// A reader in another process pins the WAL until the WAL has filled the disk: commits fail until
// it goes. What the admin reads (the journal's failure line, and /healthz, which shows
// last_error()) must name the pin, not only "disk full": freeing space would not help.
TEST(GroupCommitWal, ACommitRefusedBecauseAPinnedWalFilledTheDiskNamesThePin) {
  test::JournalCapture journal;
  test::TempDir dir;
  test::TmpfsMount small(dir / "small", "4m");
  if (!small.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << small.error();
  const store::OutboxOptions options = outbox_at(small.path() / "outbox.db");
  PaddedCommits padded(options);
  auto& commit = padded.commit;
  const auto commit_padded = [&] { padded.commit_padded(); };
  commit_padded();
  ASSERT_FALSE(commit.failing());

  test::WalPinningReader reader(options.path.string());
  ASSERT_TRUE(reader.pinning());
  for (int round = 0; round < 2000 && !commit.failing(); ++round) commit_padded();
  ASSERT_TRUE(commit.failing()) << "the pinned WAL never filled the file system";
  EXPECT_NE(commit.last_error().find("disk full; another process's read transaction pins the WAL"),
            std::string::npos)
      << commit.last_error();
  EXPECT_EQ(journal.with_message("outbox: commit failed (disk full; another process").size(), 1u);

  reader.end();
  commit_padded();
  EXPECT_FALSE(commit.failing()) << commit.last_error();
}

// While commits fail, the readings waiting in memory are bounded (store/outbox_queue.cpp): the
// admin reads in the journal that readings were dropped and why, under the store's dropping
// MESSAGE_ID, rate-limited rather than once per attempt.
TEST(GroupCommitQueue, ReadingsDroppedFromMemoryWhileCommitsFailAreWarnedAbout) {
  test::JournalCapture journal;
  test::TempDir dir;
  store::OutboxOptions options = outbox_at(dir / "outbox.db");
  options.max_queued_bytes = 64 * 1024;
  auto outbox = store::Outbox::open(options);
  ASSERT_TRUE(outbox->commit().ok());
  RecordingWakeup wakeup;
  GroupCommit commit(*outbox, wakeup, [] {});
  test::WriteLock lock(options.path.string());
  ASSERT_TRUE(lock.held());
  Clock::time_point now = Clock::now();
  std::int64_t value = 0;
  for (int attempt = 0; attempt < 5; ++attempt) {
    for (int i = 0; i < 1000; ++i) outbox->append(reading("meter-1", value++));
    commit.request(now);
    now = std::max(now, commit.retry_at());
    commit.run(now);
    ASSERT_TRUE(commit.failing());
  }
  const auto warned = journal.with_message("passed store.max_queued");
  ASSERT_EQ(warned.size(), 1u) << "one line, then the rate limit";
  EXPECT_EQ(test::JournalCapture::field(warned[0], "MESSAGE_ID"),
            std::string(log::kStoreDropping.id));
  EXPECT_EQ(test::JournalCapture::field(warned[0], "PRIORITY"), "4");
  EXPECT_NE(
      test::JournalCapture::field(warned[0], "MESSAGE").value_or("").find("database is locked"),
      std::string::npos);
  EXPECT_GT(outbox->counters().dropped_queued, 0u);

  lock.release();
  now = commit.retry_at();
  commit.run(now);
  EXPECT_FALSE(commit.failing());
  EXPECT_EQ(outbox->backlog("meter-1") + outbox->counters().dropped_queued, 5000u);
}

TEST_F(GroupCommitTest, FlushCommitsWhatIsQueuedAndCancelsTheWakeup) {
  outbox_->append(reading("meter-1", 1));
  commit_.request(t0_);
  ASSERT_TRUE(wakeup_.armed);
  EXPECT_TRUE(commit_.flush());
  EXPECT_FALSE(wakeup_.armed);
  EXPECT_FALSE(commit_.armed());
  EXPECT_EQ(outbox_->backlog("meter-1"), 1u);
}

// The outbox has one committer: no code in daemon/ but group_commit.cpp commits it.
// On the loop: batch after batch keeps the timer's deadline that is already set (no timerfd
// update per commit); the idle source commits each batch, a stale timer firing with nothing armed
// commits nothing, and a later deadline is set only once the old one is spent.
TEST(LoopCommitWakeupTest, KeepsItsTimerAcrossBatchesAndIgnoresItWhenDisarmed) {
  sd_event* loop = nullptr;
  ASSERT_GE(sd_event_new(&loop), 0);
  int fired = 0;
  {
    LoopCommitWakeup wakeup(loop, [&] { ++fired; });
    EXPECT_EQ(wakeup.timer_due(), 0u);
    wakeup.arm(20ms, true);
    const std::uint64_t due = wakeup.timer_due();
    ASSERT_NE(due, 0u);
    for (int batch = 0; batch < 5; ++batch) {
      ASSERT_GT(sd_event_run(loop, 0), 0);  // the idle source
      wakeup.disarm();
      wakeup.arm(20ms, true);
      EXPECT_EQ(wakeup.timer_due(), due) << "batch " << batch;
    }
    EXPECT_EQ(fired, 5);
    wakeup.disarm();
    // The timer comes due with nothing armed: it fires, and nothing is committed.
    while (wakeup.timer_due() != 0) ASSERT_GE(sd_event_run(loop, 100000), 0);
    EXPECT_EQ(fired, 5);
    wakeup.arm(20ms, false);
    EXPECT_GT(wakeup.timer_due(), due);
  }
  sd_event_unref(loop);
}

// A paced commit is due in a millisecond: sd-event's default timer accuracy (250 ms) would let
// it fire that much later on an otherwise idle loop, holding its readings. Five in a row, each
// within 100 ms (at the default accuracy each would come 1-250 ms late: all five in time by
// chance about 1 % of runs).
TEST(LoopCommitWakeupTest, APacedCommitRunsOnTimeOnAnIdleLoop) {
  sd_event* loop = nullptr;
  ASSERT_GE(sd_event_new(&loop), 0);
  int fired = 0;
  {
    LoopCommitWakeup wakeup(loop, [&] { ++fired; });
    for (int i = 0; i < 5; ++i) {
      const auto start = std::chrono::steady_clock::now();
      wakeup.arm(1ms, false);
      while (fired == i) ASSERT_GE(sd_event_run(loop, 1000000), 0);
      wakeup.disarm();
      EXPECT_LT(std::chrono::steady_clock::now() - start, 100ms) << "wakeup " << i;
    }
  }
  sd_event_unref(loop);
}

TEST(GroupCommitOwnership, OnlyGroupCommitCallsOutboxCommit) {
  const std::regex commit_call(R"((->|\.)\s*commit\s*\()");
  std::vector<std::string> callers;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::path(EDGEGW_SOURCE_DIR) / "daemon")) {
    if (entry.path().extension() != ".cpp" && entry.path().extension() != ".hpp") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    const std::string source = text.str();
    if (std::regex_search(source, commit_call)) callers.push_back(entry.path().filename());
  }
  EXPECT_EQ(callers, std::vector<std::string>{"group_commit.cpp"});
}

}  // namespace
}  // namespace edgegw::daemon
