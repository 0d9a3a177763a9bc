// What the benchmarks measure a run with: elapsed wall time, CPU time (this process, all threads,
// or another process by pid) and resident memory. Header-only and Linux-only (getrusage and
// /proc), like the benchmarks that print these figures.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace edgegw::test {

// Seconds of wall time since `start`.
inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// User plus system CPU seconds of this process so far, all threads included.
inline double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// User plus system CPU seconds of another process (a broker, the daemon), from /proc/<pid>/stat;
// 0 if it cannot be read.
inline double process_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  const auto comm_end = line.rfind(')');
  if (comm_end == std::string::npos || comm_end + 2 > line.size()) return 0;
  std::istringstream fields(line.substr(comm_end + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// CPU seconds of every thread of another process, from /proc/<pid>/task/*/schedstat (nanosecond
// resolution: an idle daemon uses less than the 10 ms clock tick /proc/<pid>/stat counts in).
inline double process_cpu_seconds_fine(pid_t pid) {
  double total = 0;
  std::error_code ec;
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  for (std::filesystem::directory_iterator it(tasks, ec), end; !ec && it != end; it.increment(ec)) {
    std::ifstream in(it->path() / "schedstat");
    double ns = 0;
    if (in >> ns) total += ns / 1e9;
  }
  return total;
}

// The resident set of a process (default: this one) now, in KiB (VmRSS); 0 if it cannot be read.
inline long rss_kib(pid_t pid = 0) {
  std::ifstream status(pid ? "/proc/" + std::to_string(pid) + "/status" : "/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

}  // namespace edgegw::test
