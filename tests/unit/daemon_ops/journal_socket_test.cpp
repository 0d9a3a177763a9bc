// What the daemon's journal sink really sends to journald, read through the journal's native
// protocol: a child process, in a private mount namespace with its own /run, binds the datagram
// socket sd_journal_sendv() writes to (/run/systemd/journal/socket) and hands every datagram back.
// Checks the fields an operator filters on - MESSAGE_ID, EDGEGW_DEVICE - and that CODE_FILE is the
// line that logged, not logging.cpp. Needs root (a mount namespace); skipped otherwise.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "daemon/cert_expiry.hpp"
#include "daemon/logging.hpp"

namespace edgegw::daemon {
namespace {

using Fields = std::map<std::string, std::string>;

// The native protocol: "KEY=value\n", or "KEY\n" + little-endian 64-bit size + value + "\n".
Fields parse_datagram(const std::string& d) {
  Fields out;
  std::size_t at = 0;
  while (at < d.size()) {
    const auto eol = d.find('\n', at);
    if (eol == std::string::npos) break;
    const auto line = d.substr(at, eol - at);
    const auto eq = line.find('=');
    if (eq != std::string::npos) {
      out[line.substr(0, eq)] = line.substr(eq + 1);
      at = eol + 1;
      continue;
    }
    std::uint64_t size = 0;
    std::memcpy(&size, d.data() + eol + 1, sizeof size);  // x86/arm little-endian hosts
    out[line] = d.substr(eol + 1 + sizeof size, size);
    at = eol + 1 + sizeof size + size + 1;
  }
  return out;
}

bool write_all(int fd, const void* data, std::size_t size) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// In the child: a private /run with the journal's socket, three lines logged, the datagrams sent
// to `out` as (uint32 size, bytes). The exit code says which step failed.
int log_into_private_journal(int out) {
  if (::unshare(CLONE_NEWNS) != 0) return 10;
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return 11;
  if (::mount("tmpfs", "/run", "tmpfs", 0, "mode=0755") != 0) return 12;
  ::mkdir("/run/systemd", 0755);
  ::mkdir("/run/systemd/journal", 0755);
  const int sock = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, "/run/systemd/journal/socket");
  if (::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return 13;

  auto logger = std::make_shared<spdlog::logger>("edgegw", log::make_journal_sink());
  logger->set_pattern("%v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::info);
  log::describe_device({"meter-1", "mqtt", ""});
  // A stable event from the daemon's own code (daemon/cert_expiry.cpp).
  log_expiry_warning({{"/etc/edgegw/meter-1.pem", "client", "meter-1"},
                      std::chrono::system_clock::now() + std::chrono::hours(24 * 3)},
                     std::chrono::system_clock::now());
  log::device(spdlog::level::info, "meter-1", "line\nwith a newline");  // this file's line
  log::relayed(spdlog::level::info, "meter-1", "from a module's LogSink");

  char buffer[65536];
  for (ssize_t n; (n = ::recv(sock, buffer, sizeof buffer, MSG_DONTWAIT)) > 0;) {
    const auto size = static_cast<std::uint32_t>(n);
    if (!write_all(out, &size, sizeof size) || !write_all(out, buffer, size)) return 14;
  }
  return 0;
}

std::vector<Fields> capture_journal() {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return {};
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(pipe_fds[0]);
    ::_exit(log_into_private_journal(pipe_fds[1]));
  }
  ::close(pipe_fds[1]);
  std::string bytes;
  char buffer[4096];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) bytes.append(buffer, n);
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child step " << status;
  std::vector<Fields> entries;
  for (std::size_t at = 0; at + 4 <= bytes.size();) {
    std::uint32_t size = 0;
    std::memcpy(&size, bytes.data() + at, sizeof size);
    entries.push_back(parse_datagram(bytes.substr(at + 4, size)));
    at += 4 + size;
  }
  return entries;
}

TEST(JournalSocket, EntriesCarryMessageIdDeviceAndTheCallersLocation) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root for a private mount namespace";
  const auto entries = capture_journal();
  ASSERT_EQ(entries.size(), 3u);

  const auto& expiring = entries[0];
  EXPECT_EQ(expiring.at("MESSAGE_ID"), log::kCertificateExpiring.id);
  EXPECT_EQ(expiring.at("EDGEGW_DEVICE"), "meter-1");
  EXPECT_EQ(expiring.at("EDGEGW_PLATFORM"), "mqtt");
  EXPECT_EQ(expiring.at("PRIORITY"), "4");
  EXPECT_TRUE(expiring.at("CODE_FILE").ends_with("daemon/cert_expiry.cpp"))
      << expiring.at("CODE_FILE");
  EXPECT_NE(expiring.at("CODE_FUNC").find("log_expiry_warning"), std::string::npos);
  EXPECT_GT(std::stoi(expiring.at("CODE_LINE")), 0);

  const auto& device_line = entries[1];
  EXPECT_EQ(device_line.at("MESSAGE"), "[meter-1] line\nwith a newline");
  EXPECT_TRUE(device_line.at("CODE_FILE").ends_with("journal_socket_test.cpp"))
      << device_line.at("CODE_FILE");
  EXPECT_FALSE(device_line.count("MESSAGE_ID"));

  // A relayed line does not know its sender's location: none rather than a wrong one.
  const auto& relayed = entries[2];
  EXPECT_EQ(relayed.at("EDGEGW_DEVICE"), "meter-1");
  EXPECT_FALSE(relayed.count("CODE_FILE"));
  for (const auto& e : entries) {
    if (e.count("CODE_FILE")) {
      EXPECT_EQ(e.at("CODE_FILE").find("logging.cpp"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace edgegw::daemon
