#include "northbound/session_core.hpp"

#include <utility>

namespace edgegw::northbound {

namespace {

bool is_waiting(SessionState state) {
  return state == SessionState::clock_wait || state == SessionState::waiting ||
         state == SessionState::auth_failed || state == SessionState::identity_conflict;
}

}  // namespace

SessionCore::SessionCore(SessionCoreOptions options, ConnectLimiter& limiter, ConnectSlots* slots,
                         std::function<void()> wake)
    : limiter_(limiter),
      slots_(slots),
      wake_(std::move(wake)),
      backoff_(options.backoff, options.seed),
      conflict_(options.conflict),
      clock_(options.clock, options.signs_with_time),
      needs_registration_(options.needs_registration) {}

SessionCore::~SessionCore() {
  give_back_connect_slot();
}

bool SessionCore::take_connect_slot() {
  if (!slots_ || holds_slot_) return true;
  if (queued_) return false;  // the grant will flip holds_slot_
  auto granted = [this] {
    queued_ = false;
    holds_slot_ = true;
    if (wake_) wake_();
  };
  if (slots_->acquire(&ticket_, granted)) {
    holds_slot_ = true;
    return true;
  }
  queued_ = true;
  return false;
}

void SessionCore::give_back_connect_slot() {
  if (!slots_) return;
  if (queued_) slots_->cancel(ticket_);
  queued_ = false;
  if (holds_slot_) {
    holds_slot_ = false;
    slots_->release();  // may hand the slot to (and wake) another session
  }
}

std::optional<SessionCore::Clock::time_point> SessionCore::until() const {
  if (is_waiting(state_) && !queued_) return until_;
  return std::nullopt;
}

SessionDecision SessionCore::decide(SessionNotice notice) const {
  SessionDecision d;
  d.state = state_;
  d.notice = notice;
  if (is_waiting(state_) && !queued_) d.wake_at = until_;
  return d;
}

SessionDecision SessionCore::wait_until(Clock::time_point now, SessionState state,
                                        Clock::duration delay, SessionNotice notice) {
  state_ = state;
  until_ = now + delay;
  slot_reserved_ = false;
  return decide(notice);
}

SessionDecision SessionCore::try_connect(Clock::time_point now, Wall::time_point wall) {
  if (!clock_.may_connect(wall)) {
    auto notice =
        state_ == SessionState::clock_wait ? SessionNotice::none : SessionNotice::clock_wait;
    return wait_until(now, SessionState::clock_wait, clock_.recheck(), notice);
  }
  auto notice = state_ == SessionState::clock_wait ? SessionNotice::clock_ok : SessionNotice::none;
  if (!take_connect_slot()) {
    // In line behind max_connecting attempts; no timer until the slot is handed to us.
    state_ = SessionState::waiting;
    until_ = now;
    return decide(notice);
  }
  if (!slot_reserved_) {
    // Ask the gateway-wide limiter only now that this session is ready: slots are handed out in
    // the order sessions become ready, so a long backoff never holds a slot others could use.
    slot_ = limiter_.reserve(now);
    slot_reserved_ = true;
    if (slot_ > now) {
      state_ = SessionState::waiting;
      until_ = slot_;
      return decide(notice);
    }
  }
  slot_reserved_ = false;
  granted_at_ = slot_;
  ++connect_attempts_;
  state_ = needs_registration_ ? SessionState::registering : SessionState::connecting;
  auto d = decide(notice);
  d.connect = true;
  return d;
}

SessionDecision SessionCore::start(Clock::time_point now, Wall::time_point wall) {
  if (state_ == SessionState::stopped) return decide();
  return try_connect(now, wall);
}

SessionDecision SessionCore::timer(Clock::time_point now, Wall::time_point wall) {
  if (!is_waiting(state_) || now < until_) return decide();
  return try_connect(now, wall);
}

SessionDecision SessionCore::connected(Clock::time_point now) {
  if (state_ == SessionState::registering) return decide();
  if (state_ != SessionState::connecting) return decide();
  give_back_connect_slot();
  state_ = SessionState::online;
  backoff_.link_up(now);
  conflict_.connected(now);
  auto notice = reported_auth_ ? SessionNotice::recovered : SessionNotice::none;
  reported_auth_ = false;
  return decide(notice);
}

SessionDecision SessionCore::connect_failed(Clock::time_point now, ConnectFailure failure,
                                            std::string detail) {
  if (state_ != SessionState::connecting && state_ != SessionState::registering) return decide();
  give_back_connect_slot();
  last_error_ = std::move(detail);
  if (failure == ConnectFailure::transient) {
    return wait_until(now, SessionState::waiting, backoff_.next_delay(), SessionNotice::none);
  }
  auto notice = SessionNotice::none;
  if (!reported_auth_) {
    notice = failure == ConnectFailure::rejected ? SessionNotice::auth_failed
                                                 : SessionNotice::misconfigured;
  }
  reported_auth_ = true;
  return wait_until(now, SessionState::auth_failed, backoff_.long_delay(), notice);
}

SessionDecision SessionCore::closed(Clock::time_point now, bool by_server, std::string detail) {
  if (state_ == SessionState::connecting) {
    return connect_failed(now, ConnectFailure::transient, std::move(detail));
  }
  if (state_ == SessionState::registering) {
    give_back_connect_slot();
    last_error_ = std::move(detail);
    return wait_until(now, SessionState::waiting, backoff_.next_delay(), SessionNotice::none);
  }
  if (state_ != SessionState::online) return decide();
  last_error_ = std::move(detail);
  bool was_stable = conflict_.stable(now);
  backoff_.link_down(now);
  bool conflict = conflict_.closed(now, by_server);
  if (was_stable) reported_conflict_ = false;
  if (conflict) {
    auto notice = reported_conflict_ ? SessionNotice::none : SessionNotice::identity_conflict;
    reported_conflict_ = true;
    return wait_until(now, SessionState::identity_conflict, backoff_.long_delay(), notice);
  }
  return wait_until(now, SessionState::waiting, backoff_.next_delay(), SessionNotice::none);
}

SessionDecision SessionCore::registered(Clock::time_point now) {
  if (state_ != SessionState::registering) return decide();
  needs_registration_ = false;
  backoff_.reset();
  give_back_connect_slot();
  // The normal connect takes its own slot from the limiter; it happens on the next timer, after
  // the registration link has been closed.
  state_ = SessionState::waiting;
  slot_ = limiter_.reserve(now);
  until_ = slot_;
  slot_reserved_ = true;
  auto d = decide();
  d.disconnect = true;
  return d;
}

SessionDecision SessionCore::stop() {
  bool had_link = state_ == SessionState::connecting || state_ == SessionState::registering ||
                  state_ == SessionState::online;
  give_back_connect_slot();
  state_ = SessionState::stopped;
  auto d = decide();
  d.disconnect = had_link;
  return d;
}

}  // namespace edgegw::northbound
