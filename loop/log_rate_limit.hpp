// The one rate limiter for per-message log lines: a malformed downlink, a topic no device owns, an
// oversized or malformed local payload. Such lines come as fast as a peer sends (608,000 malformed
// downlinks once gave 608,006 warnings), so each (device, kind) may log `burst` lines per window;
// the rest are counted and summed up in one line when the window ends:
//
//   "malformed downlink: … and 12,345 more in the last minute (last: <the last one's text>)"
//
// The summary comes from a timer on the loop when one is given (so a flood that stops is still
// reported), else with the next line of the same key. Time is a parameter of the *_at calls, so
// the rule is tested without sleeping. Memory: one small entry per (device, kind) seen, capped.
// Not thread-safe: used on the loop thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "loop/event_source.hpp"
#include "loop/log_sink.hpp"

struct sd_event;

namespace edgegw::loop {

struct LogRateLimitOptions {
  std::chrono::milliseconds window{60000};
  unsigned burst = 1;           // lines per (device, kind) logged as they come in each window
  std::size_t max_keys = 4096;  // past this many keys, lines of new keys are only counted
};

class LogRateLimit {
 public:
  using Clock = std::chrono::steady_clock;

  // `loop` may be null: summaries then come out with the next line of the same key or flush_at().
  LogRateLimit(sd_event* loop, LogSink sink, LogRateLimitOptions options = {});
  LogRateLimit(const LogRateLimit&) = delete;
  LogRateLimit& operator=(const LogRateLimit&) = delete;

  // `kind` names the sort of line ("malformed downlink"); lines of one device and kind share a
  // budget. Passes the line to the sink, or counts it when the budget is spent.
  void log(LogLevel level, std::string_view device, std::string_view kind,
           std::string_view message);
  void log_at(Clock::time_point now, LogLevel level, std::string_view device, std::string_view kind,
              std::string_view message);
  // Emits the summary of every window that has ended by `now` and forgets idle keys.
  void flush_at(Clock::time_point now);

  std::uint64_t suppressed() const { return suppressed_; }  // lines only counted, ever
  std::size_t keys() const { return entries_.size(); }

 private:
  struct Entry {
    Clock::time_point window_end;
    unsigned logged = 0;
    std::uint64_t suppressed = 0;
    LogLevel level = LogLevel::warning;
    std::string device;
    std::string kind;
    std::string last;
  };

  void summarize(Entry& entry);
  void arm(Clock::time_point when);
  static int on_timer(sd_event_source* source, std::uint64_t usec, void* self);

  sd_event* loop_;
  LogSink sink_;
  LogRateLimitOptions options_;
  std::map<std::string, Entry> entries_;
  std::uint64_t suppressed_ = 0;
  std::uint64_t over_cap_ = 0;  // lines of keys that did not fit (reported with the next flush)
  EventSource timer_;
  Clock::time_point armed_for_ = Clock::time_point::max();
};

// "12,345": counts in summaries are read by people.
std::string with_thousands(std::uint64_t n);

}  // namespace edgegw::loop
