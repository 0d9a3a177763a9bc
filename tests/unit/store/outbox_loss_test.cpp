// Never a silent loss (issue 14, item 4): a 0-byte database beside its WAL, a deleted or damaged
// WAL, a damaged record. Each is detected, counted and reported with the device's sequence range;
// a damaged record is quarantined, never sent empty. And every state file is 0600 (item 9).
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "outbox_test_support.hpp"
#include "store/outbox.hpp"

namespace edgegw::store {
namespace {

namespace fs = std::filesystem;
using testing::all_seqs;
using testing::options_in;
using testing::reading;

// Commits `n` readings of "a", and leaves the last `in_wal` of them only in the WAL: the outbox is
// abandoned without closing (as by kill -9), so nothing checkpoints them into outbox.db.
void leave_commits_in_wal(const OutboxOptions& options, int n, int in_wal) {
  auto outbox = Outbox::open(options);
  for (int i = 0; i < n - in_wal; ++i) outbox->append(reading("a", i));
  ASSERT_TRUE(outbox->commit().ok());
  outbox->checkpoint();
  for (int i = 0; i < in_wal; ++i) outbox->append(reading("a", i));
  ASSERT_TRUE(outbox->commit().ok());
  // Copy the files as a crash leaves them, then let the outbox close normally elsewhere.
  const fs::path crashed = options.path.parent_path() / "crashed";
  fs::create_directory(crashed);
  for (const char* suffix : {"", "-wal", "-hwm"}) {
    fs::copy_file(options.path.string() + suffix, crashed / ("outbox.db" + std::string(suffix)));
  }
  outbox.reset();
  for (const char* suffix : {"", "-wal", "-shm", "-hwm"})
    fs::remove(options.path.string() + suffix);
  for (const char* suffix : {"", "-wal", "-hwm"}) {
    fs::rename(crashed / ("outbox.db" + std::string(suffix)), options.path.string() + suffix);
  }
  ASSERT_GT(fs::file_size(options.path.string() + "-wal"), 0u);
}

TEST(OutboxLoss, ADeletedWalIsReportedWithItsRange) {
  edgegw::test::TempDir dir;
  const OutboxOptions options = options_in(dir);
  leave_commits_in_wal(options, 300, 100);
  fs::remove(options.path.string() + "-wal");

  auto outbox = Outbox::open(options);
  EXPECT_EQ(outbox->backlog("a"), 200u);
  EXPECT_EQ(outbox->loss_report().ranges, (std::vector<LostRange>{{"a", 201, 300}}));
  EXPECT_EQ(outbox->loss_report().records, 100u);
  EXPECT_EQ(outbox->counters().lost_on_open, 100u);
  // Lost numbers are never reused.
  EXPECT_EQ(outbox->append(reading("a", 1)), 301u);
  ASSERT_TRUE(outbox->commit().ok());
}

// The mark is kept per device, each in a line of its own rewritten by the commits that appended to
// that device alone: a device the last commits left alone keeps its mark, and a loss is found for
// the device that lost, with its range.
TEST(OutboxLoss, EachDeviceKeepsItsOwnMarkThroughCommitsOfOthers) {
  edgegw::test::TempDir dir;
  const OutboxOptions options = options_in(dir);
  {
    auto outbox = Outbox::open(options);
    for (const char* device : {"a", "b", "c"}) {
      for (int i = 0; i < 10; ++i) outbox->append(reading(device, i));
    }
    ASSERT_TRUE(outbox->commit().ok());
    outbox->checkpoint();
    for (int round = 0; round < 5; ++round) {
      outbox->append(reading("b", round));
      ASSERT_TRUE(outbox->commit().ok());
    }
    const fs::path kept = dir / "kept";
    fs::create_directory(kept);
    fs::copy_file(options.path, kept / "outbox.db");
    fs::copy_file(options.path.string() + "-hwm", kept / "outbox.db-hwm");
    outbox.reset();
    for (const char* suffix : {"", "-wal", "-shm", "-hwm"})
      fs::remove(options.path.string() + suffix);
    fs::rename(kept / "outbox.db", options.path);
    fs::rename(kept / "outbox.db-hwm", options.path.string() + "-hwm");
  }
  auto outbox = Outbox::open(options);  // the WAL with b's last five commits is gone
  EXPECT_EQ(outbox->loss_report().ranges, (std::vector<LostRange>{{"b", 11, 15}}));
  EXPECT_EQ(outbox->backlog("a"), 10u);
  EXPECT_EQ(outbox->backlog("c"), 10u);
}

// A gateway upgraded from a build that wrote the former format (one checksum over the whole file)
// still has its marks read, and a loss found against them.
TEST(OutboxLoss, AHighWaterMarkInTheFormerFormatIsStillRead) {
  edgegw::test::TempDir dir;
  const OutboxOptions options = options_in(dir);
  leave_commits_in_wal(options, 300, 100);
  fs::remove(options.path.string() + "-wal");
  const std::string body = "edgegw-outbox-hwm 1\n300 a\n";
  std::uint64_t sum = 1469598103934665603ull;  // FNV-1a, as that format summed its body
  for (unsigned char c : body) {
    sum ^= c;
    sum *= 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%llx", static_cast<unsigned long long>(sum));
  std::ofstream(options.path.string() + "-hwm", std::ios::trunc) << body << "end " << hex << "\n";

  auto outbox = Outbox::open(options);
  EXPECT_TRUE(outbox->loss_report().unchecked.empty()) << outbox->loss_report().unchecked;
  EXPECT_EQ(outbox->loss_report().ranges, (std::vector<LostRange>{{"a", 201, 300}}));
}

// One damaged line (a torn write, a stray byte) makes the whole mark unusable: said so, not
// trusted.
TEST(OutboxLoss, ADamagedLineOfTheHighWaterMarkIsReportedAsUnchecked) {
  edgegw::test::TempDir dir;
  const OutboxOptions options = options_in(dir);
  {
    auto outbox = Outbox::open(options);
    for (const char* device : {"a", "b"}) outbox->append(reading(device, 1));
    ASSERT_TRUE(outbox->commit().ok());
  }
  const std::string hwm = options.path.string() + "-hwm";
  std::string text;
  {
    std::ifstream in(hwm);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto line_b = text.find(" b\n");
  ASSERT_NE(line_b, std::string::npos) << text;
  const auto start = text.rfind('\n', line_b) + 1;
  text[start + 19] = text[start + 19] == '9' ? '8' : '9';  // the mark's last digit
  std::ofstream(hwm, std::ios::trunc) << text;

  auto outbox = Outbox::open(options);
  EXPECT_NE(outbox->loss_report().unchecked.find("checksum mismatch"), std::string::npos)
      << outbox->loss_report().unchecked;
  EXPECT_EQ(outbox->backlog("a"), 1u);
  EXPECT_EQ(outbox->backlog("b"), 1u);
}

// A start rewrites the mark exactly: whatever was longer before (a damaged tail, another format)
// does not stay behind to make every later start unchecked.
TEST(OutboxLoss, ADamagedHighWaterMarkIsRewrittenWholeAtTheNextStart) {
  edgegw::test::TempDir dir;
  const OutboxOptions options = options_in(dir);
  {
    auto outbox = Outbox::open(options);
    outbox->append(reading("a", 1));
    ASSERT_TRUE(outbox->commit().ok());
  }
  std::ofstream(options.path.string() + "-hwm", std::ios::app) << std::string(300, 'x') << "\n";
  EXPECT_FALSE(Outbox::open(options)->loss_report().unchecked.empty());
  auto outbox = Outbox::open(options);
  EXPECT_TRUE(outbox->loss_report().unchecked.empty()) << outbox->loss_report().unchecked;
  EXPECT_EQ(outbox->backlog("a"), 1u);
}

// A mark that cannot be written for a while (here its path is a directory) is written whole once
// it can be: every device's mark is there, none from before the failure.
TEST(OutboxLoss, MarksThatCouldNotBeWrittenForAWhileAreWrittenWholeOnceTheyCan) {
  edgegw::test::TempDir dir;
  const OutboxOptions options = options_in(dir);
  const std::string hwm = options.path.string() + "-hwm";
  fs::create_directory(hwm);
  {
    auto outbox = Outbox::open(options);
    for (int round = 0; round < 50; ++round) {
      for (const char* device : {"a", "b", "c"}) outbox->append(reading(device, round));
      ASSERT_TRUE(outbox->commit().ok());
    }
    fs::remove(hwm);
    outbox->append(reading("a", 50));
    ASSERT_TRUE(outbox->commit().ok());
    // Lose the WAL as a crash with a deleted WAL would: the marks must say what was committed.
    fs::copy_file(options.path, dir / "kept.db");
    fs::copy_file(hwm, dir / "kept.db-hwm");
  }
  for (const char* suffix : {"", "-wal", "-shm", "-hwm"})
    fs::remove(options.path.string() + suffix);
  fs::rename(dir / "kept.db", options.path);
  fs::rename(dir / "kept.db-hwm", hwm);
  auto outbox = Outbox::open(options);
  EXPECT_TRUE(outbox->loss_report().unchecked.empty()) << outbox->loss_report().unchecked;
  EXPECT_EQ(outbox->backlog("a") + outbox->loss_report().records + outbox->backlog("b") +
                outbox->backlog("c"),
            151u);
}

TEST(OutboxLoss, ADamagedWalIsReportedWithItsRange) {
  edgegw::test::TempDir dir;
  const OutboxOptions options = options_in(dir);
  leave_commits_in_wal(options, 300, 100);
  {
    // Scribble over the first frame's page (after the 32-byte WAL header and the 24-byte frame
    // header): its checksum fails and SQLite replays nothing from there on.
    const auto wal = options.path.string() + "-wal";
    std::fstream f(wal, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(32 + 24 + 100);
    const std::string junk(4096, '\x33');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  auto outbox = Outbox::open(options);
  const auto seqs = all_seqs(*outbox, "a");
  ASSERT_LT(seqs.size(), 300u);
  ASSERT_EQ(outbox->loss_report().ranges.size(), 1u);
  const LostRange lost = outbox->loss_report().ranges[0];
  EXPECT_EQ(lost.device, "a");
  EXPECT_EQ(lost.first_seq, seqs.size() + 1);
  EXPECT_EQ(lost.last_seq, 300u);
  EXPECT_EQ(outbox->loss_report().records, 300u - seqs.size());
}

TEST(OutboxLoss, AZeroByteDatabaseBesideItsWalIsKeptAndReported) {
  edgegw::test::TempDir dir;
  const OutboxOptions options = options_in(dir);
  leave_commits_in_wal(options, 300, 100);
  const auto wal_size = fs::file_size(options.path.string() + "-wal");
  fs::resize_file(options.path, 0);

  OpenReport report;
  auto outbox = Outbox::open(options, &report);
  ASSERT_TRUE(report.moved_aside) << "a 0-byte database beside its WAL started quietly";
  EXPECT_EQ(fs::file_size(report.moved_aside->string() + "-wal"), wal_size);
  EXPECT_EQ(outbox->loss_report().ranges, (std::vector<LostRange>{{"a", 1, 300}}));
  EXPECT_EQ(outbox->append(reading("a", 1)), 301u);
}

TEST(OutboxLoss, ADamagedRecordIsQuarantinedNotSentEmpty) {
  edgegw::test::TempDir dir;
  const OutboxOptions options = options_in(dir);
  {
    auto outbox = Outbox::open(options);
    for (int i = 0; i < 5; ++i) outbox->append(reading("a", i));
    ASSERT_TRUE(outbox->commit().ok());
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(options.path.c_str(), &db), SQLITE_OK);
    // Seq 2: fields that do not decode; seq 4: a value changed behind the checksum's back.
    ASSERT_EQ(sqlite3_exec(db,
                           "UPDATE records SET fields = x'05ff' WHERE seq = 2;"
                           "UPDATE records SET time_ms = time_ms + 1 WHERE seq = 4;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto outbox = Outbox::open(options);
  int queued = 0;  // the group commit arms on this: the quarantine needs a commit too
  outbox->on_queued([&] { ++queued; });
  const auto taken = outbox->take("a", 10);
  EXPECT_EQ(queued, 2);
  std::vector<std::uint64_t> seqs;
  for (const auto& r : taken) {
    seqs.push_back(r.seq);
    EXPECT_FALSE(r.fields.empty()) << "seq " << r.seq << " sent with no fields";
  }
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{1, 3, 5}));
  const CommitResult result = outbox->commit();
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.quarantined, 2u);
  EXPECT_EQ(outbox->counters().quarantined, 2u);
  EXPECT_EQ(outbox->backlog("a"), 3u);
  outbox.reset();

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(options.path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* count = nullptr;
  sqlite3_prepare_v2(db, "SELECT group_concat(seq || ':' || why) FROM quarantine", -1, &count,
                     nullptr);
  ASSERT_EQ(sqlite3_step(count), SQLITE_ROW);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(sqlite3_column_text(count, 0))),
            "2:checksum mismatch,4:checksum mismatch");
  sqlite3_finalize(count);
  sqlite3_close(db);
}

TEST(OutboxLoss, NothingIsReportedAfterAnOrdinaryRestart) {
  edgegw::test::TempDir dir;
  const OutboxOptions options = options_in(dir);
  {
    auto outbox = Outbox::open(options);
    for (int i = 0; i < 50; ++i) outbox->append(reading("a", i));
    ASSERT_TRUE(outbox->commit().ok());
    for (std::uint64_t seq = 1; seq <= 50; ++seq) outbox->ack("a", seq);
    ASSERT_TRUE(outbox->commit().ok());
  }
  auto outbox = Outbox::open(options);
  EXPECT_TRUE(outbox->loss_report().empty());
  EXPECT_TRUE(outbox->loss_report().unchecked.empty()) << outbox->loss_report().unchecked;
  EXPECT_EQ(outbox->counters().lost_on_open, 0u);
}

TEST(OutboxStateFiles, AreOwnerOnlyWhateverTheUmask) {
  edgegw::test::TempDir dir;
  const OutboxOptions options = options_in(dir);
  const mode_t old_umask = ::umask(022);
  auto outbox = Outbox::open(options);
  for (int i = 0; i < 50; ++i) outbox->append(reading("a", i));
  ASSERT_TRUE(outbox->commit().ok());
  ::umask(old_umask);
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    struct stat st {};
    ASSERT_EQ(::stat(entry.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << entry.path();
    ++checked;
  }
  EXPECT_GE(checked, 4) << "outbox.db, -wal, -shm, -hwm at least";
}

}  // namespace
}  // namespace edgegw::store
