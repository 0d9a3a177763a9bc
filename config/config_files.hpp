// The files of one configuration: the main file and conf.d/*.toml beside it, parsed and merged into
// one TOML tree whose nodes keep their own file, line and column. Merge rules (CONFIG.md): the
// top-level arrays [[modbus]] and [[device]] are appended in file order; tables merge key by key;
// a value set in two files is an error naming both places.
#pragma once

#include <toml++/toml.h>

#include <filesystem>
#include <string>
#include <vector>

#include "config/config_error.hpp"

namespace edgegw::config {

struct ConfigDocument {
  toml::table root;
  std::vector<std::string> files;  // main file first, then conf.d in name order
};

// The conf.d/*.toml files that belong to `main_file`, in name order (none if there is no conf.d).
std::vector<std::filesystem::path> drop_in_files(const std::filesystem::path& main_file);

// Parses and merges; unreadable files, syntax errors and conflicts go to `problems`.
ConfigDocument read_config_files(const std::filesystem::path& main_file, ProblemList& problems);

}  // namespace edgegw::config
