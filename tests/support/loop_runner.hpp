// Running an sd-event loop on the test thread until something happened: the one helper every test
// and benchmark uses instead of its own run_until copy. A test waits for a condition with a
// deadline; it never runs the loop for a fixed time and hopes.
#pragma once

#include <systemd/sd-event.h>

#include <chrono>
#include <functional>

namespace edgegw::test {

// Runs turns of `loop` (each waits at most `turn`) until `condition` holds or `timeout` passes;
// returns whether it held. `condition` is checked before the first turn and after each one.
bool run_loop_until(sd_event* loop, const std::function<bool()>& condition,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10),
                    std::chrono::milliseconds turn = std::chrono::milliseconds(10));

// Runs turns of `loop` for `window` while `still_true` holds; returns false the moment it stops
// holding (the test fails at once, not after the window). For what a test asserts over time ("no
// close for several keepalive periods"); not a way to wait for something to happen.
bool run_loop_while(sd_event* loop, const std::function<bool()>& still_true,
                    std::chrono::milliseconds window,
                    std::chrono::milliseconds turn = std::chrono::milliseconds(10));

// The same for a harness whose turn does more than run the loop (commit an outbox, poll a second
// loop): `one_turn` is called instead of sd_event_run.
bool run_turns_until(const std::function<void()>& one_turn, const std::function<bool()>& condition,
                     std::chrono::milliseconds timeout);
bool run_turns_while(const std::function<void()>& one_turn, const std::function<bool()>& still_true,
                     std::chrono::milliseconds window);

}  // namespace edgegw::test
