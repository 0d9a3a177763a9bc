// A directory under $TMPDIR that is removed with its contents when the object goes away.
#pragma once

#include <filesystem>
#include <string>

namespace edgegw::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  // Writes `text` to path()/name with the given mode and returns the full path.
  std::filesystem::path write(const std::string& name, const std::string& text,
                              unsigned mode = 0600) const;

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& path);

}  // namespace edgegw::test
