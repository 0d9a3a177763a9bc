#include "support/tmpfs_mount.hpp"

#include <sys/mount.h>

#include <cerrno>
#include <cstring>

namespace edgegw::test {

TmpfsMount::TmpfsMount(const std::filesystem::path& at, const std::string& size) : at_(at) {
  std::filesystem::create_directories(at_);
  const std::string data = "size=" + size + ",mode=0700";
  mounted_ = ::mount("tmpfs", at_.c_str(), "tmpfs", 0, data.c_str()) == 0;
  if (!mounted_) error_ = std::strerror(errno);
}

// MNT_DETACH: a test that failed half-way may still hold a file open in it.
TmpfsMount::~TmpfsMount() {
  if (mounted_) ::umount2(at_.c_str(), MNT_DETACH);
}

}  // namespace edgegw::test
