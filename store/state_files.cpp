#include "store/state_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <system_error>

namespace edgegw::store {

namespace {

// Format 1 was rewritten whole after every commit that appended, with one checksum over all of
// it: at 10,000 devices 450 KB formatted and summed per commit, three quarters of a commit's
// instructions. Format 2 gives each device a line of its own that keeps its place and its length
// (the sequence in fixed width) and carries its own checksum, so a commit rewrites only the lines
// of the devices it appended to. Format 1 is still read (an upgrade finds one).
constexpr std::string_view kMagicV1 = "edgegw-outbox-hwm 1\n";
constexpr std::string_view kMagic = "edgegw-outbox-hwm 2\n";
constexpr std::size_t kSeqDigits = 20;  // UINT64_MAX has 20
constexpr std::size_t kSumDigits = 16;  // FNV-1a, 64 bits in hex
// "<seq> <sum> <device>\n": the sum covers "<seq> <device>".
constexpr std::size_t kLineFixed = kSeqDigits + 1 + kSumDigits + 1;

// FNV-1a: guards the file against a torn or foreign write, not against an adversary.
std::uint64_t fnv1a(std::string_view bytes) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::uint64_t line_sum(std::string_view seq_digits, std::string_view device) {
  std::uint64_t h = fnv1a(seq_digits);
  for (unsigned char c : " " + std::string(device)) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// Writes `value` as exactly `width` digits of `base` at `at` (zero-padded).
void put_fixed(char* at, std::size_t width, std::uint64_t value, unsigned base) {
  constexpr char kDigits[] = "0123456789abcdef";
  for (std::size_t i = width; i-- > 0;) {
    at[i] = kDigits[value % base];
    value /= base;
  }
}

// Sets the sequence and the sum of the line at `at` (its device follows them).
void put_mark(char* at, std::uint64_t seq, std::string_view device) {
  put_fixed(at, kSeqDigits, seq, 10);
  put_fixed(at + kSeqDigits + 1, kSumDigits, line_sum(std::string_view(at, kSeqDigits), device),
            16);
}

std::optional<HighWaterMark::Seqs> parse_v1(const std::string& text, std::string* error) {
  auto damaged = [&](const char* why) -> std::optional<HighWaterMark::Seqs> {
    if (error) *error = std::string(why);
    return std::nullopt;
  };
  // Layout: magic, "<seq> <device>\n" per device, "end <fnv1a-hex of all before>\n".
  const auto end = text.rfind("end ");
  if (end == std::string::npos) return damaged("not a high-water mark");
  std::uint64_t sum = 0;
  const char* sum_at = text.data() + end + 4;
  if (std::from_chars(sum_at, text.data() + text.size(), sum, 16).ec != std::errc{} ||
      sum != fnv1a(std::string_view(text).substr(0, end))) {
    return damaged("checksum mismatch");
  }
  HighWaterMark::Seqs seqs;
  std::size_t at = kMagicV1.size();
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

std::optional<HighWaterMark::Seqs> parse_v2(const std::string& text, std::string* error) {
  auto damaged = [&](const char* why) -> std::optional<HighWaterMark::Seqs> {
    if (error) *error = std::string(why);
    return std::nullopt;
  };
  HighWaterMark::Seqs seqs;
  std::size_t at = kMagic.size();
  while (at < text.size()) {
    const auto eol = text.find('\n', at);
    if (eol == std::string::npos || eol - at <= kLineFixed || text[at + kSeqDigits] != ' ' ||
        text[at + kLineFixed - 1] != ' ') {
      return damaged("malformed line");
    }
    const std::string_view line(text.data() + at, eol - at);
    std::uint64_t seq = 0;
    std::uint64_t sum = 0;
    const std::string_view device = line.substr(kLineFixed);
    if (std::from_chars(line.data(), line.data() + kSeqDigits, seq).ec != std::errc{} ||
        std::from_chars(line.data() + kSeqDigits + 1, line.data() + kLineFixed - 1, sum, 16).ec !=
            std::errc{} ||
        sum != line_sum(line.substr(0, kSeqDigits), device)) {
      return damaged("checksum mismatch");
    }
    seqs[std::string(device)] = seq;
    at = eol + 1;
  }
  return seqs;
}

// While HighWaterMark::flush() fails (a file that cannot be opened or written), every commit adds
// its devices' ranges: past as many as there are lines, one range - the whole file - says the same.
void collapse_if_long(std::vector<std::pair<std::size_t, std::size_t>>& dirty, std::size_t lines,
                      std::size_t bytes) {
  if (dirty.size() > lines + 16) dirty.assign(1, {0, bytes});
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
  if (got != static_cast<ssize_t>(size)) {
    if (error) *error = "short read";
    return std::nullopt;
  }
  if (text.starts_with(kMagic)) return parse_v2(text, error);
  if (text.starts_with(kMagicV1)) return parse_v1(text, error);
  if (error) *error = "not a high-water mark";
  return std::nullopt;
}

bool HighWaterMark::write(const Seqs& seqs) {
  buffer_.assign(kMagic);
  line_of_.clear();
  dirty_.clear();
  for (const auto& [device, seq] : seqs) add_line(device, seq);
  dirty_.assign(1, {0, buffer_.size()});
  if (!flush()) return false;
  // Exact, whatever was there before (a file of another format, one this process never wrote): a
  // longer tail would be read as a malformed line.
  if (::ftruncate(fd_, static_cast<off_t>(buffer_.size())) != 0) return false;
  return true;
}

void HighWaterMark::add_line(const std::string& device, std::uint64_t seq) {
  const std::size_t at = buffer_.size();
  buffer_.append(kLineFixed, ' ');
  buffer_ += device;
  buffer_ += '\n';
  put_mark(buffer_.data() + at, seq, device);
  line_of_.emplace(device, at);
}

void HighWaterMark::set(const std::string& device, std::uint64_t seq) {
  if (buffer_.empty()) {  // never written: the file starts with its magic
    buffer_.assign(kMagic);
    dirty_.push_back({0, kMagic.size()});
  }
  auto it = line_of_.find(device);
  if (it == line_of_.end()) {
    const std::size_t at = buffer_.size();
    add_line(device, seq);
    dirty_.push_back({at, buffer_.size()});
    collapse_if_long(dirty_, line_of_.size(), buffer_.size());
    return;
  }
  put_mark(buffer_.data() + it->second, seq, device);
  dirty_.push_back({it->second, it->second + kLineFixed});
  collapse_if_long(dirty_, line_of_.size(), buffer_.size());
}

bool HighWaterMark::flush() {
  if (dirty_.empty()) return true;
  if (fd_ < 0) fd_ = open_private(path_, O_RDWR);
  if (fd_ < 0) return false;
  // Nearby lines go out in one write: a gap of a page costs less than a system call.
  constexpr std::size_t kGap = 4096;
  std::sort(dirty_.begin(), dirty_.end());
  std::size_t i = 0;
  while (i < dirty_.size()) {
    const std::size_t begin = dirty_[i].first;
    std::size_t end = dirty_[i].second;
    for (++i; i < dirty_.size() && dirty_[i].first <= end + kGap; ++i) {
      end = std::max(end, dirty_[i].second);
    }
    const auto n = static_cast<ssize_t>(end - begin);
    if (::pwrite(fd_, buffer_.data() + begin, static_cast<std::size_t>(n),
                 static_cast<off_t>(begin)) != n) {
      return false;  // the lines stay dirty: the next flush writes them again
    }
  }
  dirty_.clear();
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
