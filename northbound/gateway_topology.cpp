#include "northbound/gateway_topology.hpp"

#include <systemd/sd-event.h>

#include <algorithm>
#include <limits>
#include <utility>

#include "loop/guarded.hpp"
#include "northbound/gateway_topology_sub.hpp"

namespace edgegw::northbound {

namespace {
using gateway_topology_detail::kNever;
using gateway_topology_detail::SteadyClock;
constexpr std::uint64_t kTimerAccuracyUsec = 1000;
}  // namespace

GatewayTopology::GatewayTopology(const SessionEnvironment& env, const TopologyProtocol& protocol,
                                 TopologyOptions options)
    : env_(env), protocol_(protocol), options_(options) {
  if (!options_.state_dir.empty()) registrations_.emplace(options_.state_dir);
}

GatewayTopology::~GatewayTopology() {
  attach(nullptr);
}

std::chrono::system_clock::time_point GatewayTopology::wall() const {
  return env_.wall_clock ? env_.wall_clock() : std::chrono::system_clock::now();
}

void GatewayTopology::log(loop::LogLevel level, const std::string& device,
                          const std::string& message) const {
  if (env_.log) env_.log(level, device, message);
}

void GatewayTopology::attach(Session* gateway) {
  if (gateway_ == gateway) return;
  if (gateway_) {
    gateway_->set_carrier(nullptr);
    carrier_offline();
  }
  gateway_ = gateway;
  if (!gateway_) return;
  gateway_->set_carrier(this);
  if (gateway_->online()) carrier_online();
}

GatewayTopology::Sub* GatewayTopology::find(const std::string& device) const {
  auto it = subs_.find(device);
  return it == subs_.end() ? nullptr : it->second.get();
}

bool GatewayTopology::add(DeviceIdentity identity) {
  if (subs_.count(identity.device)) return false;
  auto key = protocol_.key(identity);
  if (by_key_.count(key)) return false;
  // A registered sub-device's secret from an earlier start: registering again would be refused
  // once it has been online (Alibaba's "activated" device).
  if (identity.auth == AuthMode::register_ && identity.device_secret.empty() && registrations_) {
    auto loaded = registrations_->load(identity);
    if (loaded.registration) identity.device_secret = loaded.registration->device_secret;
    if (!loaded.problem.empty()) log(loop::LogLevel::warning, identity.device, loaded.problem);
  }
  auto name = identity.device;
  const auto seed = options_.seed ^ std::hash<std::string>{}(name);
  auto sub = std::make_unique<Sub>(std::move(identity), key, options_.retry, seed);
  ++sub_states_[static_cast<std::size_t>(sub->state)];
  if (gateway_ && gateway_->online()) set_state(*sub, SubState::queued);
  by_key_.emplace(key, name);
  subs_.emplace(name, std::move(sub));
  send_requests();
  return true;
}

bool GatewayTopology::remove(const std::string& device) {
  Sub* sub = find(device);
  if (!sub) return false;
  if (sub->state == SubState::online && gateway_) {
    auto id = std::to_string(next_request_++);
    gateway_->carry(
        protocol_.request(TopologyStep::logout, gateway_->identity(), {&sub->id}, id, wall()));
  }
  for (auto& [id, records] : inflight_) {
    std::erase_if(records, [&](const Inflight& record) { return record.device == device; });
  }
  std::erase(senders_, sub);
  std::erase(changed_, sub);
  --sub_states_[static_cast<std::size_t>(sub->state)];
  by_key_.erase(sub->key);
  subs_.erase(device);
  return true;
}

bool GatewayTopology::logs_in_next(const Sub& sub) const {
  return sub.in_topology || !protocol_.needs_add();
}

TopologyStep GatewayTopology::next_step(const Sub& sub) const {
  if (sub.id.auth == AuthMode::register_ && sub.id.device_secret.empty()) {
    return TopologyStep::registration;
  }
  return logs_in_next(sub) ? TopologyStep::login : TopologyStep::add;
}

// The registration answer's secret for this sub-device: kept (state_dir) and used to sign its add.
void GatewayTopology::registered(Sub& sub, const TopologyReply& reply) {
  auto it = std::find_if(reply.registrations.begin(), reply.registrations.end(), [&](auto& r) {
    return r.product_key == sub.id.product_key && r.device_name == sub.id.device_name;
  });
  if (it == reply.registrations.end()) {
    return refused(sub, "the registration answer has no device secret for it");
  }
  if (registrations_) {
    if (auto problem = registrations_->save(sub.id, *it)) {
      log(loop::LogLevel::error, sub.id.device,
          "cannot keep the registered device secret (" + *problem +
              "); a restart would register again, which the platform refuses once it was online");
    }
  }
  sub.id.device_secret = it->device_secret;
  log(loop::LogLevel::info, sub.id.device, "registered with the platform through the gateway");
  sub.solo = false;
  set_state(sub, SubState::queued);
}

bool GatewayTopology::online(const std::string& device) const {
  Sub* sub = find(device);
  return sub && sub->state == SubState::online && gateway_ && gateway_->online();
}

void GatewayTopology::carrier_online() {
  for (const auto& filter : protocol_.subscriptions(gateway_->identity())) {
    gateway_->carry_subscribe(filter);
  }
  const bool keeps_topology = protocol_.not_in_topology_code().has_value();
  for (auto& [name, sub] : subs_) {
    if (!keeps_topology) sub->in_topology = false;
    sub->added_on_link = false;
    sub->solo = false;
    if (sub->state != SubState::refused) set_state(*sub, SubState::queued);
    mark(*sub);
  }
  tokens_ = static_cast<double>(protocol_.max_batch());
  tokens_at_ = SteadyClock::now();
  log(loop::LogLevel::info, gateway_->device(),
      "gateway online: bringing " + std::to_string(subs_.size()) + " sub-devices online");
  send_requests();
}

void GatewayTopology::go_offline(Sub& sub) {
  if (sub.state != SubState::refused) set_state(sub, SubState::offline);
  mark(sub);
  sub.attempt_open = false;
  sub.added_on_link = false;
  sub.pending.clear();
  sub.parts_left.clear();
  sub.held = 0;
  sub.inflight = 0;
  sub.in_senders = false;
}

void GatewayTopology::carrier_offline() {
  std::size_t were_online = 0;
  for (auto& [name, sub] : subs_) {
    if (sub->state == SubState::online) ++were_online;
    go_offline(*sub);
  }
  inflight_.clear();
  requests_.clear();
  senders_.clear();
  if (were_online > 0 && gateway_) {
    log(loop::LogLevel::info, gateway_->device(),
        "gateway link lost: " + std::to_string(were_online) + " sub-devices offline");
  }
}

bool GatewayTopology::send(TopologyStep step, std::vector<Sub*> batch) {
  std::vector<const DeviceIdentity*> ids;
  std::vector<std::string> names;
  for (Sub* sub : batch) {
    ids.push_back(&sub->id);
    names.push_back(sub->id.device);
  }
  auto id = std::to_string(next_request_++);
  if (!gateway_->carry(protocol_.request(step, gateway_->identity(), ids, id, wall()))) {
    return false;  // window full: on_writable / the timer try again
  }
  const auto now = SteadyClock::now();
  for (Sub* sub : batch) {
    set_state(*sub, step == TopologyStep::login ? SubState::logging_in : SubState::adding);
    mark(*sub);
    if (!sub->attempt_open) ++sub->attempts;
    sub->attempt_open = true;
  }
  tokens_ -= static_cast<double>(batch.size());
  requests_[id] = {step, std::move(names), now + options_.reply_timeout};
  return true;
}

// Requests go out in full batches (the platform's per-call limit, or all that are due if fewer):
// with the rate limit's tokens trickling in, sending whatever the tokens allowed at each moment
// would split a cold start into requests of one or two sub-devices each. Logins go before adds
// so that sub-devices come online as they are added, not after the whole topology is.
void GatewayTopology::send_requests() {
  if (!gateway_ || !gateway_->online()) return;
  const auto now = SteadyClock::now();
  const double elapsed = std::chrono::duration<double>(now - tokens_at_).count();
  tokens_ = std::min(tokens_ + elapsed * options_.logins_per_second,
                     static_cast<double>(protocol_.max_batch()));
  tokens_at_ = now;
  auto next = kNever;
  // login, add, registration; then the same alone
  constexpr std::size_t kSteps = 3;
  std::vector<Sub*> due[2 * kSteps];
  for (auto& [name, sub] : subs_) {
    if (sub->state == SubState::refused && sub->retry_at <= now) {
      set_state(*sub, SubState::queued);
      sub->solo = true;  // its batch was refused, or it was: it goes alone
      mark(*sub);
    }
    if (sub->state == SubState::refused) next = std::min(next, sub->retry_at);
    if (sub->state != SubState::queued) continue;
    const auto step = next_step(*sub);
    const std::size_t order = step == TopologyStep::login ? 0 : step == TopologyStep::add ? 1 : 2;
    due[order + (sub->solo ? kSteps : 0)].push_back(sub.get());
  }
  bool blocked = false;
  constexpr TopologyStep kOrder[kSteps] = {TopologyStep::login, TopologyStep::add,
                                           TopologyStep::registration};
  for (std::size_t kind = 0; kind < 2 * kSteps && !blocked; ++kind) {
    const auto step = kOrder[kind % kSteps];
    const std::size_t cap = kind >= kSteps ? 1 : protocol_.max_batch();
    for (std::size_t at = 0; at < due[kind].size();) {
      const std::size_t n = std::min(cap, due[kind].size() - at);
      if (tokens_ < static_cast<double>(n)) {  // when enough tokens will be there
        const double wait_s = (static_cast<double>(n) - tokens_) / options_.logins_per_second;
        next = std::min(
            next, now + std::chrono::microseconds(static_cast<std::int64_t>(wait_s * 1e6) + 1000));
        blocked = true;
        break;
      }
      std::vector<Sub*> batch(due[kind].begin() + static_cast<std::ptrdiff_t>(at),
                              due[kind].begin() + static_cast<std::ptrdiff_t>(at + n));
      if (!send(step, std::move(batch))) {  // window full: on_writable / the timer try again
        next = std::min(next, now + std::chrono::milliseconds(100));
        blocked = true;
        break;
      }
      at += n;
    }
  }
  for (const auto& [id, request] : requests_) next = std::min(next, request.deadline);
  if (next != kNever) arm_timer(next);
}

void GatewayTopology::refused(Sub& sub, const std::string& why) {
  const auto now = SteadyClock::now();
  set_state(sub, SubState::refused);
  mark(sub);
  sub.attempt_open = false;
  const auto delay = sub.backoff.next_delay();
  sub.retry_at = now + delay;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(delay).count();
  // Said once as a warning; the same refusal again (every retry) only at debug level.
  const auto level = why == sub.last_error ? loop::LogLevel::debug : loop::LogLevel::warning;
  sub.last_error = why;
  log(level, sub.id.device,
      "the platform refused this sub-device (" + why + "); next attempt in " +
          std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) +
          " s; check that it exists, is enabled and belongs to the gateway's product");
}

void GatewayTopology::accepted(Sub& sub, TopologyStep step) {
  sub.solo = false;
  if (step == TopologyStep::add) {
    sub.in_topology = true;
    sub.added_on_link = true;
    set_state(sub, SubState::queued);
  } else if (step == TopologyStep::login) {
    went_online(sub);
  }
}

// Each result names its sub-device, not the request: the request of that step still waiting for
// the device is the one answered; the others in it wait for their own results (or time out).
void GatewayTopology::handle_device_results(const TopologyReply& reply) {
  for (const auto& result : reply.devices) {
    auto name = by_key_.find(result.key);
    if (name == by_key_.end()) continue;
    auto request = std::find_if(requests_.begin(), requests_.end(), [&](const auto& entry) {
      return entry.second.step == reply.step &&
             std::find(entry.second.devices.begin(), entry.second.devices.end(), name->second) !=
                 entry.second.devices.end();
    });
    if (request == requests_.end()) continue;  // answered already, or an older link's request
    std::erase(request->second.devices, name->second);
    if (request->second.devices.empty()) requests_.erase(request);
    Sub* sub = find(name->second);
    mark(*sub);
    if (result.ok) {
      accepted(*sub, reply.step);
    } else {
      refused(*sub,
              std::string(to_string(reply.step)) + " refused, code " + std::to_string(result.code));
    }
  }
  send_requests();
  send_queued(std::numeric_limits<std::size_t>::max());
}

void GatewayTopology::handle_reply(const TopologyReply& reply) {
  if (reply.id.empty() && !reply.devices.empty()) return handle_device_results(reply);
  auto it = requests_.find(reply.id);
  if (it == requests_.end()) return;  // a reply to an older link's request
  auto request = std::move(it->second);
  requests_.erase(it);
  const auto why = std::string(to_string(request.step)) + " refused, code " +
                   std::to_string(reply.code) + (reply.message.empty() ? "" : ": " + reply.message);
  std::unordered_map<std::string, std::string> refused_one;  // platform key → why
  for (const auto& r : reply.refused) {
    refused_one[r.key] = std::string(to_string(request.step)) + " refused, code " + r.code +
                         (r.message.empty() ? "" : ": " + r.message);
  }
  for (const auto& name : request.devices) {
    Sub* sub = find(name);
    if (!sub) continue;
    mark(*sub);
    if (lost_from_topology(*sub, request.step, reply)) {
      sub->in_topology = false;  // added in an earlier link, gone since: add it again (batched)
      set_state(*sub, SubState::queued);
      log(loop::LogLevel::info, sub->id.device,
          "not in the gateway's topology any more: adding it");
    } else if (auto one = refused_one.find(sub->key); reply.ok && one != refused_one.end()) {
      refused(*sub, one->second);
    } else if (reply.ok && request.step == TopologyStep::registration) {
      registered(*sub, reply);
    } else if (reply.ok) {
      accepted(*sub, request.step);
    } else if (request.devices.size() > 1) {
      set_state(*sub, SubState::queued);  // find out which one: each alone
      sub->solo = true;
    } else {
      refused(*sub, why);
    }
  }
  send_requests();
  send_queued(std::numeric_limits<std::size_t>::max());
}

// A login refused as "not in the topology" for a sub-device added in an earlier link (the
// platform forgot it); one added over this link and refused so is refused (no add/login loop).
bool GatewayTopology::lost_from_topology(const Sub& sub, TopologyStep step,
                                         const TopologyReply& reply) const {
  const auto code = protocol_.not_in_topology_code();
  return !reply.ok && step == TopologyStep::login && code && reply.code == *code &&
         sub.in_topology && !sub.added_on_link;
}

void GatewayTopology::went_online(Sub& sub) {
  set_state(sub, SubState::online);
  mark(sub);
  sub.attempt_open = false;
  sub.backoff.reset();
  sub.last_error.clear();
  sub.online_since = wall();
  sub.pending.clear();
  sub.parts_left.clear();
  sub.held = 0;
  if (protocol_.subscribes_sub_topics()) {
    for (const auto& filter : env_.platform->subscriptions(sub.id)) {
      gateway_->carry_subscribe(filter);
    }
  }
  env_.outbox->release(sub.id.device);
  log(loop::LogLevel::info, sub.id.device, "online as a sub-device of " + gateway_->device());
  // Queued, not sent yet: the reply that brought it online may bring others, and where the
  // platform batches their backlogs go together (send_queued() after the reply).
  want_to_send(sub);
}

void GatewayTopology::expire_requests(SteadyClock::time_point now) {
  std::vector<std::string> late;
  for (const auto& [id, request] : requests_) {
    if (request.deadline <= now) late.push_back(id);
  }
  for (const auto& id : late) {
    TopologyReply timeout;
    timeout.step = requests_[id].step;
    timeout.id = id;
    timeout.message = "no reply from the platform";
    handle_reply(timeout);
  }
}

void GatewayTopology::arm_timer(SteadyClock::time_point at) {
  auto usec = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count());
  if (!timer_) {
    if (sd_event_add_time(env_.loop, timer_.out(), CLOCK_MONOTONIC, usec, kTimerAccuracyUsec,
                          &GatewayTopology::timer_trampoline, this) < 0) {
      log(loop::LogLevel::error, "", "cannot add the sub-devices' timer to the event loop");
    }
    return;
  }
  sd_event_source_set_time(timer_.get(), usec);
  timer_.set_enabled(SD_EVENT_ONESHOT);
}

int GatewayTopology::timer_trampoline(sd_event_source* source, std::uint64_t, void* self) {
  return loop::guarded(source, "sub-device topology timer",
                       [&] { static_cast<GatewayTopology*>(self)->on_timer(); });
}

void GatewayTopology::on_timer() {
  expire_requests(SteadyClock::now());
  send_requests();
}

}  // namespace edgegw::northbound
