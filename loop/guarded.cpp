#include "loop/guarded.hpp"

#include <cstdio>
#include <mutex>
#include <string>

namespace edgegw::loop {
namespace {

std::mutex& sink_mutex() {
  static std::mutex m;
  return m;
}

LogSink& fault_sink() {
  static LogSink sink;
  return sink;
}

}  // namespace

void set_fault_sink(LogSink sink) {
  std::lock_guard lock(sink_mutex());
  fault_sink() = std::move(sink);
}

void stop_on_fault(sd_event* loop, const char* what, const char* detail) noexcept {
  try {
    const std::string line = std::string(what) + ": unexpected error: " + detail + "; stopping";
    std::lock_guard lock(sink_mutex());
    if (fault_sink()) {
      fault_sink()(LogLevel::error, {}, line);
    } else {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
  } catch (...) {
    std::fprintf(stderr, "%s: unexpected error; stopping\n", what);
  }
  if (loop) sd_event_exit(loop, 1);
}

}  // namespace edgegw::loop
