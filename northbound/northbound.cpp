#include "northbound/northbound.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <random>
#include <stdexcept>

#include "northbound/session_defaults.hpp"
#include "northbound/topology_factory.hpp"

namespace edgegw::northbound {

Northbound::Northbound(sd_event* loop, store::Outbox& outbox, NorthboundOptions options,
                       NorthboundHandlers handlers, std::unique_ptr<Platform> platform)
    : options_(std::move(options)),
      outbox_(outbox),
      platform_(platform ? std::move(platform) : make_platform(options_.cloud, options_.state_dir)),
      resolver_(loop),
      limiter_(options_.cloud.connects_per_second, options_.connect_burst),
      slots_(options_.cloud.max_connecting),
      seed_(options_.seed ? options_.seed : std::random_device{}()) {
  if (!platform_) throw std::invalid_argument("no platform for the cloud options");
  env_.loop = loop;
  env_.resolver = &resolver_;
  env_.tls = &tls_;
  env_.limiter = &limiter_;
  env_.slots = &slots_;
  env_.outbox = &outbox_;
  env_.platform = platform_.get();
  env_.cloud = &options_.cloud;
  env_.on_command = std::move(handlers.on_command);
  env_.log = std::move(handlers.log);
  env_.story = std::move(handlers.story);
  log_limit_ = std::make_unique<loop::LogRateLimit>(loop, env_.log, options_.log_limit);
  env_.log_limit = log_limit_.get();
  env_.changes = &changes_;
  env_.wall_clock = std::move(handlers.wall_clock);
  env_.on_connect_attempt = std::move(handlers.on_connect_attempt);
  if (options_.cloud.mode == CloudMode::gateway) {
    topology_protocol_ = make_topology(options_.cloud);
    if (!topology_protocol_) {
      throw std::invalid_argument("cloud.mode = \"gateway\" is not available on this platform");
    }
    TopologyOptions t;
    t.retry = reconnect_backoff(options_.cloud, options_.stable_after);
    t.logins_per_second = options_.cloud.sub_logins_per_second;
    t.seed = seed_;
    t.state_dir = options_.state_dir;
    topology_ = std::make_unique<GatewayTopology>(env_, *topology_protocol_, t);
  }
}

Northbound::~Northbound() {
  // Sessions use the resolver and the TLS contexts: they go first. Their marks are dropped first
  // (each session would otherwise look for itself in the list as it goes: quadratic).
  changes_.take();
  topology_.reset();
  gateway_.reset();
  sessions_.clear();
}

SessionOptions Northbound::session_options(const DeviceIdentity& identity) const {
  SessionOptions o;
  o.backoff = reconnect_backoff(options_.cloud, options_.stable_after);
  o.conflict = options_.conflict;
  o.clock = {options_.build_epoch, options_.clock_recheck};
  o.max_inflight = options_.cloud.max_inflight;
  o.publish_rate = identity.publish_rate.value_or(options_.cloud.publish_rate);
  o.connect_timeout = options_.connect_timeout;
  o.seed = seed_ ^ std::hash<std::string>{}(identity.device);
  return o;
}

bool Northbound::add_device(DeviceIdentity identity) {
  return add_device(std::make_shared<const DeviceIdentity>(std::move(identity)));
}

bool Northbound::add_device(std::shared_ptr<const DeviceIdentity> identity) {
  if (has_device(identity->device)) return false;
  if (gateway_ && gateway_->device() == identity->device) return false;
  if (topology_) {
    if (!topology_->add(*identity)) return false;
    ++membership_;
    forget_targets();
    return true;
  }
  auto name = identity->device;
  auto options = session_options(*identity);
  auto session = std::make_unique<Session>(env_, std::move(identity), options);
  auto* raw = session.get();
  sessions_.insert(sessions_.begin() + static_cast<std::ptrdiff_t>(place_of(name)),
                   std::move(session));
  ++membership_;
  forget_targets();
  raw->start();
  return true;
}

bool Northbound::share_identity(std::shared_ptr<const DeviceIdentity> identity) {
  Session* session = session_named(identity->device);
  return session && session->share_identity(std::move(identity));
}

bool Northbound::remove_device(const std::string& device) {
  if (topology_ && topology_->has(device)) {
    ++membership_;
    forget_targets();
    return topology_->remove(device);
  }
  Session* session = session_named(device);
  if (!session) return false;
  session->stop();
  sessions_.erase(sessions_.begin() + static_cast<std::ptrdiff_t>(place_of(device)));
  ++membership_;
  forget_targets();
  return true;
}

bool Northbound::start_gateway(DeviceIdentity identity) {
  if (session_named(identity.device)) return false;
  stop_gateway();
  auto options = session_options(identity);
  gateway_ = std::make_unique<Session>(env_, std::move(identity), options);
  forget_targets();
  if (topology_) topology_->attach(gateway_.get());
  gateway_->start();
  return true;
}

void Northbound::stop_gateway() {
  if (!gateway_) return;
  if (topology_) topology_->attach(nullptr);
  gateway_->stop();
  gateway_.reset();
  forget_targets();
}

std::optional<SessionStatus> Northbound::gateway_status() const {
  if (!gateway_) return std::nullopt;
  return gateway_->status();
}

std::size_t Northbound::place_of(std::string_view device) const {
  auto it = std::lower_bound(sessions_.begin(), sessions_.end(), device,
                             [](const auto& session, std::string_view name) {
                               return std::string_view(session->device()) < name;
                             });
  return static_cast<std::size_t>(it - sessions_.begin());
}

Session* Northbound::session_named(std::string_view device) const {
  const std::size_t i = place_of(device);
  return i < sessions_.size() && sessions_[i]->device() == device ? sessions_[i].get() : nullptr;
}

Session* Northbound::find(const std::string& name) const {
  if (Session* session = session_named(name)) return session;
  if (gateway_ && gateway_->device() == name) return gateway_.get();
  return nullptr;
}

bool Northbound::restart(const std::string& device) {
  if (topology_ && topology_->has(device)) return false;  // carried by the gateway session
  Session* session = find(device);
  if (!session) return false;
  if (session == gateway_.get()) {
    auto identity = gateway_->identity();
    return start_gateway(std::move(identity));
  }
  auto identity = session->identity();
  remove_device(device);
  return add_device(std::move(identity));
}

std::size_t Northbound::drain(std::size_t budget) {
  const std::size_t before = to_visit_.size();
  outbox_.take_newly_committed(to_visit_);
  // Listed once: a device the last budget left out may have been committed to again.
  std::size_t kept = before;
  for (std::size_t i = before; i < to_visit_.size(); ++i) {
    DrainTarget& t = target(to_visit_[i]);
    if (t.listed) continue;
    t.listed = true;
    to_visit_[kept++] = to_visit_[i];
  }
  to_visit_.resize(kept);
  return visit_listed(budget);
}

std::size_t Northbound::drain_all(std::size_t budget) {
  const auto n = static_cast<std::uint32_t>(outbox_.device_count());
  const std::uint32_t start = outbox_.next_round_start();
  for (std::uint32_t k = 0; k < n; ++k) {
    const std::uint32_t device = (start + k) % n;
    if (outbox_.has_backlog(device)) list(device);
  }
  return drain(budget);
}

void Northbound::list(std::uint32_t device) {
  DrainTarget& t = target(device);
  if (t.listed) return;
  t.listed = true;
  to_visit_.push_back(device);
}

Northbound::DrainTarget& Northbound::target(std::uint32_t device) {
  if (targets_.size() <= device) targets_.resize(outbox_.device_count());
  DrainTarget& t = targets_[device];
  if (!t.known) {
    const std::string& name = outbox_.device_name(device);
    t.sub_device = topology_ && topology_->has(name);
    t.session = t.sub_device ? nullptr : find(name);
    t.known = true;
  }
  return t;
}

// Sessions come and go (a reload, the gateway identity): each device is looked up again.
void Northbound::forget_targets() {
  for (DrainTarget& t : targets_) t.known = false;
}

// Visits the listed devices in order until the budget is spent; the rest wait for the next drain.
std::size_t Northbound::visit_listed(std::size_t budget) {
  refill_ready(budget);
  std::size_t sent = 0;
  std::size_t visited = 0;
  bool queued = false;
  for (; visited < to_visit_.size() && sent < budget; ++visited) {
    const std::uint32_t device = to_visit_[visited];
    DrainTarget& t = target(device);
    t.listed = false;
    if (t.sub_device) {
      // Sent together below: where the platform batches, in batches.
      topology_->queue(outbox_.device_name(device));
      queued = true;
      continue;
    }
    if (t.session && t.session->online()) sent += t.session->pump(budget - sent);
  }
  drain_visits_ += visited;
  to_visit_.erase(to_visit_.begin(), to_visit_.begin() + static_cast<std::ptrdiff_t>(visited));
  if (queued && sent < budget) sent += topology_->send_queued(budget - sent);
  return sent;
}

// At 100 busy devices each commit leaves most sessions with new records: read them in one outbox
// round (one read transaction) instead of one query and one WAL-index lock per session in pump().
// Only sessions that can send now are read for, and no more than the budget can send.
void Northbound::refill_ready(std::size_t budget) {
  ready_.clear();
  ready_sessions_.clear();
  std::size_t planned = 0;
  for (const std::uint32_t device : to_visit_) {
    if (planned >= budget) break;
    Session* session = target(device).session;
    if (!session || !session->wants_records()) continue;
    ready_.push_back(device);
    ready_sessions_.push_back(session);
    planned += session->take_batch();
  }
  if (ready_.size() < 2) return;  // a single session reads for itself in pump(): the same cost
  // Every session has the same take_batch (session_options() does not vary it).
  auto records = outbox_.take_many_by_index(ready_, ready_sessions_.front()->take_batch());
  for (std::size_t i = 0; i < ready_.size(); ++i) ready_sessions_[i]->offer(std::move(records[i]));
}

bool Northbound::reply(const std::string& device, const Command& command,
                       const CommandResult& result) {
  if (topology_ && topology_->has(device)) return topology_->reply(device, command, result);
  Session* session = find(device);
  return session && session->reply(command, result);
}

std::vector<SessionStatus> Northbound::status() const {
  std::vector<SessionStatus> out;
  out.reserve(sessions_.size());
  for (const auto& session : sessions_) out.push_back(session->status());
  if (topology_) {
    auto subs = topology_->status();
    out.insert(out.end(), subs.begin(), subs.end());
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.device < b.device; });
  }
  return out;
}

std::optional<SessionStatus> Northbound::status(const std::string& device) const {
  if (topology_ && topology_->has(device)) return topology_->status(device);
  const Session* session = session_named(device);
  if (!session) return std::nullopt;
  return session->status();
}

std::string Northbound::summary() const {
  std::array<std::size_t, SessionChanges::kStates> counts{};
  for (std::size_t i = 0; i < counts.size(); ++i)
    counts[i] = changes_.count(static_cast<SessionState>(i));
  // Sub-devices (cloud.mode = "gateway"): the counts per state the topology keeps.
  if (topology_) topology_->count_states(counts);
  std::string out;
  for (std::size_t i = 0; i < SessionChanges::kStates; ++i) {
    const auto state = static_cast<SessionState>(i);
    const std::size_t n = counts[i];
    if (n == 0) continue;
    if (!out.empty()) out += ", ";
    out += std::string(to_string(state)) + " " + std::to_string(n);
  }
  return out.empty() ? std::string("no devices") : out;
}

std::vector<SessionStatus> Northbound::take_changed() {
  std::vector<SessionStatus> out;
  for (Session* session : changes_.take()) out.push_back(session->take_status());
  // Sub-devices mark themselves as sessions do: only those that changed.
  if (topology_) {
    for (auto& s : topology_->take_changed()) out.push_back(std::move(s));
  }
  return out;
}

void Northbound::stop() {
  if (gateway_) gateway_->stop();
  for (auto& session : sessions_) session->stop();
}

}  // namespace edgegw::northbound
