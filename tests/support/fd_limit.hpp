// Puts the process at its fd limit for a scope: the soft RLIMIT_NOFILE is lowered to the lowest
// free fd number, so the next fd anything makes (eventfd, socket, timerfd) fails with EMFILE, as
// it would in a gateway that ran out of fds. Restored when the scope ends.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

namespace edgegw::test {

// Under the sanitizers a test must not take the last fd: UBSan's vptr check opens a pipe to probe
// memory and, finding none, reports a false "invalid vptr". Such tests run in the release build.
#ifdef EDGEGW_SANITIZE
inline constexpr bool kFdExhaustionTestable = false;
#else
inline constexpr bool kFdExhaustionTestable = true;
#endif

class FdLimitReached {
 public:
  FdLimitReached() {
    ::getrlimit(RLIMIT_NOFILE, &saved_);
    const int lowest_free = ::dup(0);
    ::close(lowest_free);
    rlimit lowered = saved_;
    lowered.rlim_cur = static_cast<rlim_t>(lowest_free);
    ::setrlimit(RLIMIT_NOFILE, &lowered);
  }
  ~FdLimitReached() { ::setrlimit(RLIMIT_NOFILE, &saved_); }
  FdLimitReached(const FdLimitReached&) = delete;
  FdLimitReached& operator=(const FdLimitReached&) = delete;

 private:
  rlimit saved_{};
};

}  // namespace edgegw::test
