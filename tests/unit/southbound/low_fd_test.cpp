// Reserved low fds: a slot stays below 1024 and stays taken (a placeholder) across close.
#include "southbound/low_fd.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

namespace edgegw::southbound {
namespace {

TEST(LowFd, SlotsAreLowAndKeepTheirNumber) {
  ASSERT_GE(reserve_low_fds(2), 2);
  const int slot = take_low_fd();
  ASSERT_GE(slot, 0);
  ASSERT_LT(slot, kSelectFdLimit);
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  ASSERT_EQ(move_to_low_fd(pipe_fds[0], slot), slot);
  EXPECT_EQ(::fcntl(pipe_fds[0], F_GETFD), -1);  // the original is closed
  struct stat st {};
  ASSERT_EQ(::fstat(slot, &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  release_to_placeholder(slot);
  ASSERT_EQ(::fstat(slot, &st), 0);  // still open: a placeholder, not a free number
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  return_low_fd(slot);
  ::close(pipe_fds[1]);
}

}  // namespace
}  // namespace edgegw::southbound
