// `edgegw status`: reads the status file the running daemon keeps (daemon/status_publisher.hpp)
// and prints it as a table, or as the JSON itself with --json. The file names the daemon's pid and
// when it was written: when the file is missing, its pid is gone or it has not been rewritten for
// kStaleAfter, the command says so (and when it may not read the file, it says that, not
// "not running") and exits 1 rather than showing an old state as if current.
#pragma once

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/status_report.hpp"

namespace edgegw::daemon {

inline constexpr auto kStaleAfter = std::chrono::seconds(30);
// The group whose members may read the status file (/run/edgegw is edgegw:edgegw 0750,
// the file 0640): the daemon's own group, so no extra group has to exist.
inline constexpr std::string_view kStatusGroup = "edgegw";

// What to tell the user when the status file cannot be opened (errno `error`): "not running"
// only when it does not exist; a permission problem names the group to join.
std::string unreadable_status_text(const std::filesystem::path& file, int error);

// The report in `file` when it is current at `now` (and its pid alive); else nullopt with
// `problem` set to a sentence for the user.
std::optional<StatusReport> read_current_status(const std::filesystem::path& file,
                                                std::chrono::system_clock::time_point now,
                                                std::string& problem);

// The report as the human table `edgegw status` prints.
std::string format_status_table(const StatusReport& report,
                                std::chrono::system_clock::time_point now);

// The command: 0 when the daemon runs (and its state was printed), 1 otherwise.
int print_status(const std::filesystem::path& file, bool json, FILE* out = stdout,
                 FILE* err = stderr);

}  // namespace edgegw::daemon
