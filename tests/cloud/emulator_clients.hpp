// Clients for the cloud emulator's own tests: mqtt_probe.py (paho, signs credentials in Python
// from the vendor pages) run to completion or in the background, and its JSON-lines output parsed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/process.hpp"

namespace edgegw::test {

struct ProbeOptions {
  std::uint16_t port = 0;
  std::filesystem::path cafile;  // empty: plain TCP
  std::filesystem::path cert;    // client certificate for mutual TLS
  std::filesystem::path key;
  std::string sign;  // JSON for mqtt_probe.py --sign
  std::optional<std::string> id, username, password;
  int keepalive = 60;
  std::vector<std::string> subscribe;
  std::vector<std::string> publish;  // "topic=payload"
  int messages = 0;                  // wait for this many messages
  double timeout = 10;
};

struct ProbeResult {
  std::optional<int> connack;  // nullopt: no CONNACK (closed, TLS failure)
  std::vector<std::vector<int>> subacks;
  int pubacks = 0;
  std::vector<std::pair<std::string, std::string>> messages;  // topic, payload (arrival order)
  std::string output;
};

std::vector<std::string> probe_argv(const ProbeOptions& options);
ProbeResult parse_probe_output(const std::string& output);
ProbeResult run_probe(const ProbeOptions& options);

}  // namespace edgegw::test
