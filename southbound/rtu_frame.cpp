#include "southbound/rtu_frame.hpp"

#include <modbus/modbus.h>

#include "southbound/modbus_link.hpp"

namespace edgegw::southbound {
namespace {

constexpr std::size_t kMaxFrame = 256;  // Modbus RTU: unit + PDU (253) + CRC

std::uint8_t function_of(Table table) {
  switch (table) {
    case Table::coil:
      return 1;
    case Table::discrete:
      return 2;
    case Table::holding:
      return 3;
    case Table::input:
      return 4;
  }
  return 3;
}

void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

RequestResult garbled(std::string why) {
  return {Outcome::garbled, 0, std::move(why)};
}

}  // namespace

std::uint16_t modbus_crc16(std::span<const std::uint8_t> bytes) {
  std::uint16_t crc = 0xFFFF;
  for (const std::uint8_t b : bytes) {
    crc ^= b;
    for (int i = 0; i < 8; ++i) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xA001 : crc >> 1;
  }
  return crc;
}

std::vector<std::uint8_t> rtu_frame(std::uint8_t unit, std::span<const std::uint8_t> pdu) {
  std::vector<std::uint8_t> frame;
  frame.reserve(pdu.size() + 3);
  frame.push_back(unit);
  frame.insert(frame.end(), pdu.begin(), pdu.end());
  const std::uint16_t crc = modbus_crc16(frame);
  frame.push_back(static_cast<std::uint8_t>(crc));
  frame.push_back(static_cast<std::uint8_t>(crc >> 8));
  return frame;
}

std::size_t rtu_answer_length(std::uint8_t function, std::span<const std::uint8_t> received) {
  if (received.size() < 3) return 0;
  if ((received[1] & 0x80) != 0) return 5;
  switch (function) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 23:  // the registers read back
      return 5 + std::size_t{received[2]};
    case 22:
      return 10;
    default:
      return 8;  // 5, 6, 15, 16: address and value (or quantity) echoed
  }
}

RtuAnswer parse_rtu_answer(std::uint8_t unit, std::uint8_t function,
                           std::span<const std::uint8_t> frame) {
  RtuAnswer a;
  if (frame.size() < 5) {
    a.result = garbled("short answer");
    return a;
  }
  const std::uint16_t crc = modbus_crc16(frame.first(frame.size() - 2));
  if (frame[frame.size() - 2] != static_cast<std::uint8_t>(crc) ||
      frame[frame.size() - 1] != static_cast<std::uint8_t>(crc >> 8)) {
    a.result = garbled("bad CRC");
    return a;
  }
  if (frame[0] != unit) {
    a.result = garbled("answer from unit " + std::to_string(frame[0]));
    return a;
  }
  if (frame[1] == (function | 0x80)) {
    // Codes 01..0B as libmodbus names and classifies them (0A / 0B: no answer); others as is.
    a.result =
        frame[2] >= 1 && frame[2] <= 11
            ? classify_modbus_errno(MODBUS_ENOBASE + frame[2])
            : RequestResult{Outcome::exception, frame[2], "exception " + std::to_string(frame[2])};
    return a;
  }
  if (frame[1] != function) {
    a.result = garbled("answer with function " + std::to_string(frame[1]));
    return a;
  }
  a.pdu.assign(frame.begin() + 1, frame.end() - 2);
  return a;
}

RtuAnswer RtuClient::transact(std::uint8_t unit, const std::vector<std::uint8_t>& pdu) {
  const auto request = rtu_frame(unit, pdu);
  if (!stream_.send(request)) return {{Outcome::transport_error, 0, "send failed"}, {}};
  std::vector<std::uint8_t> frame(kMaxFrame);
  std::size_t have = 0;
  std::size_t want = 0;
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  while (want == 0 || have < want) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return {{Outcome::timeout, 0, "no answer (timeout)"}, {}};
    const std::size_t room = (want == 0 ? kMaxFrame : want) - have;
    const int n = stream_.receive(std::span(frame).subspan(have, room), left);
    if (n < 0) return {{Outcome::transport_error, 0, "connection closed"}, {}};
    have += static_cast<std::size_t>(n);
    if (want == 0) want = rtu_answer_length(pdu[0], std::span(frame).first(have));
    if (want > kMaxFrame) return {garbled("answer too long"), {}};
  }
  return parse_rtu_answer(unit, pdu[0], std::span(frame).first(want));
}

RequestResult RtuClient::read_registers(std::uint8_t unit, std::uint16_t address,
                                        std::uint16_t count, std::vector<std::uint16_t>& out,
                                        std::uint8_t function) {
  std::vector<std::uint8_t> pdu{function};
  put16(pdu, address);
  put16(pdu, count);
  const RtuAnswer a = transact(unit, pdu);
  if (a.result.outcome != Outcome::ok) return a.result;
  if (a.pdu.size() != 2u + 2u * count || a.pdu[1] != 2 * count) return garbled("short answer");
  out.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    out[i] = static_cast<std::uint16_t>((a.pdu[2 + 2 * i] << 8) | a.pdu[3 + 2 * i]);
  }
  return {};
}

RequestResult RtuClient::read(unsigned unit, const ReadBlock& block,
                              std::vector<std::uint16_t>& registers,
                              std::vector<std::uint8_t>& bits) {
  const auto u = static_cast<std::uint8_t>(unit);
  if (!is_bit_table(block.table)) {
    return read_registers(u, block.start, block.count, registers, function_of(block.table));
  }
  std::vector<std::uint8_t> pdu{function_of(block.table)};
  put16(pdu, block.start);
  put16(pdu, block.count);
  const RtuAnswer a = transact(u, pdu);
  if (a.result.outcome != Outcome::ok) return a.result;
  const std::size_t bytes = (block.count + 7u) / 8u;
  if (a.pdu.size() != 2 + bytes || a.pdu[1] != bytes) return garbled("short answer");
  bits.resize(block.count);
  for (std::size_t i = 0; i < block.count; ++i) bits[i] = (a.pdu[2 + i / 8] >> (i % 8)) & 1;
  return {};
}

RequestResult RtuClient::write(unsigned unit, const WriteOp& op) {
  const auto u = static_cast<std::uint8_t>(unit);
  std::vector<std::uint16_t> words = op.registers;
  if (op.mask && !op.mask_write) {
    std::vector<std::uint16_t> current;
    if (auto r = read_registers(u, op.address, 1, current, 3); r.outcome != Outcome::ok) return r;
    words = {
        static_cast<std::uint16_t>((current[0] & op.mask->keep) | (op.mask->set & ~op.mask->keep))};
  }
  const int function = op.function_code();
  std::vector<std::uint8_t> pdu{static_cast<std::uint8_t>(function)};
  put16(pdu, op.address);
  switch (function) {
    case 5:
      put16(pdu, op.bits[0] != 0 ? 0xFF00 : 0x0000);
      break;
    case 6:
      put16(pdu, words[0]);
      break;
    case 22:
      put16(pdu, op.mask->keep);
      put16(pdu, op.mask->set);
      break;
    case 15: {
      put16(pdu, static_cast<std::uint16_t>(op.bits.size()));
      std::vector<std::uint8_t> packed((op.bits.size() + 7) / 8, 0);
      for (std::size_t i = 0; i < op.bits.size(); ++i) {
        if (op.bits[i] != 0) packed[i / 8] |= static_cast<std::uint8_t>(1u << (i % 8));
      }
      pdu.push_back(static_cast<std::uint8_t>(packed.size()));
      pdu.insert(pdu.end(), packed.begin(), packed.end());
      break;
    }
    case 23:
      return write_read_back(u, op, words);
    default:  // 16
      put16(pdu, static_cast<std::uint16_t>(words.size()));
      pdu.push_back(static_cast<std::uint8_t>(2 * words.size()));
      for (const auto w : words) put16(pdu, w);
      break;
  }
  return transact(u, pdu).result;
}

// FC 23: read address and quantity, write address, quantity, byte count and values; the answer
// carries the registers read (after the write).
RequestResult RtuClient::write_read_back(std::uint8_t unit, const WriteOp& op,
                                         const std::vector<std::uint16_t>& words) {
  const auto count = static_cast<std::uint16_t>(words.size());
  std::vector<std::uint8_t> pdu{23};
  put16(pdu, op.address);
  put16(pdu, count);
  put16(pdu, op.address);
  put16(pdu, count);
  pdu.push_back(static_cast<std::uint8_t>(2 * count));
  for (const auto w : words) put16(pdu, w);
  const RtuAnswer a = transact(unit, pdu);
  if (a.result.outcome != Outcome::ok) return a.result;
  if (a.pdu.size() != 2u + 2u * count || a.pdu[1] != 2 * count) return garbled("short answer");
  std::vector<std::uint16_t> read(count);
  for (std::size_t i = 0; i < count; ++i) {
    read[i] = static_cast<std::uint16_t>((a.pdu[2 + 2 * i] << 8) | a.pdu[3 + 2 * i]);
  }
  return check_read_back(op, words, read);
}

}  // namespace edgegw::southbound
