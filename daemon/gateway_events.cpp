#include "daemon/gateway_events.hpp"

#include <chrono>

#include "daemon/logging.hpp"
#include "daemon/message_ids.hpp"

namespace edgegw::daemon {

std::string_view event_identifier(std::string_view message_id) {
  static constexpr std::pair<const log::MessageId*, std::string_view> kNames[] = {
      {&log::kAuthFailed, "auth_failed"},
      {&log::kIdentityConflict, "identity_conflict"},
      {&log::kClockWait, "clock_wait"},
      {&log::kStoreDropping, "store_dropping"},
      {&log::kStoreQuarantined, "store_quarantined"},
      {&log::kStoreWalPinned, "store_wal_pinned"},
      {&log::kCertificateExpiring, "certificate_expiring"},
      {&log::kConfigRefused, "config_refused"}};
  for (const auto& [id, name] : kNames) {
    if (id->id == message_id) return name;
  }
  return {};
}

GatewayEvents::GatewayEvents(sd_event* loop, std::string gateway, Post post,
                             loop::LogRateLimitOptions limit)
    : loop_(loop), gateway_(std::move(gateway)), post_(std::move(post)), limit_(limit) {
  log::set_event_observer([this](std::string_view id, std::string_view device,
                                 std::string_view text) { observe(id, device, text); });
}

GatewayEvents::~GatewayEvents() {
  log::set_event_observer({});
}

void GatewayEvents::observe(std::string_view message_id, std::string_view device,
                            std::string_view text) {
  const auto identifier = event_identifier(message_id);
  if (identifier.empty()) return;
  std::lock_guard lock(mutex_);
  if (seen_.size() >= 10000) return;  // flushed every second; a flood beyond this is noise
  seen_.push_back({std::string(identifier), std::string(device), std::string(text)});
}

void GatewayEvents::flush() {
  std::vector<Seen> seen;
  {
    std::lock_guard lock(mutex_);
    seen.swap(seen_);
  }
  const auto now = loop::LogRateLimit::Clock::now();
  for (auto& [identifier, limit] : limits_) limit->flush_at(now);
  for (const auto& s : seen) {
    auto& limit = limits_[s.identifier];
    if (!limit) {
      limit = std::make_unique<loop::LogRateLimit>(
          loop_,
          [this, identifier = s.identifier](loop::LogLevel, std::string_view device,
                                            std::string_view text) {
            post(identifier, std::string(device), std::string(text));
          },
          limit_);
    }
    limit->log_at(now, loop::LogLevel::warning, s.device, s.identifier, s.text);
  }
}

void GatewayEvents::post(const std::string& identifier, const std::string& device,
                         const std::string& text) {
  store::Record r;
  r.device = gateway_;
  r.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  r.kind = store::RecordKind::event;
  r.event = identifier;
  r.fields.push_back({"message", text});
  if (!device.empty()) r.fields.push_back({"device", device});
  post_(std::move(r));
}

}  // namespace edgegw::daemon
