// Which sessions changed since the status reader last looked, and how many are in each state.
// The daemon's once-a-second housekeeping (the status file, STATUS=) then costs what changed, not
// what exists: at 10,000 idle devices nothing is marked and nothing is copied (issue 18).
//
// A Session marks itself after every step that can change its SessionStatus (a decision applied,
// a publication, a PUBACK, a command) — once until the reader takes the marks — and moves its
// count when its state changed. Owned by Northbound; all on the loop thread.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "northbound/session_status.hpp"

namespace edgegw::northbound {

class Session;

class SessionChanges {
 public:
  static constexpr std::size_t kStates = static_cast<std::size_t>(SessionState::stopped) + 1;

  void enter(SessionState state) { ++counts_[index(state)]; }
  void leave(SessionState state) { --counts_[index(state)]; }
  // `session` changed; called once until take() (the session keeps the flag).
  void mark(Session* session) {
    changed_.push_back(session);
    ++marks_;
  }
  // `session` goes away while marked.
  void forget(const Session* session) {
    changed_.erase(std::remove(changed_.begin(), changed_.end(), session), changed_.end());
  }
  // The marked sessions; the caller clears their flags.
  std::vector<Session*> take() { return std::exchange(changed_, {}); }

  std::size_t count(SessionState state) const { return counts_[index(state)]; }
  // Marks since the start: a reader that saw the same number knows nothing changed.
  std::uint64_t marks() const { return marks_; }

 private:
  static std::size_t index(SessionState state) { return static_cast<std::size_t>(state); }

  std::array<std::size_t, kStates> counts_{};
  std::vector<Session*> changed_;
  std::uint64_t marks_ = 0;
};

}  // namespace edgegw::northbound
