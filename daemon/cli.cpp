#include "daemon/cli.hpp"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <system_error>

#include "config/config.hpp"
#include "config/config_warnings.hpp"
#include "daemon/cert_expiry.hpp"
#include "daemon/credentials_command.hpp"
#include "daemon/daemon.hpp"
#include "daemon/logging.hpp"
#include "daemon/poll_command.hpp"
#include "daemon/status_command.hpp"
#include "daemon/status_file.hpp"
#include "daemon/version.hpp"
#include "northbound/platform_defaults.hpp"

namespace edgegw::daemon {
namespace {

struct Options {
  std::string config_file = "/etc/edgegw/edgegw.toml";
  std::string log_level;
  CredentialsRequest credentials;
  std::int64_t time_ms = -1;
  std::string connid;
  bool status_json = false;
  std::string status_file;
  std::string poll_device;
  bool poll_json = false;
};

// Loads the configuration or prints every problem (stderr) and returns nullopt.
std::optional<config::Config> load_or_report(const Options& options) {
  try {
    return config::load_config(options.config_file);
  } catch (const config::ConfigError& e) {
    for (const auto& p : e.problems()) std::fprintf(stderr, "%s\n", to_string(p).c_str());
    std::fprintf(stderr, "edgegw: %zu configuration problem(s)\n", e.problems().size());
    return std::nullopt;
  }
}

int command_check(const Options& options) {
  auto config = load_or_report(options);
  if (!config) return kExitConfig;
  std::printf("%s: ok (%zu file(s), platform %s, %zu device(s), %zu Modbus bus(es))\n",
              options.config_file.c_str(), config->files.size(),
              std::string(northbound::to_string(config->cloud.platform)).c_str(),
              config->devices.size(), config->buses.size());
  // Not an error (the daemon runs with them), but the operator should know now.
  for (const auto& w : config::configuration_warnings(*config)) {
    std::printf("warning: %s\n", w.c_str());
  }
  const auto now = std::chrono::system_clock::now();
  for (const auto& c : certificates_in_use(*config)) {
    const auto not_after = certificate_not_after(c.file);
    if (not_after && *not_after - now < CertificateWatch::kWarnAhead) {
      std::printf("warning: %s\n", describe_expiry({c, *not_after}, now).c_str());
    }
  }
  return kExitOk;
}

int command_run(const Options& options, std::optional<LogLevel> level_override) {
  log::setup(level_override.value_or(LogLevel::info));
  auto config = load_or_report(options);
  if (!config) return kExitConfig;
  log::set_level(level_override.value_or(config->gateway.log_level));
  std::error_code ec;
  std::filesystem::create_directories(config->gateway.state_dir, ec);
  if (ec) {
    spdlog::error("cannot create state_dir {}: {}", config->gateway.state_dir.string(),
                  ec.message());
    return kExitFailure;
  }
  Daemon daemon(options.config_file, std::move(*config), level_override);
  return daemon.run();
}

int command_status(const Options& options) {
  std::filesystem::path file = options.status_file;
  if (file.empty()) {
    // Only gateway.status_file is wanted: a configuration this user cannot fully read (secrets
    // are the daemon's) or that has problems still leaves the default place.
    config::GatewayOptions gateway;
    try {
      gateway = config::load_config(options.config_file).gateway;
    } catch (const std::exception&) {
    }
    file = status_file_path(gateway, std::getenv("RUNTIME_DIRECTORY"));
  }
  return print_status(file, options.status_json);
}

int command_credentials(Options options) {
  auto config = load_or_report(options);
  if (!config) return kExitConfig;
  if (options.time_ms >= 0) {
    options.credentials.time =
        std::chrono::system_clock::time_point(std::chrono::milliseconds(options.time_ms));
  }
  if (!options.connid.empty()) options.credentials.connid = options.connid;
  return print_credentials(*config, options.credentials);
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{"edgegw: Modbus and MQTT devices to cloud IoT platforms, one session per device"};
  app.set_version_flag("--version", "edgegw " + std::string(version()));
  Options options;
  app.add_option("-c,--config", options.config_file, "configuration file")->capture_default_str();
  app.add_option("--log-level", options.log_level,
                 "trace | debug | info | warning | error (overrides gateway.log_level)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warning", "error"}));
  app.require_subcommand(1);

  auto* run = app.add_subcommand("run", "run the daemon (what the systemd unit starts)");
  auto* check = app.add_subcommand("check", "validate the configuration and exit: 0 ok, 78 errors");
  auto* credentials = app.add_subcommand("credentials", "print DEVICE's MQTT connect parameters");
  credentials->add_option("device", options.credentials.device, "the device's name")->required();
  credentials->add_option("--time", options.time_ms, "signing time, Unix milliseconds");
  credentials->add_option("--connid", options.connid, "Tencent's 5-character connid");
  auto* status = app.add_subcommand("status", "the running daemon's per-device state");
  status->add_flag("--json", options.status_json, "as JSON");
  status->add_option("--file", options.status_file,
                     "the status file (default: gateway.status_file, else "
                     "$RUNTIME_DIRECTORY/status.json or /run/edgegw/status.json)");

  auto* poll = app.add_subcommand("poll", "read a Modbus device once and print every point");
  poll->add_option("device", options.poll_device, "the device's name")->required();
  poll->add_flag("--json", options.poll_json, "as JSON");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitFailure;
  }
  const std::optional<LogLevel> level = parse_log_level(options.log_level);

  try {
    if (run->parsed()) return command_run(options, level);
    if (check->parsed()) return command_check(options);
    if (credentials->parsed()) return command_credentials(options);
    if (status->parsed()) return command_status(options);
    if (poll->parsed()) {
      auto config = load_or_report(options);
      return config ? print_poll(*config, options.poll_device, options.poll_json) : kExitConfig;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "edgegw: %s\n", e.what());
    return kExitFailure;
  }
  return kExitFailure;
}

}  // namespace edgegw::daemon
