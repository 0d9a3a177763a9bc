// Disk full, on a real size-limited file system (a small tmpfs mounted for the test; skipped when
// the test may not mount): commits fail with disk_full and keep everything queued, nothing
// committed is damaged, and once space returns the next commit writes it all.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "outbox_test_support.hpp"
#include "store/outbox.hpp"

namespace edgegw::store {
namespace {

namespace fs = std::filesystem;
using testing::all_seqs;
using testing::reading;

class SmallFilesystem {
 public:
  SmallFilesystem(const fs::path& at, const char* size) : at_(at) {
    fs::create_directories(at_);
    const std::string data = std::string("size=") + size + ",mode=0700";
    mounted_ = ::mount("tmpfs", at_.c_str(), "tmpfs", 0, data.c_str()) == 0;
    if (!mounted_) error_ = std::strerror(errno);
  }
  ~SmallFilesystem() {
    if (mounted_) ::umount2(at_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }

 private:
  fs::path at_;
  bool mounted_ = false;
  std::string error_;
};

Record big_reading(std::int64_t i) {
  Record r = reading("meter-1", i);
  r.fields.push_back({"padding", std::string(2000, 'p')});
  return r;
}

TEST(OutboxDiskFull, BacksOffKeepsCommittedDataAndRecoversWhenSpaceReturns) {
  edgegw::test::TempDir dir;
  const fs::path mount_point = dir / "small";
  SmallFilesystem small(mount_point, "2m");
  if (!small.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << small.error();

  // Ballast takes most of the space; deleting it is "space returns".
  const fs::path ballast = mount_point / "ballast";
  {
    std::ofstream out(ballast, std::ios::binary);
    const std::string chunk(64 * 1024, 'b');
    for (int i = 0; i < 20; ++i)
      out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  }
  OutboxOptions options;
  options.path = mount_point / "outbox.db";
  options.max_age = std::chrono::milliseconds(0);
  auto outbox = Outbox::open(options);

  std::vector<std::uint64_t> committed;
  std::vector<std::uint64_t> appended;
  CommitResult result;
  for (int round = 0; round < 1000 && result.ok(); ++round) {
    for (int i = 0; i < 20; ++i) {
      const auto seq = outbox->append(big_reading(round * 20 + i));
      appended.push_back(seq);
      outbox->append(big_reading(0), [&committed, seq] { committed.push_back(seq); });
      appended.push_back(seq + 1);
    }
    result = outbox->commit();
  }
  ASSERT_EQ(result.status, CommitStatus::disk_full) << result.error;
  EXPECT_FALSE(result.error.empty());
  EXPECT_FALSE(committed.empty());
  EXPECT_TRUE(outbox->has_pending());
  const std::size_t queued = outbox->pending_appends();
  EXPECT_EQ(queued, 40u);

  // Still full: the retry fails the same way and loses nothing.
  result = outbox->commit();
  EXPECT_EQ(result.status, CommitStatus::disk_full);
  EXPECT_EQ(outbox->pending_appends(), queued);
  EXPECT_EQ(outbox->quick_check(), "ok");
  const auto before = all_seqs(*outbox, "meter-1");
  EXPECT_EQ(before.size(), appended.size() - queued);
  for (std::uint64_t seq : committed) {
    EXPECT_TRUE(std::binary_search(before.begin(), before.end(), seq)) << seq;
  }

  fs::remove(ballast);
  result = outbox->commit();
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.appended, queued);
  EXPECT_FALSE(outbox->has_pending());
  EXPECT_EQ(all_seqs(*outbox, "meter-1"), appended);

  outbox.reset();
  OpenReport report;
  outbox = Outbox::open(options, &report);
  EXPECT_FALSE(report.moved_aside);
  EXPECT_EQ(all_seqs(*outbox, "meter-1"), appended);
  EXPECT_EQ(outbox->quick_check(), "ok");
}

}  // namespace
}  // namespace edgegw::store
