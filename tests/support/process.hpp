// A child process for integration tests: started with argv and extra environment, its stdout and
// stderr captured to a file, killed (SIGTERM, then SIGKILL) when the object goes away.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace edgegw::test {

class Process {
 public:
  // Starts argv[0] (searched in PATH). Output goes to `log` (default: a file in $TMPDIR).
  explicit Process(std::vector<std::string> argv, std::map<std::string, std::string> env = {},
                   std::optional<std::filesystem::path> log = std::nullopt);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig) const;
  // Waits for the exit; returns the exit code, 128+signal if killed, nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit status as wait() does.
  std::optional<int> stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  std::string output() const;  // what it printed so far
  const std::filesystem::path& log_path() const { return log_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::filesystem::path log_;
  bool own_log_ = false;
};

// Runs a command to completion and returns {exit code, combined output}.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult run_command(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(60));

// Path of a tool: $EDGEGW_PYTHON or /usr/bin/python3 for python (Debian's pymodbus and paho live
// there, not in a pyenv one).
std::string system_python();

}  // namespace edgegw::test
