#include "support/loop_runner.hpp"

#include <cstdint>

namespace edgegw::test {

namespace {

std::function<void()> loop_turn(sd_event* loop, std::chrono::milliseconds turn) {
  const auto usec = static_cast<std::uint64_t>(std::chrono::microseconds(turn).count());
  return [loop, usec] { sd_event_run(loop, usec); };
}

}  // namespace

bool run_turns_until(const std::function<void()>& one_turn, const std::function<bool()>& condition,
                     std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    one_turn();
  }
  return true;
}

bool run_turns_while(const std::function<void()>& one_turn, const std::function<bool()>& still_true,
                     std::chrono::milliseconds window) {
  const auto end = std::chrono::steady_clock::now() + window;
  while (still_true()) {
    if (std::chrono::steady_clock::now() >= end) return true;
    one_turn();
  }
  return false;
}

bool run_loop_until(sd_event* loop, const std::function<bool()>& condition,
                    std::chrono::milliseconds timeout, std::chrono::milliseconds turn) {
  return run_turns_until(loop_turn(loop, turn), condition, timeout);
}

bool run_loop_while(sd_event* loop, const std::function<bool()>& still_true,
                    std::chrono::milliseconds window, std::chrono::milliseconds turn) {
  return run_turns_while(loop_turn(loop, turn), still_true, window);
}

}  // namespace edgegw::test
