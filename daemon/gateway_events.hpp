// The stable journal events (daemon/message_ids.hpp) sent up as the gateway identity's events on
// the platform: auth failed, identity conflict, clock wait, store dropping / quarantined,
// certificate expiring, configuration refused. Each is the line the journal got, with its
// identifier (the thing model's name: auth_failed, store_dropping, ...) and the device it is
// about.
//
// The journal lines are seen through log::set_event_observer() from whatever thread wrote them,
// queued under a mutex, and turned into records on the loop by flush(). Each identifier has its
// own loop::LogRateLimit: per device `burst` events per window, then one "… and N more" event;
// past max_keys devices in a window the rest are only counted (one summary event), so ten
// thousand devices failing at once are a few hundred events at most, not ten thousand.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "loop/log_rate_limit.hpp"
#include "store/record.hpp"

struct sd_event;

namespace edgegw::daemon {

// The event identifier of a MESSAGE_ID; empty for an id that is not one of ours.
std::string_view event_identifier(std::string_view message_id);

class GatewayEvents {
 public:
  // Receives each event record (device, time, kind, fields and event set; seq by the outbox).
  using Post = std::function<void(store::Record)>;
  // Installs the observer. `loop` may be null (tests: summaries come with flush()).
  GatewayEvents(sd_event* loop, std::string gateway, Post post,
                loop::LogRateLimitOptions limit = {std::chrono::minutes(1), 3, 64});
  ~GatewayEvents();  // removes the observer
  GatewayEvents(const GatewayEvents&) = delete;
  GatewayEvents& operator=(const GatewayEvents&) = delete;

  // What the observer saw since the last call, as records (on the loop).
  void flush();
  // For tests and the observer: one event as the journal had it.
  void observe(std::string_view message_id, std::string_view device, std::string_view text);

 private:
  struct Seen {
    std::string identifier, device, text;
  };
  void post(const std::string& identifier, const std::string& device, const std::string& text);

  sd_event* loop_;
  std::string gateway_;
  Post post_;
  loop::LogRateLimitOptions limit_;
  std::mutex mutex_;
  std::vector<Seen> seen_;                                             // under mutex_
  std::map<std::string, std::unique_ptr<loop::LogRateLimit>> limits_;  // by identifier
};

}  // namespace edgegw::daemon
