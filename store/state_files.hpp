// The small files the outbox keeps beside outbox.db, and the file-system facts it sizes itself
// by. Private to the store.
//
// - The high-water mark (<db>-hwm): each device's last committed sequence, its line rewritten in
//   place after every commit that appended to it. It lives outside SQLite on purpose: a WAL that is
//   deleted, damaged or left beside a 0-byte database takes the last commits with it, and only
//   something outside the database can say they existed. Written with pwrite (no fsync on the
//   commit path; with sync = full the WAL's own fsync orders it), so it can lag the database but
//   never lead it.
// - The reserve (<db>-reserve): a preallocated file released when the file system is full, so the
//   deletes that PUBACKs and size drops need can still commit, and an open on a full disk can
//   create its -shm and replay its WAL.
// Every file is created 0600 whatever the umask (readings can be private).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace edgegw::store {

// Creates `path` 0600 if missing and forces 0600 on it if present. False if it cannot.
bool make_private(const std::filesystem::path& path);

struct FileSystemSpace {
  std::uint64_t total = 0;      // bytes
  std::uint64_t available = 0;  // bytes an unprivileged writer may still use
};
std::optional<FileSystemSpace> space_of(const std::filesystem::path& dir);

class HighWaterMark {
 public:
  using Seqs = std::map<std::string, std::uint64_t>;  // device -> last committed seq

  explicit HighWaterMark(std::filesystem::path path) : path_(std::move(path)) {}
  ~HighWaterMark();
  HighWaterMark(const HighWaterMark&) = delete;
  HighWaterMark& operator=(const HighWaterMark&) = delete;

  // What the file says; nullopt if it is missing, empty (never written) or damaged (`error` says
  // which when damaged).
  std::optional<Seqs> read(std::string* error = nullptr) const;
  // Replaces the file's content (pwrite in place, 0600). False if it could not be written.
  bool write(const Seqs& seqs);
  // Sets one device's mark (a device new to the file gets a line at its end); flush() writes it.
  void set(const std::string& device, std::uint64_t seq);
  // Writes the lines set() changed since the last flush: one pwrite per run of nearby lines, so a
  // commit costs the devices it appended to, not the devices there are. False if it could not
  // (they are written with the next flush).
  bool flush();
  // fdatasync; for the rare moments worth paying one (after open).
  void sync();
  const std::filesystem::path& path() const { return path_; }

 private:
  void add_line(const std::string& device, std::uint64_t seq);

  std::filesystem::path path_;
  int fd_ = -1;
  std::string buffer_;  // the file as it is to be: the magic, then one line per device
  std::unordered_map<std::string, std::size_t> line_of_;    // where each device's line starts
  std::vector<std::pair<std::size_t, std::size_t>> dirty_;  // byte ranges set() changed
};

class SpaceReserve {
 public:
  SpaceReserve(std::filesystem::path path, std::uint64_t bytes)
      : path_(std::move(path)), bytes_(bytes) {}
  // Deletes the reserve; true if there was one to give back.
  bool release();
  // (Re)creates it if missing; false if the space is not there.
  bool ensure();
  bool held() const;
  std::uint64_t bytes() const { return bytes_; }

 private:
  std::filesystem::path path_;
  std::uint64_t bytes_;
};

}  // namespace edgegw::store
