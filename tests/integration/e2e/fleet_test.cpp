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

INSTANTIATE_TEST_SUITE_P(Platforms, FleetTest,
                         ::testing::Values(cloud::Platform::aliyun, cloud::Platform::huawei,
                                           cloud::Platform::tencent, cloud::Platform::mqtt),
                         platform_name);

}  // namespace
}  // namespace edgegw::test
