// Typed, validating reads from one TOML table. Every read either stores a checked value or records
// a problem at the value's FILE:LINE:COLUMN and leaves the default alone, so one pass over a file
// finds every mistake. The reader remembers which keys were read; report_unknown_keys() then names
// each key nobody asked for (a typo must not be silently ignored).
#pragma once

#include <toml++/toml.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config_error.hpp"

namespace edgegw::config {

// A TOML position as a SourcePos; `fallback_file` when toml++ has no path for the node.
SourcePos to_pos(const toml::source_region& region, const std::string& fallback_file);

// "a string", "an integer", ...
std::string_view describe(toml::node_type type);

class TableReader {
 public:
  // `path` names the table in messages ("cloud", "device.modbus"); `file` is used for nodes that
  // carry no source path.
  TableReader(const toml::table& table, std::string path, ProblemList& problems, std::string file);

  const toml::table& table() const { return table_; }
  const std::string& path() const { return path_; }
  ProblemList& problems() { return problems_; }
  const std::string& file() const { return file_; }

  SourcePos pos() const;                          // the table's header
  SourcePos key_pos(std::string_view key) const;  // the key, or the table when absent
  SourcePos value_pos(std::string_view key) const;
  bool has(std::string_view key) const { return table_.contains(key); }
  // The node under `key` (marked as read), or nullptr.
  const toml::node* get(std::string_view key);
  void mark_read(std::string_view key) { read_.insert(std::string(key)); }

  // A problem about `key`'s value: "PATH.KEY: message" at the value.
  void problem(std::string_view key, const std::string& message);
  // A problem about the table as a whole: "[PATH] message" at the header.
  void table_problem(const std::string& message);
  // Records "missing key" when `key` is absent; returns whether it is present.
  bool require(std::string_view key);

  // Each returns true when the key was present and valid (and `out` was set).
  bool read(std::string_view key, std::string& out);
  bool read_nonempty(std::string_view key, std::string& out);
  bool read(std::string_view key, bool& out);
  bool read_int(std::string_view key, std::int64_t& out, std::int64_t min, std::int64_t max);
  template <typename Int>
  bool read_int(std::string_view key, Int& out, std::int64_t min, std::int64_t max) {
    std::int64_t v = 0;
    if (!read_int(key, v, min, max)) return false;
    out = static_cast<Int>(v);
    return true;
  }
  // Accepts integers and floats; `min_exclusive` makes min itself invalid (rates must be > 0).
  bool read_number(std::string_view key, double& out, double min, double max,
                   bool min_exclusive = false);
  bool read_duration(std::string_view key, std::chrono::milliseconds& out,
                     std::chrono::milliseconds min, std::chrono::milliseconds max);
  // A duration in whole seconds.
  bool read_seconds(std::string_view key, std::chrono::seconds& out, std::chrono::seconds min,
                    std::chrono::seconds max);
  bool read_size(std::string_view key, std::uint64_t& out, std::uint64_t min, std::uint64_t max);

  template <typename E>
  bool read_choice(std::string_view key, E& out,
                   std::initializer_list<std::pair<std::string_view, E>> choices) {
    return read_choice_from(key, out, choices);
  }
  // The same with a table of names kept by the module that owns the enum (one table for parsing
  // and printing), e.g. southbound::kPointTypeNames.
  template <typename E, std::size_t N>
  bool read_choice(std::string_view key, E& out,
                   const std::array<std::pair<std::string_view, E>, N>& choices) {
    return read_choice_from(key, out, choices);
  }

  template <typename E>
  bool read_choice(std::string_view key, E& out,
                   const std::vector<std::pair<std::string_view, E>>& choices) {
    return read_choice_from(key, out, choices);
  }

  // A sub-table (a problem if `key` holds something else).
  std::optional<TableReader> subtable(std::string_view key);
  // An array (of anything), or nullptr (a problem if `key` holds something else).
  const toml::array* array(std::string_view key);

  // Problems for every key that no read asked for; `hint` is appended to each message.
  void report_unknown_keys(const std::string& hint = "");

 private:
  template <typename E, typename Choices>
  bool read_choice_from(std::string_view key, E& out, const Choices& choices) {
    std::string text;
    if (!read(key, text)) return false;
    for (const auto& [name, value] : choices) {
      if (name == text) {
        out = value;
        return true;
      }
    }
    std::string names;
    for (const auto& choice : choices)
      names += (names.empty() ? "" : ", ") + std::string(choice.first);
    problem(key, "must be one of " + names + " (got \"" + text + "\")");
    return false;
  }

  std::string qualified(std::string_view key) const;
  void wrong_type(std::string_view key, std::string_view expected, const toml::node& node);

  const toml::table& table_;
  std::string path_;
  ProblemList& problems_;
  std::string file_;
  std::set<std::string, std::less<>> read_;
};

}  // namespace edgegw::config
