#include "daemon/status_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace edgegw::daemon {

std::filesystem::path status_file_path(const config::GatewayOptions& gateway,
                                       const char* runtime_directory) {
  if (!gateway.status_file.empty()) return gateway.status_file;
  std::string_view dirs = runtime_directory ? runtime_directory : "";
  const std::string_view first = dirs.substr(0, dirs.find(':'));
  const std::filesystem::path dir = first.empty() ? kDefaultRuntimeDirectory : first;
  return dir / kStatusFileName;
}

std::optional<std::string> write_file_atomically(const std::filesystem::path& path,
                                                 std::string_view text, mode_t mode) {
  const std::filesystem::path temp = path.string() + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return "cannot create " + temp.string() + ": " + std::strerror(errno);
  ::fchmod(fd, mode);  // whatever the umask says: readers are other users
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(temp.c_str());
      return "cannot write " + temp.string() + ": " + why;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(temp.c_str());
    return "cannot write " + temp.string() + ": " + why;
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(temp.c_str());
    return "cannot rename " + temp.string() + " to " + path.string() + ": " + why;
  }
  return std::nullopt;
}

StampLocation locate_stamp(const std::filesystem::path& path, std::string_view text,
                           std::string_view marker) {
  StampLocation where;
  const auto at = text.find(marker);
  struct stat st {};
  if (at == std::string_view::npos || ::stat(path.c_str(), &st) != 0) return where;
  where.inode = st.st_ino;
  where.offset = at + marker.size();
  while (where.offset + where.width < text.size() &&
         std::isdigit(static_cast<unsigned char>(text[where.offset + where.width]))) {
    ++where.width;
  }
  if (where.width == 0) where.offset = std::string_view::npos;
  return where;
}

bool rewrite_stamp(const std::filesystem::path& path, const StampLocation& where,
                   std::string_view digits) {
  if (where.offset == std::string_view::npos || digits.size() != where.width) return false;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  const bool same = ::fstat(fd, &st) == 0 && st.st_ino == where.inode &&
                    static_cast<std::size_t>(st.st_size) >= where.offset + where.width;
  const bool done =
      same && ::pwrite(fd, digits.data(), digits.size(), static_cast<off_t>(where.offset)) ==
                  static_cast<ssize_t>(digits.size());
  ::close(fd);
  return done;
}

}  // namespace edgegw::daemon
