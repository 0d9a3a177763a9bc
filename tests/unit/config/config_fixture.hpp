// A temporary directory holding one configuration (and its secrets) for the config tests, and
// helpers to load it and to find a problem at an exact line and column.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config.hpp"
#include "support/temp_dir.hpp"

namespace edgegw::config {

class ConfigTest : public ::testing::Test {
 protected:
  // The path of edgegw.toml in the temp dir (written by write()).
  std::filesystem::path main_file() const { return dir_ / "edgegw.toml"; }
  std::string main() const { return main_file().string(); }
  std::string state_dir() const { return (dir_ / "state").string(); }

  std::filesystem::path write(const std::string& text, unsigned mode = 0600) {
    return dir_.write("edgegw.toml", text, mode);
  }
  std::filesystem::path write_drop_in(const std::string& name, const std::string& text) {
    std::filesystem::create_directories(dir_ / "conf.d");
    return dir_.write("conf.d/" + name, text, 0600);
  }
  // A secret file (base64 text, so that it also passes as a Tencent PSK).
  std::string secret(const std::string& name, const std::string& value = "c2VjcmV0LWtleQ==\n",
                     unsigned mode = 0600) {
    return dir_.write(name, value, mode).string();
  }

  // A [gateway] + [cloud] head for the mqtt platform in plain text on loopback.
  std::string mqtt_head() const {
    return "[gateway]\nstate_dir = \"" + state_dir() +
           "\"\n[cloud]\nplatform = \"mqtt\"\nhost = \"127.0.0.1\"\ntls = false\n"
           "allow_plaintext = true\n";
  }

  // A [[device]] that reads from the local broker (a configuration needs one device at least),
  // to append after the tables a test is about.
  static std::string mqtt_device(const std::string& name = "d") {
    return "[[device]]\nname = \"" + name + "\"\n[device.mqtt]\ntopic = \"t\"\n";
  }

  Config load() { return load_config(main_file()); }

  // The problems of loading the current file (empty if it loads).
  std::vector<ConfigProblem> problems() {
    try {
      load_config(main_file());
    } catch (const ConfigError& e) {
      return e.problems();
    }
    return {};
  }

  static std::string dump(const std::vector<ConfigProblem>& problems) {
    std::string text;
    for (const auto& p : problems) text += to_string(p) + "\n";
    return text;
  }

  edgegw::test::TempDir dir_;
};

// Whether `problems` holds one at file:line:column whose message contains `text`.
inline ::testing::AssertionResult has_problem(const std::vector<ConfigProblem>& problems,
                                              const std::string& file, unsigned line,
                                              unsigned column, const std::string& text) {
  for (const auto& p : problems) {
    if (p.pos.file == file && p.pos.line == line && p.pos.column == column &&
        p.message.find(text) != std::string::npos) {
      return ::testing::AssertionSuccess();
    }
  }
  std::string all;
  for (const auto& p : problems) all += "  " + to_string(p) + "\n";
  return ::testing::AssertionFailure() << "no problem at " << file << ":" << line << ":" << column
                                       << " containing \"" << text << "\"; got:\n"
                                       << all;
}

}  // namespace edgegw::config
