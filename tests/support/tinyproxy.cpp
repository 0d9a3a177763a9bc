#include "support/tinyproxy.hpp"

#include <stdexcept>

#include "support/net.hpp"
#include "support/wait.hpp"

namespace edgegw::test {

Tinyproxy::Tinyproxy(Options options) : options_(std::move(options)), port_(free_tcp_port()) {}

Tinyproxy::~Tinyproxy() {
  stop();
}

void Tinyproxy::start() {
  std::string conf = "Port " + std::to_string(port_) +
                     "\nListen 127.0.0.1\nTimeout 60\nMaxClients 200\nAllow 127.0.0.1\n"
                     "LogLevel Info\nLogFile \"" +
                     (dir_.path() / "tinyproxy.log").string() + "\"\n";
  for (auto port : options_.connect_ports) conf += "ConnectPort " + std::to_string(port) + "\n";
  if (!options_.basic_auth.empty()) {
    auto colon = options_.basic_auth.find(':');
    conf += "BasicAuth " + options_.basic_auth.substr(0, colon) + " " +
            options_.basic_auth.substr(colon + 1) + "\n";
  }
  auto path = dir_.write("tinyproxy.conf", conf, 0644);
  // -d: stay in the foreground, so the Process is tinyproxy itself.
  process_ = std::make_unique<Process>(
      std::vector<std::string>{"tinyproxy", "-d", "-c", path.string()},
      std::map<std::string, std::string>{}, dir_.path() / "tinyproxy.out");
  if (!wait_until([&] { return tcp_port_open(port_) || !process_->running(); },
                  std::chrono::seconds(10)) ||
      !process_->running()) {
    throw std::runtime_error("tinyproxy did not start: " + log() + process_->output());
  }
}

void Tinyproxy::stop() {
  if (process_) process_->stop(std::chrono::seconds(5));
}

std::string Tinyproxy::url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

std::string Tinyproxy::log() const {
  return read_file(dir_.path() / "tinyproxy.log");
}

}  // namespace edgegw::test
