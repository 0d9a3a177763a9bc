#include "config/units.hpp"

#include <gtest/gtest.h>

namespace edgegw::config {
namespace {

using namespace std::chrono_literals;

TEST(Duration, ParsesEveryUnit) {
  EXPECT_EQ(parse_duration("250ms"), 250ms);
  EXPECT_EQ(parse_duration("5s"), 5s);
  EXPECT_EQ(parse_duration("10m"), 10min);
  EXPECT_EQ(parse_duration("1h"), 1h);
  EXPECT_EQ(parse_duration("7d"), 7 * 24h);
  EXPECT_EQ(parse_duration("0"), 0ms);
  EXPECT_EQ(parse_duration("0s"), 0ms);
}

TEST(Duration, RefusesWhatIsNotADuration) {
  for (const char* bad : {"", "5", "s", "-5s", "1.5s", "5 s", " 5s", "5sec", "5S", "5ms ", "1w",
                          "99999999999999999999d", "999999999999999d"}) {
    EXPECT_EQ(parse_duration(bad), std::nullopt) << bad;
  }
}

TEST(Duration, FormatsTheShortestExactSpelling) {
  EXPECT_EQ(format_duration(0ms), "0");
  EXPECT_EQ(format_duration(1500ms), "1500ms");
  EXPECT_EQ(format_duration(60s), "1m");
  EXPECT_EQ(format_duration(90s), "90s");
  EXPECT_EQ(format_duration(7 * 24h), "7d");
  for (std::chrono::milliseconds d :
       std::initializer_list<std::chrono::milliseconds>{1ms, 999ms, 1s, 61s, 1h, 25h})
    EXPECT_EQ(parse_duration(format_duration(d)), d);
}

TEST(Size, ParsesBinaryUnitsAndPlainBytes) {
  EXPECT_EQ(parse_size("64MiB"), 64ull << 20);
  EXPECT_EQ(parse_size("1GiB"), 1ull << 30);
  EXPECT_EQ(parse_size("4KiB"), 4096u);
  EXPECT_EQ(parse_size("2TiB"), 2ull << 40);
  EXPECT_EQ(parse_size("4096"), 4096u);
  EXPECT_EQ(parse_size("4096B"), 4096u);
  EXPECT_EQ(parse_size("0"), 0u);
}

TEST(Size, RefusesWhatIsNotASize) {
  for (const char* bad : {"", "MiB", "1MB", "1mib", "1.5GiB", "-1", "1 GiB", "99999999999TiB",
                          "18446744073709551616"}) {
    EXPECT_EQ(parse_size(bad), std::nullopt) << bad;
  }
}

TEST(Size, Formats) {
  EXPECT_EQ(format_size(1ull << 20), "1MiB");
  EXPECT_EQ(format_size(1000), "1000");
  EXPECT_EQ(format_size(3ull << 30), "3GiB");
}

}  // namespace
}  // namespace edgegw::config
