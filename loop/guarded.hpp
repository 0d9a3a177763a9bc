// guarded: the one trampoline from sd-event's C callbacks into C++. Every callback any module
// registers with sd-event runs its body through it. An exception must never unwind through
// libsystemd's C frames; one that escapes anyway (bad_alloc, a bug) is logged naming the callback
// and ends the daemon in order: sd_event_exit(loop, 1), so the loop returns, destructors run, the
// outbox closes cleanly and the process exits 1 for systemd to restart it.
//
//   static int on_timer(sd_event_source* s, uint64_t, void* self) {
//     return loop::guarded(s, "session timer", [&] { static_cast<Session*>(self)->tick(); });
//   }
#pragma once

#include <systemd/sd-event.h>

#include <exception>

#include "loop/log_sink.hpp"

namespace edgegw::loop {

// Where guarded reports an escaped exception: the daemon points it at its logger at start; until
// then (and in tests that do not set it) the line goes to stderr.
void set_fault_sink(LogSink sink);

// Logs "<what>: unexpected error: <detail>; stopping" at error and asks `loop` to exit with 1.
void stop_on_fault(sd_event* loop, const char* what, const char* detail) noexcept;

template <typename F>
int guarded(sd_event* loop, const char* what, F&& body) noexcept {
  try {
    body();
    return 0;
  } catch (const std::exception& e) {
    stop_on_fault(loop, what, e.what());
  } catch (...) {
    stop_on_fault(loop, what, "unknown exception");
  }
  return 0;  // the callback's source stays as it was; the loop is already on its way out
}

template <typename F>
int guarded(sd_event_source* source, const char* what, F&& body) noexcept {
  return guarded(sd_event_source_get_event(source), what, static_cast<F&&>(body));
}

}  // namespace edgegw::loop
