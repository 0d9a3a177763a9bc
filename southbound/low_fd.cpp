#include "southbound/low_fd.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <mutex>
#include <vector>

namespace edgegw::southbound {
namespace {

std::mutex pool_mutex;
std::vector<int>& pool() {
  static std::vector<int> slots;
  return slots;
}
int reserved_total = 0;
int devnull_source = -1;  // dup source for placeholders: closing a slot never needs a free fd

int open_placeholder() {
  return ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

// A new placeholder if the lowest free fd is still below the limit, else -1.
int new_low_placeholder() {
  const int fd = open_placeholder();
  if (fd < 0) return -1;
  if (fd >= kSelectFdLimit) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

int reserve_low_fds(int count) {
  std::lock_guard lock(pool_mutex);
  if (devnull_source < 0) devnull_source = open_placeholder();
  for (int i = 0; i < count; ++i) {
    const int fd = new_low_placeholder();
    if (fd < 0) break;
    pool().push_back(fd);
    ++reserved_total;
  }
  return reserved_total;
}

int take_low_fd() {
  std::lock_guard lock(pool_mutex);
  if (!pool().empty()) {
    const int fd = pool().back();
    pool().pop_back();
    return fd;
  }
  return new_low_placeholder();
}

void return_low_fd(int slot) {
  if (slot < 0) return;
  std::lock_guard lock(pool_mutex);
  pool().push_back(slot);
}

int move_to_low_fd(int fd, int slot) {
  if (fd == slot) return slot;
  if (::dup3(fd, slot, O_CLOEXEC) < 0) return -1;
  ::close(fd);
  return slot;
}

void release_to_placeholder(int slot) {
  if (slot < 0) return;
  int source;
  {
    std::lock_guard lock(pool_mutex);
    if (devnull_source < 0) devnull_source = open_placeholder();
    source = devnull_source;
  }
  if (source >= 0 && ::dup3(source, slot, O_CLOEXEC) >= 0) return;
  ::close(slot);  // no placeholder possible: at least do not leak the socket
}

}  // namespace edgegw::southbound
