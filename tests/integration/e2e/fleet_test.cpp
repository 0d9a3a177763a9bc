// The gateway as a device of its own (issue 19), end to end on every platform: the gateway
// identity ([gateway.cloud]) logs in beside the devices, is supervised like them (back after the
// cloud comes back), reports its health as the platform's property posts, and answers remote
// operations.
#include <signal.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "fleet_fixture.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

namespace edgegw::test {
namespace {

using namespace std::chrono_literals;

// `edgegw status --json`'s "gateway" entry (null before the first status file).
nlohmann::json gateway_status(const std::filesystem::path& config) {
  const auto r = run_command({EDGEGW_BINARY, "-c", config.string(), "status", "--json"});
  auto j = nlohmann::json::parse(r.output, nullptr, false);
  return j.is_object() && j.contains("gateway") ? j["gateway"] : nlohmann::json();
}

// The metrics file's sample whose line starts with `prefix` ("" when there is none).
std::string metric(const std::filesystem::path& file, const std::string& prefix) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) return line.substr(line.rfind(' ') + 1);
  }
  return "";
}

TEST_P(FleetTest, TheGatewayIdentityLogsInAndComesBackAfterAnOutage) {
  start_all("health_min_interval = \"1s\"\nstatus_file = \"" + (dir_ / "status.json").string() +
            "\"\nmetrics_file = \"" + (dir_ / "metrics.prom").string() + "\"\n");
  // What an admin reads about the gateway's own session: online, not counted as a device.
  ASSERT_TRUE(
      wait_until([&] { return gateway_status(config_).value("state", "") == "online"; }, 10s))
      << gateway_status(config_).dump();
  auto g = gateway_status(config_);
  EXPECT_EQ(g.value("name", ""), kGateway);
  EXPECT_EQ(g.value("mode", ""), "device");
  EXPECT_TRUE(g["sub_devices"].is_null());
  const int connects = g.value("connect_attempts", 0);
  EXPECT_GE(connects, 1);
  // Supervised like a device's session: after the cloud was killed it logs in again.
  const std::size_t before = logins(cloud_identity(kGateway));
  cloud_.kill();
  // While the cloud is away: not online, the error said, and its health reports (the devices
  // went to backoff) wait in the outbox as the gateway's backlog, not as a removed device's.
  ASSERT_TRUE(wait_until(
      [&] {
        g = gateway_status(config_);
        return g.value("state", "") != "online" && !g.value("last_error", "").empty() &&
               g.value("backlog", 0) > 0;
      },
      20s))
      << g.dump() << edgegw_->output();
  const auto text = run_command({EDGEGW_BINARY, "-c", config_.string(), "status"}).output;
  EXPECT_NE(text.find("Gateway " + std::string(kGateway) + " ("), std::string::npos) << text;
  EXPECT_EQ(text.find("Removed from the configuration"), std::string::npos) << text;
  EXPECT_TRUE(wait_until(
      [&] { return !metric(dir_ / "metrics.prom", "edgegw_gateway_last_error_info{").empty(); },
      10s));
  cloud_.start();
  ASSERT_GE(before, 1u);
  // The broker's log file is appended to across restarts: a new line means a new login.
  EXPECT_TRUE(wait_until([&] { return logins(cloud_identity(kGateway)) > before; }, 30s))
      << edgegw_->output();
  EXPECT_TRUE(wait_until(
      [&] {
        g = gateway_status(config_);
        return g.value("state", "") == "online" && g.value("connect_attempts", 0) > connects;
      },
      20s))
      << g.dump();
  // The metrics carry it beside the devices, told apart by role="gateway".
  const std::string online = "edgegw_session_online{device=\"" + std::string(kGateway) + "\"";
  EXPECT_TRUE(wait_until([&] { return metric(dir_ / "metrics.prom", online) == "1"; }, 10s))
      << read_file(dir_ / "metrics.prom");
  EXPECT_NE(read_file(dir_ / "metrics.prom")
                .find("edgegw_connect_attempts_total{device=\"" + std::string(kGateway) +
                      "\",role=\"gateway\"}"),
            std::string::npos);
  edgegw_->signal(SIGTERM);
  EXPECT_EQ(edgegw_->wait(20s), std::optional<int>(0)) << edgegw_->output();
}

TEST_P(FleetTest, HealthArrivesAsPropertiesAndChangesWhenADeviceGoesOffline) {
  start_all("health_interval = \"1h\"\nhealth_min_interval = \"1s\"\n");
  // The first report comes at start; the pump answers its polls.
  ASSERT_TRUE(wait_until(
      [&] {
        const auto h = latest_health();
        // The local link as well: it connects beside the sessions and is part of the report.
        return h.count("devices_not_answering") && h.at("devices_not_answering") == "0" &&
               h.count("devices_online") && h.at("devices_online") == "2" &&
               h.count("local_broker") && h.at("local_broker") == "\"online\"";
      },
      30s, 200ms))
      << observer_->output() << edgegw_->output();
  auto health = latest_health();
  for (const char* name :
       {"version", "uptime_s", "devices_total", "devices_online", "devices_backoff",
        "devices_auth_failed", "devices_identity_conflict", "devices_clock_wait", "backlog_records",
        "backlog_bytes", "oldest_record_age_s", "records_dropped", "disk_free_bytes",
        "modbus_buses", "modbus_errors", "local_broker"}) {
    EXPECT_TRUE(health.count(name)) << name << " missing from " << observer_->output();
  }
  EXPECT_EQ(health["devices_total"], "2");
  EXPECT_EQ(health["modbus_buses"], "1");
  EXPECT_EQ(health["local_broker"], "\"online\"");

  // The pump's Modbus slave goes away: a new report says so, long before the hourly one.
  simulator_.reset();
  EXPECT_TRUE(wait_until(
      [&] {
        const auto h = latest_health();
        return h.count("devices_not_answering") && h.at("devices_not_answering") == "1";
      },
      30s, 200ms))
      << observer_->output() << edgegw_->output();
  EXPECT_NE(latest_health()["modbus_errors"], "0");
  edgegw_->signal(SIGTERM);
  EXPECT_EQ(edgegw_->wait(20s), std::optional<int>(0)) << edgegw_->output();
}

TEST_P(FleetTest, RemoteOperationsAreAnsweredAsThePlatformExpects) {
  start_all();
  const auto gw = target(kGateway);
  // status: the `edgegw status --json` document.
  auto a = send(gw, cloud::command_call(gw, "201", "status", "{}"));
  ASSERT_TRUE(a) << observer_->output() << edgegw_->output();
  EXPECT_TRUE(a->ok) << a->message;
  EXPECT_NE(a->values["status"].find("pump-1"), std::string::npos) << a->values["status"];
  EXPECT_NE(edgegw_->output().find("remote operation status (request 201)"), std::string::npos);

  // set_log_level: debug for 2 s, then back to info.
  a = send(gw,
           cloud::command_call(gw, "202", "set_log_level", R"({"level":"debug","duration":"2s"})"));
  ASSERT_TRUE(a && a->ok) << edgegw_->output();
  EXPECT_TRUE(wait_until(
      [&] {
        return edgegw_->output().find("log level back to the configured one") != std::string::npos;
      },
      15s))
      << edgegw_->output();
  a = send(gw, cloud::command_call(gw, "203", "set_log_level", R"({"level":"loud"})"));
  ASSERT_TRUE(a) << edgegw_->output();
  EXPECT_FALSE(a->ok);

  // poll: the pump's decoded points, from a poll made now.
  a = send(gw, cloud::command_call(gw, "204", "poll", R"({"device":"pump-1"})"));
  ASSERT_TRUE(a) << edgegw_->output();
  EXPECT_TRUE(a->ok) << a->message;
  EXPECT_EQ(a->values["setpoint"], "0");
  EXPECT_EQ(a->values["online"], "true");
  a = send(gw, cloud::command_call(gw, "205", "poll", R"({"device":"nobody"})"));
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->ok);

  // restart_session: the door's session logs in again.
  const std::size_t door_logins = logins(cloud_identity("door-1"));
  a = send(gw, cloud::command_call(gw, "206", "restart_session", R"({"device":"door-1"})"));
  ASSERT_TRUE(a && a->ok) << edgegw_->output();
  EXPECT_TRUE(wait_until([&] { return logins(cloud_identity("door-1")) > door_logins; }, 20s));

  // reload, good: a changed file is applied.
  write_config("health_interval = \"2m\"\n");
  a = send(gw, cloud::command_call(gw, "207", "reload", "{}"));
  ASSERT_TRUE(a) << edgegw_->output();
  EXPECT_TRUE(a->ok) << a->message;
  EXPECT_NE(edgegw_->output().find("configuration reloaded"), std::string::npos);

  // reload, bad: refused with the problems, the running configuration kept, and the journal's
  // "configuration refused" event goes up as the platform's event.
  dir_.write("edgegw.toml", read_file(config_) + "[bogus]\nkey = 1\n");
  a = send(gw, cloud::command_call(gw, "208", "reload", "{}"));
  ASSERT_TRUE(a) << edgegw_->output();
  EXPECT_FALSE(a->ok);
  if (GetParam() != cloud::Platform::huawei) {  // an IoTDA response carries no message
    EXPECT_NE(a->message.find("bogus"), std::string::npos) << a->message;
  }
  EXPECT_TRUE(wait_until(
      [&] {
        for (const auto& p : payloads_starting(event_topic_prefix(kGateway))) {
          if (p.find("config_refused") != std::string::npos) return true;
        }
        return false;
      },
      15s))
      << observer_->output();

  // An unknown operation: not supported.
  a = send(gw, cloud::command_call(gw, "209", "format_disk", "{}"));
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->ok);
  edgegw_->signal(SIGTERM);
  EXPECT_EQ(edgegw_->wait(20s), std::optional<int>(0)) << edgegw_->output();
}

INSTANTIATE_TEST_SUITE_P(Platforms, FleetTest,
                         ::testing::Values(cloud::Platform::aliyun, cloud::Platform::huawei,
                                           cloud::Platform::tencent, cloud::Platform::mqtt),
                         platform_name);

}  // namespace
}  // namespace edgegw::test
