#include "northbound/session.hpp"

#include <systemd/sd-event.h>

#include <cmath>
#include <ctime>
#include <limits>
#include <utility>

#include "loop/guarded.hpp"
#include "northbound/platform_defaults.hpp"

namespace edgegw::northbound {

namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr std::uint64_t kTimerAccuracyUsec = 1000;

mqtt::OcspMode to_mqtt(OcspMode mode) {
  switch (mode) {
    case OcspMode::off:
      return mqtt::OcspMode::off;
    case OcspMode::prefer:
      return mqtt::OcspMode::prefer;
    case OcspMode::require:
      return mqtt::OcspMode::require;
  }
  return mqtt::OcspMode::off;
}

ConnectFailure to_failure(ConnectVerdict verdict) {
  switch (verdict) {
    case ConnectVerdict::retry_soon:
      return ConnectFailure::transient;
    case ConnectVerdict::back_off_long:
      return ConnectFailure::rejected;
    case ConnectVerdict::configuration_error:
      return ConnectFailure::misconfigured;
  }
  return ConnectFailure::transient;
}

std::string seconds_text(SteadyClock::duration d) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  return std::to_string(s < 0 ? 0 : s) + " s";
}

// Whether the platform would give this device registration parameters (not registered yet).
bool registration_pending(const Platform& platform, const DeviceIdentity& id,
                          std::chrono::system_clock::time_point wall) {
  if (id.auth != AuthMode::register_ && id.auth != AuthMode::register_nwl) return false;
  return platform.connect_params(id, wall, "00000").purpose == ConnectPurpose::registration;
}

}  // namespace

Session::Session(const SessionEnvironment& env, DeviceIdentity identity, SessionOptions options)
    : Session(env, std::make_shared<const DeviceIdentity>(std::move(identity)), options) {}

Session::Session(const SessionEnvironment& env, std::shared_ptr<const DeviceIdentity> identity,
                 SessionOptions options)
    : env_(env),
      identity_(std::move(identity)),
      options_{options.connect_timeout, options.registration_timeout, options.take_batch,
               options.max_inflight},
      core_(
          [&] {
            SessionCoreOptions o;
            o.backoff = options.backoff;
            o.conflict = options.conflict;
            o.clock = options.clock;
            o.signs_with_time = platform_defaults(env.platform->kind()).signs_with_time;
            o.needs_registration = registration_pending(*env.platform, *identity_, wall());
            o.seed = options.seed;
            return o;
          }(),
          *env.limiter, env.slots, [this] { arm_timer(SteadyClock::now()); }),
      gate_(options.max_inflight, options.publish_rate),
      counted_state_(core_.state()) {
  if (env_.changes) {
    env_.changes->enter(counted_state_);
    changed();  // a new session is news to the status reader
  }
}

Session::~Session() {
  if (!env_.changes) return;
  env_.changes->leave(counted_state_);
  if (marked_) env_.changes->forget(this);
}

void Session::changed() {
  if (!env_.changes) return;
  if (const auto state = core_.state(); state != counted_state_) {
    env_.changes->leave(counted_state_);
    env_.changes->enter(state);
    counted_state_ = state;
  }
  if (!marked_) {
    marked_ = true;
    env_.changes->mark(this);
  }
}

std::chrono::system_clock::time_point Session::wall() const {
  return env_.wall_clock ? env_.wall_clock() : std::chrono::system_clock::now();
}

void Session::log(loop::LogLevel level, const std::string& message) const {
  if (env_.log) env_.log(level, identity_->device, message);
}

void Session::log_per_message(std::string_view kind, const std::string& message) const {
  if (env_.log_limit) {
    env_.log_limit->log(loop::LogLevel::warning, identity_->device, kind, message);
  } else {
    log(loop::LogLevel::warning, message);
  }
}

void Session::start() {
  apply(core_.start(SteadyClock::now(), wall()));
}

void Session::stop() {
  const bool was_online = online();
  apply(core_.stop());
  if (was_online && carrier_) carrier_->carrier_offline();
  connection_.reset();
  timer_.set_enabled(SD_EVENT_OFF);
}

void Session::apply(const SessionDecision& d) {
  notice(d.notice);
  if (d.disconnect && connection_) {
    connection_->disconnect();
    forget_inflight();
  }
  if (d.wake_at) {
    arm_timer(*d.wake_at);
  } else if (timer_ && !d.connect && d.state != SessionState::online) {
    timer_.set_enabled(SD_EVENT_OFF);
  }
  if (d.connect) open_connection();
  changed();
}

void Session::tell(StoryLine line) const {
  if (env_.story) {
    env_.story(identity_->device, line);
  } else {
    log(line.level, line.message);
  }
}

std::string Session::retry_text() const {
  auto until = core_.until();
  if (!until) return "when a connect slot is free";
  auto in = *until - SteadyClock::now();
  auto at = std::chrono::system_clock::to_time_t(
      wall() + std::chrono::duration_cast<std::chrono::system_clock::duration>(in));
  std::tm tm{};
  localtime_r(&at, &tm);
  char clock[16];
  std::strftime(clock, sizeof clock, "%H:%M:%S", &tm);
  return "next attempt in " + seconds_text(in) + " (at " + clock + ")";
}

void Session::notice(SessionNotice n) {
  const auto& error = core_.last_error();
  switch (n) {
    case SessionNotice::none:
      return;
    case SessionNotice::clock_wait:
      tell({StoryEvent::clock_wait, loop::LogLevel::warning,
            "the system clock is before this build's date; not connecting until it is set "
            "(the platform would refuse credentials signed with a wrong time)",
            "clock before build date"});
      return;
    case SessionNotice::clock_ok:
      tell({StoryEvent::clock_ok, loop::LogLevel::info, "the system clock is set now; connecting",
            ""});
      return;
    case SessionNotice::auth_failed:
      tell({StoryEvent::refused, loop::LogLevel::error,
            "the cloud refused this device's credentials (" + error +
                "); check its identity and secret in [device.cloud]; " + retry_text(),
            error});
      return;
    case SessionNotice::misconfigured:
      tell({StoryEvent::refused, loop::LogLevel::error,
            "cannot connect: " + error + "; fix the configuration; " + retry_text(), error});
      return;
    case SessionNotice::identity_conflict:
      tell({StoryEvent::identity_conflict, loop::LogLevel::warning,
            "another client is using this identity: the server closed the connection again and "
            "again right after connecting; " +
                retry_text(),
            error});
      return;
    case SessionNotice::recovered:
      tell({StoryEvent::recovered, loop::LogLevel::info,
            "connected again; the credentials were accepted", ""});
      return;
  }
}

// WebSocket and proxy from [cloud]. False (and the attempt failed as misconfigured) when the
// proxy URL does not parse; config/ refuses such a file, so only a hand-made option gets here.
bool Session::apply_route(mqtt::ConnectOptions& o) {
  if (env_.cloud->websocket) o.ws_path = env_.cloud->ws_path;
  if (env_.cloud->proxy.empty() || mqtt::bypasses_proxy(o.host, env_.cloud->no_proxy)) return true;
  std::string error;
  o.proxy = mqtt::parse_proxy_url(env_.cloud->proxy, &error);
  if (o.proxy) return true;
  apply(core_.connect_failed(SteadyClock::now(), ConnectFailure::misconfigured, "proxy: " + error));
  return false;
}

void Session::open_connection() {
  auto now = SteadyClock::now();
  auto params = env_.platform->connect_params(*identity_, wall(), random_connid());
  if (!params.problem.empty()) {
    apply(core_.connect_failed(now, ConnectFailure::misconfigured, params.problem));
    return;
  }
  mqtt::ConnectOptions o;
  o.host = params.host;
  o.port = params.port;
  if (params.tls) {
    mqtt::TlsConfig tls;
    tls.ca_file = env_.cloud->ca_file.string();
    tls.ca_md5 = env_.cloud->ca_md5;
    tls.ca_sha256 = env_.cloud->ca_sha256;
    tls.ocsp = to_mqtt(env_.cloud->ocsp);
    tls.cert_file = params.cert_file.string();
    tls.key_file = params.key_file.string();
    tls.psk = !params.psk_key.empty();
    std::string error;
    o.tls = env_.tls->get(tls, &error);
    if (!o.tls) {
      apply(core_.connect_failed(now, ConnectFailure::misconfigured, "TLS setup: " + error));
      return;
    }
    o.psk_identity = params.psk_identity;
    o.psk_key = params.psk_key;
  }
  if (!apply_route(o)) return;
  o.client_id = params.client_id;
  if (!params.username.empty() || !params.password.empty()) o.username = params.username;
  if (!params.password.empty()) o.password = params.password;
  o.clean_session = params.clean_session;
  o.keepalive = params.keepalive;
  o.connect_timeout = options_.connect_timeout;
  o.max_inflight = options_.max_inflight;
  if (!connection_) {
    mqtt::Connection::Handler& handler = *this;
    connection_ = std::make_unique<mqtt::Connection>(env_.loop, *env_.resolver, handler);
  }
  if (env_.on_connect_attempt) env_.on_connect_attempt(identity_->device, core_.granted_at());
  auto where = std::string(o.ws_path ? (o.tls ? "wss://" : "ws://") : "") + o.host + ":" +
               std::to_string(o.port) + (o.ws_path ? *o.ws_path : "");
  if (o.proxy) where += " through proxy " + o.proxy->host + ":" + std::to_string(o.proxy->port);
  if (story_.attempt(now)) {
    tell({StoryEvent::connecting, loop::LogLevel::info, "connecting to " + where, ""});
  } else {
    tell({StoryEvent::retrying, loop::LogLevel::debug,
          "connecting to " + where + " (attempt " + std::to_string(story_.attempts()) + ")", ""});
  }
  if (!connection_->connect(std::move(o))) {
    log(loop::LogLevel::error,
        "cannot start a connect attempt: the event loop has no timer for it");
    apply(core_.connect_failed(now, ConnectFailure::transient, "no timer for the connect attempt"));
  }
}

void Session::on_connected(bool /*session_present*/) {
  auto now = SteadyClock::now();
  apply(core_.connected(now));
  if (core_.state() == SessionState::online) {
    went_online();
  } else if (core_.state() == SessionState::registering) {
    log(loop::LogLevel::info,
        "connected for dynamic registration; waiting for the platform's reply");
    arm_timer(now + options_.registration_timeout);
  }
}

void Session::went_online() {
  online_since_ = wall();
  // Online, the timer is only wanted when the publish rate holds records back; arm_timer() makes
  // it again then. 10,000 idle sessions keep no disabled sd-event source (~300 bytes each).
  timer_.reset();
  const auto online = story_.online(SteadyClock::now());
  const auto took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(online.took).count();
  tell({StoryEvent::online, loop::LogLevel::info,
        "online after " + std::to_string(took_ms / 1000) + "." +
            std::to_string(took_ms % 1000 / 100) + " s, attempt " + std::to_string(online.attempt),
        ""});
  // Whatever was in flight on the previous link goes again (at-least-once).
  forget_inflight();
  env_.outbox->release(identity_->device);
  for (const auto& filter : env_.platform->subscriptions(*identity_)) {
    connection_->subscribe({{filter, 1}});
  }
  pump(std::numeric_limits<std::size_t>::max());
  if (carrier_) carrier_->carrier_online();
}

std::optional<std::uint16_t> Session::carry(const Publication& publication) {
  if (!online() || !connection_ || !connection_->connected()) return std::nullopt;
  auto id = connection_->publish(publication.topic, publication.payload, publication.qos);
  if (id) ++published_;
  return id;
}

std::optional<std::uint16_t> Session::carry_subscribe(const std::string& filter) {
  if (!online() || !connection_ || !connection_->connected()) return std::nullopt;
  return connection_->subscribe({{filter, 1}});
}

void Session::forget_inflight() {
  pending_.clear();
  inflight_.clear();
  parts_left_.clear();
  held_ = 0;
}

void Session::on_closed(const mqtt::Outcome& outcome) {
  auto now = SteadyClock::now();
  auto was = core_.state();
  std::string detail = std::string(mqtt::to_string(outcome.reason));
  if (!outcome.detail.empty()) detail += ": " + outcome.detail;
  forget_inflight();
  if (was == SessionState::online && carrier_) carrier_->carrier_offline();
  SessionDecision d;
  if (outcome.reason == mqtt::CloseReason::refused) {
    auto verdict = env_.platform->classify_connack(outcome.connack_code);
    detail = "CONNACK code " + std::to_string(outcome.connack_code) +
             (verdict.hint.empty() ? std::string() : ": " + verdict.hint);
    d = core_.connect_failed(now, to_failure(verdict.verdict), detail);
  } else if (outcome.reason == mqtt::CloseReason::tls_failed && was != SessionState::online) {
    // A handshake refused; a link that was up and then failed is an ordinary close (below).
    auto verdict = classify_tls_failure(outcome.detail);
    if (!verdict.hint.empty()) detail += " (" + verdict.hint + ")";
    d = core_.connect_failed(now, to_failure(verdict.verdict), detail);
  } else {
    d = core_.closed(now, outcome.reason == mqtt::CloseReason::peer_closed, detail);
  }
  apply(d);
  tell_closed(was, d.notice, detail);
}

// After apply(): the retry time is the one just decided. `notice`: what apply() told already.
void Session::tell_closed(SessionState was, SessionNotice notice, const std::string& detail) {
  const auto state = core_.state();
  if (was == SessionState::online) {
    story_.lost(SteadyClock::now());
    if (notice == SessionNotice::none) {
      tell({StoryEvent::lost, loop::LogLevel::info,
            "connection lost (" + detail + "); " + retry_text(), detail});
    }
    return;
  }
  if (state != SessionState::waiting && state != SessionState::auth_failed) return;
  const bool news = story_.failed(detail);
  if (notice != SessionNotice::none) return;
  const bool refused = state == SessionState::auth_failed;
  if (!news) {
    tell({StoryEvent::retrying, loop::LogLevel::debug,
          std::string(refused ? "refused again (" : "connect failed (") + detail + "); " +
              retry_text(),
          detail});
  } else if (refused) {
    tell({StoryEvent::refused, loop::LogLevel::error,
          "the cloud refused the connection, now for another reason (" + detail + "); " +
              retry_text(),
          detail});
  } else {
    tell({StoryEvent::backing_off, loop::LogLevel::info,
          "backing off: connect failed (" + detail + "); " + retry_text(), detail});
  }
}

void Session::on_message(const mqtt::Message& message) {
  // The packet id is taken before handling: the handler may end the connection.
  auto qos = message.qos;
  auto id = message.packet_id;
  if (core_.state() == SessionState::registering) {
    auto r = env_.platform->decode_downlink(*identity_, message.topic, message.payload);
    if (r.registration) {
      if (qos > 0 && connection_) connection_->ack(id);
      handle_registration(*r.registration);
      return;
    }
  } else if (!carrier_ || !carrier_->carrier_message(message)) {
    handle_downlink(message);
  }
  if (qos > 0 && connection_ && connection_->connected()) connection_->ack(id);
}

void Session::handle_registration(const Registration& registration) {
  auto now = SteadyClock::now();
  if (auto error = env_.platform->save_registration(*identity_, registration)) {
    if (connection_) connection_->disconnect();
    apply(core_.connect_failed(now, ConnectFailure::misconfigured,
                               "storing the registration failed: " + *error));
    return;
  }
  log(loop::LogLevel::info, "dynamic registration done; connecting with the obtained credentials");
  apply(core_.registered(now));
}

void Session::handle_downlink(const mqtt::Message& message) {
  if (message.dropped_payload > 0) {
    log_per_message("oversized downlink", "ignoring a downlink message on " + message.topic +
                                              " of " + std::to_string(message.dropped_payload) +
                                              " bytes: over the size limit");
    return;
  }
  auto r = env_.platform->decode_downlink(*identity_, message.topic, message.payload);
  if (r.command) {
    ++commands_;
    changed();
    if (env_.on_command) env_.on_command(identity_->device, *r.command);
  } else if (r.ack && !r.ack->ok) {
    log_per_message("refused message", "the platform refused message " + r.ack->id + " (code " +
                                           std::to_string(r.ack->code) + ": " + r.ack->message +
                                           ")");
  } else if (r.error) {
    log_per_message("downlink " + std::string(to_string(r.error->problem)),
                    "ignoring a downlink message on " + message.topic + ": " +
                        std::string(to_string(r.error->problem)) + ": " + r.error->reason);
    if (r.error->reply && replies_.size() < kMaxQueuedReplies) {
      replies_.push_back(*r.error->reply);
      flush_replies();
    }
  }
}

void Session::on_suback(std::uint16_t /*packet_id*/, std::vector<int> return_codes) {
  for (int code : return_codes) {
    if (code == 0x80 && !suback_refusal_logged_) {
      suback_refusal_logged_ = true;
      log(loop::LogLevel::warning,
          "the platform refused a command-topic subscription; "
          "commands from the cloud may not arrive");
    }
  }
}

void Session::arm_timer(SteadyClock::time_point at) {
  auto usec = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count());
  if (!timer_) {
    if (sd_event_add_time(env_.loop, timer_.out(), CLOCK_MONOTONIC, usec, kTimerAccuracyUsec,
                          &Session::timer_trampoline, this) < 0) {
      log(loop::LogLevel::error, "cannot add a timer to the event loop");
    }
    return;
  }
  sd_event_source_set_time(timer_.get(), usec);
  timer_.set_enabled(SD_EVENT_ONESHOT);
}

int Session::timer_trampoline(sd_event_source* source, std::uint64_t, void* self) {
  return loop::guarded(source, "cloud session timer",
                       [&] { static_cast<Session*>(self)->on_timer(); });
}

void Session::on_timer() {
  auto now = SteadyClock::now();
  switch (core_.state()) {
    case SessionState::online:
      pump(std::numeric_limits<std::size_t>::max());
      return;
    case SessionState::registering:
      if (connection_ && connection_->connected()) {
        connection_->disconnect();
        apply(core_.closed(now, false, "no registration reply from the platform"));
      }
      return;
    default:
      apply(core_.timer(now, wall()));
  }
}

SessionStatus Session::take_status() {
  marked_ = false;
  return status();
}

SessionStatus Session::status() const {
  SessionStatus s;
  s.device = identity_->device;
  s.state = core_.state();
  if (auto until = core_.until()) {
    s.retry_at = wall() + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                              *until - SteadyClock::now());
  }
  if (s.state == SessionState::online) s.online_since = online_since_;
  s.backlog = env_.outbox->backlog(identity_->device);
  s.inflight = connection_ ? connection_->inflight() : 0;
  s.published = published_;
  s.acknowledged = acknowledged_;
  s.commands = commands_;
  s.connect_attempts = core_.connect_attempts();
  s.last_error = core_.last_error();
  return s;
}

}  // namespace edgegw::northbound
