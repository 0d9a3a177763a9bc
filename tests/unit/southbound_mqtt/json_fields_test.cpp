// Local MQTT payloads to Record fields: the default mapping (top-level scalars), JSON pointers,
// bare values, and every kind of bad payload refused with a reason instead of a crash.
#include "southbound/json_fields.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace edgegw::southbound {
namespace {

using store::Field;
using namespace std::string_literals;

std::vector<Field> fields_of(std::string_view payload, const FieldMap& map = {},
                             std::string_view bare = "value") {
  auto r = payload_fields(payload, map, bare);
  EXPECT_TRUE(r.ok()) << r.problem;
  return r.fields;
}

std::string problem_of(std::string_view payload, const FieldMap& map = {}) {
  auto r = payload_fields(payload, map, "value");
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.fields.empty());
  return r.problem;
}

TEST(JsonFields, DefaultTakesEveryTopLevelScalarInKeyOrder) {
  auto f = fields_of(R"({"temp":21.5,"hum":40,"on":true,"mode":"auto","n":null,
                        "arr":[1],"obj":{"x":1}})");
  std::vector<Field> expected{
      {"hum", std::int64_t{40}}, {"mode", "auto"s}, {"on", true}, {"temp", 21.5}};
  EXPECT_EQ(f, expected);
}

// What a parsed document gives, the reference the one-pass reading of flat objects must match:
// repeated names (the last wins, even when it is not a scalar), nesting, every value type, escapes.
TEST(JsonFields, ObjectsGiveWhatTheirParsedDocumentHolds) {
  const char* payloads[] = {
      R"({"b":1,"a":2,"b":3})",
      R"({"a":1,"a":{"x":1}})",
      R"({"a":{"x":1},"a":true})",
      R"({"z":[1,{"y":2}],"m":{"n":{"o":3}},"k":null,"j":"s\"t\u00e9","i":-0.5e3})",
      R"({"u":18446744073709551615,"v":9223372036854775807,"w":-9223372036854775808})",
      R"({})",
      R"({"only":{"nested":1}})",
      R"( { "spaced" : false } )",
  };
  for (const char* payload : payloads) {
    const auto document = nlohmann::json::parse(payload);
    std::vector<Field> expected;
    for (const auto& [key, value] : document.items()) {
      if (value.is_boolean()) expected.push_back({key, value.get<bool>()});
      if (value.is_number_integer() && !value.is_number_unsigned()) {
        expected.push_back({key, value.get<std::int64_t>()});
      }
      if (value.is_number_unsigned()) {
        const auto u = value.get<std::uint64_t>();
        if (u <= static_cast<std::uint64_t>(INT64_MAX)) {
          expected.push_back({key, static_cast<std::int64_t>(u)});
        } else {
          expected.push_back({key, static_cast<double>(u)});
        }
      }
      if (value.is_number_float()) expected.push_back({key, value.get<double>()});
      if (value.is_string()) expected.push_back({key, value.get<std::string>()});
    }
    const auto r = payload_fields(payload, {}, "value");
    EXPECT_EQ(r.fields, expected) << payload;
    EXPECT_EQ(r.ok(), !expected.empty()) << payload;
  }
}

TEST(JsonFields, IntegersStayIntegersAndHugeOnesBecomeDoubles) {
  auto f = fields_of(R"({"a":-7,"b":9223372036854775807,"c":18446744073709551615,"d":1e3})");
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[0].value, store::FieldValue{std::int64_t{-7}});
  EXPECT_EQ(f[1].value, store::FieldValue{std::int64_t{9223372036854775807}});
  EXPECT_EQ(f[2].value, store::FieldValue{18446744073709551615.0});
  EXPECT_EQ(f[3].value, store::FieldValue{1000.0});
}

TEST(JsonFields, PointersPickNestedValuesInConfiguredOrder) {
  FieldMap map{{"temperature", "/env/temp"}, {"humidity", "/env/hum"}, {"first", "/list/0"},
               {"slash", "/a~1b"},           {"missing", "/nope"},     {"object", "/env"}};
  auto f = fields_of(R"({"env":{"temp":21.5,"hum":40},"list":[3,4],"a/b":"x"})", map);
  std::vector<Field> expected{{"temperature", 21.5},
                              {"humidity", std::int64_t{40}},
                              {"first", std::int64_t{3}},
                              {"slash", "x"s}};
  EXPECT_EQ(f, expected);
}

TEST(JsonFields, PointersThatResolveToNothingRefuseThePayload) {
  EXPECT_EQ(problem_of(R"({"x":1})", {{"t", "/temp"}}),
            "none of the configured fields is in the payload");
  EXPECT_FALSE(payload_fields(R"([1,2])", {{"t", "/x"}}, "v").ok());  // not an index
  EXPECT_FALSE(payload_fields(R"({"x":1})", {{"t", "bad"}}, "v").ok());
}

TEST(JsonFields, BareValuesGetTheGivenName) {
  EXPECT_EQ(fields_of("21.5", {}, "temperature"), (std::vector<Field>{{"temperature", 21.5}}));
  EXPECT_EQ(fields_of(" 42 \n"), (std::vector<Field>{{"value", std::int64_t{42}}}));
  EXPECT_EQ(fields_of("true"), (std::vector<Field>{{"value", true}}));
  EXPECT_EQ(fields_of("\"open\""), (std::vector<Field>{{"value", "open"s}}));
}

TEST(JsonFields, MalformedPayloadsAreRefusedWithAReason) {
  EXPECT_EQ(problem_of(""), "not JSON");
  EXPECT_EQ(problem_of("21,5"), "not JSON");
  EXPECT_EQ(problem_of("{\"a\":"), "not JSON");
  EXPECT_EQ(problem_of("hello"), "not JSON");
  EXPECT_EQ(problem_of("\"\xff\xfe\""), "not JSON");  // not UTF-8
  EXPECT_EQ(problem_of("[1,2]"), "a JSON array, not an object or a value");
  EXPECT_EQ(problem_of("null"), "a JSON null, not an object or a value");
  EXPECT_EQ(problem_of("{}"), "a JSON object without any scalar member");
  EXPECT_EQ(problem_of(R"({"a":[1],"b":null})"), "a JSON object without any scalar member");
}

TEST(JsonFields, DeeplyNestedInputIsRefusedOrParsedButNeverCrashes) {
  const std::string deep = std::string(5000, '[') + std::string(5000, ']');
  EXPECT_FALSE(payload_fields(deep, {}, "v").ok());
  const std::string deep_obj = "{\"a\":1,\"b\":" + deep + "}";
  EXPECT_EQ(fields_of(deep_obj), (std::vector<Field>{{"a", std::int64_t{1}}}));
}

TEST(JsonFields, PointerSyntax) {
  EXPECT_TRUE(valid_json_pointer(""));
  EXPECT_TRUE(valid_json_pointer("/a/b"));
  EXPECT_TRUE(valid_json_pointer("/a~0b/~1"));
  EXPECT_FALSE(valid_json_pointer("a"));
  EXPECT_FALSE(valid_json_pointer("/a~2"));
  EXPECT_FALSE(valid_json_pointer("/a~"));
}

// Issue 16: one number past a double's range drops only that field, not the payload.
TEST(JsonFields, AnOverflowingNumberDropsOnlyItsField) {
  EXPECT_EQ(fields_of(R"({"t": 21.5, "huge": 1e400, "s": "1e400", "n": -1E+999, "h": 40})"),
            (std::vector<Field>{{"h", std::int64_t{40}}, {"s", "1e400"s}, {"t", 21.5}}));
  EXPECT_EQ(fields_of(R"({"a": {"x": 1e400, "y": 2}})", {{"y", "/a/y"}, {"x", "/a/x"}}),
            (std::vector<Field>{{"y", std::int64_t{2}}}));
  EXPECT_EQ(problem_of(R"({"only": 1e400})"), "a JSON object without any scalar member");
  EXPECT_EQ(problem_of(R"({"t": 1e400, )"), "not JSON");
}

}  // namespace
}  // namespace edgegw::southbound
