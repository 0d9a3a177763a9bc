#include "daemon/status_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "support/temp_dir.hpp"

namespace edgegw::daemon {
namespace {

TEST(StatusFilePath, ConfiguredPathWins) {
  config::GatewayOptions gateway;
  gateway.status_file = "/srv/edgegw/state.json";
  EXPECT_EQ(status_file_path(gateway, "/run/edgegw"), "/srv/edgegw/state.json");
}

TEST(StatusFilePath, FirstRuntimeDirectoryElseRunEdgegw) {
  const config::GatewayOptions gateway;
  EXPECT_EQ(status_file_path(gateway, "/run/edgegw2"), "/run/edgegw2/status.json");
  EXPECT_EQ(status_file_path(gateway, "/run/a:/run/b"), "/run/a/status.json");
  EXPECT_EQ(status_file_path(gateway, nullptr), "/run/edgegw/status.json");
  EXPECT_EQ(status_file_path(gateway, ""), "/run/edgegw/status.json");
}

TEST(WriteFileAtomically, ReplacesTheFileWholeAndReadable) {
  test::TempDir dir;
  const auto file = dir / "status.json";
  ASSERT_EQ(write_file_atomically(file, "first"), std::nullopt);
  ASSERT_EQ(write_file_atomically(file, "second"), std::nullopt);
  EXPECT_EQ(test::read_file(file), "second");
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  // Nothing but the file itself is left in the directory.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1u);
}

TEST(WriteFileAtomically, SaysWhyWhenTheDirectoryIsMissing) {
  test::TempDir dir;
  const auto error = write_file_atomically(dir / "missing" / "status.json", "x");
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("missing/status.json"), std::string::npos) << *error;
}

}  // namespace
}  // namespace edgegw::daemon
