#include "daemon/gateway.hpp"

#include <sys/epoll.h>

#include <algorithm>
#include <filesystem>

#include "daemon/device_log_fields.hpp"
#include "daemon/logging.hpp"
#include "daemon/version.hpp"
#include "northbound/platform_common.hpp"

namespace edgegw::daemon {
namespace {

namespace result_code = northbound::result_code;

spdlog::level::level_enum level_of(loop::LogLevel level) {
  return log::to_spdlog(level);
}

// Runs a loop callback; an exception escaping it (bad_alloc, a bug) ends the daemon in order
// instead of unwinding through sd-event's C code.
template <typename F>
int guarded(sd_event* loop, F&& f) noexcept {
  try {
    f();
  } catch (const std::exception& e) {
    spdlog::critical("gateway: unexpected error: {}; stopping", e.what());
    sd_event_exit(loop, 1);
  } catch (...) {
    spdlog::critical("gateway: unexpected error; stopping");
    sd_event_exit(loop, 1);
  }
  return 0;
}

}  // namespace

Gateway::Gateway(sd_event* loop, const Config& config, store::Outbox& outbox)
    : loop_(loop), outbox_(&outbox), config_(config) {
  describe_devices(config);  // the journal fields of every device's lines
  build_northbound(config);
  build_buses(config);
  build_local_mqtt(config);

  int r = sd_event_add_post(loop_, &post_, &Gateway::on_post, this);
  if (r >= 0) r = sd_event_add_defer(loop_, &idle_, &Gateway::on_idle, this);
  if (r >= 0) r = sd_event_source_set_priority(idle_, SD_EVENT_PRIORITY_IDLE);
  if (r >= 0) r = sd_event_source_set_enabled(idle_, SD_EVENT_OFF);
  if (r >= 0) {
    r = sd_event_add_time_relative(loop_, &commit_timer_, CLOCK_MONOTONIC, 0, 0,
                                   &Gateway::on_commit_timer, this);
  }
  if (r >= 0) r = sd_event_source_set_enabled(commit_timer_, SD_EVENT_OFF);
  if (r >= 0) {
    r = sd_event_add_time_relative(
        loop_, &housekeeping_, CLOCK_MONOTONIC,
        std::chrono::duration_cast<std::chrono::microseconds>(kHousekeeping).count(), 0,
        &Gateway::on_housekeeping, this);
  }
  if (r < 0) throw std::runtime_error("cannot set up the gateway's event sources");
}

Gateway::~Gateway() {
  for (auto* s : {post_, idle_, commit_timer_, housekeeping_}) {
    if (s) sd_event_source_disable_unref(s);
  }
  for (auto& bus : buses_) {
    if (bus->io) sd_event_source_disable_unref(bus->io);
  }
  // The source and the sessions hold commit callbacks and outbox references: they go first.
  local_mqtt_.reset();
  buses_.clear();
  northbound_.reset();
  local_resolver_.reset();
}

void Gateway::build_northbound(const Config& config) {
  northbound::NorthboundOptions options;
  options.cloud = config.cloud;
  options.state_dir = config.gateway.state_dir;
  options.build_epoch = std::chrono::system_clock::time_point(std::chrono::seconds(build_epoch()));
  northbound::NorthboundHandlers handlers;
  handlers.on_command = [this](const std::string& device, const northbound::Command& command) {
    on_command(device, command);
  };
  handlers.log = [](loop::LogLevel level, std::string_view device, std::string_view message) {
    log::device(level_of(level), device, "{}", message);
  };
  northbound_ = std::make_unique<northbound::Northbound>(loop_, *outbox_, std::move(options),
                                                         std::move(handlers));
  for (const auto& device : config.devices) {
    identities_.push_back(device.cloud);
    identities_.back().device = device.name;
  }
}

void Gateway::build_buses(const Config& config) {
  for (const auto& options : config.buses) {
    auto devices = modbus_devices_of(config, options.name);
    if (devices.empty()) continue;  // a bus without devices needs no thread
    buses_.push_back(make_bus(options, std::move(devices)));
  }
}

std::vector<southbound::ModbusDevice> Gateway::modbus_devices_of(const Config& config,
                                                                 const std::string& bus) {
  std::vector<southbound::ModbusDevice> devices;
  for (const auto& device : config.devices) {
    if (device.modbus && device.modbus->bus == bus) {
      devices.push_back({device.name, *device.modbus});
    }
  }
  return devices;
}

std::unique_ptr<Gateway::Bus> Gateway::make_bus(const southbound::BusOptions& options,
                                                std::vector<southbound::ModbusDevice> devices) {
  auto slot = std::make_unique<Bus>();
  slot->gateway = this;
  slot->devices = devices;
  slot->bus = std::make_unique<southbound::ModbusBus>(
      options, std::move(devices),
      [bus = options.name](loop::LogLevel level, std::string_view device,
                           std::string_view message) {
        // From the bus thread (the logger and the device directory are mt-safe).
        if (device.empty()) {
          log::source_line(level_of(level), {}, bus, message);
        } else {
          log::source_line(level_of(level), device, bus,
                           fmt::format("modbus device {} {}", device, message));
        }
      });
  for (const auto& device : slot->devices) bus_of_device_[device.name] = slot->bus.get();
  if (sd_event_add_io(loop_, &slot->io, slot->bus->event_fd(), EPOLLIN, &Gateway::on_bus_io,
                      slot.get()) < 0) {
    throw std::runtime_error("cannot watch Modbus bus " + options.name);
  }
  return slot;
}

void Gateway::build_local_mqtt(const Config& config) {
  std::vector<southbound::LocalMqttDevice> devices;
  for (const auto& device : config.devices) {
    if (device.mqtt) devices.push_back({device.name, *device.mqtt});
  }
  if (devices.empty()) return;
  local_resolver_ = std::make_unique<mqtt::Resolver>(loop_);
  local_mqtt_ = std::make_unique<southbound::LocalMqttSource>(
      loop_, *local_resolver_, config.local_mqtt, std::move(devices),
      [this](store::Record record, std::function<void()> on_committed) {
        append(std::move(record), std::move(on_committed));
      },
      [](loop::LogLevel level, std::string_view device, std::string_view message) {
        if (device.empty()) {
          log::source_line(level_of(level), {}, {}, message);
        } else {
          log::device(level_of(level), device, "{}", message);
        }
      });
}

void Gateway::start() {
  if (started_) return;
  started_ = true;
  for (const auto& identity : identities_) northbound_->add_device(identity);
  for (auto& bus : buses_) bus->bus->start();
  if (local_mqtt_) local_mqtt_->start();
}

void Gateway::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (local_mqtt_) local_mqtt_->stop();
  for (auto& bus : buses_) {
    bus->bus->stop();
    on_bus_ready(*bus);  // the last readings the thread produced
  }
  northbound_->stop();
  if (outbox_->has_pending()) {
    const auto r = outbox_->commit();
    if (!r.ok()) spdlog::error("outbox: the last commit failed: {}", r.error);
  }
}

// --- readings ----------------------------------------------------------------------------------

void Gateway::append(store::Record record, std::function<void()> on_committed) {
  remember_values(record);
  outbox_->append(std::move(record), std::move(on_committed));
  ++counters_.readings;
  drain_wanted_ = true;
  request_commit();
}

void Gateway::remember_values(const store::Record& record) {
  if (record.kind == store::RecordKind::device_status) {
    for (const auto& field : record.fields) {
      const bool* online = std::get_if<bool>(&field.value);
      if (field.name == "online" && online) source_online_[record.device] = *online;
    }
    return;
  }
  if (record.kind != store::RecordKind::telemetry) return;
  auto& values = last_values_[record.device];
  for (const auto& field : record.fields) values[field.name] = field.value;
}

void Gateway::on_bus_ready(Bus& slot) {
  for (auto& record : slot.bus->take_readings()) append(std::move(record));
  for (const auto& result : slot.bus->take_write_results()) on_write_result(result);
}

// --- group commit ------------------------------------------------------------------------------

void Gateway::request_commit() {
  if (commit_armed_) return;
  commit_armed_ = true;
  const auto now = std::chrono::steady_clock::now();
  auto delay = std::chrono::duration_cast<std::chrono::microseconds>(kCommitLatency);
  if (now < commit_retry_at_) {
    // After a failure: only the timer, at the retry time.
    delay = std::chrono::duration_cast<std::chrono::microseconds>(commit_retry_at_ - now);
  } else {
    sd_event_source_set_enabled(idle_, SD_EVENT_ONESHOT);
  }
  std::uint64_t now_usec = 0;
  sd_event_now(loop_, CLOCK_MONOTONIC, &now_usec);
  sd_event_source_set_time(commit_timer_, now_usec + static_cast<std::uint64_t>(delay.count()));
  sd_event_source_set_enabled(commit_timer_, SD_EVENT_ONESHOT);
}

void Gateway::commit() {
  commit_armed_ = false;
  sd_event_source_set_enabled(idle_, SD_EVENT_OFF);
  sd_event_source_set_enabled(commit_timer_, SD_EVENT_OFF);
  if (outbox_->has_pending()) {
    const auto r = outbox_->commit();
    if (!r.ok()) {
      ++counters_.commit_failures;
      if (commit_backoff_.count() == 0) {
        spdlog::error(
            "outbox: commit failed ({}); readings stay queued in memory and the commit "
            "is retried",
            r.status == store::CommitStatus::disk_full ? "disk full" : r.error);
      }
      commit_backoff_ = std::clamp(commit_backoff_ * 2, std::chrono::milliseconds(100),
                                   std::chrono::milliseconds(10000));
      commit_retry_at_ = std::chrono::steady_clock::now() + commit_backoff_;
      request_commit();
      return;
    }
    if (commit_backoff_.count() != 0) spdlog::info("outbox: commits succeed again");
    commit_backoff_ = std::chrono::milliseconds(0);
    commit_retry_at_ = {};
    ++counters_.commits;
    if (r.dropped_by_size || r.dropped_by_age) {
      spdlog::warn("outbox: dropped {} record(s) over max_size and {} over max_age",
                   r.dropped_by_size, r.dropped_by_age);
    }
  }
  drain();
}

void Gateway::drain() {
  drain_wanted_ = false;
  if (!stopped_) northbound_->drain();
}

void Gateway::flush() {
  commit();
}

// --- commands ----------------------------------------------------------------------------------

void Gateway::on_command(const std::string& device, const northbound::Command& command) {
  ++counters_.commands;
  switch (command.kind) {
    case northbound::Command::Kind::set_points:
      set_points(device, command);
      return;
    case northbound::Command::Kind::get_points:
      get_points(device, command);
      return;
    case northbound::Command::Kind::run_command:
      reply(device, command,
            {false,
             result_code::bad_parameter,
             "command '" + command.name + "' is not supported; only setting and reading points",
             {}});
      return;
  }
}

void Gateway::set_points(const std::string& device, const northbound::Command& command) {
  if (auto it = bus_of_device_.find(device); it != bus_of_device_.end()) {
    const std::uint64_t id = next_write_id_++;
    pending_writes_[id] = {device, command};
    it->second->submit_write({device, id, command.values});
    return;
  }
  if (local_mqtt_ && local_mqtt_->has_device(device)) {
    auto refused = local_mqtt_->publish_command(
        device, command.values, [this, device, command](bool ok, const std::string& message) {
          reply(device, command,
                {ok, ok ? result_code::ok : result_code::device_error, message, {}});
        });
    if (refused) {
      const int code =
          command.values.empty() ? result_code::bad_parameter : result_code::device_error;
      reply(device, command, {false, code, *refused, {}});
    }
    return;
  }
  reply(device, command,
        {false, result_code::bad_parameter, "the device has no writable southbound side", {}});
}

void Gateway::get_points(const std::string& device, const northbound::Command& command) {
  northbound::CommandResult result;
  const auto it = last_values_.find(device);
  std::vector<std::string> missing;
  for (const auto& wanted : command.values) {
    if (it != last_values_.end()) {
      if (auto v = it->second.find(wanted.name); v != it->second.end()) {
        result.values.push_back({wanted.name, v->second});
        continue;
      }
    }
    missing.push_back(wanted.name);
  }
  if (command.values.empty() && it != last_values_.end()) {
    for (const auto& [name, value] : it->second) result.values.push_back({name, value});
  }
  if (!missing.empty()) {
    result.ok = result.values.size() > 0;
    result.code = result.ok ? result_code::ok : result_code::bad_parameter;
    result.message = "no value reported yet for:";
    for (const auto& name : missing) result.message += " " + name;
  } else {
    result.message = "ok";
  }
  reply(device, command, std::move(result));
}

void Gateway::on_write_result(const southbound::WriteResult& write) {
  auto it = pending_writes_.find(write.request_id);
  if (it == pending_writes_.end()) return;
  PendingWrite pending = std::move(it->second);
  pending_writes_.erase(it);
  const int code = write.ok                 ? result_code::ok
                   : write.failures.empty() ? result_code::device_error
                                            : result_code::bad_parameter;
  reply(pending.device, pending.command, {write.ok, code, write.message, {}});
}

void Gateway::reply(const std::string& device, const northbound::Command& command,
                    northbound::CommandResult result) {
  if (!result.ok) ++counters_.command_failures;
  log::device(result.ok ? spdlog::level::info : spdlog::level::warn, device, "command {}: {}",
              command.request_id, result.ok ? "done" : result.message);
  if (!northbound_->reply(device, command, result)) {
    log::device(spdlog::level::warn, device, "the reply to command {} was dropped",
                command.request_id);
  }
}

// --- status ------------------------------------------------------------------------------------

std::string Gateway::summary() const {
  std::string out = std::to_string(northbound_->size()) + " device(s): " + northbound_->summary() +
                    "; backlog " + std::to_string(outbox_->total_backlog());
  if (local_mqtt_) out += "; local broker " + std::string(to_string(local_mqtt_->state()));
  return out;
}

std::vector<std::pair<std::string, southbound::BusStats>> Gateway::bus_stats() const {
  std::vector<std::pair<std::string, southbound::BusStats>> out;
  for (const auto& slot : buses_) out.emplace_back(slot->bus->options().name, slot->bus->stats());
  return out;
}

std::optional<bool> Gateway::source_online(const std::string& device) const {
  if (auto it = source_online_.find(device); it != source_online_.end()) return it->second;
  return std::nullopt;
}

// --- sd-event trampolines ----------------------------------------------------------------------

int Gateway::on_post(sd_event_source*, void* self) noexcept {
  auto* g = static_cast<Gateway*>(self);
  // Acks queued by sessions on PUBACK need a commit too. Another owner of the outbox (the
  // daemon's own per-iteration commit) may have committed our appends already: then only the
  // drain is left to do.
  return guarded(g->loop_, [g] {
    if (g->outbox_->has_pending()) {
      if (!g->commit_armed_) g->request_commit();
    } else if (g->drain_wanted_) {
      g->drain();
    }
  });
}

int Gateway::on_idle(sd_event_source*, void* self) noexcept {
  auto* g = static_cast<Gateway*>(self);
  return guarded(g->loop_, [g] { g->commit(); });
}

int Gateway::on_commit_timer(sd_event_source*, std::uint64_t, void* self) noexcept {
  auto* g = static_cast<Gateway*>(self);
  return guarded(g->loop_, [g] { g->commit(); });
}

int Gateway::on_housekeeping(sd_event_source* s, std::uint64_t usec, void* self) noexcept {
  auto* g = static_cast<Gateway*>(self);
  sd_event_source_set_time(
      s, usec + std::chrono::duration_cast<std::chrono::microseconds>(kHousekeeping).count());
  sd_event_source_set_enabled(s, SD_EVENT_ON);
  return guarded(g->loop_, [g] {
    // Now and then an outbox commit even without changes: it enforces max_age.
    if (++g->housekeeping_ticks_ % 60 == 0 && !g->commit_armed_) g->outbox_->commit();
    g->drain();
  });
}

int Gateway::on_bus_io(sd_event_source*, int, std::uint32_t, void* self) noexcept {
  auto* slot = static_cast<Bus*>(self);
  return guarded(slot->gateway->loop_, [slot] { slot->gateway->on_bus_ready(*slot); });
}

}  // namespace edgegw::daemon
