// Opening what a previous run, an older build, or a damaged disk left behind: migrations, corrupt
// files moved aside (never a crash loop), a file from a newer build.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "outbox_test_support.hpp"
#include "store/field_codec.hpp"
#include "store/outbox.hpp"
#include "store/schema.hpp"

namespace edgegw::store {
namespace {

namespace fs = std::filesystem;
using testing::all_seqs;
using testing::options_in;
using testing::reading;

void exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << error;
}

std::vector<fs::path> corrupt_copies(const fs::path& dir) {
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().starts_with("outbox.db.corrupt-")) {
      found.push_back(entry.path());
    }
  }
  return found;
}

TEST(OutboxRecovery, MigratesAVersion1Database) {
  edgegw::test::TempDir dir;
  const OutboxOptions options = options_in(dir);
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(options.path.c_str(), &db), SQLITE_OK);
    exec(db, migration_sql(1));
    exec(db, "PRAGMA user_version=1");
    exec(db, "INSERT INTO devices(id, name, last_seq) VALUES(1, 'meter-1', 7)");
    // One record, blob format 1: one field "v" = int64 5 (zigzag 10).
    exec(db,
         "INSERT INTO records(device_id, seq, time_ms, kind, fields)"
         " VALUES(1, 7, 1000, 0, x'010176020a')");
    sqlite3_close(db);
  }
  OpenReport report;
  auto outbox = Outbox::open(options, &report);
  EXPECT_FALSE(report.created);
  EXPECT_FALSE(report.moved_aside);
  EXPECT_EQ(report.schema_before, 1);
  EXPECT_EQ(report.schema_after, kSchemaVersion);
  EXPECT_EQ(report.backlog, 1u);
  auto taken = outbox->take("meter-1", 10);
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0],
            (Record{"meter-1", 7, 1000, RecordKind::telemetry, {{"v", std::int64_t{5}}}}));
  EXPECT_EQ(outbox->drops("meter-1"), DropCounters{});
  EXPECT_EQ(outbox->append(reading("meter-1", 1)), 8u);
  ASSERT_TRUE(outbox->commit().ok());
}

// A version 3 row as that schema wrote it: arrival id, checksum over the encoded fields.
void insert_v3_record(sqlite3* db, std::int64_t id, std::int64_t device_id, const Record& r) {
  std::string blob;
  encode_record_fields(r, blob);
  const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(blob.data()),
                                            blob.size());
  sqlite3_stmt* insert = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "INSERT INTO records(id, device_id, seq, time_ms, kind, fields, crc)"
                               " VALUES(?1, ?2, ?3, ?4, 0, ?5, ?6)",
                               -1, &insert, nullptr),
            SQLITE_OK);
  sqlite3_bind_int64(insert, 1, id);
  sqlite3_bind_int64(insert, 2, device_id);
  sqlite3_bind_int64(insert, 3, static_cast<std::int64_t>(r.seq));
  sqlite3_bind_int64(insert, 4, r.time_ms);
  sqlite3_bind_blob(insert, 5, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(insert, 6, record_checksum(device_id, r.seq, r.time_ms, 0, bytes));
  EXPECT_EQ(sqlite3_step(insert), SQLITE_DONE);
  sqlite3_finalize(insert);
}

// Schema 4 clusters the records per device (issue 18): a gateway upgraded in place keeps every
// record, its checksum, and the arrival order across devices that max_age and max_size drop by.
TEST(OutboxRecovery, MigratesAVersion3DatabaseKeepingTheArrivalOrder) {
  edgegw::test::TempDir dir;
  OutboxOptions options = options_in(dir);
  options.max_age = std::chrono::hours(1);
  const auto now = std::chrono::system_clock::now();
  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::int64_t old_ms = now_ms - 2 * 3600 * 1000;
  auto with_seq = [](Record r, std::uint64_t seq) {
    r.seq = seq;
    return r;
  };
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(options.path.c_str(), &db), SQLITE_OK);
    for (int version = 1; version <= 3; ++version) exec(db, migration_sql(version));
    exec(db, "PRAGMA user_version=3");
    exec(db, "INSERT INTO devices(id, name, last_seq) VALUES(1, 'a', 0), (2, 'b', 0)");
    // Arrival order: a/1 old, b/1 old, a/2 new, then b/2 old (a late reading with an old time).
    insert_v3_record(db, 1, 1, with_seq(reading("a", 1, old_ms), 1));
    insert_v3_record(db, 2, 2, with_seq(reading("b", 1, old_ms), 1));
    insert_v3_record(db, 3, 1, with_seq(reading("a", 2, now_ms), 2));
    insert_v3_record(db, 4, 2, with_seq(reading("b", 2, old_ms), 2));
    sqlite3_close(db);
  }
  OpenReport report;
  auto outbox = Outbox::open(options, &report);
  EXPECT_FALSE(report.moved_aside);
  EXPECT_EQ(report.schema_before, 3);
  EXPECT_EQ(report.schema_after, kSchemaVersion);
  EXPECT_EQ(report.backlog, 4u);
  EXPECT_EQ(outbox->quick_check(), "ok");
  const auto taken = outbox->take("b", 10);
  ASSERT_EQ(taken.size(), 2u);  // the checksums still check out
  EXPECT_EQ(taken[1], with_seq(reading("b", 2, old_ms), 2));
  outbox->release("b");

  // max_age drops the old prefix of the arrival order: a/1 and b/1; b/2 waits behind a/2.
  const CommitResult result = outbox->commit(now);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.dropped_by_age, 2u);
  EXPECT_EQ(all_seqs(*outbox, "a"), (std::vector<std::uint64_t>{2}));
  EXPECT_EQ(all_seqs(*outbox, "b"), (std::vector<std::uint64_t>{2}));
  EXPECT_EQ(outbox->counters().quarantined, 0u);

  // New records arrive after the migrated ones: once a/2 is acked, b/2 is the oldest and goes.
  EXPECT_EQ(outbox->append(reading("b", 3, now_ms)), 3u);
  outbox->ack("a", 2);
  const CommitResult next =
      outbox->commit(now + std::chrono::seconds(1));  // max_age: once a second
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next.dropped_by_age, 1u);
  EXPECT_EQ(all_seqs(*outbox, "b"), (std::vector<std::uint64_t>{3}));
}

TEST(OutboxRecovery, AFileThatIsNotADatabaseIsMovedAside) {
  edgegw::test::TempDir dir;
  const OutboxOptions options = options_in(dir);
  const std::string garbage(10000, 'x');
  dir.write("outbox.db", garbage);
  OpenReport report;
  auto outbox = Outbox::open(options, &report);
  ASSERT_TRUE(report.moved_aside);
  EXPECT_TRUE(report.created);
  EXPECT_FALSE(report.corruption.empty());
  EXPECT_EQ(edgegw::test::read_file(*report.moved_aside), garbage);
  EXPECT_EQ(corrupt_copies(dir.path()).size(), 1u);

  outbox->append(reading("a", 1));
  ASSERT_TRUE(outbox->commit().ok());
  EXPECT_EQ(outbox->quick_check(), "ok");
}

TEST(OutboxRecovery, ADamagedPageIsFoundByQuickCheckAndMovedAside) {
  edgegw::test::TempDir dir;
  const OutboxOptions options = options_in(dir);
  {
    auto outbox = Outbox::open(options);
    for (int i = 0; i < 5000; ++i) outbox->append(reading("a", i));
    ASSERT_TRUE(outbox->commit().ok());
  }  // closing checkpoints everything into the file
  ASSERT_FALSE(fs::exists(dir / "outbox.db-wal"));
  const auto size = fs::file_size(options.path);
  ASSERT_GT(size, 40000u);
  {
    // Scribble over pages in the middle of the records table, keeping the header intact.
    std::fstream f(options.path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2));
    const std::string junk(3 * 4096, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  OpenReport report;
  auto outbox = Outbox::open(options, &report);
  ASSERT_TRUE(report.moved_aside) << "quick_check did not notice";
  EXPECT_NE(report.corruption.find("quick_check"), std::string::npos) << report.corruption;
  EXPECT_EQ(outbox->backlog("a"), 0u);
  // What went aside is reported as missing, and the sequence continues after it: a new reading
  // never reuses the number of one the cloud may already have.
  EXPECT_EQ(outbox->loss_report().ranges, (std::vector<LostRange>{{"a", 1, 5000}}));
  EXPECT_EQ(outbox->append(reading("a", 0)), 5001u);
  ASSERT_TRUE(outbox->commit().ok());
  EXPECT_EQ(outbox->quick_check(), "ok");

  // And the next start is a normal one: no crash loop, nothing else moved.
  outbox.reset();
  OpenReport again;
  outbox = Outbox::open(options, &again);
  EXPECT_FALSE(again.moved_aside);
  EXPECT_EQ(all_seqs(*outbox, "a"), std::vector<std::uint64_t>{5001});
  EXPECT_TRUE(outbox->loss_report().empty()) << "the same loss reported twice";
  EXPECT_EQ(corrupt_copies(dir.path()).size(), 1u);
}

TEST(OutboxRecovery, ADatabaseFromANewerBuildIsKeptAsideNotOverwritten) {
  edgegw::test::TempDir dir;
  const OutboxOptions options = options_in(dir);
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(options.path.c_str(), &db), SQLITE_OK);
    exec(db, "CREATE TABLE future(x); PRAGMA user_version=99");
    sqlite3_close(db);
  }
  OpenReport report;
  auto outbox = Outbox::open(options, &report);
  ASSERT_TRUE(report.moved_aside);
  EXPECT_NE(report.corruption.find("newer"), std::string::npos) << report.corruption;
  EXPECT_EQ(report.schema_after, kSchemaVersion);
}

}  // namespace
}  // namespace edgegw::store
