// What a configuration file must be before it is parsed (config_limits.hpp), the refusal of a
// configuration without devices, and MQTT topics checked as MQTT 3.1.1 does (issue 14, items 5,
// 6 and 9).
#include "config/config_limits.hpp"

#include <sys/stat.h>

#include "config_fixture.hpp"

namespace edgegw::config {
namespace {

std::string dotted_key(std::size_t levels) {
  std::string key = "a";
  for (std::size_t i = 1; i < levels; ++i) key += ".a";
  return key;
}

TEST(ConfigNesting, DottedKeysUpToTheCapPass) {
  EXPECT_EQ(check_nesting(dotted_key(kMaxConfigNesting) + " = 1\n", "f"), std::nullopt);
  const auto problem = check_nesting("x = 1\n" + dotted_key(kMaxConfigNesting + 1) + " = 1\n", "f");
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->pos.line, 2u);
  EXPECT_EQ(problem->message, "a dotted key with more than 64 levels");
}

TEST(ConfigNesting, DotsInStringsCommentsAndValuesDoNotCount) {
  const std::string many_dots(200, '.');
  EXPECT_EQ(check_nesting("a = \"" + many_dots + "\"\n", "f"), std::nullopt);
  EXPECT_EQ(check_nesting("a = '" + many_dots + "'\n", "f"), std::nullopt);
  EXPECT_EQ(check_nesting("a = \"\"\"\n" + many_dots + "\n\"\"\"\n", "f"), std::nullopt);
  EXPECT_EQ(check_nesting("# " + many_dots + "\na = 1\n", "f"), std::nullopt);
  EXPECT_EQ(check_nesting("\"" + many_dots + "\" = 1\n", "f"), std::nullopt);  // a quoted key
  std::string floats = "a = [";
  for (int i = 0; i < 200; ++i) floats += "1.5, ";
  EXPECT_EQ(check_nesting(floats + "2.5]\n", "f"), std::nullopt);
}

TEST(ConfigNesting, BracketsDeeperThanTheCapAreRefusedAtTheirPlace) {
  EXPECT_EQ(check_nesting("a = " + std::string(64, '[') + std::string(64, ']') + "\n", "f"),
            std::nullopt);
  const auto problem =
      check_nesting("a = 1\nb = " + std::string(65, '{') + std::string(65, '}') + "\n", "f");
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->pos, (SourcePos{"f", 2, 69}));
  EXPECT_EQ(problem->message, "arrays and tables nest deeper than 64 levels");
  // Brackets inside strings are text.
  EXPECT_EQ(check_nesting("a = \"" + std::string(100, '[') + "\"\n", "f"), std::nullopt);
}

TEST_F(ConfigTest, ADeepDottedKeyIsAProblemNotACrash) {
  write(mqtt_head() + "[[device]]\nname = \"d\"\n[device.mqtt]\ntopic = \"t\"\n" +
        dotted_key(100000) + " = 1\n");  // 12
  const auto p = problems();
  ASSERT_EQ(p.size(), 1u) << dump(p).substr(0, 1000);
  EXPECT_EQ(p[0].pos.line, 12u);
  EXPECT_NE(p[0].message.find("dotted key"), std::string::npos);
}

TEST_F(ConfigTest, AConfigurationWithoutDevicesIsRefused) {
  write("");
  auto p = problems();
  ASSERT_EQ(p.size(), 1u) << dump(p);
  EXPECT_TRUE(has_problem(p, main(), 0, 0, "no [[device]] configured"));
  write(mqtt_head());
  EXPECT_TRUE(has_problem(problems(), main(), 0, 0, "no [[device]] configured"));
  // A device in a drop-in is enough.
  write_drop_in("d.toml", "[[device]]\nname = \"d\"\n[device.mqtt]\ntopic = \"t\"\n");
  EXPECT_EQ(problems(), std::vector<ConfigProblem>{}) << dump(problems());
}

TEST_F(ConfigTest, NonRegularFilesAreRefused) {
  write(mqtt_head() + "[[device]]\nname = \"d\"\n[device.mqtt]\ntopic = \"t\"\n");
  std::filesystem::create_directories(dir_ / "conf.d" / "dir.toml");
  ASSERT_EQ(::mkfifo((dir_ / "conf.d" / "fifo.toml").c_str(), 0600), 0);
  const auto p = problems();  // must not block on the FIFO
  const std::string conf_d = (dir_ / "conf.d").string();
  EXPECT_TRUE(has_problem(p, conf_d + "/dir.toml", 0, 0, "is a directory"));
  EXPECT_TRUE(has_problem(p, conf_d + "/fifo.toml", 0, 0, "is not a regular file"));
}

TEST_F(ConfigTest, WorldWritableFilesAreRefused) {
  write(mqtt_head() + "[[device]]\nname = \"d\"\n[device.mqtt]\ntopic = \"t\"\n", 0666);
  EXPECT_TRUE(has_problem(problems(), main(), 0, 0, "is writable by every user (mode 0666)"));
  write(mqtt_head() + "[[device]]\nname = \"d\"\n[device.mqtt]\ntopic = \"t\"\n", 0644);
  EXPECT_EQ(problems(), std::vector<ConfigProblem>{});
  const auto drop_in = write_drop_in("x.toml", "[gateway]\nlog_level = \"debug\"\n");
  ::chmod(drop_in.c_str(), 0602);
  EXPECT_TRUE(has_problem(problems(), drop_in.string(), 0, 0, "writable by every user"));
}

// The local broker drops a client that subscribes to such a filter, twice a second, forever.
TEST_F(ConfigTest, TopicsFollowMqtt) {
  const auto with_topic = [&](const std::string& key, const std::string& topic) {
    write(mqtt_head() + "[[device]]\nname = \"d\"\n[device.mqtt]\n" + key + " = \"" + topic +
          "\"\n" +  // 11
          (key == "topic" ? "" : "topic = \"t\"\n"));
    return problems();
  };
  EXPECT_TRUE(has_problem(with_topic("topic", "a\\u0000b"), main(), 11, 9, "not valid UTF-8"));
  EXPECT_TRUE(has_problem(with_topic("topic", "a/\\u0007"), main(), 11, 9, "control character"));
  EXPECT_TRUE(has_problem(with_topic("topic", "a/\\uFFFF"), main(), 11, 9, "not a valid MQTT"));
  EXPECT_TRUE(has_problem(with_topic("topic", std::string(65536, 'a')), main(), 11, 9,
                          "longer than MQTT's 65535 bytes"));
  EXPECT_TRUE(has_problem(with_topic("topic", "a/b#"), main(), 11, 9,
                          "has '#' other than as the whole last level"));
  EXPECT_TRUE(has_problem(with_topic("command_topic", "a/+"), main(), 11, 17,
                          "not a topic one can publish to"));
  EXPECT_TRUE(has_problem(with_topic("command_topic", "a\\u0000"), main(), 11, 17, "NUL"));
}

TEST_F(ConfigTest, CloudTopicsFollowMqtt) {
  write(mqtt_head() + "[cloud.mqtt]\ntelemetry_topic = \"t/#\"\n" +  // 8-9
        "command_topic = \"c/\\u0000\"\n" +                          // 10
        "status_topic = \"s/+/status\"\n" +                          // 11
        "[[device]]\nname = \"d\"\n[device.mqtt]\ntopic = \"t\"\n");
  const auto p = problems();
  EXPECT_TRUE(has_problem(p, main(), 9, 19, "not a topic one can publish to")) << dump(p);
  EXPECT_TRUE(has_problem(p, main(), 10, 17, "not a valid MQTT topic filter")) << dump(p);
  EXPECT_TRUE(has_problem(p, main(), 11, 16, "not a topic one can publish to")) << dump(p);
}

}  // namespace
}  // namespace edgegw::config
