// The story of one device's cloud link as an on-call engineer reads it at the default level:
// connecting, online (after how long, which attempt), lost (why), backing off (until when),
// refused (why, the hint) - each once per change, never once per retry. Session reports each step
// as a StoryLine (what happened, at which level, why) so the daemon can give the stable ones a
// journal MESSAGE_ID and sum up bursts (10,000 sessions lost at once) instead of writing each.
// SessionStory decides which attempts are news; it is pure (time is a parameter).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "loop/log_sink.hpp"
#include "loop/source_location.hpp"

namespace edgegw::northbound {

enum class StoryEvent {
  connecting,         // the first attempt after start or after the link was lost
  online,             // connected: after how long, which attempt
  lost,               // an online link closed: why, when the next attempt is
  backing_off,        // an attempt failed: why, until when (again only when the reason changes)
  retrying,           // another attempt or failure inside the same backoff (debug)
  refused,            // the platform refused the credentials or the configuration (hint)
  identity_conflict,  // another client uses this identity
  clock_wait,         // the clock is before the build date; not connecting
  clock_ok,           // the clock is set now
  recovered,          // online again after a refusal
};

std::string_view to_string(StoryEvent event);

struct StoryLine {
  StoryEvent event = StoryEvent::connecting;
  loop::LogLevel level = loop::LogLevel::info;
  std::string message;  // the whole sentence, without the device's name
  std::string reason;   // for lost/backing_off/refused: the cause alone (summaries count by it)
  loop::SourceLocation where = loop::SourceLocation::current();
};

// Receives every step of a device's story (on the loop).
using StorySink = std::function<void(std::string_view device, const StoryLine& line)>;

// Which attempts and failures of one device are news.
class SessionStory {
 public:
  using Clock = std::chrono::steady_clock;

  // A connect attempt starts: true when it is the episode's first (log "connecting" at info).
  bool attempt(Clock::time_point now);
  // Online: how long the episode took and how many attempts it needed; the episode ends.
  struct Online {
    Clock::duration took{};
    std::uint64_t attempt = 0;
  };
  Online online(Clock::time_point now);
  // An online link was lost: a new episode starts now.
  void lost(Clock::time_point now);
  // An attempt failed with `reason`: true when that is news (the first failure of the episode, or
  // a different reason than the last one told).
  bool failed(const std::string& reason);

  std::uint64_t attempts() const { return attempts_; }

 private:
  bool in_episode_ = false;
  Clock::time_point started_{};
  std::uint64_t attempts_ = 0;
  std::string told_reason_;
  bool told_failure_ = false;
};

}  // namespace edgegw::northbound
