#include "daemon/session_journal.hpp"

#include <algorithm>

#include "daemon/logging.hpp"
#include "loop/guarded.hpp"

namespace edgegw::daemon {
namespace {

using northbound::StoryEvent;

std::string_view verb(StoryEvent event) {
  switch (event) {
    case StoryEvent::connecting:
      return "started connecting";
    case StoryEvent::online:
      return "came online";
    case StoryEvent::lost:
      return "lost";
    case StoryEvent::backing_off:
      return "backing off";
    case StoryEvent::retrying:
      return "retrying";
    case StoryEvent::refused:
      return "refused by the platform";
    case StoryEvent::identity_conflict:
      return "in an identity conflict";
    case StoryEvent::clock_wait:
      return "waiting for the clock";
    case StoryEvent::clock_ok:
      return "saw the clock set";
    case StoryEvent::recovered:
      return "recovered";
  }
  return "changed";
}

const log::MessageId* message_id_of(StoryEvent event) {
  switch (event) {
    case StoryEvent::refused:
      return &log::kAuthFailed;
    case StoryEvent::identity_conflict:
      return &log::kIdentityConflict;
    case StoryEvent::clock_wait:
      return &log::kClockWait;
    default:
      return nullptr;
  }
}

}  // namespace

std::string count_text(std::size_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

bool BurstSummary::record(StoryEvent event, loop::LogLevel level, const std::string& reason,
                          Clock::time_point now) {
  auto [it, fresh] = windows_.try_emplace(event);
  Window& w = it->second;
  if (fresh) w.ends = now + options_.window;
  ++w.count;
  w.level = std::max(w.level, level);
  if (!reason.empty()) ++w.reasons[reason];
  return w.count <= options_.individual;
}

std::vector<BurstSummary::Summary> BurstSummary::due(Clock::time_point now) {
  std::vector<Summary> out;
  for (auto it = windows_.begin(); it != windows_.end();) {
    if (it->second.ends > now) {
      ++it;
      continue;
    }
    const Window& w = it->second;
    if (w.count > options_.individual) {
      const auto seconds =
          std::chrono::duration_cast<std::chrono::seconds>(options_.window).count();
      std::string text = "cloud: " + count_text(w.count) + " sessions " +
                         std::string(verb(it->first)) + " in the last " + std::to_string(seconds) +
                         " s";
      // The most frequent reasons first, at most five.
      std::vector<std::pair<std::string, std::size_t>> reasons(w.reasons.begin(), w.reasons.end());
      std::stable_sort(reasons.begin(), reasons.end(),
                       [](const auto& a, const auto& b) { return a.second > b.second; });
      if (reasons.size() > 5) reasons.resize(5);
      for (std::size_t i = 0; i < reasons.size(); ++i) {
        text += (i == 0 ? " (" : ", ") + reasons[i].first + ": " + count_text(reasons[i].second);
      }
      if (!reasons.empty()) text += ")";
      text +=
          "; " + count_text(w.count - options_.individual) + " per-device line(s) at debug level";
      out.push_back({it->first, w.level, std::move(text)});
    }
    it = windows_.erase(it);
  }
  return out;
}

std::optional<BurstSummary::Clock::time_point> BurstSummary::next_due() const {
  std::optional<Clock::time_point> next;
  for (const auto& [event, w] : windows_) {
    if (!next || w.ends < *next) next = w.ends;
  }
  return next;
}

SessionJournal::SessionJournal(sd_event* loop, BurstOptions options)
    : loop_(loop), burst_(options) {}

void SessionJournal::tell(std::string_view device, const northbound::StoryLine& line) {
  auto level = log::to_spdlog(line.level);
  if (line.level >= loop::LogLevel::info &&
      !burst_.record(line.event, line.level, line.reason, std::chrono::steady_clock::now())) {
    level = spdlog::level::debug;  // counted in the burst's summary
  }
  arm();
  if (!spdlog::should_log(level)) return;
  const auto context = log::detail::context_of(device);
  const auto* id = message_id_of(line.event);
  log::detail::write_line(level, &context, id ? id->id : std::string_view(), &line.where,
                          fmt::format("[{}] {}", device, line.message));
}

void SessionJournal::flush() {
  for (const auto& s : burst_.due(std::chrono::steady_clock::now())) {
    const auto* id = message_id_of(s.event);
    log::detail::write_line(log::to_spdlog(s.level), nullptr, id ? id->id : std::string_view(),
                            nullptr, s.text);
  }
  arm();
}

void SessionJournal::arm() {
  const auto next = burst_.next_due();
  if (!next || !loop_) {
    if (timer_) timer_.set_enabled(SD_EVENT_OFF);
    return;
  }
  const auto usec = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(next->time_since_epoch()).count());
  if (!timer_) {
    auto on_timer = [](sd_event_source* source, std::uint64_t, void* self) {
      return loop::guarded(source, "session journal summary",
                           [&] { static_cast<SessionJournal*>(self)->flush(); });
    };
    if (sd_event_add_time(loop_, timer_.out(), CLOCK_MONOTONIC, usec, 100'000, on_timer, this) < 0)
      timer_.reset();
    return;
  }
  // Setting the time again un-pends a timer that is due: with steps coming in all the time the
  // summary would never be written. Only a new time is set.
  std::uint64_t current = 0;
  if (timer_.enabled() != SD_EVENT_OFF && sd_event_source_get_time(timer_.get(), &current) >= 0 &&
      current == usec) {
    return;
  }
  sd_event_source_set_time(timer_.get(), usec);
  timer_.set_enabled(SD_EVENT_ONESHOT);
}

}  // namespace edgegw::daemon
