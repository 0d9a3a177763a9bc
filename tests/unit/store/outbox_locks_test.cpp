// The outbox keeps SQLite's locks for as long as it is open. Opening and closing any descriptor of
// the database, its -wal or its -shm outside SQLite drops every POSIX lock this process holds on
// that file: without the -shm's dead-man-switch lock, the next process to open the database (edgegw
// status, an admin's sqlite3 reader) takes the WAL index for abandoned and truncates it under the
// daemon's mmap, and the daemon's next commit dies of SIGBUS (seen in the ASan e2e run).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "outbox_test_support.hpp"
#include "store/outbox.hpp"

namespace edgegw::store {
namespace {

using testing::options_in;
using testing::reading;

// The POSIX locks /proc/locks lists for this process on `file` (by inode).
std::size_t posix_locks_held_on(const std::filesystem::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return 0;
  const std::string inode = ":" + std::to_string(st.st_ino);
  const std::string pid = std::to_string(::getpid());
  std::ifstream in("/proc/locks");
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    // "1: POSIX  ADVISORY  READ 1234 08:01:5678 128 128"
    std::istringstream fields(line);
    std::string index, kind, mode, access, owner, device;
    fields >> index >> kind >> mode >> access >> owner >> device;
    if (kind == "POSIX" && owner == pid && device.ends_with(inode)) ++n;
  }
  return n;
}

TEST(OutboxLocks, TheWalIndexStaysLockedWhileTheOutboxIsOpen) {
  edgegw::test::TempDir dir;
  const OutboxOptions options = options_in(dir);
  auto outbox = Outbox::open(options);
  outbox->append(reading("a", 1));
  ASSERT_TRUE(outbox->commit().ok());
  const auto shm = options.path.string() + "-shm";
  ASSERT_TRUE(std::filesystem::exists(shm));
  EXPECT_GT(posix_locks_held_on(shm), 0u) << "no lock on " << shm;
  // Opened again over the files the first run left: the same holds.
  outbox.reset();
  outbox = Outbox::open(options);
  ASSERT_TRUE(outbox->commit().ok());
  EXPECT_GT(posix_locks_held_on(shm), 0u) << "no lock on " << shm << " after a reopen";
}

}  // namespace
}  // namespace edgegw::store
