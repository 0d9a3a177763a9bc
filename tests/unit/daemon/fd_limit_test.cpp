// The daemon raises its open-file soft limit to the hard limit and warns when even that is too
// small for one socket per device. Limits are per process, so each case runs in a forked child.
#include "daemon/fd_limit.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>

namespace edgegw::daemon {
namespace {

// Runs `body` in a child process; its return value is the child's exit code.
int in_child(const std::function<int()>& body) {
  pid_t pid = fork();
  if (pid == 0) _exit(body());
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

TEST(FdLimit, SoftLimitIsRaisedToTheHardLimit) {
  int code = in_child([] {
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = 256;
    limit.rlim_max = 4096;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) return 10;
    auto r = raise_fd_limit(fds_needed(1000, 2));
    getrlimit(RLIMIT_NOFILE, &limit);
    if (r.before != 256 || r.after != 4096 || limit.rlim_cur != 4096) return 1;
    return r.warning ? 2 : 0;
  });
  EXPECT_EQ(code, 0);
}

TEST(FdLimit, AHardLimitBelowOneSocketPerDeviceIsReported) {
  int code = in_child([] {
    rlimit limit{512, 512};
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) return 10;
    auto r = raise_fd_limit(fds_needed(10000, 0));
    if (!r.warning) return 1;
    if (r.warning->find("LimitNOFILE") == std::string::npos) return 2;
    return r.warning->find("10064") == std::string::npos ? 3 : 0;
  });
  EXPECT_EQ(code, 0);
}

}  // namespace
}  // namespace edgegw::daemon
