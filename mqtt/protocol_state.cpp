#include "mqtt/protocol_state.hpp"

#include <algorithm>

namespace edgegw::mqtt {

ProtocolState::ProtocolState(std::chrono::seconds keepalive,
                             std::chrono::milliseconds connect_timeout, unsigned max_inflight)
    : keepalive_(keepalive), connect_timeout_(connect_timeout), max_inflight_(max_inflight) {}

void ProtocolState::start(TimePoint now) {
  started_ = true;
  online_ = false;
  ping_outstanding_ = false;
  connect_deadline_ = now + connect_timeout_;
  last_rx_ = last_tx_ = now;
  publish_ids_.clear();
  other_ids_.clear();
}

void ProtocolState::online(TimePoint now) {
  online_ = true;
  last_rx_ = now;
}

ProtocolState::Verdict ProtocolState::poll(TimePoint now) {
  if (!started_) return Verdict::none;
  if (!online_) return now >= connect_deadline_ ? Verdict::connect_timed_out : Verdict::none;
  if (keepalive_.count() == 0) return Verdict::none;
  if (now - last_rx_ >= dead_after()) return Verdict::keepalive_timed_out;
  if (!ping_outstanding_ && (now - last_tx_ >= keepalive_ || now - last_rx_ >= keepalive_)) {
    ping_outstanding_ = true;
    last_tx_ = now;
    return Verdict::send_pingreq;
  }
  return Verdict::none;
}

ProtocolState::TimePoint ProtocolState::next_deadline() const {
  if (!started_) return TimePoint::max();
  if (!online_) return connect_deadline_;
  if (keepalive_.count() == 0) return TimePoint::max();
  auto dead = last_rx_ + dead_after();
  if (ping_outstanding_) return dead;
  return std::min({dead, last_tx_ + keepalive_, last_rx_ + keepalive_});
}

bool ProtocolState::in_use(std::uint16_t id) const {
  return std::find(publish_ids_.begin(), publish_ids_.end(), id) != publish_ids_.end() ||
         std::find(other_ids_.begin(), other_ids_.end(), id) != other_ids_.end();
}

std::uint16_t ProtocolState::next_free_id() {
  // At most max_inflight + a few SUBSCRIBEs are in use, so this finds one in a few steps.
  for (int tries = 0; tries < 65536; ++tries) {
    last_id_ = static_cast<std::uint16_t>(last_id_ == 65535 ? 1 : last_id_ + 1);
    if (!in_use(last_id_)) return last_id_;
  }
  return 0;
}

std::uint16_t ProtocolState::allocate_publish_id() {
  if (window_full()) return 0;
  auto id = next_free_id();
  if (id != 0) publish_ids_.push_back(id);
  return id;
}

std::uint16_t ProtocolState::allocate_other_id() {
  if (other_ids_.size() >= 1024) return 0;
  auto id = next_free_id();
  if (id != 0) other_ids_.push_back(id);
  return id;
}

bool ProtocolState::release_publish_id(std::uint16_t id) {
  auto it = std::find(publish_ids_.begin(), publish_ids_.end(), id);
  if (it == publish_ids_.end()) return false;
  publish_ids_.erase(it);
  return true;
}

bool ProtocolState::release_other_id(std::uint16_t id) {
  auto it = std::find(other_ids_.begin(), other_ids_.end(), id);
  if (it == other_ids_.end()) return false;
  other_ids_.erase(it);
  return true;
}

}  // namespace edgegw::mqtt
