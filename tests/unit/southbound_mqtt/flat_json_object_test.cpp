// The fast path for flat JSON objects (southbound/flat_json_object.hpp) must give exactly what
// nlohmann's SAX path gives whenever it answers, and must leave to nlohmann whatever it is not sure
// of. Compared here on hand-picked edges and on generated payloads; the local payload fuzz target
// compares them on every input it finds.
#include "southbound/flat_json_object.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <random>
#include <string>
#include <vector>

#include "southbound/json_fields.hpp"

namespace edgegw::southbound {
namespace {

// Equal fields, doubles by their bits (so -0.0 is not 0.0).
bool same(const std::vector<store::Field>& a, const std::vector<store::Field>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].value.index() != b[i].value.index()) return false;
    if (const auto* d = std::get_if<double>(&a[i].value)) {
      if (std::bit_cast<std::uint64_t>(*d) !=
          std::bit_cast<std::uint64_t>(std::get<double>(b[i].value))) {
        return false;
      }
    } else if (a[i].value != b[i].value) {
      return false;
    }
  }
  return true;
}

std::string describe(const std::optional<std::vector<store::Field>>& fields) {
  if (!fields) return "(not taken)";
  std::string out;
  for (const auto& f : *fields) {
    out += f.name + "=" +
           std::visit(
               [](const auto& v) {
                 using T = std::decay_t<decltype(v)>;
                 if constexpr (std::is_same_v<T, std::string>) {
                   return "\"" + v + "\"";
                 } else if constexpr (std::is_same_v<T, bool>) {
                   return std::string(v ? "true" : "false");
                 } else {
                   return std::to_string(v);
                 }
               },
               f.value) +
           " ";
  }
  return out;
}

// The fast path answered: nlohmann agrees to the bit.
void expect_as_library(const std::string& payload) {
  const auto fast = flat_json_object(payload);
  ASSERT_TRUE(fast.has_value()) << "the fast path should take " << payload;
  const auto library = object_fields_by_library(payload);
  ASSERT_TRUE(library.has_value()) << "nlohmann refuses what the fast path took: " << payload;
  EXPECT_TRUE(same(*fast, *library))
      << payload << "\n fast:    " << describe(fast) << "\n library: " << describe(library);
}

TEST(FlatJsonObject, TakesTheUsualPayloadsAndGivesWhatNlohmannGives) {
  for (
      const std::string payload : {
          R"({"v":1})", R"({"temp":21.5,"hum":40,"on":true,"mode":"auto"})",
          R"({"b":2,"a":1,"c":3})",  // key order, not document order
          R"({"a":1,"a":2})",        // the last of a name wins
          R"({"a":1,"a":null})",     // ... even a null, which leaves it out
          R"({"a":null,"a":"x"})", R"({"a":1,"b":2,"a":3,"b":false})",
          R"({})",  // no scalar: payload_fields refuses it
          R"({"only":null})",
          " \t\r\n{ \"a\" : 1 , \"b\" :\n\"x\" } \n",  // JSON whitespace anywhere
          R"({"z":0,"n":-0,"m":-1,"x":9223372036854775807,"y":-9223372036854775808})",
          R"({"f":0.5,"g":-0.0,"h":1e5,"i":1E+5,"j":2.5e-3,"k":1.7976931348623157e308})",
          R"({"r":0.1,"s":123456789.123456789,"t":4.9e-324,"u":1.00000000000000011102230246251565})",
          R"({"e":"","sp":" a b ","sym":"!#$%&'()*+,-./:;<=>?@[]^_`{|}~"})",
          R"({"":1})",  // an empty name is a name
      }) {
    expect_as_library(payload);
  }
}

// What the fast path does not take goes to nlohmann, which decides (and payload_fields still
// refuses what it refused before, with the same words).
TEST(FlatJsonObject, LeavesToNlohmannWhatItIsNotSureOf) {
  for (const std::string payload : {
           R"({"a":"\u00e9"})",
           R"({"a\"b":1})",
           "{\"a\":\"caf\xc3\xa9\"}",  // escapes, UTF-8
           "{\"a\":\"tab\there\"}",    // a control character
           R"({"a":{"b":1}})",
           R"({"a":[1,2]})",
           R"([1,2])",
           R"(21.5)",
           R"("on")",
           "true",
           R"({"a":9223372036854775808})",
           R"({"a":-9223372036854775809})",  // beyond int64
           R"({"a":1e400})",
           R"({"a":-1e400})",
           R"({"a":1e-400})",  // beyond a double
           R"({"a":01})",
           R"({"a":1.})",
           R"({"a":.5})",
           R"({"a":+1})",
           R"({"a":1e})",
           R"({"a":-})",
           R"({"a":1,})",
           R"({"a" 1})",
           R"({a:1})",
           R"({"a":1)",
           R"({"a":1}x)",
           R"({"a":1}{})",
           R"({"a":tru})",
           R"({"a":truex})",
           R"({"a":nul})",
           "\xef\xbb\xbf{\"a\":1}",
           "",
           "{",
           "{\"a\":1}\v",
       }) {
    EXPECT_FALSE(flat_json_object(payload).has_value()) << payload;
  }
  std::string many = "{";
  for (std::size_t i = 0; i <= kMaxFlatMembers; ++i) many += "\"m" + std::to_string(i) + "\":1,";
  many.back() = '}';
  EXPECT_FALSE(flat_json_object(many).has_value()) << "more members than it keeps on its stack";
  const auto all = payload_fields(many, {}, "value");
  EXPECT_EQ(all.fields.size(), kMaxFlatMembers + 1) << "nlohmann reads them all";
}

TEST(FlatJsonObject, PayloadFieldsGivesTheSameThroughEitherPath) {
  const auto fast = payload_fields(R"({"b":"x","a":1.5})", {}, "value");
  ASSERT_TRUE(fast.ok()) << fast.problem;
  const std::vector<store::Field> expected{{"a", 1.5}, {"b", std::string("x")}};
  EXPECT_EQ(fast.fields, expected);
  const auto slow = payload_fields(R"({"b":"x","a":1.5,"nested":{"c":1}})", {}, "value");
  EXPECT_EQ(slow.fields, expected);
  EXPECT_EQ(payload_fields("{}", {}, "value").problem, "a JSON object without any scalar member");
  EXPECT_EQ(payload_fields(R"({"a":1,})", {}, "value").problem, "not JSON");
}

// Payloads put together from valid and broken tokens: wherever the fast path answers, nlohmann
// agrees. The seed is fixed, so a failure repeats.
TEST(FlatJsonObject, GeneratedPayloadsAgreeWithNlohmann) {
  const std::vector<std::string> keys{R"("a")",         R"("b")",   R"("a")", R"("")",
                                      R"("long name")", R"("k\"")", R"(a)",   R"("é")"};
  const std::vector<std::string> values{"0",
                                        "-0",
                                        "7",
                                        "-12",
                                        "3.25",
                                        "-0.0",
                                        "1e3",
                                        "1E-7",
                                        "2.5e+10",
                                        "1e308",
                                        "1e309",
                                        "01",
                                        "1.",
                                        ".5",
                                        "-",
                                        "true",
                                        "false",
                                        "null",
                                        "nul",
                                        R"("")",
                                        R"("s")",
                                        R"("a b")",
                                        R"("\n")",
                                        "{}",
                                        "[1]",
                                        "9223372036854775807",
                                        "9223372036854775808",
                                        "-9223372036854775808",
                                        "123456789012345678901234567890",
                                        "0.1e-5"};
  const std::vector<std::string> spaces{"", "", "", " ", "\n", "\t", "\r\n", "\v"};
  std::mt19937 random(20261205);
  const auto pick = [&](const std::vector<std::string>& from) {
    return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(random)];
  };
  int taken = 0;
  for (int n = 0; n < 20000; ++n) {
    std::string payload = pick(spaces) + "{";
    const int members = std::uniform_int_distribution<int>(0, 5)(random);
    for (int m = 0; m < members; ++m) {
      if (m) payload += pick(spaces) + ",";
      payload += pick(spaces) + pick(keys) + pick(spaces) + ":" + pick(spaces) + pick(values);
    }
    payload += pick(spaces) + "}" + pick(spaces);
    const auto fast = flat_json_object(payload);
    if (!fast) continue;
    ++taken;
    const auto library = object_fields_by_library(payload);
    ASSERT_TRUE(library.has_value()) << "nlohmann refuses what the fast path took: " << payload;
    ASSERT_TRUE(same(*fast, *library))
        << payload << "\n fast:    " << describe(fast) << "\n library: " << describe(library);
  }
  EXPECT_GT(taken, 2000) << "the generator should give the fast path work";
}

}  // namespace
}  // namespace edgegw::southbound
