#include "daemon/status_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

}  // namespace edgegw::daemon
