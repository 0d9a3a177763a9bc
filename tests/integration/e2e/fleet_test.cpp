// The gateway as a device of its own (issue 19), end to end on every platform: the gateway
// identity ([gateway.cloud]) logs in beside the devices, is supervised like them (back after the
// cloud comes back), reports its health as the platform's property posts, and answers remote
// operations.
#include <signal.h>

#include "fleet_fixture.hpp"
#include "support/wait.hpp"

namespace edgegw::test {
namespace {

using namespace std::chrono_literals;

TEST_P(FleetTest, TheGatewayIdentityLogsInAndComesBackAfterAnOutage) {
  start_all();
  // Supervised like a device's session: after the cloud was killed it logs in again.
  const std::size_t before = logins(cloud_identity(kGateway));
  cloud_.kill();
  cloud_.start();
  ASSERT_GE(before, 1u);
  // The broker's log file is appended to across restarts: a new line means a new login.
  EXPECT_TRUE(wait_until([&] { return logins(cloud_identity(kGateway)) > before; }, 30s))
      << edgegw_->output();
  edgegw_->signal(SIGTERM);
  EXPECT_EQ(edgegw_->wait(20s), std::optional<int>(0)) << edgegw_->output();
}

TEST_P(FleetTest, HealthArrivesAsPropertiesAndChangesWhenADeviceGoesOffline) {
  start_all("health_interval = \"1h\"\nhealth_min_interval = \"1s\"\n");
  // The first report comes at start; the pump answers its polls.
  ASSERT_TRUE(wait_until(
      [&] {
        const auto h = latest_health();
        return h.count("devices_not_answering") && h.at("devices_not_answering") == "0" &&
               h.count("devices_online") && h.at("devices_online") == "2";
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

INSTANTIATE_TEST_SUITE_P(Platforms, FleetTest,
                         ::testing::Values(cloud::Platform::aliyun, cloud::Platform::huawei,
                                           cloud::Platform::tencent, cloud::Platform::mqtt),
                         platform_name);

}  // namespace
}  // namespace edgegw::test
