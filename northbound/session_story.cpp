#include "northbound/session_story.hpp"

namespace edgegw::northbound {

std::string_view to_string(StoryEvent event) {
  switch (event) {
    case StoryEvent::connecting:
      return "connecting";
    case StoryEvent::online:
      return "online";
    case StoryEvent::lost:
      return "lost";
    case StoryEvent::backing_off:
      return "backing off";
    case StoryEvent::retrying:
      return "retrying";
    case StoryEvent::refused:
      return "refused";
    case StoryEvent::identity_conflict:
      return "identity conflict";
    case StoryEvent::clock_wait:
      return "clock wait";
    case StoryEvent::clock_ok:
      return "clock ok";
    case StoryEvent::recovered:
      return "recovered";
  }
  return "connecting";
}

bool SessionStory::attempt(Clock::time_point now) {
  ++attempts_;
  if (in_episode_) return false;
  in_episode_ = true;
  started_ = now;
  attempts_ = 1;
  told_failure_ = false;
  told_reason_.clear();
  return true;
}

SessionStory::Online SessionStory::online(Clock::time_point now) {
  Online o{now - started_, attempts_};
  in_episode_ = false;
  attempts_ = 0;
  return o;
}

void SessionStory::lost(Clock::time_point now) {
  in_episode_ = true;
  started_ = now;
  attempts_ = 0;
  told_failure_ = false;
  told_reason_.clear();
}

bool SessionStory::failed(const std::string& reason) {
  if (told_failure_ && reason == told_reason_) return false;
  told_failure_ = true;
  told_reason_ = reason;
  return true;
}

}  // namespace edgegw::northbound
