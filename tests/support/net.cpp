#include "support/net.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <string>

namespace edgegw::test {

namespace {

// Whether a listener could bind `port` on 127.0.0.1 now (0: any; the port taken is returned).
std::uint16_t try_bind(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  // No SO_REUSEADDR: a port with connections still in TIME_WAIT is passed over, as a listener
  // that does not set it (libwebsockets) would fail on it.
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  std::uint16_t bound = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    bound = ntohs(addr.sin_port);
  }
  ::close(fd);
  return bound;
}

// The lowest port of the kernel's ephemeral range, from which outgoing connections take their
// source ports.
unsigned ephemeral_low() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  unsigned low = 0;
  return in >> low ? low : 0;
}

// Claims `port` for this process against every other test process of this user on the machine: an
// open-file-description lock on byte `port` of one shared file, which the kernel releases when the
// process ends however it ends. Without it two tests run side by side (ctest -j) could pick the
// same port between one's pick and its broker's bind (seen about once in two ASan runs at two
// tests per core: "Unable to create websockets listener"). Where the file cannot be opened the
// claim is skipped and the pick is unique per process only, as before.
bool claim_across_processes(std::uint16_t port) {
  static const int fd = [] {
    const std::string path = "/tmp/edgegw-test-ports-" + std::to_string(::getuid()) + ".lock";
    return ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  }();
  if (fd < 0) return true;
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  lock.l_start = port;
  lock.l_len = 1;
  return ::fcntl(fd, F_OFD_SETLK, &lock) == 0;
}

}  // namespace

// A port from below the kernel's ephemeral range, at random: one that bind(0) hands out is also
// one the next outgoing connection may take as its source port, and under ctest -j4 another
// test's client took it between the pick and the broker's bind (mosquitto: "Unable to create
// websockets listener on port ..."). Below that range only another test's listener could take
// it, and a random pick among thousands makes that unlikely. Never the same port twice in one
// process, and none that another test process of this user claimed (claim_across_processes). Falls
// back to bind(0) where the range leaves no room below it.
std::uint16_t free_tcp_port() {
  static std::mutex mutex;
  static std::set<std::uint16_t> given;
  static std::mt19937 random(std::random_device{}() ^ static_cast<unsigned>(::getpid()));
  std::lock_guard lock(mutex);
  constexpr unsigned kLowest = 10000;
  const unsigned high = ephemeral_low();
  if (high >= kLowest + 2000) {
    std::uniform_int_distribution<unsigned> pick(kLowest, high - 1);
    for (int attempt = 0; attempt < 200; ++attempt) {
      const auto port = static_cast<std::uint16_t>(pick(random));
      if (given.count(port) == 0 && try_bind(port) == port && claim_across_processes(port)) {
        given.insert(port);
        return port;
      }
    }
  }
  for (int attempt = 0; attempt < 100; ++attempt) {
    const std::uint16_t port = try_bind(0);
    if (port != 0 && given.count(port) == 0 && claim_across_processes(port)) {
      given.insert(port);
      return port;
    }
  }
  throw std::runtime_error("no free TCP port on 127.0.0.1");
}

bool tcp_port_open(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace edgegw::test
