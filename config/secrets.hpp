// Secrets in the configuration (device secrets, PSKs, product secrets, passwords, private keys).
// A secret is given as `NAME_file = "path"` (read now, trailing newline stripped) or inline as
// `NAME = "..."`. A path may be `credential:ID`, meaning $CREDENTIALS_DIRECTORY/ID (systemd
// LoadCredential=). Relative paths are relative to the directory of the file that names them.
//
// Permission rule (docs/configuration.md): a file holding a secret - a secret file, a private key,
// or a config file with an inline secret - must not be readable by "others" (mode & 007 == 0).
// Group read is allowed, because the packaged layout is root:edgegw 0640 and the daemon's user
// reads through the group.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "config/toml_reader.hpp"

namespace edgegw::config {

struct PathResult {
  std::filesystem::path path;
  std::string error;  // non-empty: the path cannot be resolved, and why
};
// `credential:ID` -> $CREDENTIALS_DIRECTORY/ID (an error when the variable is unset or ID is not a
// plain file name); a relative path -> base_dir / path.
PathResult resolve_config_path(std::string_view value, const std::filesystem::path& base_dir);

// nullopt when `path` exists and others cannot read it; else the problem.
std::optional<std::string> check_private_file(const std::filesystem::path& path);

struct SecretResult {
  std::string value;
  std::string error;  // non-empty: no secret, and why
};
// Reads a secret file: it must exist, not be readable by others and not be empty once trailing
// newlines are stripped.
SecretResult read_secret_file(const std::filesystem::path& path);

// Reads the secret `name` of `table` from `name` (inline) or `name_file`. Problems go to the
// reader; returns whether a secret was read. `required` adds a problem when neither key is set.
bool read_secret(TableReader& table, std::string_view name, std::string& out, bool required);

// Reads a path key (`cert_file`, `ca_file`, ...), resolved as above, that must name an existing
// file; `private_key` also applies the permission rule.
bool read_file_path(TableReader& table, std::string_view key, std::filesystem::path& out,
                    bool private_key);

}  // namespace edgegw::config
