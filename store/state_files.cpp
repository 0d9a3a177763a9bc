#include "store/state_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <system_error>

namespace edgegw::store {

namespace {

constexpr std::string_view kMagic = "edgegw-outbox-hwm 1\n";

// FNV-1a: guards the file against a torn or foreign write, not against an adversary.
std::uint64_t fnv1a(std::string_view bytes) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

int open_private(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) ::fchmod(fd, 0600);  // the umask may have narrowed it; an old file may be wider
  return fd;
}

}  // namespace

// By path, never by opening an existing file: closing any descriptor of a file drops every POSIX
// lock this process holds on it. For the outbox's -shm that is SQLite's dead-man-switch lock:
// another process opening the database (edgegw status, an admin's sqlite3) would then take the
// WAL index for abandoned, truncate it under our mmap, and the next commit dies of SIGBUS.
bool make_private(const std::filesystem::path& path) {
  if (::chmod(path.c_str(), 0600) == 0) return true;
  if (errno != ENOENT) return false;
  const int fd = open_private(path, O_RDWR);  // a new file: nobody holds a lock on it
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

std::optional<FileSystemSpace> space_of(const std::filesystem::path& dir) {
  struct statvfs s {};
  if (::statvfs(dir.c_str(), &s) != 0) return std::nullopt;
  return FileSystemSpace{static_cast<std::uint64_t>(s.f_blocks) * s.f_frsize,
                         static_cast<std::uint64_t>(s.f_bavail) * s.f_frsize};
}

HighWaterMark::~HighWaterMark() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<HighWaterMark::Seqs> HighWaterMark::read(std::string* error) const {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path_, ec);
  if (ec || size == 0) return std::nullopt;
  std::string text(size, '\0');
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  const auto got = ::pread(fd, text.data(), text.size(), 0);
  ::close(fd);
  auto damaged = [&](const char* why) -> std::optional<Seqs> {
    if (error) *error = std::string(why);
    return std::nullopt;
  };
  if (got != static_cast<ssize_t>(size)) return damaged("short read");
  // Layout: magic, "<seq> <device>\n" per device, "end <fnv1a-hex of all before>\n".
  const auto end = text.rfind("end ");
  if (!text.starts_with(kMagic) || end == std::string::npos)
    return damaged("not a high-water mark");
  std::uint64_t sum = 0;
  const char* sum_at = text.data() + end + 4;
  if (std::from_chars(sum_at, text.data() + text.size(), sum, 16).ec != std::errc{} ||
      sum != fnv1a(std::string_view(text).substr(0, end))) {
    return damaged("checksum mismatch");
  }
  Seqs seqs;
  std::size_t at = kMagic.size();
  while (at < end) {
    const auto eol = text.find('\n', at);
    const auto space = text.find(' ', at);
    if (eol == std::string::npos || space == std::string::npos || space > eol) {
      return damaged("malformed line");
    }
    std::uint64_t seq = 0;
    if (std::from_chars(text.data() + at, text.data() + space, seq).ec != std::errc{}) {
      return damaged("malformed sequence");
    }
    seqs[text.substr(space + 1, eol - space - 1)] = seq;
    at = eol + 1;
  }
  return seqs;
}

bool HighWaterMark::write(const Seqs& seqs) {
  if (fd_ < 0) fd_ = open_private(path_, O_RDWR);
  if (fd_ < 0) return false;
  buffer_.assign(kMagic);
  char number[24];
  for (const auto& [device, seq] : seqs) {
    const auto r = std::to_chars(number, number + sizeof number, seq);
    buffer_.append(number, r.ptr);
    buffer_ += ' ';
    buffer_ += device;
    buffer_ += '\n';
  }
  const auto r = std::to_chars(number, number + sizeof number, fnv1a(buffer_), 16);
  buffer_ += "end ";
  buffer_.append(number, r.ptr);
  buffer_ += '\n';
  if (::pwrite(fd_, buffer_.data(), buffer_.size(), 0) != static_cast<ssize_t>(buffer_.size())) {
    return false;
  }
  // The file only shrinks when devices disappear, which they do not; a longer tail would still be
  // harmless (the checksum line is found from the end), but keep the file exact.
  if (buffer_.size() < written_ && ::ftruncate(fd_, static_cast<off_t>(buffer_.size())) != 0) {
    return false;
  }
  written_ = buffer_.size();
  return true;
}

void HighWaterMark::sync() {
  if (fd_ >= 0) ::fdatasync(fd_);
}

bool SpaceReserve::release() {
  std::error_code ec;
  return std::filesystem::remove(path_, ec);
}

bool SpaceReserve::held() const {
  std::error_code ec;
  return std::filesystem::file_size(path_, ec) >= bytes_ && !ec;
}

bool SpaceReserve::ensure() {
  if (bytes_ == 0 || held()) return true;
  const int fd = open_private(path_, O_RDWR);
  if (fd < 0) return false;
  const bool ok = ::posix_fallocate(fd, 0, static_cast<off_t>(bytes_)) == 0;
  ::close(fd);
  if (!ok) release();  // half a reserve only takes space from the outbox
  return ok;
}

}  // namespace edgegw::store
