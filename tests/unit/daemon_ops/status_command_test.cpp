#include "daemon/status_command.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include "daemon/status_file.hpp"
#include "sample_report.hpp"
#include "support/temp_dir.hpp"

namespace edgegw::daemon {
namespace {

using namespace std::chrono_literals;

std::int64_t ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

class StatusCommand : public ::testing::Test {
 protected:
  std::filesystem::path write(const StatusReport& report) {
    const auto file = dir_ / "status.json";
    EXPECT_EQ(write_file_atomically(file, to_json(report)), std::nullopt);
    return file;
  }
  test::TempDir dir_;
  const std::chrono::system_clock::time_point now_ = std::chrono::system_clock::now();
};

TEST_F(StatusCommand, AFreshFileOfALiveProcessIsCurrent) {
  const auto file = write(sample_report(::getpid(), ms(now_) - 2000));
  std::string problem;
  const auto report = read_current_status(file, now_, problem);
  ASSERT_TRUE(report) << problem;
  EXPECT_EQ(report->devices.size(), 2u);
}

TEST_F(StatusCommand, NoFileMeansNotRunning) {
  std::string problem;
  EXPECT_FALSE(read_current_status(dir_ / "status.json", now_, problem));
  EXPECT_NE(problem.find("not running"), std::string::npos) << problem;
  EXPECT_NE(problem.find("status.json"), std::string::npos) << problem;
}

TEST_F(StatusCommand, AFileOfAGoneProcessMeansNotRunning) {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);  // reaped: the pid is free now
  const auto file = write(sample_report(child, ms(now_)));
  std::string problem;
  EXPECT_FALSE(read_current_status(file, now_, problem));
  EXPECT_NE(problem.find("not running"), std::string::npos) << problem;
  EXPECT_NE(problem.find(std::to_string(child)), std::string::npos) << problem;
}

TEST_F(StatusCommand, AnOldFileIsStaleEvenIfThePidLives) {
  const auto file = write(sample_report(::getpid(), ms(now_ - kStaleAfter - 5s)));
  std::string problem;
  EXPECT_FALSE(read_current_status(file, now_, problem));
  EXPECT_NE(problem.find("stale"), std::string::npos) << problem;
}

TEST_F(StatusCommand, PrintsATableOrTheJsonAndExitsZero) {
  const auto file = write(sample_report(::getpid(), ms(std::chrono::system_clock::now())));
  char* text = nullptr;
  std::size_t size = 0;
  FILE* out = open_memstream(&text, &size);
  EXPECT_EQ(print_status(file, false, out, stderr), 0);
  EXPECT_EQ(print_status(file, true, out, stderr), 0);
  std::fclose(out);
  const std::string printed(text, size);
  std::free(text);
  EXPECT_NE(printed.find("DEVICE"), std::string::npos) << printed;
  EXPECT_NE(printed.find("\"devices\""), std::string::npos) << printed;
}

TEST_F(StatusCommand, ExitsOneWithAMessageWhenNotRunning) {
  char* text = nullptr;
  std::size_t size = 0;
  FILE* err = open_memstream(&text, &size);
  EXPECT_EQ(print_status(dir_ / "status.json", false, stdout, err), 1);
  std::fclose(err);
  const std::string printed(text, size);
  std::free(text);
  EXPECT_EQ(printed.rfind("edgegw status: the daemon is not running", 0), 0u) << printed;
}

TEST(StatusTable, ShowsEachDeviceItsSessionAndWhatNeedsAttention) {
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  const std::string table = format_status_table(sample_report(7, ms(now)), now);
  // One row per device, with the values an operator looks for.
  EXPECT_NE(table.find("meter-1"), std::string::npos) << table;
  EXPECT_NE(table.find("modbus rs485-1 (offline)"), std::string::npos) << table;
  EXPECT_NE(table.find("for 1m0s"), std::string::npos) << table;
  EXPECT_NE(table.find("retry in 5s"), std::string::npos) << table;
  EXPECT_NE(table.find("connection refused"), std::string::npos) << table;
  EXPECT_NE(table.find("old-1: 10 record(s)"), std::string::npos) << table;
  EXPECT_NE(table.find("rs485-1"), std::string::npos) << table;
  EXPECT_NE(table.find("/etc/edgegw/ca.pem (ca): expires on 2030-03-17"), std::string::npos)
      << table;
  EXPECT_NE(table.find("unreadable: no PEM"), std::string::npos) << table;
  EXPECT_NE(table.find("pid 7, up 1h0m"), std::string::npos) << table;
  // Each Modbus device's own poll errors, so the failing one on a shared line is named.
  EXPECT_NE(table.find("MODBUS DEVICE"), std::string::npos) << table;
  EXPECT_NE(table.find("holding 0+2 (voltage): no answer (timeout)"), std::string::npos) << table;
  // The outbox: its limit, its counters and a loss at start, loudly.
  EXPECT_NE(table.find("Outbox: size limit 12 MiB, quarantined 3, dropped for space 1200"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("DROPPED while commits failed: 640 reading(s)"), std::string::npos) << table;
  EXPECT_NE(table.find("LOST at start: 42 committed record(s)"), std::string::npos) << table;
  EXPECT_NE(table.find("started on a full file system"), std::string::npos) << table;
}

TEST(StatusTable, ASessionInLineForAConnectSlotSaysSo) {
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  auto report = sample_report(7, ms(now));
  report.devices[0].state = "backoff";
  report.devices[0].retry_at_ms.reset();
  report.devices[0].online_since_ms.reset();
  const std::string table = format_status_table(report, now);
  EXPECT_NE(table.find("in line to connect"), std::string::npos) << table;
}

}  // namespace
}  // namespace edgegw::daemon
