#include "daemon/start_timeout.hpp"

#include <systemd/sd-daemon.h>

namespace edgegw::daemon {

std::string extend_timeout_message(std::chrono::microseconds extension) {
  return "EXTEND_TIMEOUT_USEC=" + std::to_string(extension.count());
}

StartTimeoutExtension::StartTimeoutExtension(StartTimeoutOptions options,
                                             std::function<void(const std::string&)> send)
    : options_(options), send_(std::move(send)) {
  if (!send_) send_ = [](const std::string& message) { sd_notify(0, message.c_str()); };
  // The first extension goes out before the slow work starts, from this thread.
  send_(extend_timeout_message(options_.extension));
  thread_ = std::thread([this] { run(); });
}

StartTimeoutExtension::~StartTimeoutExtension() {
  {
    std::lock_guard lock(mutex_);
    done_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void StartTimeoutExtension::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, options_.period, [this] { return done_; })) {
    send_(extend_timeout_message(options_.extension));
  }
}

}  // namespace edgegw::daemon
