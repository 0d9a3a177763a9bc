// An in-process Modbus slave on libmodbus for tests and benchmarks: a TCP listener on 127.0.0.1
// (port picked by the kernel) or an RTU slave on a serial device (one end of a socat pty pair),
// served by a thread of its own. Tests set and read its tables directly, make unit ids silent (an
// absent slave: no answer at all) and punch holes in the holding table (addresses that answer
// "illegal data address" to any request that covers them).
//
// An RTU slave cannot stand beside an absent unit: libmodbus's RTU slave takes the frame after a
// request for another unit id to be that unit's answer and ignores it, so our next request goes
// unanswered. Tests of a shared line with an absent unit use the pymodbus simulator.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

typedef struct _modbus modbus_t;
typedef struct _modbus_mapping_t modbus_mapping_t;

namespace edgegw::test {

class LibmodbusSlave {
 public:
  static constexpr int kTableSize = 2000;

  // TCP on 127.0.0.1 (port 0: the kernel picks), any unit id served (except silent ones).
  static std::unique_ptr<LibmodbusSlave> tcp(std::uint16_t port = 0);
  // RTU on `device` as unit `unit` (libmodbus ignores other unit ids).
  static std::unique_ptr<LibmodbusSlave> rtu(const std::string& device, int unit, int baud = 38400);
  ~LibmodbusSlave();

  std::uint16_t port() const { return port_; }

  void set_holding(int address, const std::vector<std::uint16_t>& values);
  std::vector<std::uint16_t> holding(int address, int count) const;
  void set_input(int address, const std::vector<std::uint16_t>& values);
  void set_coils(int address, const std::vector<std::uint8_t>& values);
  std::vector<std::uint8_t> coils(int address, int count) const;
  void set_discrete(int address, const std::vector<std::uint8_t>& values);

  void set_silent(int unit, bool silent);
  // Plays a Modbus TCP gateway whose unit `unit` is gone: every request for it is answered with
  // `exception_code` (0x0A path unavailable, 0x0B target failed to respond); 0 ends that.
  void set_gateway_fault(int unit, int exception_code);
  void add_hole(int holding_address);
  std::uint64_t requests() const { return requests_; }
  // When each request arrived (answered or not).
  std::vector<std::chrono::steady_clock::time_point> request_times() const;
  // The function code of each request, in order of arrival.
  std::vector<int> functions() const;

 private:
  LibmodbusSlave();
  void serve_tcp();
  void serve_rtu();
  void answer(const std::uint8_t* query, int length);
  bool wait_readable(int fd);

  modbus_t* ctx_ = nullptr;
  modbus_mapping_t* map_ = nullptr;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::set<int> silent_;
  std::set<int> holes_;
  std::map<int, int> gateway_faults_;  // unit -> exception code
  std::vector<std::chrono::steady_clock::time_point> times_;
  std::vector<int> functions_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> requests_{0};
  std::thread thread_;
};

}  // namespace edgegw::test
