#include "config/secrets.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace edgegw::config {
namespace {

constexpr std::string_view kCredentialPrefix = "credential:";

std::string mode_string(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

std::filesystem::path base_dir_of(const std::string& file) {
  return std::filesystem::path(file).parent_path();
}

}  // namespace

PathResult resolve_config_path(std::string_view value, const std::filesystem::path& base_dir) {
  PathResult result;
  if (value.substr(0, kCredentialPrefix.size()) == kCredentialPrefix) {
    const std::string_view id = value.substr(kCredentialPrefix.size());
    if (id.empty() || id.find('/') != std::string_view::npos || id == "." || id == "..") {
      result.error =
          "\"" + std::string(value) + "\": the credential name must be a plain file name";
      return result;
    }
    const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
    if (dir == nullptr || *dir == '\0') {
      result.error = "\"" + std::string(value) +
                     "\" needs $CREDENTIALS_DIRECTORY, which is not set (systemd sets it for a "
                     "unit with LoadCredential=)";
      return result;
    }
    result.path = std::filesystem::path(dir) / std::string(id);
    return result;
  }
  if (value.empty()) {
    result.error = "the path is empty";
    return result;
  }
  std::filesystem::path path{std::string(value)};
  result.path = path.is_relative() ? base_dir / path : path;
  return result;
}

std::optional<std::string> check_private_file(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return path.string() + ": " + std::strerror(errno);
  }
  if (!S_ISREG(st.st_mode)) return path.string() + " is not a regular file";
  if ((st.st_mode & S_IRWXO) != 0) {
    return path.string() + " holds a secret but others can read it (mode " +
           mode_string(st.st_mode) + "); chmod o-rwx it (0600 or 0640)";
  }
  return std::nullopt;
}

SecretResult read_secret_file(const std::filesystem::path& path) {
  SecretResult result;
  if (auto problem = check_private_file(path)) {
    result.error = *problem;
    return result;
  }
  // A secret is a few dozen bytes; a path to a big file is a mistake, not something to slurp.
  constexpr std::uintmax_t kMaxSecretBytes = 64 * 1024;
  std::error_code ec;
  if (std::filesystem::file_size(path, ec) > kMaxSecretBytes && !ec) {
    result.error = path.string() + " is too large for a secret (over 64 KiB)";
    return result;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    result.error = path.string() + ": cannot open: " + std::strerror(errno);
    return result;
  }
  std::ostringstream text;
  text << in.rdbuf();
  result.value = text.str();
  while (!result.value.empty() && (result.value.back() == '\n' || result.value.back() == '\r')) {
    result.value.pop_back();
  }
  if (result.value.empty()) result.error = path.string() + " is empty";
  return result;
}

bool read_secret(TableReader& table, std::string_view name, std::string& out, bool required) {
  const std::string file_key = std::string(name) + "_file";
  table.mark_read(name);
  table.mark_read(file_key);
  const bool inline_set = table.has(name);
  const bool file_set = table.has(file_key);
  if (inline_set && file_set) {
    table.problem(name, "set either '" + std::string(name) + "' or '" + file_key + "', not both");
    return false;
  }
  if (file_set) {
    std::string value;
    if (!table.read(file_key, value)) return false;
    auto resolved = resolve_config_path(value, base_dir_of(table.value_pos(file_key).file));
    if (!resolved.error.empty()) {
      table.problem(file_key, resolved.error);
      return false;
    }
    auto secret = read_secret_file(resolved.path);
    if (!secret.error.empty()) {
      table.problem(file_key, secret.error);
      return false;
    }
    out = std::move(secret.value);
    return true;
  }
  if (inline_set) {
    std::string value;
    if (!table.read(name, value)) return false;
    if (value.empty()) {
      table.problem(name, "the secret is empty");
      return false;
    }
    const std::string config_file = table.value_pos(name).file;
    if (auto problem = check_private_file(config_file)) {
      table.problem(name, "an inline secret needs a config file that others cannot read: " +
                              *problem + "; or use " + file_key);
      return false;
    }
    out = std::move(value);
    return true;
  }
  if (required)
    table.table_problem("missing '" + file_key + "' (or an inline '" + std::string(name) + "')");
  return false;
}

bool read_file_path(TableReader& table, std::string_view key, std::filesystem::path& out,
                    bool private_key) {
  std::string value;
  if (!table.read(key, value)) return false;
  auto resolved = resolve_config_path(value, base_dir_of(table.value_pos(key).file));
  if (!resolved.error.empty()) {
    table.problem(key, resolved.error);
    return false;
  }
  if (private_key) {
    if (auto problem = check_private_file(resolved.path)) {
      table.problem(key, *problem);
      return false;
    }
  } else {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(resolved.path, ec)) {
      table.problem(key, resolved.path.string() + ": no such file");
      return false;
    }
  }
  out = std::move(resolved.path);
  return true;
}

}  // namespace edgegw::config
