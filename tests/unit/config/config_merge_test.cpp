// conf.d/*.toml: arrays appended in name order, tables merged key by key, a key set twice is an
// error naming both places.
#include "config/config_files.hpp"
#include "config_fixture.hpp"

namespace edgegw::config {
namespace {

const std::string kMqttDevice = "[device.mqtt]\ntopic = \"t\"\n";

TEST_F(ConfigTest, DropInsAppendDevicesAndBusesInNameOrder) {
  write(mqtt_head() + "[[device]]\nname = \"main\"\n" + kMqttDevice);
  write_drop_in("20-b.toml", "[[device]]\nname = \"b\"\n" + kMqttDevice);
  write_drop_in("10-a.toml",
                "[[device]]\nname = \"a\"\n" + kMqttDevice +
                    "[[modbus]]\nname = \"tcp1\"\ntransport = \"tcp\"\nhost = \"h\"\n");
  write_drop_in("ignored.conf", "not toml at all [");
  const Config c = load();
  ASSERT_EQ(c.devices.size(), 3u);
  EXPECT_EQ(c.devices[0].name, "main");
  EXPECT_EQ(c.devices[1].name, "a");
  EXPECT_EQ(c.devices[2].name, "b");
  EXPECT_EQ(c.buses.size(), 1u);
  ASSERT_EQ(c.files.size(), 3u);
  EXPECT_EQ(c.files[1].filename(), "10-a.toml");
}

TEST_F(ConfigTest, DropInsMergeTablesKeyByKey) {
  write(mqtt_head() + mqtt_device());
  write_drop_in("10-store.toml", "[store]\nmax_age = \"1d\"\n[cloud]\nmax_inflight = 3\n");
  const Config c = load();
  EXPECT_EQ(c.store.max_age, std::chrono::hours(24));
  EXPECT_EQ(c.cloud.max_inflight, 3u);
  EXPECT_EQ(c.cloud.host, "127.0.0.1");
}

TEST_F(ConfigTest, KeySetInTwoFilesNamesBoth) {
  write(mqtt_head());  // host is on line 5
  const auto drop_in = write_drop_in("10-x.toml", "[cloud]\n\nhost = \"10.0.0.1\"\n").string();
  const auto p = problems();
  ASSERT_EQ(p.size(), 1u) << dump(p);
  EXPECT_TRUE(has_problem(p, drop_in, 3, 1, "'cloud.host' is already set at " + main() + ":5:1"));
}

TEST_F(ConfigTest, ProblemsInDropInsPointIntoThem) {
  write(mqtt_head() + "[[device]]\nname = \"m\"\n" + kMqttDevice);
  const auto drop_in =
      write_drop_in("10-x.toml", "[[device]]\nname = \"m\"\n" + kMqttDevice + "extra = 1\n")
          .string();
  const auto p = problems();
  EXPECT_EQ(p.size(), 2u) << dump(p);
  EXPECT_TRUE(has_problem(p, drop_in, 2, 8, "already defined at " + main() + ":9:8"));
  EXPECT_TRUE(has_problem(p, drop_in, 5, 1, "unknown key 'extra' in [device.mqtt]"));
  EXPECT_EQ(p[0].pos.file, drop_in);  // none in the main file, so only the drop-in's
}

TEST_F(ConfigTest, SyntaxErrorsInSeveralFilesAreAllReported) {
  write("[gateway\n");
  const auto a = write_drop_in("a.toml", "x = = 1\n").string();
  const auto p = problems();
  ASSERT_EQ(p.size(), 2u) << dump(p);
  EXPECT_EQ(p[0].pos.file, main());
  EXPECT_EQ(p[1].pos.file, a);
}

TEST_F(ConfigTest, DropInFilesAreListedInNameOrder) {
  write("");
  write_drop_in("b.toml", "");
  write_drop_in("a.toml", "");
  write_drop_in("c.txt", "");
  const auto files = drop_in_files(main_file());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].filename(), "a.toml");
  EXPECT_EQ(files[1].filename(), "b.toml");
}

}  // namespace
}  // namespace edgegw::config
