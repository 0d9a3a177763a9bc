#include "daemon/fd_limit.hpp"

#include <sys/resource.h>

namespace edgegw::daemon {

std::size_t fds_needed(std::size_t devices, std::size_t buses) {
  constexpr std::size_t kMargin = 64;
  return devices + buses + kMargin;
}

FdLimit raise_fd_limit(std::size_t needed) {
  FdLimit out;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return out;
  out.before = out.after = limit.rlim_cur;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) out.after = raised.rlim_cur;
  }
  if (out.after != RLIM_INFINITY && out.after < needed) {
    out.warning = "the open-file limit is " + std::to_string(out.after) + " but " +
                  std::to_string(needed) +
                  " file descriptors are needed (one per device session); sessions past the "
                  "limit will fail to connect. Raise LimitNOFILE= in the unit (or ulimit -n)";
  }
  return out;
}

}  // namespace edgegw::daemon
