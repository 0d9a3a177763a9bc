#include "config/config_error.hpp"

#include <algorithm>
#include <tuple>

namespace edgegw::config {
namespace {

std::string join(const std::vector<ConfigProblem>& problems) {
  std::string text;
  for (const auto& p : problems) {
    if (!text.empty()) text += '\n';
    text += to_string(p);
  }
  return text;
}

}  // namespace

std::string to_string(const SourcePos& pos) {
  const auto line = pos.line == 0 ? 1 : pos.line;
  const auto column = pos.column == 0 ? 1 : pos.column;
  return pos.file + ':' + std::to_string(line) + ':' + std::to_string(column);
}

std::string to_string(const ConfigProblem& problem) {
  return to_string(problem.pos) + ": " + problem.message;
}

ConfigError::ConfigError(std::vector<ConfigProblem> problems)
    : std::runtime_error(join(problems)), problems_(std::move(problems)) {}

void ProblemList::add(SourcePos pos, std::string message) {
  problems_.push_back({std::move(pos), std::move(message)});
}

void ProblemList::throw_if_any(const std::vector<std::string>& file_order) const {
  if (problems_.empty()) return;
  auto rank = [&](const std::string& file) {
    auto it = std::find(file_order.begin(), file_order.end(), file);
    return static_cast<std::size_t>(it - file_order.begin());
  };
  auto sorted = problems_;
  std::stable_sort(sorted.begin(), sorted.end(), [&](const auto& a, const auto& b) {
    return std::tuple(rank(a.pos.file), a.pos.line, a.pos.column) <
           std::tuple(rank(b.pos.file), b.pos.line, b.pos.column);
  });
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  throw ConfigError(std::move(sorted));
}

}  // namespace edgegw::config
