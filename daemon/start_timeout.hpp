// Keeps systemd's TimeoutStartSec= from killing a start that is slow but progressing: opening the
// outbox reads the whole database once (PRAGMA quick_check), which on a large outbox on slow flash
// can take minutes. While a StartTimeoutExtension lives, a thread sends
// EXTEND_TIMEOUT_USEC=<extension> through sd_notify at once and then every `period` (shorter than
// the extension), so the service manager waits as long as the work goes on. A thread, because the
// slow call blocks the main thread (the event loop does not run yet). It cannot tell a hung disk
// from a slow one; TimeoutStartSec= still bounds everything before and after. Without
// $NOTIFY_SOCKET sd_notify does nothing.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace edgegw::daemon {

struct StartTimeoutOptions {
  std::chrono::microseconds extension = std::chrono::seconds(30);
  std::chrono::milliseconds period = std::chrono::seconds(10);
};

// The sd_notify assignment sent each period, e.g. "EXTEND_TIMEOUT_USEC=30000000".
std::string extend_timeout_message(std::chrono::microseconds extension);

class StartTimeoutExtension {
 public:
  // `send` defaults to sd_notify(0, ...); tests pass their own.
  explicit StartTimeoutExtension(StartTimeoutOptions options = {},
                                 std::function<void(const std::string&)> send = {});
  ~StartTimeoutExtension();
  StartTimeoutExtension(const StartTimeoutExtension&) = delete;
  StartTimeoutExtension& operator=(const StartTimeoutExtension&) = delete;

 private:
  void run();

  StartTimeoutOptions options_;
  std::function<void(const std::string&)> send_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace edgegw::daemon
