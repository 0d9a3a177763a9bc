// The WAL is copied into the database file by the background checkpointer, without the owner of
// the outbox doing anything but commit.
#include "store/wal_checkpointer.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "outbox_test_support.hpp"
#include "store/outbox.hpp"
#include "support/wait.hpp"

namespace edgegw::store {
namespace {

namespace fs = std::filesystem;

TEST(WalCheckpointer, CopiesTheWalIntoTheDatabaseInTheBackground) {
  edgegw::test::TempDir dir;
  const auto options = testing::options_in(dir);
  auto outbox = Outbox::open(options);
  const auto initial = fs::file_size(options.path);
  // About 8 MiB of records: past the 4 MiB at which the checkpointer wakes.
  for (int round = 0; round < 40; ++round) {
    for (int i = 0; i < 100; ++i) {
      Record r = testing::reading("meter-1", i);
      r.fields.push_back({"padding", std::string(2000, 'p')});
      outbox->append(std::move(r));
    }
    ASSERT_TRUE(outbox->commit().ok());
  }
  EXPECT_TRUE(edgegw::test::wait_until([&] {
    return fs::file_size(options.path) > initial + 2 * 1024 * 1024;
  })) << "the database file did not grow: nothing was checkpointed";
  EXPECT_EQ(outbox->backlog("meter-1"), 4000u);
  EXPECT_EQ(outbox->quick_check(), "ok");
}

}  // namespace
}  // namespace edgegw::store
