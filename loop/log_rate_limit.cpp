// Windows are per key and start with the key's first line, so a device that misbehaves once a
// minute logs every time, and one that floods logs `burst` lines and one summary per window.
#include "loop/log_rate_limit.hpp"

#include <systemd/sd-event.h>

#include <algorithm>

#include "loop/guarded.hpp"

namespace edgegw::loop {

std::string with_thousands(std::uint64_t n) {
  auto digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

namespace {

std::string window_text(std::chrono::milliseconds window) {
  if (window == std::chrono::minutes(1)) return "the last minute";
  if (window % std::chrono::seconds(1) == std::chrono::milliseconds(0)) {
    return "the last " + std::to_string(window.count() / 1000) + " s";
  }
  return "the last " + std::to_string(window.count()) + " ms";
}

std::string key_of(std::string_view device, std::string_view kind) {
  std::string key(device);
  key.push_back('\x1f');
  key.append(kind);
  return key;
}

}  // namespace

LogRateLimit::LogRateLimit(sd_event* loop, LogSink sink, LogRateLimitOptions options)
    : loop_(loop), sink_(std::move(sink)), options_(options) {
  if (options_.burst == 0) options_.burst = 1;
}

void LogRateLimit::log(LogLevel level, std::string_view device, std::string_view kind,
                       std::string_view message) {
  log_at(Clock::now(), level, device, kind, message);
}

void LogRateLimit::log_at(Clock::time_point now, LogLevel level, std::string_view device,
                          std::string_view kind, std::string_view message) {
  const auto key = key_of(device, kind);
  auto it = entries_.find(key);
  if (it != entries_.end() && now >= it->second.window_end) {
    summarize(it->second);
    entries_.erase(it);
    it = entries_.end();
  }
  if (it == entries_.end()) {
    if (entries_.size() >= options_.max_keys) flush_at(now);
    if (entries_.size() >= options_.max_keys) {
      ++over_cap_;
      ++suppressed_;
      return;
    }
    Entry fresh;
    fresh.window_end = now + options_.window;
    fresh.device.assign(device);
    fresh.kind.assign(kind);
    fresh.level = level;
    it = entries_.emplace(key, std::move(fresh)).first;
  }
  Entry& entry = it->second;
  if (entry.logged < options_.burst) {
    ++entry.logged;
    if (sink_) sink_(level, device, message);
    return;
  }
  if (entry.suppressed++ == 0) arm(entry.window_end);
  ++suppressed_;
  entry.level = std::max(entry.level, level);
  entry.last.assign(message.substr(0, 300));
}

void LogRateLimit::summarize(Entry& entry) {
  if (entry.suppressed == 0 || !sink_) return;
  sink_(entry.level, entry.device,
        entry.kind + ": … and " + with_thousands(entry.suppressed) + " more in " +
            window_text(options_.window) + " (last: " + entry.last + ")");
  entry.suppressed = 0;
}

void LogRateLimit::flush_at(Clock::time_point now) {
  auto next = Clock::time_point::max();
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (now >= it->second.window_end) {
      summarize(it->second);
      it = entries_.erase(it);
      continue;
    }
    if (it->second.suppressed > 0) next = std::min(next, it->second.window_end);
    ++it;
  }
  if (over_cap_ > 0 && sink_) {
    sink_(LogLevel::warning, {},
          "… and " + with_thousands(over_cap_) + " more log lines of too many kinds in " +
              window_text(options_.window));
    over_cap_ = 0;
  }
  armed_for_ = Clock::time_point::max();
  if (next != Clock::time_point::max()) arm(next);
}

void LogRateLimit::arm(Clock::time_point when) {
  if (!loop_ || when >= armed_for_) return;
  // sd-event's CLOCK_MONOTONIC is steady_clock's clock on Linux.
  const auto usec = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(when.time_since_epoch()).count());
  int r = timer_ ? sd_event_source_set_time(timer_.get(), usec)
                 : sd_event_add_time(loop_, timer_.out(), CLOCK_MONOTONIC, usec, 100000,
                                     &LogRateLimit::on_timer, this);
  if (r < 0) return;  // the summary then comes with the key's next line
  timer_.set_enabled(SD_EVENT_ONESHOT);
  armed_for_ = when;
}

int LogRateLimit::on_timer(sd_event_source* source, std::uint64_t, void* self) {
  return guarded(source, "log rate limit timer", [&] {
    auto* limit = static_cast<LogRateLimit*>(self);
    limit->armed_for_ = Clock::time_point::max();
    limit->flush_at(Clock::now());
  });
}

}  // namespace edgegw::loop
