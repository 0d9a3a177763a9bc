// Where the running daemon leaves its state for `edgegw status` and node_exporter, and how: each
// file is written whole to a temporary file beside it and renamed over the old one, so a reader
// never sees half a file (rename(2) within one directory is atomic).
//
// The periodic refresh of a file whose content did not change (so a reader can tell a live daemon
// from a dead one) replaces only its time stamp, in place: the same digits count at the same
// offset, one pwrite(2) of ~13 bytes instead of rewriting 4 MB for 10,000 devices every 5 s. A
// reader racing it may at worst see a mix of two time stamps a few seconds apart, never a broken
// file.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace edgegw::daemon {

inline constexpr std::string_view kStatusFileName = "status.json";
inline constexpr std::string_view kDefaultRuntimeDirectory = "/run/edgegw";

// gateway.status_file when set; else status.json in the first directory of `runtime_directory`
// (systemd's $RUNTIME_DIRECTORY, which may list several, ':'-separated); else in /run/edgegw.
std::filesystem::path status_file_path(const config::GatewayOptions& gateway,
                                       const char* runtime_directory);

// The status file is for root and the daemon's group (`edgegw status`, see kStatusGroup); the
// metrics file for node_exporter, which runs as another user.
inline constexpr mode_t kStatusFileMode = 0640;
inline constexpr mode_t kMetricsFileMode = 0644;

// Writes `text` to `path` through `path.tmp.<pid>` and rename(2), with `mode` whatever the umask
// (nothing secret is in it; operators read it). nullopt on success, else why not (the old file
// stays untouched).
std::optional<std::string> write_file_atomically(const std::filesystem::path& path,
                                                 std::string_view text, mode_t mode = 0644);

// Where the number after `marker` sits in the file just written with `text`; `offset` is npos
// when there is none (the file then cannot be refreshed in place).
struct StampLocation {
  ino_t inode = 0;
  std::size_t offset = std::string_view::npos;
  std::size_t width = 0;
};
StampLocation locate_stamp(const std::filesystem::path& path, std::string_view text,
                           std::string_view marker);
// Overwrites the number at `where` with `digits`. False, having changed nothing, when `path` is no
// longer the file that was written (another inode) or the width differs: write it whole then.
bool rewrite_stamp(const std::filesystem::path& path, const StampLocation& where,
                   std::string_view digits);

}  // namespace edgegw::daemon
