// The registration store: 0600, atomic, survives a new store over the same directory, refuses a
// file that is not its own.
#include "northbound/registration_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "identities.hpp"
#include "support/temp_dir.hpp"

namespace edgegw::northbound {
namespace {

using namespace testing;

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

TEST(RegistrationStore, NothingStoredIsNotAProblem) {
  test::TempDir dir;
  auto loaded = RegistrationStore(dir.path()).load(aliyun_device());
  EXPECT_FALSE(loaded.registration);
  EXPECT_EQ(loaded.problem, "");
}

TEST(RegistrationStore, SavedRegistrationIsPrivateAndReadBack) {
  test::TempDir dir;
  auto id = aliyun_device();
  Registration r{"a1B2c3D4e5F", "meter-1", "s3cr3t", "", ""};
  ASSERT_EQ(RegistrationStore(dir.path()).save(id, r), std::nullopt);

  RegistrationStore later(dir.path());
  auto path = later.path_for(id);
  EXPECT_EQ(path, dir.path() / "registrations" / "aliyun-a1B2c3D4e5F-meter-1.json");
  EXPECT_EQ(mode_of(path), 0600u);
  EXPECT_EQ(mode_of(path.parent_path()), 0700u);
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".tmp"));
  auto loaded = later.load(id);
  ASSERT_TRUE(loaded.registration);
  EXPECT_EQ(*loaded.registration, r);
}

TEST(RegistrationStore, OverwriteReplacesWholeFile) {
  test::TempDir dir;
  RegistrationStore store(dir.path());
  auto id = aliyun_device();
  ASSERT_EQ(store.save(id, {"a1B2c3D4e5F", "meter-1", std::string(500, 'x'), "", ""}),
            std::nullopt);
  ASSERT_EQ(store.save(id, {"a1B2c3D4e5F", "meter-1", "", "cid", "tok"}), std::nullopt);
  auto loaded = store.load(id);
  ASSERT_TRUE(loaded.registration);
  EXPECT_EQ(loaded.registration->device_secret, "");
  EXPECT_EQ(loaded.registration->device_token, "tok");
}

TEST(RegistrationStore, NamesCannotEscapeTheDirectory) {
  test::TempDir dir;
  auto id = aliyun_device();
  id.device_name = "../../etc/passwd";
  auto path = RegistrationStore(dir.path()).path_for(id);
  EXPECT_EQ(path.parent_path(), dir.path() / "registrations");
  EXPECT_EQ(path.filename().string().find('/'), std::string::npos);
}

TEST(RegistrationStore, AnotherDevicesFileIsAProblem) {
  test::TempDir dir;
  RegistrationStore store(dir.path());
  auto id = aliyun_device();
  std::filesystem::create_directories(store.path_for(id).parent_path());
  dir.write("registrations/" + store.path_for(id).filename().string(),
            R"({"productKey":"zzz","deviceName":"meter-1","deviceSecret":"s"})");
  auto loaded = store.load(id);
  EXPECT_FALSE(loaded.registration);
  EXPECT_NE(loaded.problem.find("another device"), std::string::npos);
}

TEST(RegistrationStore, UnwritableStateDirIsReported) {
  test::TempDir dir;
  dir.write("registrations", "a file where the directory should be");
  auto problem =
      RegistrationStore(dir.path()).save(aliyun_device(), {"a1B2c3D4e5F", "meter-1", "s", "", ""});
  EXPECT_TRUE(problem);
}

}  // namespace
}  // namespace edgegw::northbound
