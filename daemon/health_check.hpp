// What GET /healthz checks (daemon/metrics_http.hpp). That it answers at all shows the loop turns:
// the answer is made on the loop thread, so a stuck loop leaves the scrape to time out. Beyond
// that the store must be writable, which two things tell:
//   - the last group commit worked (GroupCommit::failing(): a disk so full that even dropping the
//     oldest records makes no room, or a database SQLite cannot write);
//   - a file can be created in the outbox's directory (a file system remounted read-only after
//     I/O errors, permissions changed under the daemon): SQLite needs that for its journal files,
//     and an idle outbox would not find out until the next reading.
// A full disk on which the outbox still commits by dropping the oldest records is healthy here
// (it works as designed; edgegw_outbox_dropped_for_space_total counts what it costs).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "daemon/group_commit.hpp"
#include "daemon/metrics_http.hpp"

namespace edgegw::daemon {

// Creates and removes an empty file in `dir`, at most once per kProbeEvery (a scraper polling
// /healthz often costs no more); in between it repeats the last result.
class DirectoryProbe {
 public:
  static constexpr auto kProbeEvery = std::chrono::seconds(1);
  explicit DirectoryProbe(std::filesystem::path dir) : dir_(std::move(dir)) {}
  // nullopt when a file could be created; otherwise why not.
  std::optional<std::string> check(std::chrono::steady_clock::time_point now);

 private:
  std::filesystem::path dir_;
  std::optional<std::chrono::steady_clock::time_point> probed_at_;
  std::optional<std::string> last_;
};

enum class DaemonPhase { starting, running, stopping };

// `commit`: the gateway's, null before it runs.
Health check_health(DaemonPhase phase, const GroupCommit* commit, DirectoryProbe& store_dir,
                    std::chrono::steady_clock::time_point now);

}  // namespace edgegw::daemon
