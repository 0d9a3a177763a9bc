// The outbox keeps SQLite's locks for as long as it is open. Opening and closing any descriptor of
// the database, its -wal or its -shm outside SQLite drops every POSIX lock this process holds on
// that file: without the -shm's dead-man-switch lock, the next process to open the database (edgegw
// status, an admin's sqlite3 reader) takes the WAL index for abandoned and truncates it under the
// daemon's mmap, and the daemon's next commit dies of SIGBUS (seen in the ASan e2e run).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "outbox_test_support.hpp"
#include "store/outbox.hpp"

namespace edgegw::store {
namespace {

using testing::options_in;
using testing::reading;

// Whether another process finds `file` locked, as the next process to open the database does:
// a child asks (F_GETLK) whether it could write-lock the whole file. This reads what SQLite reads,
// not /proc/locks, whose pids and inode numbers depend on the namespaces and the file system.
bool another_process_finds_a_lock_on(const std::filesystem::path& file) {
  const pid_t child = ::fork();
  if (child == 0) {
    // The child holds no locks (they are not inherited), so closing its descriptor drops nothing.
    const int fd = ::open(file.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) ::_exit(2);
    struct flock lock {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    if (::fcntl(fd, F_GETLK, &lock) != 0) ::_exit(3);
    ::_exit(lock.l_type == F_UNLCK ? 1 : 0);
  }
  int status = 0;
  if (child < 0 || ::waitpid(child, &status, 0) != child) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST(OutboxLocks, TheWalIndexStaysLockedWhileTheOutboxIsOpen) {
  edgegw::test::TempDir dir;
  const OutboxOptions options = options_in(dir);
  auto outbox = Outbox::open(options);
  outbox->append(reading("a", 1));
  ASSERT_TRUE(outbox->commit().ok());
  const auto shm = options.path.string() + "-shm";
  ASSERT_TRUE(std::filesystem::exists(shm));
  EXPECT_TRUE(another_process_finds_a_lock_on(shm)) << "no lock on " << shm;
  // Opened again over the files the first run left: the same holds.
  outbox.reset();
  outbox = Outbox::open(options);
  ASSERT_TRUE(outbox->commit().ok());
  EXPECT_TRUE(another_process_finds_a_lock_on(shm)) << "no lock on " << shm << " after a reopen";
}

}  // namespace
}  // namespace edgegw::store
