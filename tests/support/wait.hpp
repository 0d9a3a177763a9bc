// Waiting for a condition with a deadline: the only way tests wait (never a fixed sleep).
#pragma once

#include <chrono>
#include <thread>

namespace edgegw::test {

// Polls `condition` every `step` until it holds or `timeout` passes; returns whether it held.
template <typename Condition>
bool wait_until(Condition&& condition, std::chrono::milliseconds timeout = std::chrono::seconds(10),
                std::chrono::milliseconds step = std::chrono::milliseconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(step);
  }
}

}  // namespace edgegw::test
