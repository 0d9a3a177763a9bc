// The shared JSON pieces: float format, packing into size limits, safe parsing, templates.
#include "northbound/platform_payload.hpp"

#include <gtest/gtest.h>

namespace edgegw::northbound {
namespace {

TEST(PlatformPayload, FloatsAlwaysCarryADecimalPoint) {
  EXPECT_EQ(json_value(10.0), "10.0");
  EXPECT_EQ(json_value(0.0), "0.0");
  EXPECT_EQ(json_value(-3.0), "-3.0");
  EXPECT_EQ(json_value(230.5), "230.5");
  EXPECT_EQ(json_value(0.1), "0.1");
  EXPECT_EQ(json_value(1e20), "1.0e+20");
  EXPECT_EQ(json_value(1.5e-7), "1.5e-07");
}

TEST(PlatformPayload, OtherValuesAsJson) {
  EXPECT_EQ(json_value(std::int64_t{10}), "10");
  EXPECT_EQ(json_value(true), "true");
  EXPECT_EQ(json_value(std::string("a\"b\n")), "\"a\\\"b\\n\"");
  EXPECT_EQ(json_value(std::numeric_limits<double>::quiet_NaN()), "null");
}

TEST(PlatformPayload, InvalidUtf8IsReplacedNotThrown) {
  EXPECT_EQ(json_value(std::string("a\xff")), "\"a\xEF\xBF\xBD\"");
}

// Plain ASCII is copied as it is (the fast path); every other string is what nlohmann's
// serializer makes of it, byte for byte.
TEST(PlatformPayload, StringsAreQuotedAsTheJsonSerializerDoes) {
  const std::string samples[] = {"",
                                 "temperature",
                                 "a/b c~1{}[]:,",
                                 "quote\"in",
                                 "back\\slash",
                                 "tab\tnew\nline",
                                 std::string("nul\0byte", 8),
                                 "del\x7f",
                                 "caf\xc3\xa9",
                                 "bad\xff utf-8"};
  for (const auto& s : samples) {
    std::string out = "x";
    append_json_string(out, s);
    EXPECT_EQ(
        out, "x" + nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
        << s;
  }
}

TEST(PlatformPayload, PackKeepsEverythingInOnePayloadWhenItFits) {
  std::size_t bad = 99;
  auto p = pack_pieces("[", {"aa", "bb", "cc"}, "]", 100, &bad);
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, std::vector<std::string>{"[aa,bb,cc]"});
}

TEST(PlatformPayload, PackSplitsAtWholePiecesWithinTheLimit) {
  std::size_t bad = 99;
  auto p = pack_pieces("[", {"aa", "bb", "cc"}, "]", 7, &bad);
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, (std::vector<std::string>{"[aa,bb]", "[cc]"}));
  for (const auto& s : *p) EXPECT_LE(s.size(), 7u);
}

TEST(PlatformPayload, PackRefusesAPieceThatCannotFitAlone) {
  std::size_t bad = 99;
  EXPECT_FALSE(pack_pieces("[", {"aa", "bbbbbbb", "cc"}, "]", 7, &bad));
  EXPECT_EQ(bad, 1u);
}

TEST(PlatformPayload, ParseRefusesNonObjectsAndDeepNesting) {
  std::string why;
  EXPECT_FALSE(parse_json_object("[1]", &why));
  EXPECT_EQ(why, "not a JSON object");
  EXPECT_FALSE(parse_json_object("{", &why));
  EXPECT_EQ(why, "not JSON");
  std::string deep = "{\"a\":" + std::string(40, '[') + std::string(40, ']') + "}";
  EXPECT_FALSE(parse_json_object(deep, &why));
  EXPECT_NE(why.find("nested"), std::string::npos);
  // Brackets inside strings do not count.
  EXPECT_TRUE(parse_json_object("{\"a\":\"" + std::string(40, '[') + "\\\"\"}", &why));
}

TEST(PlatformPayload, DownlinkValuesBecomeFields) {
  std::string why;
  auto j = parse_json_object(
      R"({"a":1,"b":2.5,"c":true,"d":"x","e":{"k":[1]},"f":18446744073709551615})", &why);
  ASSERT_TRUE(j);
  auto f = fields_from_json_object(*j);
  ASSERT_TRUE(f);
  ASSERT_EQ(f->size(), 6u);
  EXPECT_EQ((*f)[0], (store::Field{"a", std::int64_t{1}}));
  EXPECT_EQ((*f)[1], (store::Field{"b", 2.5}));
  EXPECT_EQ((*f)[2], (store::Field{"c", true}));
  EXPECT_EQ((*f)[3], (store::Field{"d", std::string("x")}));
  EXPECT_EQ((*f)[4], (store::Field{"e", std::string("{\"k\":[1]}")}));
  EXPECT_EQ((*f)[5], (store::Field{"f", 18446744073709551615.0}));
  std::string bad;
  EXPECT_FALSE(fields_from_json_object(Json::parse(R"({"a":1,"n":null})"), &bad));
  EXPECT_EQ(bad, "n");
}

TEST(PlatformPayload, TemplatesFillKnownNamesOnly) {
  EXPECT_EQ(expand_template("{product_key}.iot-as-mqtt.{region}.aliyuncs.com/{x}",
                            {{"product_key", "pk"}, {"region", "cn-shanghai"}}),
            "pk.iot-as-mqtt.cn-shanghai.aliyuncs.com/{x}");
  EXPECT_EQ(expand_template("a{b", {{"b", "c"}}), "a{b");
}

}  // namespace
}  // namespace edgegw::northbound
