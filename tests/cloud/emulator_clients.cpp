#include "cloud/emulator_clients.hpp"

#include <nlohmann/json.hpp>
#include <sstream>

namespace edgegw::test {

std::vector<std::string> probe_argv(const ProbeOptions& o) {
  std::vector<std::string> argv{
      system_python(), std::string(EDGEGW_SOURCE_DIR) + "/tests/cloud/mqtt_probe.py",
      "--port",        std::to_string(o.port),
      "--keepalive",   std::to_string(o.keepalive),
      "--messages",    std::to_string(o.messages),
      "--timeout",     std::to_string(o.timeout)};
  auto add = [&](const char* flag, const std::string& value) {
    argv.push_back(flag);
    argv.push_back(value);
  };
  if (!o.cafile.empty()) add("--cafile", o.cafile.string());
  if (!o.cert.empty()) add("--cert", o.cert.string());
  if (!o.key.empty()) add("--key", o.key.string());
  if (!o.sign.empty()) add("--sign", o.sign);
  if (o.id) add("--id", *o.id);
  if (o.username) add("--username", *o.username);
  if (o.password) add("--password", *o.password);
  for (const auto& t : o.subscribe) add("--subscribe", t);
  for (const auto& p : o.publish) add("--publish", p);
  return argv;
}

ProbeResult parse_probe_output(const std::string& output) {
  ProbeResult r;
  r.output = output;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    if (j.contains("connack")) r.connack = j["connack"].get<int>();
    if (j.contains("suback")) r.subacks.push_back(j["suback"].get<std::vector<int>>());
    if (j.contains("puback")) ++r.pubacks;
    if (j.contains("message")) {
      r.messages.emplace_back(j["message"]["topic"].get<std::string>(),
                              j["message"]["payload"].get<std::string>());
    }
  }
  return r;
}

ProbeResult run_probe(const ProbeOptions& options) {
  auto result = run_command(probe_argv(options), {},
                            std::chrono::milliseconds(static_cast<int>(options.timeout * 1000)) +
                                std::chrono::seconds(10));
  return parse_probe_output(result.output);
}

}  // namespace edgegw::test
