// kill -9 at random moments: a child appends and commits in a loop and reports every record whose
// commit returned; after each kill the parent reopens the outbox and finds every reported record,
// in order, and a database that passes quick_check. Sequences never go back across the crashes.
// The child checkpoints its WAL every few commits, so some kills land in the middle of one.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <random>
#include <set>
#include <sstream>

#include "outbox_test_support.hpp"
#include "store/outbox.hpp"
#include "support/process.hpp"

namespace edgegw::store {
namespace {

using testing::all_seqs;

constexpr int kRounds = 20;

// Reads whole lines "<device> <seq>" from the pipe until at least `want` arrived or `timeout`
// passed (0: only what is already there). Returns how many.
std::size_t read_reports(int fd, std::string& partial,
                         std::map<std::string, std::vector<std::uint64_t>>& reported,
                         std::size_t want, std::chrono::milliseconds timeout) {
  std::size_t got = 0;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  while (got < want) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};  // a zero timeout still takes what is already in the pipe
    if (::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0))) <= 0) break;
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    partial.append(buffer, static_cast<std::size_t>(n));
    std::size_t end;
    while ((end = partial.find('\n')) != std::string::npos) {
      std::istringstream line(partial.substr(0, end));
      partial.erase(0, end + 1);
      std::string device;
      std::uint64_t seq = 0;
      line >> device >> seq;
      auto& seqs = reported[device];
      EXPECT_TRUE(seqs.empty() || seqs.back() < seq) << device << " seq went back to " << seq;
      seqs.push_back(seq);
      ++got;
    }
  }
  return got;
}

TEST(OutboxCrash, EveryReportedRecordSurvivesKillNine) {
  edgegw::test::TempDir dir;
  const auto db = dir / "outbox.db";
  const auto fifo = dir / "reports";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // Read-write, so opening never blocks and the pipe outlives each child.
  const int fd = ::open(fifo.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  std::mt19937 random(12345);
  std::map<std::string, std::vector<std::uint64_t>> reported;
  std::string partial;

  for (int round = 0; round < kRounds; ++round) {
    {
      edgegw::test::Process child({STORE_CRASH_CHILD, db.string(), fifo.string()});
      // Kill at a random point: after 0..300 more reports (0: possibly before the first commit).
      const std::size_t want = random() % 301;
      if (want > 0) {
        ASSERT_GE(read_reports(fd, partial, reported, want, std::chrono::seconds(20)), want)
            << "the child stopped reporting: " << child.output();
      }
      child.signal(SIGKILL);
      ASSERT_TRUE(child.wait(std::chrono::seconds(10)).has_value());
      // Whatever it wrote before dying was committed too.
      read_reports(fd, partial, reported, SIZE_MAX, std::chrono::milliseconds(0));
    }
    ASSERT_TRUE(partial.empty()) << "a report was torn";

    OpenReport report;
    auto outbox = Outbox::open(testing::options_in(dir), &report);
    ASSERT_FALSE(report.moved_aside) << report.corruption;
    ASSERT_EQ(outbox->quick_check(), "ok");
    for (const auto& [device, seqs] : reported) {
      const auto present = all_seqs(*outbox, device);
      for (std::size_t i = 1; i < present.size(); ++i) ASSERT_LT(present[i - 1], present[i]);
      ASSERT_TRUE(std::includes(present.begin(), present.end(), seqs.begin(), seqs.end()))
          << device << ": a committed record is missing after round " << round;
    }
    // Records come back whole.
    outbox->release("meter-a");
    for (const auto& r : outbox->take("meter-a", 50)) ASSERT_EQ(r.fields.size(), 2u);
  }
  ::close(fd);
  std::size_t total = 0;
  for (const auto& [device, seqs] : reported) total += seqs.size();
  EXPECT_GT(total, 0u);
}

}  // namespace
}  // namespace edgegw::store
