// A real mosquitto broker for tests, on loopback ports the test picked with free_tcp_port().
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace edgegw::test {

class MosquittoBroker {
 public:
  // `config` is the body of mosquitto.conf (listeners and their options); `ports` are the ports
  // those listeners open, waited for at start(). `user root` and logging to stdout are added.
  MosquittoBroker(std::string config, std::vector<std::uint16_t> ports);
  ~MosquittoBroker();

  // One plain listener on 127.0.0.1 with anonymous access.
  static std::unique_ptr<MosquittoBroker> plain();

  void start();   // starts and waits until every port accepts connections (throws on failure)
  void stop();    // SIGTERM and wait
  void kill();    // SIGKILL: no clean shutdown
  void pause();   // SIGSTOP: a frozen broker (half-open connections from the client's view)
  void resume();  // SIGCONT

  bool running() const { return process_ && process_->running(); }
  pid_t pid() const { return process_ ? process_->pid() : -1; }  // -1 before start()
  std::uint16_t port() const { return ports_.at(0); }
  const std::vector<std::uint16_t>& ports() const { return ports_; }
  std::string log() const;
  const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  TempDir dir_;
  std::string config_;
  std::vector<std::uint16_t> ports_;
  std::unique_ptr<Process> process_;
};

}  // namespace edgegw::test
