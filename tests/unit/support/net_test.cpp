#include "support/net.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <set>
#include <vector>

namespace {

// ctest runs several test processes at once, and each picks ports for its brokers before they
// bind them. A port one process picked must not be handed to another while the first lives.
// Without the claim across processes, 1,500 random picks on each side of ~22,000 ports overlap
// about a hundred times.
TEST(FreeTcpPort, APortPickedByAnotherLiveTestProcessIsNotPickedAgain) {
  constexpr int kPicks = 1500;
  int ports_out[2];
  int done[2];
  ASSERT_EQ(::pipe(ports_out), 0);
  ASSERT_EQ(::pipe(done), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The other test process: picks, reports, and lives on until the parent has picked too.
    ::close(ports_out[0]);
    ::close(done[1]);
    for (int i = 0; i < kPicks; ++i) {
      const std::uint16_t port = edgegw::test::free_tcp_port();
      if (::write(ports_out[1], &port, sizeof port) != sizeof port) ::_exit(2);
    }
    ::close(ports_out[1]);
    char byte;
    (void)!::read(done[0], &byte, 1);
    ::_exit(0);
  }
  ::close(ports_out[1]);
  ::close(done[0]);
  std::set<std::uint16_t> theirs;
  std::uint16_t port = 0;
  while (::read(ports_out[0], &port, sizeof port) == sizeof port) theirs.insert(port);
  ::close(ports_out[0]);
  ASSERT_EQ(theirs.size(), static_cast<std::size_t>(kPicks));

  std::vector<std::uint16_t> shared;
  for (int i = 0; i < kPicks; ++i) {
    const std::uint16_t mine = edgegw::test::free_tcp_port();
    if (theirs.count(mine) != 0) shared.push_back(mine);
  }
  ::close(done[1]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_TRUE(shared.empty()) << shared.size() << " ports were picked by both processes, e.g. "
                              << shared.front();
}

}  // namespace
