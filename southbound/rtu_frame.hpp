// Modbus RTU framing over a byte stream that is not a serial line: RTU over TCP, as serial device
// servers and 4G DTUs in transparent mode carry it (the RTU frame - unit, PDU, CRC16 - sent as is
// over a TCP connection, no MBAP header). libmodbus 3.1 has no backend for it, so this is ours:
// pure framing functions (fuzzed: tests/fuzz/southbound) and a small client over an injected byte
// stream, so request/response handling is unit-tested without a socket.
//
// Requests are strictly one at a time, like on the serial line behind the server: several unit ids
// behind one endpoint share its one connection, each request carrying its unit id.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

#include "southbound/block_planner.hpp"
#include "southbound/modbus_outcome.hpp"
#include "southbound/modbus_write.hpp"

namespace edgegw::southbound {

// CRC-16/MODBUS (init 0xFFFF, reflected polynomial 0xA001), sent low byte first.
std::uint16_t modbus_crc16(std::span<const std::uint8_t> bytes);

// unit, pdu..., crc low, crc high.
std::vector<std::uint8_t> rtu_frame(std::uint8_t unit, std::span<const std::uint8_t> pdu);

// How long the answer to a request with `function` is, judged from its first bytes: 0 while too
// few have arrived to tell (fewer than 3), else the whole frame's length (an exception is 5).
std::size_t rtu_answer_length(std::uint8_t function, std::span<const std::uint8_t> received);

// The PDU of a complete answer frame, checked against the request: the unit, the function (or its
// exception), the CRC. An exception gives Outcome::exception with its code (0A / 0B: no answer,
// as for libmodbus's links).
struct RtuAnswer {
  RequestResult result;
  std::vector<std::uint8_t> pdu;  // function code first; empty unless ok
};
RtuAnswer parse_rtu_answer(std::uint8_t unit, std::uint8_t function,
                           std::span<const std::uint8_t> frame);

// The byte stream under the client: a TCP socket in production, a script in tests.
class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Sends all of `bytes`; false when the stream failed.
  virtual bool send(std::span<const std::uint8_t> bytes) = 0;
  // Waits up to `timeout` for bytes; returns how many were read (0: none in time), -1: failed or
  // closed.
  virtual int receive(std::span<std::uint8_t> into, std::chrono::milliseconds timeout) = 0;
};

class RtuClient {
 public:
  RtuClient(ByteStream& stream, std::chrono::milliseconds timeout)
      : stream_(stream), timeout_(timeout) {}

  RequestResult read(unsigned unit, const ReadBlock& block, std::vector<std::uint16_t>& registers,
                     std::vector<std::uint8_t>& bits);
  RequestResult write(unsigned unit, const WriteOp& op);

 private:
  // One request and its answer's PDU.
  RtuAnswer transact(std::uint8_t unit, const std::vector<std::uint8_t>& pdu);
  RequestResult read_registers(std::uint8_t unit, std::uint16_t address, std::uint16_t count,
                               std::vector<std::uint16_t>& out, std::uint8_t function);
  RequestResult write_read_back(std::uint8_t unit, const WriteOp& op,
                                const std::vector<std::uint16_t>& words);

  ByteStream& stream_;
  std::chrono::milliseconds timeout_;
};

}  // namespace edgegw::southbound
