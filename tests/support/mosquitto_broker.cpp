#include "support/mosquitto_broker.hpp"

#include <signal.h>

#include <stdexcept>

#include "support/net.hpp"
#include "support/wait.hpp"

namespace edgegw::test {

MosquittoBroker::MosquittoBroker(std::string config, std::vector<std::uint16_t> ports)
    : config_(std::move(config)), ports_(std::move(ports)) {}

MosquittoBroker::~MosquittoBroker() {
  stop();
}

std::unique_ptr<MosquittoBroker> MosquittoBroker::plain() {
  auto port = free_tcp_port();
  auto broker = std::make_unique<MosquittoBroker>(
      "listener " + std::to_string(port) + " 127.0.0.1\nallow_anonymous true\n",
      std::vector<std::uint16_t>{port});
  broker->start();
  return broker;
}

void MosquittoBroker::start() {
  if (running()) return;
  // log_dest file is flushed line by line (stdout to a file is block-buffered), so tests that
  // read log() see what the broker said up to now.
  auto conf = dir_.write("mosquitto.conf",
                         "user root\nlog_dest file " + (dir_.path() / "mosquitto.log").string() +
                             "\nlog_type error\nlog_type warning\n"
                             "log_type notice\nlog_type information\nmax_keepalive 65535\n" +
                             config_,
                         0644);
  process_ = std::make_unique<Process>(std::vector<std::string>{"mosquitto", "-c", conf.string()},
                                       std::map<std::string, std::string>{},
                                       dir_.path() / "mosquitto.out");
  for (auto port : ports_) {
    if (!wait_until([&] { return tcp_port_open(port) || !process_->running(); },
                    std::chrono::seconds(10)) ||
        !process_->running()) {
      throw std::runtime_error("mosquitto did not start: " + log() +
                               read_file(dir_.path() / "mosquitto.out"));
    }
  }
}

void MosquittoBroker::stop() {
  if (process_) process_->stop(std::chrono::seconds(5));
}

void MosquittoBroker::kill() {
  if (!process_) return;
  process_->signal(SIGKILL);
  process_->wait(std::chrono::seconds(5));
}

void MosquittoBroker::pause() {
  if (process_) process_->signal(SIGSTOP);
}

void MosquittoBroker::resume() {
  if (process_) process_->signal(SIGCONT);
}

std::string MosquittoBroker::log() const {
  return read_file(dir_.path() / "mosquitto.log");
}

}  // namespace edgegw::test
