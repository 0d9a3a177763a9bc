// Fuzz target: bytes -> edgegw.toml -> load_config(). Accepting or refusing (ConfigError) are
// both fine; any other exception or a sanitizer finding is a bug. The input goes through a real
// file because the loader's job includes reading files (conf.d, permissions).
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/config.hpp"

namespace {

std::string g_dir;

void remove_dir() {
  std::error_code ec;
  std::filesystem::remove_all(g_dir, ec);
}

std::string config_path() {
  static const std::string path = [] {
    const char* base = std::getenv("TMPDIR");
    g_dir = std::string(base && *base ? base : "/tmp") + "/edgegw-fuzz-XXXXXX";
    if (!mkdtemp(g_dir.data())) std::abort();
    std::atexit(remove_dir);
    return g_dir + "/edgegw.toml";
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = config_path();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    (void)edgegw::config::load_config(path);
  } catch (const edgegw::config::ConfigError&) {
  }
  return 0;
}
