// GatewayTopology, what its sub-devices report: their status, and the marks that let the status
// tick copy only what changed.
#include "northbound/gateway_topology.hpp"
#include "northbound/gateway_topology_sub.hpp"

namespace edgegw::northbound {

using gateway_topology_detail::SteadyClock;

std::optional<SessionStatus> GatewayTopology::status(const std::string& device) const {
  Sub* sub = find(device);
  if (!sub) return std::nullopt;
  SessionStatus s;
  s.device = device;
  s.state = state_of(*sub);
  if (s.state == SessionState::auth_failed) {
    s.retry_at = wall() + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                              sub->retry_at - SteadyClock::now());
  }
  if (s.state == SessionState::online) s.online_since = sub->online_since;
  s.backlog = env_.outbox->backlog(device);
  s.inflight = sub->inflight;
  s.published = sub->published;
  s.acknowledged = sub->acknowledged;
  s.commands = sub->commands;
  s.connect_attempts = sub->attempts;
  s.last_error = sub->last_error;
  return s;
}

void GatewayTopology::mark(Sub& sub) {
  ++marks_;
  if (sub.marked) return;
  sub.marked = true;
  changed_.push_back(&sub);
}

std::vector<SessionStatus> GatewayTopology::take_changed() {
  std::vector<SessionStatus> out;
  out.reserve(changed_.size());
  for (Sub* sub : changed_) {
    sub->marked = false;
    out.push_back(*status(sub->id.device));
  }
  changed_.clear();
  return out;
}

// From the counts set_state() keeps: the once-a-second STATUS= and the gateway's status entry
// visit no sub-device.
void GatewayTopology::count_states(std::array<std::size_t, SessionChanges::kStates>& counts) const {
  const bool linked = gateway_ && gateway_->online();
  for (std::size_t i = 0; i < sub_states_.size(); ++i) {
    const auto state = static_cast<SubState>(i);
    counts[static_cast<std::size_t>(state_of(state, linked))] += sub_states_[i];
  }
}

std::size_t GatewayTopology::online_count() const {
  if (!gateway_ || !gateway_->online()) return 0;
  return sub_states_[static_cast<std::size_t>(SubState::online)];
}

void GatewayTopology::set_state(Sub& sub, SubState state) {
  --sub_states_[static_cast<std::size_t>(sub.state)];
  ++sub_states_[static_cast<std::size_t>(state)];
  sub.state = state;
}

SessionState GatewayTopology::state_of(const Sub& sub) const {
  return state_of(sub.state, gateway_ && gateway_->online());
}

SessionState GatewayTopology::state_of(SubState state, bool linked) {
  switch (state) {
    case SubState::online:
      return linked ? SessionState::online : SessionState::waiting;
    case SubState::refused:
      return SessionState::auth_failed;
    case SubState::offline:
      return SessionState::waiting;
    default:
      return SessionState::connecting;
  }
}

std::vector<SessionStatus> GatewayTopology::status() const {
  std::vector<SessionStatus> out;
  out.reserve(subs_.size());
  for (const auto& [name, sub] : subs_) out.push_back(*status(name));
  return out;
}

}  // namespace edgegw::northbound
