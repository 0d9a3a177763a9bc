// A tmpfs of a given size mounted for a test (a small file system to fill, or one where fsync
// costs nothing), unmounted when the object goes. Mounting needs CAP_SYS_ADMIN: where this process
// may not mount, mounted() is false and error() says why; the test skips or falls back.
#pragma once

#include <filesystem>
#include <string>

namespace edgegw::test {

class TmpfsMount {
 public:
  // Creates `at` (and its parents) and mounts a tmpfs of `size` ("16m", "64m") on it, mode 0700.
  TmpfsMount(const std::filesystem::path& at, const std::string& size);
  ~TmpfsMount();
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;

  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  const std::filesystem::path& path() const { return at_; }

 private:
  std::filesystem::path at_;
  bool mounted_ = false;
  std::string error_;
};

}  // namespace edgegw::test
