// One bus's libmodbus context: a TCP connection or a serial line, and single requests over it.
// Owned and used by one bus thread only. Every fd it hands to libmodbus sits on a reserved slot
// below 1024 (low_fd.hpp), because libmodbus 3.1.6 select()s on it. For that reason TCP connects
// are ours (poll(), not libmodbus's select()-based connect), then given to libmodbus with
// modbus_set_socket(); a serial line is opened by libmodbus and moved onto the slot right away.
// Closing a serial line puts back the termios settings the port had before we opened it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "southbound/block_planner.hpp"
#include "southbound/modbus_outcome.hpp"
#include "southbound/modbus_write.hpp"
#include "southbound/southbound_options.hpp"

typedef struct _modbus modbus_t;

namespace edgegw::southbound {

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
  // One write (FC 5, 6, 15 or 16 after op.function_code()).
  RequestResult write(unsigned unit, const WriteOp& op);

  // The fd libmodbus uses now, or -1 (for tests: it must be below 1024).
  int fd() const { return connected_ ? slot_ : -1; }

 private:
  std::string connect_tcp();
  std::string connect_rtu();
  void restore_line_settings();
  RequestResult result_of(int rc, int expected);

  BusOptions options_;
  modbus_t* ctx_ = nullptr;
  int slot_ = -1;
  bool connected_ = false;
};

}  // namespace edgegw::southbound
