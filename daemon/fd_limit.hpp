// The process's open-file limit, sized for the gateway. Every cloud session holds one socket, so a
// gateway with 10,000 devices needs 10,000+ file descriptors, far past the usual soft limit of
// 1024. Nothing of ours uses select() on high fds (Modbus sockets are moved below 1024, see
// southbound/low_fd.hpp), so the soft limit is raised to the hard one at start; if even the hard
// limit is too small the daemon says so, naming the unit setting that fixes it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace edgegw::daemon {

struct FdLimit {
  unsigned long before = 0;            // soft limit found
  unsigned long after = 0;             // soft limit now
  std::optional<std::string> warning;  // set when `after` is below what the gateway needs
};

// File descriptors a gateway with this many devices and buses needs: one per session, one per
// bus, and a margin for the outbox, the local broker, journald, the loop's own fds and reloads.
std::size_t fds_needed(std::size_t devices, std::size_t buses);

// Raises RLIMIT_NOFILE's soft limit to its hard limit and checks it against `needed`.
FdLimit raise_fd_limit(std::size_t needed);

}  // namespace edgegw::daemon
