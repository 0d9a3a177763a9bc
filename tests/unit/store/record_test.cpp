#include "store/record.hpp"

#include <gtest/gtest.h>

namespace edgegw::store {

TEST(Record, ComparesByValue) {
  Record a{"meter-1", 1, 1000, RecordKind::telemetry, {{"voltage", 230.5}}};
  Record b = a;
  EXPECT_EQ(a, b);
  b.fields[0].value = std::int64_t{230};
  EXPECT_NE(a, b);
}

}  // namespace edgegw::store
