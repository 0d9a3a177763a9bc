// The systemd side of sd_notify() for tests: a unix datagram socket in a temp dir that the
// daemon finds through $NOTIFY_SOCKET, and a way to wait for a given assignment (e.g. READY=1).
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace edgegw::test {

class NotifySocket {
 public:
  explicit NotifySocket(std::filesystem::path path);
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Waits until a message received after the previous successful wait holds `line` (one
  // newline-separated assignment, e.g. "READY=1"); returns whether it came within `timeout`.
  bool wait_for(const std::string& line, std::chrono::milliseconds timeout);
  // Every message received so far.
  const std::vector<std::string>& messages() const { return messages_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::vector<std::string> messages_;
  std::size_t consumed_ = 0;
};

}  // namespace edgegw::test
