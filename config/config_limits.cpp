// The checks before parsing; see the header for why each exists.
#include "config/config_limits.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace edgegw::config {
namespace {

// Closes the descriptor on every path out of read_config_text.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// Why a file with this status cannot be a configuration file, or nullopt.
std::optional<std::string> refusal(const struct stat& st, const std::filesystem::path& file) {
  if (S_ISDIR(st.st_mode)) {
    return "is a directory, not a configuration file (give the path of edgegw.toml)";
  }
  if (!S_ISREG(st.st_mode)) {
    return "is not a regular file (a device, FIFO or socket cannot hold a configuration)";
  }
  if (static_cast<std::uintmax_t>(st.st_size) > kMaxConfigFileBytes) {
    return "is " + std::to_string(st.st_size) + " bytes; a configuration file may be at most " +
           std::to_string(kMaxConfigFileBytes >> 20) + " MiB";
  }
  if ((st.st_mode & S_IWOTH) != 0) {
    return "is writable by every user (mode " + octal_mode(st.st_mode) +
           "), so anyone could change what the gateway does; run chmod o-w " + file.string();
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> read_config_text(const std::filesystem::path& file,
                                            ProblemList& problems) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused after fstat.
  const Fd in{::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
  struct stat st {};
  if (in.fd < 0 || ::fstat(in.fd, &st) != 0) {
    problems.add({file.string(), 0, 0},
                 std::string("cannot read the file: ") + std::strerror(errno));
    return std::nullopt;
  }
  if (auto why = refusal(st, file)) {
    problems.add({file.string(), 0, 0}, *why);
    return std::nullopt;
  }
  // Read at most one byte past the cap: a file that grows after fstat is still bounded.
  std::string text;
  char buffer[65536];
  while (text.size() <= kMaxConfigFileBytes) {
    const ssize_t n = ::read(in.fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      problems.add({file.string(), 0, 0},
                   std::string("cannot read the file: ") + std::strerror(errno));
      return std::nullopt;
    }
    if (n == 0) return text;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  problems.add({file.string(), 0, 0}, "a configuration file may be at most " +
                                          std::to_string(kMaxConfigFileBytes >> 20) + " MiB");
  return std::nullopt;
}

namespace {

// Skips the string that starts at text[i] (a quote), counting the lines it spans. Returns the
// index just past its end (or text.size() if it does not end; the parser reports that).
std::size_t skip_string(std::string_view text, std::size_t i, std::uint32_t& line,
                        std::size_t& line_start) {
  const char quote = text[i];
  const bool basic = quote == '"';
  const bool multi = text.substr(i, 3) == std::string_view(basic ? "\"\"\"" : "'''");
  const std::string_view close = multi ? text.substr(i, 3) : text.substr(i, 1);
  for (std::size_t k = i + close.size(); k < text.size(); ++k) {
    if (text[k] == '\n') {
      if (!multi) return k;  // an unterminated one-line string: the parser says so
      ++line;
      line_start = k + 1;
    } else if (basic && text[k] == '\\') {
      if (k + 1 < text.size() && text[k + 1] == '\n') {
        ++line;
        line_start = k + 2;
      }
      ++k;
    } else if (text.substr(k, close.size()) == close) {
      return k + close.size();
    }
  }
  return text.size();
}

}  // namespace

std::optional<ConfigProblem> check_nesting(std::string_view text, const std::string& file) {
  std::uint32_t line = 1;
  std::size_t line_start = 0;
  std::size_t depth = 0;
  std::size_t dots = 0;
  const std::string limit = std::to_string(kMaxConfigNesting);
  const auto at = [&](std::size_t i, std::string message) {
    const auto column = static_cast<std::uint32_t>(i - line_start + 1);
    return ConfigProblem{{file, line, column}, std::move(message)};
  };
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '"' || c == '\'') {
      i = skip_string(text, i, line, line_start);
      continue;
    }
    if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    if (c == '[' || c == '{') {
      if (++depth > kMaxConfigNesting) {
        return at(i, "arrays and tables nest deeper than " + limit + " levels");
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    } else if (c == '.') {
      if (++dots >= kMaxConfigNesting) {
        return at(i, "a dotted key with more than " + limit + " levels");
      }
    } else if (c == '=' || c == ',' || c == '\n') {
      dots = 0;
    }
    if (c == '\n') {
      ++line;
      line_start = i + 1;
    }
    ++i;
  }
  return std::nullopt;
}

}  // namespace edgegw::config
