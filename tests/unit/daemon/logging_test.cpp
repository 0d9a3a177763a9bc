#include "daemon/logging.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "support/temp_dir.hpp"

namespace edgegw::daemon {
namespace {

TEST(Logging, JournalStreamMustNameTheVeryFile) {
  edgegw::test::TempDir dir;
  const auto path = dir.write("f", "");
  FILE* f = std::fopen(path.c_str(), "r");
  ASSERT_NE(f, nullptr);
  struct stat st {};
  ASSERT_EQ(::fstat(fileno(f), &st), 0);
  const std::string mine = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  const std::string other = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino + 1);
  EXPECT_TRUE(log::journal_stream_matches(mine.c_str(), fileno(f)));
  EXPECT_FALSE(log::journal_stream_matches(other.c_str(), fileno(f)));
  EXPECT_FALSE(log::journal_stream_matches(nullptr, fileno(f)));
  EXPECT_FALSE(log::journal_stream_matches("garbage", fileno(f)));
  std::fclose(f);
}

TEST(Logging, DeviceScopeNestsAndRestores) {
  EXPECT_EQ(log::detail::current_device(), "");
  {
    log::detail::DeviceScope a("meter-1");
    EXPECT_EQ(log::detail::current_device(), "meter-1");
    {
      log::detail::DeviceScope b("meter-2");
      EXPECT_EQ(log::detail::current_device(), "meter-2");
    }
    EXPECT_EQ(log::detail::current_device(), "meter-1");
  }
  EXPECT_EQ(log::detail::current_device(), "");
}

}  // namespace
}  // namespace edgegw::daemon
