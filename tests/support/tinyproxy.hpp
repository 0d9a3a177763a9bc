// A real HTTP CONNECT proxy for tests: tinyproxy on a loopback port the test picked, with a
// generated configuration. tinyproxy allows CONNECT only to ports 443 and 563 unless told, so the
// ports a test may tunnel to are listed; `basic_auth` ("user:password") makes it demand a login.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace edgegw::test {

class Tinyproxy {
 public:
  struct Options {
    std::vector<std::uint16_t> connect_ports;  // CONNECT is allowed to these ports only
    std::string basic_auth;                    // "user:password"; empty: no login
  };
  explicit Tinyproxy(Options options);
  ~Tinyproxy();

  void start();  // waits until the port accepts connections (throws on failure)
  void stop();
  std::uint16_t port() const { return port_; }
  std::string url() const;  // http://127.0.0.1:port (without the login)
  std::string log() const;

 private:
  TempDir dir_;
  Options options_;
  std::uint16_t port_ = 0;
  std::unique_ptr<Process> process_;
};

}  // namespace edgegw::test
