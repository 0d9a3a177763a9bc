#include "daemon/health_check.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace edgegw::daemon {

std::optional<std::string> DirectoryProbe::check(std::chrono::steady_clock::time_point now) {
  if (probed_at_ && now - *probed_at_ < kProbeEvery && now >= *probed_at_) return last_;
  probed_at_ = now;
  // Per process, so two daemons on one state directory (a mistake) cannot remove each other's.
  const auto file = dir_ / (".healthz-probe-" + std::to_string(::getpid()));
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    last_ = "cannot create files in " + dir_.string() + ": " + std::strerror(errno);
    return last_;
  }
  ::close(fd);
  ::unlink(file.c_str());
  last_.reset();
  return last_;
}

Health check_health(DaemonPhase phase, const GroupCommit* commit, DirectoryProbe& store_dir,
                    std::chrono::steady_clock::time_point now) {
  if (phase == DaemonPhase::starting || !commit) return {false, "starting"};
  if (phase == DaemonPhase::stopping) return {false, "stopping"};
  if (commit->failing()) {
    return {false,
            "the outbox cannot commit (" + commit->last_error() + "); readings are held in memory"};
  }
  if (auto error = store_dir.check(now)) return {false, *error};
  return {};
}

}  // namespace edgegw::daemon
