#include "config/toml_reader.hpp"

#include <cmath>
#include <cstdio>

#include "config/units.hpp"

namespace edgegw::config {
namespace {

std::string toml_number(double v) {
  char text[64];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

}  // namespace

SourcePos to_pos(const toml::source_region& region, const std::string& fallback_file) {
  SourcePos pos;
  pos.file = region.path ? *region.path : fallback_file;
  pos.line = region.begin.line;
  pos.column = region.begin.column;
  return pos;
}

std::string_view describe(toml::node_type type) {
  switch (type) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

TableReader::TableReader(const toml::table& table, std::string path, ProblemList& problems,
                         std::string file)
    : table_(table), path_(std::move(path)), problems_(problems), file_(std::move(file)) {
  if (table_.source().path) file_ = *table_.source().path;
}

SourcePos TableReader::pos() const {
  return to_pos(table_.source(), file_);
}

SourcePos TableReader::key_pos(std::string_view key) const {
  auto it = table_.find(key);
  if (it == table_.end()) return pos();
  return to_pos(it->first.source(), file_);
}

SourcePos TableReader::value_pos(std::string_view key) const {
  const toml::node* node = table_.get(key);
  if (!node) return pos();
  SourcePos p = to_pos(node->source(), file_);
  if (p.line == 0) return key_pos(key);  // implicit tables have no position of their own
  return p;
}

const toml::node* TableReader::get(std::string_view key) {
  read_.insert(std::string(key));
  return table_.get(key);
}

std::string TableReader::qualified(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void TableReader::problem(std::string_view key, const std::string& message) {
  problems_.add(value_pos(key), qualified(key) + ": " + message);
}

void TableReader::table_problem(const std::string& message) {
  problems_.add(pos(), "[" + path_ + "] " + message);
}

bool TableReader::require(std::string_view key) {
  mark_read(key);
  if (has(key)) return true;
  table_problem("missing key '" + std::string(key) + "'");
  return false;
}

void TableReader::wrong_type(std::string_view key, std::string_view expected,
                             const toml::node& node) {
  problem(key, "expected " + std::string(expected) + ", got " + std::string(describe(node.type())));
}

bool TableReader::read(std::string_view key, std::string& out) {
  const toml::node* node = get(key);
  if (!node) return false;
  if (!node->is_string()) {
    wrong_type(key, "a string", *node);
    return false;
  }
  out = node->as_string()->get();
  return true;
}

bool TableReader::read_nonempty(std::string_view key, std::string& out) {
  std::string value;
  if (!read(key, value)) return false;
  if (value.empty()) {
    problem(key, "must not be empty");
    return false;
  }
  out = std::move(value);
  return true;
}

bool TableReader::read(std::string_view key, bool& out) {
  const toml::node* node = get(key);
  if (!node) return false;
  if (!node->is_boolean()) {
    wrong_type(key, "a boolean (true or false)", *node);
    return false;
  }
  out = node->as_boolean()->get();
  return true;
}

bool TableReader::read_int(std::string_view key, std::int64_t& out, std::int64_t min,
                           std::int64_t max) {
  const toml::node* node = get(key);
  if (!node) return false;
  if (!node->is_integer()) {
    wrong_type(key, "an integer", *node);
    return false;
  }
  const std::int64_t v = node->as_integer()->get();
  if (v < min || v > max) {
    problem(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                     " (got " + std::to_string(v) + ")");
    return false;
  }
  out = v;
  return true;
}

bool TableReader::read_number(std::string_view key, double& out, double min, double max,
                              bool min_exclusive) {
  const toml::node* node = get(key);
  if (!node) return false;
  double v = 0;
  if (node->is_integer()) {
    v = static_cast<double>(node->as_integer()->get());
  } else if (node->is_floating_point()) {
    v = node->as_floating_point()->get();
  } else {
    wrong_type(key, "a number", *node);
    return false;
  }
  const bool below = min_exclusive ? !(v > min) : !(v >= min);
  if (!std::isfinite(v) || below || v > max) {
    std::string range =
        min_exclusive ? "greater than " + toml_number(min) : "at least " + toml_number(min);
    problem(key, "must be " + range + " and at most " + toml_number(max) + " (got " +
                     toml_number(v) + ")");
    return false;
  }
  out = v;
  return true;
}

bool TableReader::read_duration(std::string_view key, std::chrono::milliseconds& out,
                                std::chrono::milliseconds min, std::chrono::milliseconds max) {
  const toml::node* node = get(key);
  if (!node) return false;
  if (!node->is_string()) {
    wrong_type(key, "a duration string such as \"5s\"", *node);
    return false;
  }
  const std::string& text = node->as_string()->get();
  auto d = parse_duration(text);
  if (!d) {
    problem(key, "\"" + text +
                     "\" is not a duration (a whole number with ms, s, m, h or d, e.g. \"5s\")");
    return false;
  }
  if (*d < min || *d > max) {
    problem(key, "must be between " + format_duration(min) + " and " + format_duration(max) +
                     " (got " + text + ")");
    return false;
  }
  out = *d;
  return true;
}

bool TableReader::read_seconds(std::string_view key, std::chrono::seconds& out,
                               std::chrono::seconds min, std::chrono::seconds max) {
  std::chrono::milliseconds ms{0};
  if (!read_duration(key, ms, min, max)) return false;
  if (ms.count() % 1000 != 0) {
    problem(key, "must be whole seconds (got " + format_duration(ms) + ")");
    return false;
  }
  out = std::chrono::duration_cast<std::chrono::seconds>(ms);
  return true;
}

bool TableReader::read_size(std::string_view key, std::uint64_t& out, std::uint64_t min,
                            std::uint64_t max) {
  const toml::node* node = get(key);
  if (!node) return false;
  std::optional<std::uint64_t> bytes;
  std::string text;
  if (node->is_integer() && node->as_integer()->get() >= 0) {
    bytes = static_cast<std::uint64_t>(node->as_integer()->get());
    text = std::to_string(*bytes);
  } else if (node->is_string()) {
    text = node->as_string()->get();
    bytes = parse_size(text);
    if (!bytes) {
      problem(key, "\"" + text +
                       "\" is not a size (bytes, or a whole number with KiB, MiB, GiB or TiB)");
      return false;
    }
  } else {
    wrong_type(key, "a size such as \"64MiB\"", *node);
    return false;
  }
  if (*bytes < min || *bytes > max) {
    problem(key, "must be between " + format_size(min) + " and " + format_size(max) + " (got " +
                     text + ")");
    return false;
  }
  out = *bytes;
  return true;
}

std::optional<TableReader> TableReader::subtable(std::string_view key) {
  const toml::node* node = get(key);
  if (!node) return std::nullopt;
  if (!node->is_table()) {
    wrong_type(key, "a table", *node);
    return std::nullopt;
  }
  return TableReader(*node->as_table(), qualified(key), problems_, file_);
}

const toml::array* TableReader::array(std::string_view key) {
  const toml::node* node = get(key);
  if (!node) return nullptr;
  if (!node->is_array()) {
    wrong_type(key, "an array", *node);
    return nullptr;
  }
  return node->as_array();
}

void TableReader::report_unknown_keys(const std::string& hint) {
  for (const auto& [key, node] : table_) {
    (void)node;
    if (read_.count(key.str()) != 0) continue;
    std::string where = path_.empty() ? "at the top level" : "in [" + path_ + "]";
    problems_.add(to_pos(key.source(), file_),
                  "unknown key '" + std::string(key.str()) + "' " + where + hint);
  }
}

}  // namespace edgegw::config
