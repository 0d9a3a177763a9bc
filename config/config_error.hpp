// Configuration problems: each one a place in a file and a sentence, printed as
// `FILE:LINE:COLUMN: message`. Loading collects every problem it finds (not just the first) into a
// ProblemList and throws one ConfigError carrying all of them; main prints them and exits 78.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace edgegw::config {

struct SourcePos {
  std::string file;
  std::uint32_t line = 0;  // 1-based; 0 = the file as a whole
  std::uint32_t column = 0;
  bool operator==(const SourcePos&) const = default;
};

// "FILE:LINE:COLUMN" (line and column 1 when the position is the whole file).
std::string to_string(const SourcePos& pos);

struct ConfigProblem {
  SourcePos pos;
  std::string message;
  bool operator==(const ConfigProblem&) const = default;
};

// "FILE:LINE:COLUMN: message"
std::string to_string(const ConfigProblem& problem);

class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<ConfigProblem> problems);
  const std::vector<ConfigProblem>& problems() const { return problems_; }

 private:
  std::vector<ConfigProblem> problems_;
};

// Collects problems while a configuration is read.
class ProblemList {
 public:
  void add(SourcePos pos, std::string message);
  bool empty() const { return problems_.empty(); }
  std::size_t size() const { return problems_.size(); }
  const std::vector<ConfigProblem>& problems() const { return problems_; }
  // Orders the problems by file (in the order given; others last), then line and column, and
  // throws them as one ConfigError. Does nothing when there are none.
  void throw_if_any(const std::vector<std::string>& file_order) const;

 private:
  std::vector<ConfigProblem> problems_;
};

}  // namespace edgegw::config
