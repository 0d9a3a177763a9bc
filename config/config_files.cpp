#include "config/config_files.hpp"

#include <algorithm>

#include "config/config_limits.hpp"
#include "config/toml_reader.hpp"

namespace edgegw::config {
namespace {

bool is_appended_array(std::string_view path) {
  return path == "modbus" || path == "device";
}

std::string join_path(const std::string& prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
}

// Moves every entry of `from` into `into`, reporting conflicts at `from`'s side.
void merge(toml::table& into, toml::table& from, const std::string& prefix, ProblemList& problems) {
  for (auto&& [key, node] : from) {
    const std::string path = join_path(prefix, key.str());
    auto existing = into.find(key.str());
    if (existing == into.end()) {
      into.insert(key, std::move(node));
      continue;
    }
    toml::node& old = existing->second;
    if (prefix.empty() && is_appended_array(path) && old.is_array() && node.is_array()) {
      for (auto& element : *node.as_array()) old.as_array()->push_back(std::move(element));
      continue;
    }
    if (old.is_table() && node.is_table() && !old.as_table()->is_inline() &&
        !node.as_table()->is_inline()) {
      merge(*old.as_table(), *node.as_table(), path, problems);
      continue;
    }
    problems.add(to_pos(key.source(), ""), "'" + path + "' is already set at " +
                                               to_string(to_pos(existing->first.source(), "")));
  }
}

std::optional<toml::table> parse(const std::filesystem::path& file, ProblemList& problems) {
  std::optional<std::string> text = read_config_text(file, problems);
  if (!text) return std::nullopt;
  if (auto too_deep = check_nesting(*text, file.string())) {
    problems.add(too_deep->pos, too_deep->message);
    return std::nullopt;
  }
  try {
    return toml::parse(*text, file.string());
  } catch (const toml::parse_error& e) {
    problems.add(to_pos(e.source(), file.string()), std::string(e.description()));
    return std::nullopt;
  }
}

}  // namespace

std::vector<std::filesystem::path> drop_in_files(const std::filesystem::path& main_file) {
  std::vector<std::filesystem::path> files;
  const auto dir = main_file.parent_path() / "conf.d";
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    // Directories and devices named *.toml are listed too, so that reading refuses them aloud.
    if (entry.path().extension() == ".toml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.filename() < b.filename(); });
  return files;
}

ConfigDocument read_config_files(const std::filesystem::path& main_file, ProblemList& problems) {
  ConfigDocument doc;
  doc.files.push_back(main_file.string());
  if (auto root = parse(main_file, problems)) doc.root = std::move(*root);
  for (const auto& file : drop_in_files(main_file)) {
    doc.files.push_back(file.string());
    if (auto extra = parse(file, problems)) merge(doc.root, *extra, "", problems);
  }
  return doc;
}

}  // namespace edgegw::config
