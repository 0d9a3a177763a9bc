// Writes the sessions' stories (northbound/session_story.hpp) to the journal: each step with the
// device's fields, the stable ones with their MESSAGE_ID and CODE_FILE/CODE_LINE of session.cpp.
//
// Bursts are summed up: when a cloud outage drops 10,000 sessions at once, journald's rate limit
// (10,000 entries per 30 s by default) would drop lines that matter. So per kind of step (lost,
// backing off, online, ...) only the first few of a window are written at their level; the rest go
// to debug, and when the window ends one line counts them all by reason:
//   cloud: 9,874 sessions lost in the last 2 s (peer closed: 9,874); per-device lines at debug
// BurstSummary is the pure part (time is a parameter); SessionJournal adds the loop's timer.
#pragma once

#include <systemd/sd-event.h>

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loop/event_source.hpp"
#include "northbound/session_story.hpp"

namespace edgegw::daemon {

struct BurstOptions {
  std::chrono::steady_clock::duration window = std::chrono::seconds(2);
  std::size_t individual = 3;  // lines per kind and window written at their own level
};

class BurstSummary {
 public:
  using Clock = std::chrono::steady_clock;
  struct Summary {
    northbound::StoryEvent event;
    loop::LogLevel level;
    std::string text;
  };

  explicit BurstSummary(BurstOptions options = {}) : options_(options) {}
  // Counts one step; true when its own line is written at its own level (not beyond the first
  // `individual` of its window).
  bool record(northbound::StoryEvent event, loop::LogLevel level, const std::string& reason,
              Clock::time_point now);
  // The summaries of the windows that ended by `now` and held more than `individual` steps.
  std::vector<Summary> due(Clock::time_point now);
  std::optional<Clock::time_point> next_due() const;

 private:
  struct Window {
    Clock::time_point ends{};
    std::size_t count = 0;
    loop::LogLevel level = loop::LogLevel::info;
    std::map<std::string, std::size_t> reasons;
  };
  BurstOptions options_;
  std::map<northbound::StoryEvent, Window> windows_;
};

// "9,874".
std::string count_text(std::size_t n);

class SessionJournal {
 public:
  explicit SessionJournal(sd_event* loop, BurstOptions options = {});
  SessionJournal(const SessionJournal&) = delete;
  SessionJournal& operator=(const SessionJournal&) = delete;

  // The northbound StorySink.
  void tell(std::string_view device, const northbound::StoryLine& line);

 private:
  void flush();
  void arm();

  sd_event* loop_;
  BurstSummary burst_;
  loop::EventSource timer_;
};

}  // namespace edgegw::daemon
