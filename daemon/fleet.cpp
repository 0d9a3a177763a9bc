#include "daemon/fleet.hpp"

#include <spdlog/spdlog.h>

#include "daemon/gateway.hpp"
#include "daemon/report_fields.hpp"
#include "northbound/result_codes.hpp"

namespace edgegw::daemon {
namespace {

// The oldest record's age moves by seconds and is reported by minutes: a read every 10 s is fresh
// enough, and keeps the per-device seeks out of the 1 s tick.
constexpr auto kOldestEvery = std::chrono::seconds(10);

// The largest status document sent whole: platforms cap a message (Alibaba 256 KiB, Huawei 1 MiB,
// Tencent 16 KiB per the data template); past this the devices are left out and counted.
constexpr std::size_t kMaxStatusBytes = 12 * 1024;

}  // namespace

Fleet::Fleet(sd_event* loop, const config::Config& config, Gateway& gateway, FleetHooks hooks)
    : loop_(loop),
      gateway_(gateway),
      hooks_(std::move(hooks)),
      schedule_(config.gateway.health_interval, config.gateway.health_min_interval),
      operations_(*this) {
  configure(config);
  gateway_.on_gateway_command(
      [this](const northbound::Command& command) { operations_.on_command(command); });
}

Fleet::~Fleet() {
  gateway_.on_gateway_command({});
}

void Fleet::configure(const config::Config& config) {
  const bool renamed = config.gateway.name != name_;
  name_ = config.gateway.name;
  state_dir_ = config.gateway.state_dir.string();
  schedule_ = HealthSchedule(config.gateway.health_interval, config.gateway.health_min_interval);
  if (renamed || !events_) {
    events_.reset();  // one observer at a time
    events_ = std::make_unique<GatewayEvents>(
        loop_, name_, [this](store::Record record) { post(std::move(record)); });
  }
}

void Fleet::tick(const StatusReport& report, std::chrono::system_clock::time_point now) {
  events_->flush();
  operations_.tick();
  report_health(report, now);
}

void Fleet::report_health(const StatusReport& report, std::chrono::system_clock::time_point now) {
  const auto status = gateway_.gateway_status();
  const bool online = status && status->state == northbound::SessionState::online;
  if (online && !was_online_) schedule_.force();  // the cloud sees it fresh after a login
  was_online_ = online;
  HealthExtras extras;
  extras.now_ms = ms_of(now);
  extras.backlog_bytes = gateway_.outbox().database_bytes();
  const auto steady_now = std::chrono::steady_clock::now();
  if (steady_now - oldest_read_at_ >= kOldestEvery) {
    oldest_record_ms_ = gateway_.outbox().oldest_record_time_ms();
    oldest_read_at_ = steady_now;
  }
  extras.oldest_record_ms = oldest_record_ms_;
  extras.disk_free_bytes = disk_free(state_dir_);
  auto fields = health_fields(report, extras);
  const std::string signature = health_signature(fields);
  const auto steady = std::chrono::steady_clock::now();
  if (!schedule_.due(steady, signature)) return;
  schedule_.sent(steady, signature);
  store::Record r;
  r.time_ms = extras.now_ms;
  r.kind = store::RecordKind::telemetry;
  r.fields = std::move(fields);
  post(std::move(r));
  ++health_reports_;
}

void Fleet::post(store::Record record) {
  gateway_.post_as_gateway(std::move(record));
}

std::string Fleet::status_json() {
  std::string text = hooks_.status_json();
  if (text.size() <= kMaxStatusBytes) return text;
  // Too large for one message: the gateway's own part and the devices by state. `edgegw status`
  // on the box has the rest.
  auto report = status_from_json(text);
  if (!report) return text.substr(0, kMaxStatusBytes);
  report->devices.clear();
  report->removed_devices.clear();
  report->certificates.clear();
  return to_json(*report);
}

std::optional<std::string> Fleet::restart_session(const std::string& device) {
  if (device.empty()) return std::string("device must name a device (or the gateway)");
  if (!gateway_.restart_session(device)) return "no session is named '" + device + "'";
  return std::nullopt;
}

std::optional<std::string> Fleet::request_poll(const std::string& device) {
  return gateway_.request_poll(device);
}

std::optional<std::uint64_t> Fleet::polls_done(const std::string& device) {
  return gateway_.polls_done(device);
}

northbound::CommandResult Fleet::poll_answer(const std::string& device) {
  northbound::CommandResult r;
  const auto online = gateway_.source_online(device);
  r.values = gateway_.last_values(device).found;
  r.values.push_back({"online", online.value_or(false)});
  r.ok = online.value_or(false);
  r.code = r.ok ? northbound::result_code::ok : northbound::result_code::device_error;
  r.message = r.ok ? "polled" : device + " did not answer";
  return r;
}

void Fleet::reply(const northbound::Command& command, const northbound::CommandResult& r) {
  if (!gateway_.reply_as_gateway(command, r)) {
    spdlog::warn("remote operation {} (request {}): the answer could not be queued", command.name,
                 command.request_id);
  }
}

}  // namespace edgegw::daemon
