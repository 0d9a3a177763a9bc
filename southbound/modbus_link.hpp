// One bus's libmodbus context: a TCP connection or a serial line, and single requests over it.
// Owned and used by one bus thread only. Every fd it hands to libmodbus sits on a reserved slot
// below 1024 (low_fd.hpp), because libmodbus 3.1.6 select()s on it. For that reason TCP connects
// are ours (poll(), not libmodbus's select()-based connect), then given to libmodbus with
// modbus_set_socket(); a serial line is opened by libmodbus and moved onto the slot right away.
// Closing a serial line puts back the termios settings the port had before we opened it.
// rtu_tcp connects like tcp and then speaks RTU frames over the socket with our RtuClient
// (rtu_frame.hpp), libmodbus having no such backend.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "southbound/block_planner.hpp"
#include "southbound/modbus_outcome.hpp"
#include "southbound/modbus_write.hpp"
#include "southbound/southbound_options.hpp"

typedef struct _modbus modbus_t;

namespace edgegw::southbound {

class RtuClient;
class SocketStream;

// What a failed libmodbus call's errno means for us. Gateway exceptions 0A (path unavailable) and
// 0B (target failed to respond) are "no answer" from the unit behind the gateway (Outcome::timeout,
// exception_code kept), not an answer.
RequestResult classify_modbus_errno(int err);

class ModbusLink {
 public:
  explicit ModbusLink(const BusOptions& options);
  ~ModbusLink();
  ModbusLink(const ModbusLink&) = delete;
  ModbusLink& operator=(const ModbusLink&) = delete;

  bool connected() const { return connected_; }
  // Connects (TCP, bounded by connect_timeout) or opens the serial line. Empty on success, else
  // why not.
  std::string connect();
  // Closes the connection or the serial line; a serial line gets back the termios settings it had
  // before connect() opened it.
  void disconnect();
  // Drops whatever is buffered (a late answer after a timeout would otherwise answer the next
  // request).
  void flush();

  // One read of `block` from slave `unit` into `registers` or `bits` (resized to block.count).
  RequestResult read(unsigned unit, const ReadBlock& block, std::vector<std::uint16_t>& registers,
                     std::vector<std::uint8_t>& bits);
  // One write (FC 5, 6, 15, 16, 22 or 23 after op.function_code(); a mask without FC 22 is FC 3
  // and then FC 6, 16 or 23).
  RequestResult write(unsigned unit, const WriteOp& op);

  // The fd libmodbus uses now, or -1 (for tests: it must be below 1024).
  int fd() const { return connected_ ? slot_ : -1; }

 private:
  std::string connect_tcp();
  std::string connect_rtu();
  void restore_line_settings();
  RequestResult result_of(int rc, int expected);
  RequestResult write_masked(const WriteOp& op);
  RequestResult write_read_back(const WriteOp& op, const std::vector<std::uint16_t>& words);

  BusOptions options_;
  std::unique_ptr<SocketStream> stream_;  // rtu_tcp: our RTU framing over the socket
  std::unique_ptr<RtuClient> rtu_;
  modbus_t* ctx_ = nullptr;
  int slot_ = -1;
  bool connected_ = false;
};

}  // namespace edgegw::southbound
