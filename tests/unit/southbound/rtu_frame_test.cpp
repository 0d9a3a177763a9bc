// RTU framing over a byte stream (RTU over TCP) without a socket: the CRC against the spec's own
// example, requests byte for byte, answers arriving in pieces, exceptions (0B: no answer),
// garbled answers, and timeouts.
#include "southbound/rtu_frame.hpp"

#include <gtest/gtest.h>

#include <deque>

namespace edgegw::southbound {
namespace {

using namespace std::chrono_literals;
using Bytes = std::vector<std::uint8_t>;

// Answers each request with the scripted chunks (each chunk one receive()).
class ScriptedStream : public ByteStream {
 public:
  std::vector<Bytes> sent;
  std::deque<Bytes> chunks;
  bool closed = false;
  bool send(std::span<const std::uint8_t> bytes) override {
    sent.emplace_back(bytes.begin(), bytes.end());
    return true;
  }
  int receive(std::span<std::uint8_t> into, std::chrono::milliseconds) override {
    if (chunks.empty()) return closed ? -1 : 0;
    Bytes c = std::move(chunks.front());
    chunks.pop_front();
    std::copy(c.begin(), c.end(), into.begin());
    return static_cast<int>(c.size());
  }
};

Bytes framed(Bytes body) {
  return rtu_frame(body[0], std::span(body).subspan(1));
}

TEST(RtuFrame, CrcOfTheSpecExample) {
  // Modbus over serial line, 6.2.2: 02 07 -> CRC 0x1241, sent 41 12.
  const Bytes frame = rtu_frame(0x02, Bytes{0x07});
  EXPECT_EQ(frame, (Bytes{0x02, 0x07, 0x41, 0x12}));
  EXPECT_EQ(modbus_crc16(Bytes{0x01, 0x03, 0x00, 0x00, 0x00, 0x0A}), 0xCDC5);
}

TEST(RtuFrame, ReadsRegistersArrivingInPieces) {
  ScriptedStream s;
  const Bytes answer = framed({0x11, 0x03, 0x04, 0x12, 0x34, 0xAB, 0xCD});
  s.chunks = {Bytes(answer.begin(), answer.begin() + 2), Bytes(answer.begin() + 2, answer.end())};
  RtuClient client(s, 100ms);
  std::vector<std::uint16_t> regs;
  std::vector<std::uint8_t> bits;
  const auto r = client.read(0x11, ReadBlock{Table::holding, 0x6B, 2, {}}, regs, bits);
  ASSERT_EQ(r.outcome, Outcome::ok) << r.error;
  EXPECT_EQ(regs, (std::vector<std::uint16_t>{0x1234, 0xABCD}));
  ASSERT_EQ(s.sent.size(), 1u);
  EXPECT_EQ(s.sent[0], framed({0x11, 0x03, 0x00, 0x6B, 0x00, 0x02}));
}

TEST(RtuFrame, ReadsCoils) {
  ScriptedStream s;
  s.chunks = {framed({0x01, 0x01, 0x02, 0b00000101, 0b1})};
  RtuClient client(s, 100ms);
  std::vector<std::uint16_t> regs;
  std::vector<std::uint8_t> bits;
  ASSERT_EQ(client.read(1, ReadBlock{Table::coil, 0, 9, {}}, regs, bits).outcome, Outcome::ok);
  EXPECT_EQ(bits, (std::vector<std::uint8_t>{1, 0, 1, 0, 0, 0, 0, 0, 1}));
}

TEST(RtuFrame, ExceptionsAndGatewayFaults) {
  ScriptedStream s;
  RtuClient client(s, 100ms);
  std::vector<std::uint16_t> regs;
  std::vector<std::uint8_t> bits;
  s.chunks = {framed({0x01, 0x83, 0x02})};
  auto r = client.read(1, ReadBlock{Table::holding, 0, 1, {}}, regs, bits);
  EXPECT_EQ(r.outcome, Outcome::exception);
  EXPECT_EQ(r.exception_code, 2);
  s.chunks = {framed({0x01, 0x83, 0x0B})};
  r = client.read(1, ReadBlock{Table::holding, 0, 1, {}}, regs, bits);
  EXPECT_EQ(r.outcome, Outcome::timeout);  // the gateway's target did not answer
  EXPECT_FALSE(r.answered());
}

TEST(RtuFrame, GarbledAnswersAndTimeouts) {
  ScriptedStream s;
  RtuClient client(s, 100ms);
  std::vector<std::uint16_t> regs;
  std::vector<std::uint8_t> bits;
  Bytes bad_crc = framed({0x01, 0x03, 0x02, 0x00, 0x01});
  bad_crc.back() ^= 0xFF;
  s.chunks = {bad_crc};
  EXPECT_EQ(client.read(1, ReadBlock{Table::holding, 0, 1, {}}, regs, bits).outcome,
            Outcome::garbled);
  s.chunks = {framed({0x02, 0x03, 0x02, 0x00, 0x01})};  // another unit
  EXPECT_EQ(client.read(1, ReadBlock{Table::holding, 0, 1, {}}, regs, bits).outcome,
            Outcome::garbled);
  s.chunks = {framed({0x01, 0x03, 0x04, 0x00, 0x01, 0x00, 0x02})};  // more than asked
  EXPECT_EQ(client.read(1, ReadBlock{Table::holding, 0, 1, {}}, regs, bits).outcome,
            Outcome::garbled);
  RtuClient quick(s, 5ms);
  EXPECT_EQ(quick.read(1, ReadBlock{Table::holding, 0, 1, {}}, regs, bits).outcome,
            Outcome::timeout);
  s.closed = true;
  EXPECT_EQ(client.read(1, ReadBlock{Table::holding, 0, 1, {}}, regs, bits).outcome,
            Outcome::transport_error);
}

TEST(RtuFrame, WritesEveryFunction) {
  ScriptedStream s;
  RtuClient client(s, 100ms);
  WriteOp one{Table::holding, 5, {0x1234}, {}, {"p"}, std::nullopt, false, false};
  s.chunks = {framed({0x01, 0x06, 0x00, 0x05, 0x12, 0x34})};
  EXPECT_EQ(client.write(1, one).outcome, Outcome::ok);
  EXPECT_EQ(s.sent.back(), framed({0x01, 0x06, 0x00, 0x05, 0x12, 0x34}));
  one.multiple_writes = true;
  s.chunks = {framed({0x01, 0x10, 0x00, 0x05, 0x00, 0x01})};
  EXPECT_EQ(client.write(1, one).outcome, Outcome::ok);
  EXPECT_EQ(s.sent.back(), framed({0x01, 0x10, 0x00, 0x05, 0x00, 0x01, 0x02, 0x12, 0x34}));
  WriteOp coil{Table::coil, 3, {}, {1}, {"c"}, std::nullopt, false, false};
  s.chunks = {framed({0x01, 0x05, 0x00, 0x03, 0xFF, 0x00})};
  EXPECT_EQ(client.write(1, coil).outcome, Outcome::ok);
  EXPECT_EQ(s.sent.back(), framed({0x01, 0x05, 0x00, 0x03, 0xFF, 0x00}));
  WriteOp masked{Table::holding, 7, {}, {}, {"b"}, RegisterMask{0xFFFE, 0x0001}, true, false};
  s.chunks = {framed({0x01, 0x16, 0x00, 0x07, 0xFF, 0xFE, 0x00, 0x01})};
  EXPECT_EQ(client.write(1, masked).outcome, Outcome::ok);
  EXPECT_EQ(s.sent.back(), framed({0x01, 0x16, 0x00, 0x07, 0xFF, 0xFE, 0x00, 0x01}));
  // Without FC 22: read, then the register written back with only the bit changed.
  masked.mask_write = false;
  s.chunks = {framed({0x01, 0x03, 0x02, 0x80, 0x00}), framed({0x01, 0x06, 0x00, 0x07, 0x80, 0x01})};
  EXPECT_EQ(client.write(1, masked).outcome, Outcome::ok);
  EXPECT_EQ(s.sent.back(), framed({0x01, 0x06, 0x00, 0x07, 0x80, 0x01}));
}

// FC 23: the registers written and the same range read back; the read-back must hold them.
TEST(RtuFrame, Fc23WritesAndChecksTheReadBack) {
  ScriptedStream s;
  RtuClient client(s, 100ms);
  WriteOp two{Table::holding, 5, {0x1234, 0x5678}, {}, {"p"}, std::nullopt, false, false};
  two.read_back = true;
  EXPECT_EQ(two.function_code(), 23);
  s.chunks = {framed({0x01, 0x17, 0x04, 0x12, 0x34, 0x56, 0x78})};
  EXPECT_EQ(client.write(1, two).outcome, Outcome::ok);
  EXPECT_EQ(s.sent.back(), framed({0x01, 0x17, 0x00, 0x05, 0x00, 0x02, 0x00, 0x05, 0x00, 0x02, 0x04,
                                   0x12, 0x34, 0x56, 0x78}));
  // The device kept something else in the second register: the write fails and says so.
  s.chunks = {framed({0x01, 0x17, 0x04, 0x12, 0x34, 0x03, 0xE8})};
  const auto kept = client.write(1, two);
  EXPECT_EQ(kept.outcome, Outcome::exception);
  EXPECT_EQ(kept.error, "register 6 holds 0x03E8 after the write, not 0x5678 (FC 23 read-back)");
  // A bit without FC 22: read, then written back by FC 23.
  WriteOp masked{Table::holding, 7, {}, {}, {"b"}, RegisterMask{0xFFFE, 0x0001}, false, false};
  masked.read_back = true;
  s.chunks = {framed({0x01, 0x03, 0x02, 0x80, 0x00}), framed({0x01, 0x17, 0x02, 0x80, 0x01})};
  EXPECT_EQ(client.write(1, masked).outcome, Outcome::ok);
  EXPECT_EQ(s.sent.back(),
            framed({0x01, 0x17, 0x00, 0x07, 0x00, 0x01, 0x00, 0x07, 0x00, 0x01, 0x02, 0x80, 0x01}));
  // A coil is never FC 23.
  WriteOp coil{Table::coil, 3, {}, {1}, {"c"}, std::nullopt, false, false};
  coil.read_back = true;
  EXPECT_EQ(coil.function_code(), 5);
}

}  // namespace
}  // namespace edgegw::southbound
