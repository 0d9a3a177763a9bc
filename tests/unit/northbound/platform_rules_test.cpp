// The platform registry (platform_rules.hpp): every PlatformKind has rules, names round-trip, and
// each platform states its identity keys, defaults and checks itself.
#include "northbound/platform_rules.hpp"

#include <gtest/gtest.h>

#include "identities.hpp"
#include "northbound/platform.hpp"

namespace edgegw::northbound {
namespace {

using namespace testing;

constexpr PlatformKind kEveryKind[] = {PlatformKind::aliyun, PlatformKind::tencent,
                                       PlatformKind::huawei, PlatformKind::mqtt};

TEST(PlatformRules, EveryKindIsRegisteredOnceAndNamesRoundTrip) {
  EXPECT_EQ(all_platform_rules().size(), std::size(kEveryKind));
  for (PlatformKind kind : kEveryKind) {
    const PlatformRules& rules = platform_rules(kind);
    EXPECT_EQ(rules.kind(), kind);
    EXPECT_EQ(parse_platform(rules.name()), kind);
    EXPECT_EQ(to_string(kind), rules.name());
    EXPECT_EQ(&platform_defaults(kind), &rules.defaults());
  }
  EXPECT_EQ(parse_platform("azure"), std::nullopt);
  EXPECT_EQ(platform_names(), "aliyun, tencent, huawei, mqtt");
}

TEST(PlatformRules, EachMakesItsOwnPlatform) {
  for (PlatformKind kind : kEveryKind) {
    auto cloud = cloud_for(kind);
    EXPECT_EQ(make_platform(cloud, "/tmp")->kind(), kind);
  }
}

TEST(PlatformRules, IdentityKeysSayWhatMakesASessionUnique) {
  EXPECT_EQ(platform_rules(PlatformKind::huawei).identity_keys(huawei_device()),
            std::vector<std::string>{"device_id \"" + huawei_device().device_id + "\""});
  auto aliyun = aliyun_device();
  EXPECT_EQ(platform_rules(PlatformKind::aliyun).identity_keys(aliyun).size(), 2u);
}

TEST(PlatformRules, FieldsFollowTheAuthMode) {
  const auto keys = [](const std::vector<IdentityField>& fields) {
    std::vector<std::string_view> out;
    for (const auto& f : fields) out.push_back(f.key);
    return out;
  };
  const auto& tencent = platform_rules(PlatformKind::tencent);
  EXPECT_EQ(keys(tencent.identity_fields(AuthMode::psk)),
            (std::vector<std::string_view>{"product_id", "device_name", "device_psk"}));
  EXPECT_EQ(keys(tencent.identity_fields(AuthMode::cert)),
            (std::vector<std::string_view>{"product_id", "device_name", "cert_file", "key_file"}));
  const auto no_keys = [](std::string_view) { return false; };
  auto cloud = cloud_for(PlatformKind::tencent);
  EXPECT_EQ(tencent.default_auth(cloud, no_keys), AuthMode::psk);
  cloud.tls = false;
  EXPECT_EQ(tencent.default_auth(cloud, no_keys), AuthMode::password);
}

// Each rule lives in one place and names the key it is about, so `check` can point at it.
TEST(PlatformRules, ProblemsNameTheirKey) {
  auto cloud = cloud_for(PlatformKind::tencent);
  auto id = tencent_device();
  id.auth = AuthMode::password;
  EXPECT_EQ(platform_rules(PlatformKind::tencent).check(cloud, id)->key, "auth");
  auto aliyun = aliyun_device();
  aliyun.client_id = std::string(65, 'x');
  EXPECT_EQ(
      platform_rules(PlatformKind::aliyun).check(cloud_for(PlatformKind::aliyun), aliyun)->key,
      "client_id");
  auto huawei = cloud_for(PlatformKind::huawei);
  huawei.tls = false;
  EXPECT_EQ(platform_rules(PlatformKind::huawei).check_cloud(huawei)->key, "tls");
  EXPECT_EQ(platform_rules(PlatformKind::mqtt).check_cloud(huawei), std::nullopt);
}

TEST(PlatformRules, AGenericMqttIdentityNeedsNoTable) {
  const auto& mqtt = platform_rules(PlatformKind::mqtt);
  EXPECT_TRUE(mqtt.identity_optional());
  DeviceIdentity id;
  id.device = "meter-1";
  mqtt.complete(id);
  EXPECT_EQ(id.client_id, "meter-1");
  EXPECT_EQ(id.auth, AuthMode::none);
  EXPECT_FALSE(platform_rules(PlatformKind::aliyun).identity_optional());
}

}  // namespace
}  // namespace edgegw::northbound
