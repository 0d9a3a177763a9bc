// Outbox throughput and recovery figures (issue 5), printed as plain lines:
//   appends/s and acks/s with 1 and 1,000 devices, sync normal and full (1,000 records per commit,
//   as the daemon's group commit per loop tick); the time to open a 1,000,000-record backlog left
//   by a kill -9; the peak RSS of a process that opens and drains that backlog.
// And against a peer, a naive raw SQLite loop doing the same steady-state job (issue 18), printed
// as figure | ours | peer | ratio.
// Usage: store_bench [DIR] [RECORDS] [SCENARIOS]   (DIR defaults to $TMPDIR or /tmp; RECORDS to
// 1,000,000; SCENARIOS a comma list of steady-normal-1 steady-normal-1000 steady-full-1
// steady-full-1000 busy-of-1 busy-of-10000 normal-1 normal-1000 full-1 full-1000 batch-1000
// crash-1 crash-1000, default all)
// Each scenario runs in a forked child so its peak RSS and page cache state are its own.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "store/field_codec.hpp"
#include "store/outbox.hpp"
#include "store/sqlite_db.hpp"
#include "support/process_usage.hpp"

namespace {

using namespace edgegw::store;
using Clock = std::chrono::steady_clock;
// CPU seconds of this process, all threads (the WAL checkpointer's included).
using edgegw::test::cpu_seconds;
using edgegw::test::seconds_since;
namespace fs = std::filesystem;

constexpr std::size_t kBatch = 1000;

// A rate measured both ways: the machine is shared, so wall-clock figures vary with its load and
// the per-CPU-second figure says what the outbox itself costs.
struct Rate {
  double per_second = 0;
  double per_cpu_second = 0;
};

class RateClock {
 public:
  RateClock() : wall_(Clock::now()), cpu_(cpu_seconds()) {}
  Rate rate(std::size_t n) const {
    return {static_cast<double>(n) / seconds_since(wall_),
            static_cast<double>(n) / (cpu_seconds() - cpu_)};
  }

 private:
  Clock::time_point wall_;
  double cpu_;
};

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

std::vector<std::string> device_names(std::size_t devices) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < devices; ++i) names.push_back("meter-" + std::to_string(i));
  return names;
}

Record reading(const std::string& device, std::int64_t i) {
  return Record{device,
                0,
                1'700'000'000'000 + i,
                RecordKind::telemetry,
                {{"voltage", 230.0 + static_cast<double>(i % 10)},
                 {"current", 1.5},
                 {"status", std::int64_t{i % 4}}}};
}

void remove_db(const fs::path& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-hwm", "-reserve"}) {
    fs::remove(path.string() + suffix);
  }
}

// Appends `records` round-robin over the devices, committing every `batch`.
Rate append_all(Outbox& outbox, const std::vector<std::string>& names, std::size_t records,
                std::size_t batch = kBatch) {
  const RateClock clock;
  for (std::size_t i = 0; i < records; ++i) {
    outbox.append(reading(names[i % names.size()], static_cast<std::int64_t>(i)));
    if ((i + 1) % batch == 0 && !outbox.commit().ok()) std::abort();
  }
  if (!outbox.commit().ok()) std::abort();
  return clock.rate(records);
}

// Acks every record, interleaving the devices the way PUBACKs of many sessions arrive in one loop
// tick (round-robin, one record each), committing every `batch` acks.
Rate ack_all(Outbox& outbox, const std::vector<std::string>& names, std::size_t records,
             std::size_t batch = kBatch) {
  const std::uint64_t per_device = records / names.size();
  const RateClock clock;
  std::size_t queued = 0;
  for (std::uint64_t seq = 1; seq <= per_device; ++seq) {
    for (const auto& name : names) {
      outbox.ack(name, seq);
      if (++queued % batch == 0 && !outbox.commit().ok()) std::abort();
    }
  }
  if (!outbox.commit().ok()) std::abort();
  if (outbox.total_backlog() != 0) std::abort();
  return clock.rate(queued);
}

// The daemon's normal state: the cloud keeps up, so each commit holds one batch of new records and
// the acks of the batch before (the backlog stays at about one batch).
Rate steady_state(Outbox& outbox, const std::vector<std::string>& names, std::size_t records,
                  std::size_t batch = kBatch) {
  const RateClock clock;
  std::vector<std::pair<const std::string*, std::uint64_t>> last_batch, this_batch;
  for (std::size_t i = 0; i < records; ++i) {
    const std::string& name = names[i % names.size()];
    this_batch.emplace_back(&name, outbox.append(reading(name, static_cast<std::int64_t>(i))));
    if ((i + 1) % batch == 0) {
      for (const auto& [device, seq] : last_batch) outbox.ack(*device, seq);
      if (!outbox.commit().ok()) std::abort();
      last_batch.swap(this_batch);
      this_batch.clear();
    }
  }
  return clock.rate(records);
}

// The peer: a naive raw SQLite loop doing the same job without the outbox's guarantees (no
// checksum, no high-water mark, no limits, no device rows): one rowid table with an index on
// (device, seq), WAL and the same synchronous setting, one prepared INSERT per record and one
// prepared DELETE per ack, the same steady state (1,000 new records and the acks of the batch
// before in each transaction).
Rate raw_steady_state(const fs::path& path, std::size_t devices, SyncMode sync, std::size_t records,
                      std::size_t batch = kBatch) {
  remove_db(path);
  SqliteDb db;
  db.open(path.string());
  db.exec("PRAGMA journal_mode=WAL");
  db.exec(sync == SyncMode::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  db.exec(
      "CREATE TABLE records(id INTEGER PRIMARY KEY, device INTEGER NOT NULL, seq INTEGER NOT "
      "NULL, time_ms INTEGER NOT NULL, kind INTEGER NOT NULL, fields BLOB NOT NULL);"
      "CREATE INDEX records_by_device ON records(device, seq);");
  Statement begin(db.get(), "BEGIN"), commit(db.get(), "COMMIT");
  Statement insert(db.get(),
                   "INSERT INTO records(device, seq, time_ms, kind, fields) VALUES(?,?,?,?,?)");
  Statement remove(db.get(), "DELETE FROM records WHERE device = ? AND seq = ?");
  const auto run = [](Statement& s) {
    if (s.step() != SQLITE_DONE) std::abort();
    s.reset();
  };
  const auto names = device_names(devices);
  std::vector<std::uint64_t> seqs(devices, 0);
  std::vector<std::pair<std::int64_t, std::uint64_t>> last_batch, this_batch;
  std::string blob;
  const RateClock clock;
  run(begin);
  for (std::size_t i = 0; i < records; ++i) {
    const std::size_t device = i % devices;
    const Record r = reading(names[device], static_cast<std::int64_t>(i));
    blob.clear();
    encode_record_fields(r, blob);
    const std::uint64_t seq = ++seqs[device];
    insert.bind(1, static_cast<std::int64_t>(device));
    insert.bind(2, static_cast<std::int64_t>(seq));
    insert.bind(3, r.time_ms);
    insert.bind(4, static_cast<std::int64_t>(r.kind));
    insert.bind_blob(5, blob);
    run(insert);
    this_batch.emplace_back(static_cast<std::int64_t>(device), seq);
    if ((i + 1) % batch == 0) {
      for (const auto& [d, s] : last_batch) {
        remove.bind(1, d);
        remove.bind(2, static_cast<std::int64_t>(s));
        run(remove);
      }
      run(commit);
      run(begin);
      last_batch.swap(this_batch);
      this_batch.clear();
    }
  }
  run(commit);
  return clock.rate(records);
}

void print_rate(const char* what, Rate rate) {
  std::printf("  %s/s=%8.0f (%8.0f per CPU-s)", what, rate.per_second, rate.per_cpu_second);
}

void throughput(const fs::path& dir, std::size_t devices, SyncMode sync, std::size_t records,
                std::size_t batch) {
  const fs::path path = dir / "bench-throughput.db";
  remove_db(path);
  OutboxOptions options{path, 1ull << 40, std::chrono::milliseconds(0), sync};
  auto outbox = Outbox::open(options);
  const auto names = device_names(devices);
  const Rate appends = append_all(*outbox, names, records, batch);
  const Rate acks = ack_all(*outbox, names, records, batch);
  std::printf("sync=%-6s devices=%-5zu per-commit=%-6zu backlog build-up:",
              sync == SyncMode::full ? "full" : "normal", devices, batch);
  print_rate("appends", appends);
  print_rate("acks", acks);
  std::printf("\n");
  const Rate steady = steady_state(*outbox, names, records);
  std::printf("sync=%-6s devices=%-5zu per-commit=%-6zu steady state (acked as they go):",
              sync == SyncMode::full ? "full" : "normal", devices, kBatch);
  print_rate("appends+acks", steady);
  std::printf("\n");
  outbox.reset();
  remove_db(path);
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Steady state against the naive raw loop, each from a fresh file, alternating over `rounds`
// rounds so both see the same machine load; prints the medians as figure | ours | peer | ratio.
void steady_against_raw(const fs::path& dir, std::size_t devices, SyncMode sync,
                        std::size_t records, int rounds) {
  const fs::path path = dir / "bench-steady.db";
  std::vector<double> ours_wall, ours_cpu, raw_wall, raw_cpu;
  for (int round = 0; round < rounds; ++round) {
    remove_db(path);
    if (!std::getenv("STORE_BENCH_RAW_ONLY")) {
      OutboxOptions options{path, 1ull << 40, std::chrono::milliseconds(0), sync};
      auto outbox = Outbox::open(options);
      const Rate ours = steady_state(*outbox, device_names(devices), records);
      ours_wall.push_back(ours.per_second);
      ours_cpu.push_back(ours.per_cpu_second);
    }
    if (std::getenv("STORE_BENCH_OURS_ONLY")) continue;
    const Rate raw = raw_steady_state(path, devices, sync, records);
    raw_wall.push_back(raw.per_second);
    raw_cpu.push_back(raw.per_cpu_second);
  }
  remove_db(path);
  const char* mode = sync == SyncMode::full ? "full" : "normal";
  const auto row = [&](const char* figure, double ours, double raw) {
    std::printf("steady %s sync=%s devices=%zu | %.0f | %.0f | %.2f\n", figure, mode, devices, ours,
                raw, ours / raw);
  };
  row("records/s", median(ours_wall), median(raw_wall));
  row("records/CPU-s", median(ours_cpu), median(raw_cpu));
}

// A commit's cost against the devices the outbox knows: `known` devices forwarded a record each
// once, then one device forwards alone, 10 records per commit (the daemon's group commit with one
// busy device). Each commit's own work should follow the devices it touches; it followed all the
// devices there are (5 loops over them per commit). The peer's loop knows no devices.
void one_busy_among(const fs::path& dir, std::size_t known, std::size_t records, int rounds) {
  constexpr std::size_t kPerCommit = 10;
  const fs::path path = dir / "bench-busy.db";
  std::vector<double> ours_cpu, raw_cpu;
  const auto names = device_names(known);
  for (int round = 0; round < rounds; ++round) {
    remove_db(path);
    {
      OutboxOptions options{path, 1ull << 40, std::chrono::milliseconds(0), SyncMode::normal};
      auto outbox = Outbox::open(options);
      append_all(*outbox, names, known);
      ack_all(*outbox, names, known);
      ours_cpu.push_back(
          steady_state(*outbox, {names.front()}, records, kPerCommit).per_cpu_second);
    }
    raw_cpu.push_back(
        raw_steady_state(path, 1, SyncMode::normal, records, kPerCommit).per_cpu_second);
  }
  remove_db(path);
  std::printf(
      "one busy device of %zu, %zu records per commit, records/CPU-s | %.0f | %.0f | %.2f\n", known,
      kPerCommit, median(ours_cpu), median(raw_cpu), median(ours_cpu) / median(raw_cpu));
}

// Fills the outbox and dies by SIGKILL, as a crashed daemon leaves it (WAL not checkpointed).
void fill_and_crash(const fs::path& path, std::size_t devices, std::size_t records) {
  OutboxOptions options{path, 1ull << 40, std::chrono::milliseconds(0), SyncMode::normal};
  auto outbox = Outbox::open(options);
  append_all(*outbox, device_names(devices), records);
  std::fflush(stdout);
  raise(SIGKILL);
}

// Opens the crashed backlog, then drains it the way sessions do (take, ack, commit).
void reopen_and_drain(const fs::path& path, std::size_t devices) {
  OutboxOptions options{path, 1ull << 40, std::chrono::milliseconds(0), SyncMode::normal};
  const long rss_before = peak_rss_kib();
  const auto start = Clock::now();
  OpenReport report;
  auto outbox = Outbox::open(options, &report);
  const double open_s = seconds_since(start);
  const long rss_open = peak_rss_kib();
  const auto drain_start = Clock::now();
  std::uint64_t drained = 0;
  while (outbox->total_backlog() > 0) {
    for (const auto& name : outbox->drain_order()) {
      for (const auto& r : outbox->take(name, 1000 / devices + 16)) {
        outbox->ack(name, r.seq);
        ++drained;
      }
    }
    if (!outbox->commit().ok()) std::abort();
  }
  std::printf(
      "crash-reopen devices=%-5zu backlog=%llu  open=%.3f s  drain=%.2f s (%.0f records/s)\n"
      "  peak RSS: before open %ld KiB, after open %ld KiB, after drain %ld KiB\n",
      devices, static_cast<unsigned long long>(report.backlog), open_s, seconds_since(drain_start),
      static_cast<double>(drained) / seconds_since(drain_start), rss_before, rss_open,
      peak_rss_kib());
}

template <typename F>
void in_child(F&& f) {
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid == 0) {
    f();
    std::fflush(stdout);
    std::_Exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
}

}  // namespace

int main(int argc, char** argv) {
  const char* tmp = std::getenv("TMPDIR");
  const fs::path dir = argc > 1 ? argv[1] : (tmp && *tmp ? tmp : "/tmp");
  const std::size_t records = argc > 2 ? std::stoul(argv[2]) : 1'000'000;
  // Optional third argument: the scenarios to run, e.g. "normal-1,crash-1" (default: all).
  const std::string only = argc > 3 ? argv[3] : "";
  const auto wanted = [&](const std::string& name) {
    return only.empty() || ("," + only + ",").find("," + name + ",") != std::string::npos;
  };
  std::printf("store_bench: %zu records, %zu per commit, in %s\n", records, kBatch, dir.c_str());
  // Against the peer: the median of 3 alternating runs of `records / 4` records each.
  bool header = false;
  for (SyncMode sync : {SyncMode::normal, SyncMode::full}) {
    for (std::size_t devices : {std::size_t{1}, std::size_t{1000}}) {
      const std::string name =
          (sync == SyncMode::full ? "steady-full-" : "steady-normal-") + std::to_string(devices);
      if (!wanted(name)) continue;
      if (!header) std::printf("figure | ours | peer (naive raw SQLite loop) | ratio\n");
      header = true;
      in_child([&] { steady_against_raw(dir, devices, sync, records / 4, 3); });
    }
  }
  for (std::size_t known : {std::size_t{1}, std::size_t{10000}}) {
    if (!wanted("busy-of-" + std::to_string(known))) continue;
    if (!header) std::printf("figure | ours | peer (naive raw SQLite loop) | ratio\n");
    header = true;
    in_child([&] { one_busy_among(dir, known, std::min<std::size_t>(records / 10, 50000), 3); });
  }
  for (SyncMode sync : {SyncMode::normal, SyncMode::full}) {
    for (std::size_t devices : {std::size_t{1}, std::size_t{1000}}) {
      const std::string name =
          (sync == SyncMode::full ? "full-" : "normal-") + std::to_string(devices);
      if (wanted(name)) in_child([&] { throughput(dir, devices, sync, records, kBatch); });
    }
  }
  // Many devices with a deep backlog each: every record of a round-robin commit lands on its own
  // index page, so the cost per record falls with records per device per commit.
  if (wanted("batch-1000")) {
    in_child([&] { throughput(dir, 1000, SyncMode::normal, records, 10 * kBatch); });
  }
  for (std::size_t devices : {std::size_t{1}, std::size_t{1000}}) {
    if (!wanted("crash-" + std::to_string(devices))) continue;
    const fs::path path = dir / "bench-crash.db";
    remove_db(path);
    in_child([&] { fill_and_crash(path, devices, records); });
    in_child([&] { reopen_and_drain(path, devices); });
    remove_db(path);
  }
  return 0;
}
