// What a session takes from its platform: Tencent's one connect per 5 s per device as the backoff
// floor (issue 15 item 8: full jitter from 0 gave reconnects 0.2–0.5 s apart), and each platform's
// documented quota as the default publish rate.
#include "northbound/session_defaults.hpp"

#include <gtest/gtest.h>

namespace edgegw::northbound {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::chrono::milliseconds shortest_of_many_delays(PlatformKind platform) {
  CloudOptions cloud;
  cloud.platform = platform;
  cloud.backoff_min = seconds(1);
  cloud.backoff_max = seconds(3);
  loop::Backoff backoff(reconnect_backoff(cloud, seconds(60)), 42);
  auto shortest = milliseconds::max();
  for (int i = 0; i < 1000; ++i) {
    shortest = std::min(shortest, backoff.next_delay());
    if (i % 3 == 0) backoff.reset();
  }
  return shortest;
}

TEST(SessionDefaults, TencentNeverReconnectsWithinFiveSeconds) {
  EXPECT_GE(shortest_of_many_delays(PlatformKind::tencent), seconds(5));
}

TEST(SessionDefaults, OtherPlatformsKeepTheUsersBackoff) {
  EXPECT_LT(shortest_of_many_delays(PlatformKind::aliyun), milliseconds(500));
  EXPECT_LT(shortest_of_many_delays(PlatformKind::mqtt), milliseconds(500));
}

TEST(SessionDefaults, ThePlatformsQuotaIsTheDefaultRate) {
  EXPECT_EQ(default_publish_rate(PlatformKind::tencent), 30);
  EXPECT_EQ(default_publish_rate(PlatformKind::huawei), 50);
  EXPECT_EQ(default_publish_rate(PlatformKind::aliyun), 30);
  EXPECT_EQ(default_publish_rate(PlatformKind::mqtt), 30);
}

}  // namespace
}  // namespace edgegw::northbound
