#include "config/config_changes.hpp"

#include <gtest/gtest.h>

namespace edgegw::config {
namespace {

DeviceConfig device(const std::string& name, const std::string& topic = "t") {
  DeviceConfig d;
  d.name = name;
  d.mqtt.emplace();
  d.mqtt->topic = topic;
  return d;
}

TEST(ConfigChanges, NamesDevicesAddedRemovedAndChanged) {
  Config before;
  before.devices = {device("a"), device("b"), device("c")};
  Config after = before;
  after.devices = {device("a"), device("c", "other"), device("d")};
  after.cloud.max_inflight = 3;
  const auto changes = compare(before, after);
  EXPECT_EQ(changes.devices_added, std::vector<std::string>{"d"});
  EXPECT_EQ(changes.devices_removed, std::vector<std::string>{"b"});
  EXPECT_EQ(changes.devices_changed, std::vector<std::string>{"c"});
  EXPECT_EQ(changes.sections_changed, std::vector<std::string>{"cloud"});
  EXPECT_EQ(describe(changes),
            "devices added: d; devices removed: b; devices changed: c; sections changed: cloud");
}

TEST(ConfigChanges, NothingChanged) {
  Config c;
  c.devices = {device("a")};
  EXPECT_TRUE(compare(c, c).empty());
  EXPECT_EQ(describe(compare(c, c)), "no changes");
}

}  // namespace
}  // namespace edgegw::config
