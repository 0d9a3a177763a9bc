#include "daemon/gateway.hpp"

#include <sys/epoll.h>

#include <algorithm>
#include <filesystem>

#include "daemon/device_log_fields.hpp"
#include "daemon/logging.hpp"
#include "daemon/version.hpp"
#include "loop/guarded.hpp"
#include "mqtt/output_batch.hpp"

namespace edgegw::daemon {
namespace {

spdlog::level::level_enum level_of(loop::LogLevel level) {
  return log::to_spdlog(level);
}

}  // namespace

Gateway::Gateway(sd_event* loop, std::shared_ptr<const config::Config> shared,
                 store::Outbox& outbox)
    : loop_(loop),
      outbox_(&outbox),
      config_(std::move(shared)),
      router_(
          *this, last_values_,
          [this](const std::string& device, const northbound::Command& command,
                 const northbound::CommandResult& result) {
            return northbound_->reply(device, command, result);
          },
          command_catalog(*config_)),
      // One write per connection for the commit's PUBACKs to the local broker and the
      // publishes of the drain that follows (mqtt/output_batch.hpp).
      commit_wakeup_(loop,
                     [this] {
                       mqtt::OutputBatch batch;
                       group_commit_.run(std::chrono::steady_clock::now());
                     }),
      group_commit_(outbox, commit_wakeup_,
                    [this] {
                      // What the baselines follow is durable now (nothing appended is pending).
                      if (outbox_->pending_appends() == 0) save_baselines();
                      drain();
                    }),
      session_journal_(loop) {
  const config::Config& config = *config_;
  describe_devices(config);  // the journal fields of every device's lines
  build_northbound(config_);
  build_buses(config);
  build_local_mqtt(config_);
  // A full window of the local broker waits on the commit: that one is not paced.
  group_commit_.set_waited_on([this] { return local_mqtt_ && local_mqtt_->blocked_on_commit(); });
  // Whatever queues a change arms the commit: a reading appended, a session's PUBACK acked, a
  // broken record found. (A post source did this after every loop iteration, and doubled the
  // iterations: each dispatch was followed by one more epoll_wait for the post source alone.)
  outbox.on_queued([this] { group_commit_.request(std::chrono::steady_clock::now()); });
  add_loop_sources();
}

Gateway::~Gateway() {
  outbox_->on_queued({});
  housekeeping_.reset();
  command_timer_.reset();
  for (auto& bus : buses_) bus->io.reset();
  // The source and the sessions hold commit callbacks and outbox references: they go first.
  local_mqtt_.reset();
  buses_.clear();
  northbound_.reset();
  local_resolver_.reset();
}

void Gateway::add_loop_sources() {
  int r = sd_event_add_time_relative(
      loop_, housekeeping_.out(), CLOCK_MONOTONIC,
      std::chrono::duration_cast<std::chrono::microseconds>(kHousekeeping).count(), 0,
      &Gateway::on_housekeeping, this);
  if (r >= 0) {
    // 1 ms accuracy: sd-event's default (an accuracy of 0) is 250 ms, and a command timeout of
    // 100 ms was answered 200-350 ms after its call.
    r = sd_event_add_time(loop_, command_timer_.out(), CLOCK_MONOTONIC, 0,
                          kCommandTimerAccuracyUsec, &Gateway::on_command_timer, this);
  }
  if (r >= 0) r = command_timer_.set_enabled(SD_EVENT_OFF);
  if (r < 0) throw std::runtime_error("cannot set up the gateway's event sources");
}

CommandCatalog Gateway::command_catalog(const config::Config& config) {
  CommandCatalog catalog;
  for (const auto& device : config.devices) {
    if (!device.commands.empty()) catalog[device.name] = device.commands;
  }
  return catalog;
}

void Gateway::arm_command_timer() {
  const auto deadline = router_.next_deadline();
  if (!deadline) {
    command_timer_.set_enabled(SD_EVENT_OFF);
    return;
  }
  // steady_clock is CLOCK_MONOTONIC, the timer's clock.
  const auto usec =
      std::chrono::duration_cast<std::chrono::microseconds>(deadline->time_since_epoch()).count();
  sd_event_source_set_time(command_timer_.get(),
                           static_cast<std::uint64_t>(std::max<long long>(usec, 1)));
  command_timer_.set_enabled(SD_EVENT_ONESHOT);
}

void Gateway::build_northbound(const std::shared_ptr<const config::Config>& config) {
  northbound::NorthboundOptions options;
  options.cloud = config->cloud;
  options.state_dir = config->gateway.state_dir;
  options.build_epoch = std::chrono::system_clock::time_point(std::chrono::seconds(build_epoch()));
  northbound::NorthboundHandlers handlers;
  handlers.on_command = [this](const std::string& device, const northbound::Command& command) {
    if (config_->gateway.cloud && device == config_->gateway.name) {
      if (gateway_commands_) gateway_commands_(command);
      return;
    }
    router_.on_command(device, command);
    arm_command_timer();
  };
  handlers.log = [](loop::LogLevel level, std::string_view device, std::string_view message) {
    log::relayed(level_of(level), device, message);
  };
  handlers.story = [this](std::string_view device, const northbound::StoryLine& line) {
    session_journal_.tell(device, line);
  };
  northbound_ = std::make_unique<northbound::Northbound>(loop_, *outbox_, std::move(options),
                                                         std::move(handlers));
  identities_ = identities_of(config);
}

std::vector<std::shared_ptr<const northbound::DeviceIdentity>> Gateway::identities_of(
    const std::shared_ptr<const config::Config>& config) {
  std::vector<std::shared_ptr<const northbound::DeviceIdentity>> out;
  out.reserve(config->devices.size());
  for (const auto& device : config->devices) {
    if (device.cloud.device == device.name) {   // as load_config() leaves it
      out.emplace_back(config, &device.cloud);  // aliasing: no copy (~0.6 KB per device)
      continue;
    }
    auto identity = std::make_shared<northbound::DeviceIdentity>(device.cloud);
    identity->device = device.name;
    out.push_back(std::move(identity));
  }
  return out;
}

std::optional<northbound::DeviceIdentity> Gateway::gateway_identity(const config::Config& config) {
  if (!config.gateway.cloud) return std::nullopt;
  auto identity = *config.gateway.cloud;
  identity.device = config.gateway.name;
  identity.role = northbound::IdentityRole::gateway;
  return identity;
}

void Gateway::build_buses(const config::Config& config) {
  baselines_file_ = config.gateway.state_dir / "event-baselines.json";
  std::string problem;
  baselines_ = load_event_baselines(baselines_file_, &problem);
  if (!problem.empty()) spdlog::warn("events: {}", problem);
  for (const auto& options : config.buses) {
    auto devices = modbus_devices_of(config, options.name);
    if (devices.empty()) continue;  // a bus without devices needs no thread
    buses_.push_back(make_bus(options, std::move(devices)));
  }
}

std::vector<southbound::ModbusDevice> Gateway::modbus_devices_of(const config::Config& config,
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
  slot->bus->restore_baselines(baselines_);
  for (const auto& device : slot->devices) {
    bus_of_device_[device.name] = slot->bus.get();
    if (device.options.read_on_get) read_on_get_.insert(device.name);
  }
  if (sd_event_add_io(loop_, slot->io.out(), slot->bus->event_fd(), EPOLLIN, &Gateway::on_bus_io,
                      slot.get()) < 0) {
    throw std::runtime_error("cannot watch Modbus bus " + options.name);
  }
  return slot;
}

std::vector<southbound::LocalMqttDevice> Gateway::local_devices(
    const std::shared_ptr<const config::Config>& config) {
  std::vector<southbound::LocalMqttDevice> devices;
  for (const auto& device : config->devices) {
    if (!device.mqtt) continue;
    // Aliasing: the options stay in the configuration (no copy, ~0.25 KB per device).
    devices.emplace_back(
        device.name, std::shared_ptr<const southbound::MqttDeviceOptions>(config, &*device.mqtt));
  }
  return devices;
}

void Gateway::build_local_mqtt(const std::shared_ptr<const config::Config>& config) {
  auto devices = local_devices(config);
  if (devices.empty()) return;
  local_resolver_ = std::make_unique<mqtt::Resolver>(loop_);
  local_mqtt_ = std::make_unique<southbound::LocalMqttSource>(
      loop_, *local_resolver_, config->local_mqtt, std::move(devices),
      [this](store::Record record, std::function<void()> on_committed) {
        append(std::move(record), std::move(on_committed));
      },
      [](loop::LogLevel level, std::string_view device, std::string_view message) {
        if (device.empty()) {
          log::source_line(level_of(level), {}, {}, message);
        } else {
          log::relayed(level_of(level), device, message);
        }
      });
  local_mqtt_->on_reply([this](const std::string& device, southbound::DeviceReply reply) {
    router_.on_device_reply(device, reply);
    arm_command_timer();
  });
}

void Gateway::start() {
  if (started_) return;
  started_ = true;
  if (auto identity = gateway_identity(*config_)) northbound_->start_gateway(*identity);
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
  // The last commit; when it fails, GroupCommit has said why, and what was queued is not stored.
  const std::size_t queued = outbox_->pending_appends();
  if (!group_commit_.flush() && queued > 0) {
    spdlog::error("outbox: {} reading(s) received just before the stop were not stored", queued);
  } else {
    save_baselines();
  }
}

// --- readings ----------------------------------------------------------------------------------

void Gateway::append(store::Record record, std::function<void()> on_committed) {
  last_values_.remember(record);
  source_online_.remember(record);
  outbox_->append(std::move(record), std::move(on_committed));
  ++readings_;
}

void Gateway::on_bus_ready(Bus& slot) {
  // Baselines first: the bus sets them after the records they follow, so these never run ahead
  // of the readings taken next.
  bool changed = false;
  take_baselines(slot, &changed);
  for (auto& record : slot.bus->take_readings()) append(std::move(record));
  // Saved after the next commit (GroupCommit's after_commit; the appends armed it), or now if
  // nothing waits for one.
  if (changed && outbox_->pending_appends() == 0) save_baselines();
  for (const auto& result : slot.bus->take_write_results()) router_.on_write_result(result);
  for (const auto& result : slot.bus->take_read_results()) router_.on_read_result(result);
  arm_command_timer();
}

void Gateway::take_baselines(Bus& slot, bool* changed) {
  auto taken = slot.bus->take_baselines();
  if (!taken) return;
  for (auto& [device, conditions] : *taken) baselines_[device] = std::move(conditions);
  baselines_unsaved_ = true;
  *changed = true;
}

// Once nothing appended before is uncommitted (a commit callback, the housekeeping tick, stop).
void Gateway::save_baselines() {
  if (!baselines_unsaved_) return;
  if (auto problem = save_event_baselines(baselines_file_, baselines_)) {
    spdlog::warn("events: cannot save the conditions' baselines: {}", *problem);
    return;
  }
  baselines_unsaved_ = false;
}

void Gateway::drain() {
  if (!stopped_) northbound_->drain();
}

// --- the device side of commands ---------------------------------------------------------------

DeviceSide::Kind Gateway::kind_of(const std::string& device) const {
  if (bus_of_device_.count(device)) return Kind::modbus;
  if (local_mqtt_ && local_mqtt_->has_device(device)) return Kind::local_mqtt;
  return Kind::none;
}

void Gateway::write_points(southbound::WriteRequest request) {
  bus_of_device_.at(request.device)->submit_write(std::move(request));
}

bool Gateway::read_points(southbound::ReadRequest request) {
  if (!read_on_get_.count(request.device)) return false;
  bus_of_device_.at(request.device)->submit_read(std::move(request));
  return true;
}

std::optional<std::string> Gateway::publish_command(const std::string& device,
                                                    const std::vector<store::Field>& values,
                                                    southbound::CommandDone done) {
  if (!local_mqtt_) return std::string("the local broker connection is not configured");
  return local_mqtt_->publish_command(device, values, std::move(done));
}

std::optional<std::string> Gateway::publish_call(const std::string& device,
                                                 const std::string& payload,
                                                 southbound::CommandDone done) {
  if (!local_mqtt_) return std::string("the local broker connection is not configured");
  return local_mqtt_->publish_call(device, payload, std::move(done));
}

// --- the gateway identity ---------------------------------------------------------------------

bool Gateway::post_as_gateway(store::Record record) {
  if (!config_->gateway.cloud || stopped_) return false;
  record.device = config_->gateway.name;
  outbox_->append(std::move(record));
  return true;
}

bool Gateway::reply_as_gateway(const northbound::Command& command,
                               const northbound::CommandResult& result) {
  return config_->gateway.cloud && northbound_->reply(config_->gateway.name, command, result);
}

std::optional<std::string> Gateway::request_poll(const std::string& device) {
  auto it = bus_of_device_.find(device);
  if (it == bus_of_device_.end()) return "no Modbus device is named '" + device + "'";
  if (!it->second->request_poll(device)) return "the bus of " + device + " does not poll it";
  return std::nullopt;
}

std::optional<std::uint64_t> Gateway::polls_done(const std::string& device) const {
  auto it = bus_of_device_.find(device);
  if (it == bus_of_device_.end()) return std::nullopt;
  for (const auto& d : it->second->stats().devices) {
    if (d.device == device) return d.polls + d.errors + d.exceptions;
  }
  return std::uint64_t{0};
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

GatewayCounters Gateway::counters() const {
  GatewayCounters out;
  out.readings = readings_;
  out.commits = group_commit_.counters().commits;
  out.commit_failures = group_commit_.counters().failures;
  out.commands = router_.counters().commands;
  out.command_failures = router_.counters().failures;
  return out;
}

// --- sd-event trampolines ----------------------------------------------------------------------

int Gateway::on_housekeeping(sd_event_source* s, std::uint64_t usec, void* self) noexcept {
  return loop::guarded(s, "gateway housekeeping", [s, usec, self] {
    auto* g = static_cast<Gateway*>(self);
    sd_event_source_set_time(
        s, usec + std::chrono::duration_cast<std::chrono::microseconds>(kHousekeeping).count());
    sd_event_source_set_enabled(s, SD_EVENT_ON);
    g->group_commit_.tick(std::chrono::steady_clock::now());
    if (g->outbox_->pending_appends() == 0) g->save_baselines();
    if (!g->stopped_) g->northbound_->drain_all();
  });
}

int Gateway::on_command_timer(sd_event_source* s, std::uint64_t, void* self) noexcept {
  return loop::guarded(s, "command deadline", [self] {
    auto* g = static_cast<Gateway*>(self);
    g->router_.expire(std::chrono::steady_clock::now());
    g->arm_command_timer();
  });
}

int Gateway::on_bus_io(sd_event_source* s, int, std::uint32_t, void* self) noexcept {
  return loop::guarded(s, "modbus bus", [self] {
    auto* slot = static_cast<Bus*>(self);
    slot->gateway->on_bus_ready(*slot);
  });
}

}  // namespace edgegw::daemon
