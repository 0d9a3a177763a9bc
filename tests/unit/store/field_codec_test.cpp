#include "store/field_codec.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace edgegw::store {
namespace {

std::vector<Field> roundtrip(const std::vector<Field>& fields) {
  std::string blob;
  encode_fields(fields, blob);
  std::vector<Field> out;
  EXPECT_TRUE(
      decode_fields({reinterpret_cast<const std::uint8_t*>(blob.data()), blob.size()}, out));
  return out;
}

TEST(FieldCodec, RoundTripsEveryType) {
  const std::vector<Field> fields = {
      {"on", true},
      {"off", false},
      {"zero", std::int64_t{0}},
      {"neg", std::int64_t{-1}},
      {"min", std::numeric_limits<std::int64_t>::min()},
      {"max", std::numeric_limits<std::int64_t>::max()},
      {"volts", 230.25},
      {"nan-free", -0.0},
      {"inf", std::numeric_limits<double>::infinity()},
      {"text", std::string("héllo\0world", 12)},
      {"", std::string()},
  };
  EXPECT_EQ(roundtrip(fields), fields);
  EXPECT_EQ(roundtrip({}), std::vector<Field>{});
}

TEST(FieldCodec, IsCompact) {
  std::string blob;
  encode_fields({{"t", 21.5}, {"s", std::int64_t{3}}}, blob);
  EXPECT_LE(blob.size(), 1u + (2 + 9) + (2 + 2));
}

TEST(FieldCodec, RejectsMalformedBlobs) {
  std::string blob;
  encode_fields({{"name", std::string("value")}, {"x", 1.5}}, blob);
  std::vector<Field> out;
  for (std::size_t cut = 0; cut < blob.size(); ++cut) {
    EXPECT_FALSE(decode_fields({reinterpret_cast<const std::uint8_t*>(blob.data()), cut}, out))
        << "cut at " << cut;
    EXPECT_TRUE(out.empty());
  }
  std::string trailing = blob + "x";
  EXPECT_FALSE(decode_fields(
      {reinterpret_cast<const std::uint8_t*>(trailing.data()), trailing.size()}, out));
  const std::uint8_t bad_type[] = {1, 1, 'a', 9};
  EXPECT_FALSE(decode_fields(bad_type, out));
  const std::uint8_t huge_count[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
  EXPECT_FALSE(decode_fields(huge_count, out));
}

}  // namespace
}  // namespace edgegw::store
