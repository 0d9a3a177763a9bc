// load_config(): files -> one merged TOML tree -> typed options, then the checks that need the
// whole configuration (unique names, bus references, unique cloud identities). Every problem is
// collected; one ConfigError carries them all.
#include <map>

#include "config/config.hpp"
#include "config/config_files.hpp"
#include "config/config_sections.hpp"
#include "config/units.hpp"
#include "northbound/platform_rules.hpp"
#include "northbound/topology_factory.hpp"

namespace edgegw::config {
namespace {

using namespace std::chrono_literals;

// [store] min_free: room left to others on the state directory's file system (CONFIG.md).
constexpr std::uint64_t kDefaultMinFree = 16ull << 20;

// A name that is safe in logs, status output and the {device} of an MQTT topic.
bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (unsigned char c : name) {
    if (c <= ' ' || c == 0x7f || c == '/' || c == '+' || c == '#' || c == '{' || c == '}') {
      return false;
    }
  }
  return true;
}

struct Seen {
  std::string device;
  SourcePos pos;
};

class Loader {
 public:
  Loader(ConfigDocument& doc, ProblemList& problems, Config& config)
      : root_(doc.root, "", problems, doc.files.front()), problems_(problems), config_(config) {}

  void run() {
    if (auto t = root_.subtable("gateway")) read_gateway(*t, config_.gateway);
    resolve_state_dir();
    config_.store.min_free_bytes = kDefaultMinFree;
    if (auto t = root_.subtable("store")) read_store(*t, config_.store);
    if (auto t = root_.subtable("metrics")) read_metrics(*t, config_.metrics);
    config_.store.path = config_.gateway.state_dir / "outbox.db";
    has_cloud_ = root_.has("cloud");
    const toml::node* platform = root_.table().at_path("cloud.platform").node();
    platform_known_ = platform && platform->is_string() &&
                      northbound::parse_platform(platform->as_string()->get()).has_value();
    if (auto t = root_.subtable("cloud")) read_cloud(*t, config_.cloud);
    if (auto t = root_.subtable("local_mqtt")) read_local_mqtt(*t, config_.local_mqtt);
    read_buses();
    read_gateway_cloud();
    read_devices();
    root_.report_unknown_keys();
    refuse_no_devices();
    check_gateway_mode();
  }

 private:
  void resolve_state_dir() {
    auto& dir = config_.gateway.state_dir;
    if (dir.is_relative()) dir = config_.main_file.parent_path() / dir;
    for (auto* file : {&config_.gateway.status_file, &config_.gateway.metrics_file}) {
      if (!file->empty() && file->is_relative()) *file = config_.main_file.parent_path() / *file;
    }
  }

  // [gateway.cloud]: read after [cloud], whose platform says which keys an identity has.
  void read_gateway_cloud() {
    auto gateway = root_.subtable("gateway");
    if (!gateway || !gateway->has("cloud")) return;
    if (!has_cloud_) {
      gateway->problem("cloud", "the gateway identity needs a [cloud] table naming its platform");
      return;
    }
    if (!platform_known_) return;  // the real problem is cloud.platform
    auto cloud = gateway->subtable("cloud");
    if (!cloud) return;
    DeviceConfig gateway_device;
    gateway_device.name = config_.gateway.name;
    gateway_device.cloud.device = config_.gateway.name;
    read_device_cloud(*cloud, config_.cloud, gateway_device.cloud);
    check_identity_unique(*cloud, gateway_device);
    device_pos_.emplace(gateway_device.name, gateway->value_pos("name"));
    config_.gateway.cloud = std::move(gateway_device.cloud);
  }

  // cloud.mode = "gateway": the gateway identity carries every device; only platforms with a
  // topology protocol here (northbound/topology_factory.hpp), and Alibaba's 2,000 online
  // sub-devices per gateway.
  void check_gateway_mode() {
    if (config_.cloud.mode != northbound::CloudMode::gateway || !platform_known_) return;
    auto cloud = root_.subtable("cloud");
    if (!cloud) return;
    if (!config_.gateway.cloud) {
      cloud->problem("mode",
                     "\"gateway\" needs the gateway's own identity: add a [gateway.cloud] table "
                     "(the same keys as a device's [device.cloud])");
    }
    if (!northbound::make_topology(config_.cloud)) {
      cloud->problem("mode",
                     "\"gateway\" (sub-devices over the gateway's session) is built for "
                     "platforms \"aliyun\", \"huawei\" and \"tencent\"; use mode = \"device\"");
      return;
    }
    const auto platform = config_.cloud.platform;
    if (platform == northbound::PlatformKind::tencent) return check_tencent_sub_devices();
    // IoTDA's sub-devices exist in the platform already; the gateway only names them.
    if (platform != northbound::PlatformKind::aliyun) return;
    // The topology requests are signed with each sub-device's device secret: configured, or
    // obtained through the gateway by thing/sub/register (auth = "register"; Alibaba's
    // sub-devices have no registration-free variant, and tokens are not built here).
    for (const auto& device : config_.devices) {
      const auto auth = device.cloud.auth;
      if (auth == northbound::AuthMode::secret || auth == northbound::AuthMode::register_) continue;
      sub_device_problem(device.name,
                         "a sub-device in cloud.mode = \"gateway\" signs its topology requests "
                         "with its device secret; give it auth = \"secret\" and a device_secret, "
                         "or auth = \"register\" (its product must allow dynamic registration) "
                         "to obtain one through the gateway");
    }
    constexpr std::size_t kAliyunMaxSubDevices = 2000;
    if (config_.devices.size() > kAliyunMaxSubDevices) {
      cloud->problem("mode", std::to_string(config_.devices.size()) +
                                 " devices: Alibaba keeps at most 2,000 sub-devices online per "
                                 "gateway; split them over several gateways or use mode = "
                                 "\"device\"");
    }
  }

  // Tencent's bind is signed with the sub-device's PSK (the certificate variant is not built);
  // the gateway itself may log in with any of its auth modes.
  void check_tencent_sub_devices() {
    for (const auto& device : config_.devices) {
      if (!device.cloud.device_psk.empty()) continue;
      sub_device_problem(device.name,
                         "a sub-device in cloud.mode = \"gateway\" signs its bind request with "
                         "its device key; give it a device_psk (certificate-only sub-devices "
                         "cannot be bound here)");
    }
  }

  void sub_device_problem(const std::string& device, const std::string& message) {
    auto pos = device_pos_.find(device);
    problems_.add(pos == device_pos_.end() ? root_.subtable("cloud")->pos() : pos->second,
                  "device '" + device + "': " + message);
  }

  void read_buses() {
    const toml::array* buses = root_.array("modbus");
    if (!buses) return;
    for (const toml::node& node : *buses) {
      if (!node.is_table()) {
        root_.problem("modbus", "each bus must be a table ([[modbus]])");
        continue;
      }
      TableReader t(*node.as_table(), "modbus", problems_, root_.file());
      southbound::BusOptions bus;
      read_bus(t, bus);
      if (!bus.name.empty()) {
        auto [it, fresh] = bus_pos_.emplace(bus.name, t.value_pos("name"));
        if (!fresh)
          t.problem("name", "a bus named '" + bus.name + "' is already defined at " +
                                to_string(it->second));
      }
      config_.buses.push_back(std::move(bus));
    }
  }

  // An empty file, or one whose devices were all moved away, would start a gateway that connects
  // nothing and reports itself healthy. Said only when nothing else is wrong: while a file has
  // other problems, this one is noise (its devices may be what failed to read).
  void refuse_no_devices() {
    const toml::array* devices = root_.array("device");
    if (!problems_.empty() || (devices ? !devices->empty() : root_.has("device"))) return;
    problems_.add({root_.file(), 0, 0},
                  "no [[device]] configured: the gateway would read and send nothing; add a "
                  "[[device]] table here or in conf.d/*.toml (docs/configuration.md)");
  }

  void read_devices() {
    const toml::array* devices = root_.array("device");
    if (!devices) return;
    if (!has_cloud_ && !devices->empty()) {
      problems_.add({root_.file(), 1, 1}, "devices need a [cloud] table naming their platform");
    }
    for (const toml::node& node : *devices) {
      if (!node.is_table()) {
        root_.problem("device", "each device must be a table ([[device]])");
        continue;
      }
      TableReader t(*node.as_table(), "device", problems_, root_.file());
      DeviceConfig device;
      read_device(t, device);
      config_.devices.push_back(std::move(device));
    }
  }

  // The platform needs each event's type with the identity (Tencent's event_post carries it).
  static void collect_event_types(DeviceConfig& device) {
    auto put = [&](const auto& events) {
      for (const auto& e : events) {
        if (!e.type.empty()) device.cloud.event_types[e.event] = e.type;
      }
    };
    if (device.modbus) put(device.modbus->events);
    if (device.mqtt) put(device.mqtt->events);
  }

  void read_device(TableReader& t, DeviceConfig& device) {
    if (t.require("name") && t.read_nonempty("name", device.name)) {
      if (!valid_name(device.name)) {
        t.problem("name",
                  "a device name is 1-128 characters without spaces, '/', '+', '#', '{' or '}'");
      }
      auto [it, fresh] = device_pos_.emplace(device.name, t.value_pos("name"));
      if (!fresh) {
        t.problem("name", "a device named '" + device.name + "' is already defined at " +
                              to_string(it->second) +
                              (device.name == config_.gateway.name && config_.gateway.cloud
                                   ? " (the gateway identity's name, [gateway] name)"
                                   : ""));
      }
    }
    device.cloud.device = device.name;
    if (has_cloud_ && !platform_known_) {
      // Which keys an identity has depends on the platform: without one, checking them would
      // only bury the real problem (cloud.platform) under noise.
      t.mark_read("cloud");
    } else if (auto cloud = t.subtable("cloud")) {
      read_device_cloud(*cloud, config_.cloud, device.cloud);
      check_identity_unique(*cloud, device);
    } else if (has_cloud_ && !rules().identity_optional()) {
      t.table_problem("missing [device.cloud] with the device's " + std::string(rules().name()) +
                      " identity");
    } else {
      rules().complete(device.cloud);
    }
    if (auto modbus = t.subtable("modbus")) {
      device.modbus.emplace();
      read_device_modbus(*modbus, *device.modbus);
      check_bus_reference(*modbus, *device.modbus);
    }
    if (auto mqtt = t.subtable("mqtt")) {
      device.mqtt.emplace();
      read_device_mqtt(*mqtt, *device.mqtt);
    }
    collect_event_types(device);
    if (device.modbus && device.mqtt) {
      t.table_problem("a device reads from [device.modbus] or [device.mqtt], not both");
    } else if (!device.modbus && !device.mqtt) {
      t.table_problem("a device needs [device.modbus] or [device.mqtt]");
    }
    read_device_commands(t, device);
    t.report_unknown_keys();
  }

  void check_identity_unique(TableReader& cloud, const DeviceConfig& device) {
    for (const std::string& key : rules().identity_keys(device.cloud)) {
      auto [it, fresh] = identities_.emplace(key, Seen{device.name, cloud.pos()});
      if (!fresh) {
        problems_.add(cloud.pos(), "device '" + device.name + "' has the same cloud identity (" +
                                       key + ") as device '" + it->second.device + "' at " +
                                       to_string(it->second.pos) +
                                       "; their sessions would keep replacing each other");
      }
    }
  }

  const northbound::PlatformRules& rules() const {
    return northbound::platform_rules(config_.cloud.platform);
  }

  void check_bus_reference(TableReader& t, const southbound::ModbusDeviceOptions& modbus) {
    if (modbus.bus.empty()) return;
    const southbound::BusOptions* bus = config_.find_bus(modbus.bus);
    if (!bus) {
      std::string known;
      for (const auto& b : config_.buses) known += (known.empty() ? "" : ", ") + b.name;
      t.problem("bus", "no [[modbus]] bus is named '" + modbus.bus + "'" +
                           (known.empty() ? std::string(" (none is defined)")
                                          : " (defined: " + known + ")"));
      return;
    }
    if (bus->transport != southbound::Transport::tcp && (modbus.unit < 1 || modbus.unit > 247)) {
      t.problem("unit",
                "a unit on an RTU line is 1..247 (got " + std::to_string(modbus.unit) + ")");
    }
  }

  TableReader root_;
  ProblemList& problems_;
  Config& config_;
  bool has_cloud_ = false;
  bool platform_known_ = false;  // cloud.platform names a platform we know
  std::map<std::string, SourcePos> bus_pos_;
  std::map<std::string, SourcePos> device_pos_;
  std::map<std::string, Seen> identities_;
};

}  // namespace

void read_gateway(TableReader& t, GatewayOptions& out) {
  std::string dir;
  if (t.read_nonempty("state_dir", dir)) out.state_dir = dir;
  std::string file;
  if (t.read_nonempty("status_file", file)) out.status_file = file;
  file.clear();
  if (t.read("metrics_file", file)) out.metrics_file = file;  // "" turns the metrics off
  if (t.read_nonempty("name", out.name) && !valid_name(out.name)) {
    t.problem("name", "a name is 1-128 characters without spaces, '/', '+', '#', '{' or '}'");
  }
  t.read_seconds("health_interval", out.health_interval, 0s, 24h);
  t.read_seconds("health_min_interval", out.health_min_interval, 1s, 24h);
  t.mark_read("cloud");  // [gateway.cloud] is read after [cloud] (Loader::read_gateway_cloud)
  t.read_choice("log_level", out.log_level,
                {{"trace", loop::LogLevel::trace},
                 {"debug", loop::LogLevel::debug},
                 {"info", loop::LogLevel::info},
                 {"warning", loop::LogLevel::warning},
                 {"error", loop::LogLevel::error}});
  t.report_unknown_keys();
}

void read_store(TableReader& t, store::OutboxOptions& out) {
  t.read_size("max_size", out.max_size_bytes, 1ull << 20, 1ull << 50);
  t.read_size("min_free", out.min_free_bytes, 0, 1ull << 50);
  t.read_size("max_queued", out.max_queued_bytes, 64ull << 10, 1ull << 40);
  t.read_duration("max_age", out.max_age, 0ms, 3650 * 24h);
  t.read_choice("sync", out.sync,
                {{"normal", store::SyncMode::normal}, {"full", store::SyncMode::full}});
  t.report_unknown_keys();
}

const DeviceConfig* Config::find_device(std::string_view name) const {
  for (const auto& d : devices) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

const southbound::BusOptions* Config::find_bus(std::string_view name) const {
  for (const auto& b : buses) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

bool Config::uses_local_mqtt() const {
  for (const auto& d : devices) {
    if (d.mqtt) return true;
  }
  return false;
}

Config load_config(const std::filesystem::path& main_file) {
  ProblemList problems;
  ConfigDocument doc = read_config_files(main_file, problems);
  // A file that does not parse leaves a partial tree: checking it would only add noise.
  problems.throw_if_any(doc.files);
  Config config;
  config.main_file = main_file;
  for (const auto& f : doc.files) config.files.emplace_back(f);
  Loader(doc, problems, config).run();
  problems.throw_if_any(doc.files);
  return config;
}

}  // namespace edgegw::config
