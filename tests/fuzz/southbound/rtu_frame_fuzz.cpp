// Fuzzes what an RTU-over-TCP server sends back: any bytes, in any chunking, as the answer to a
// read of any table or a write. The client must end in an outcome (never crash, never read past
// what it was given), and an ok read must fill exactly the registers or bits asked for.
#include <algorithm>
#include <cstdint>
#include <deque>
#include <vector>

#include "southbound/rtu_frame.hpp"

using namespace edgegw::southbound;

namespace {

class FuzzStream : public ByteStream {
 public:
  FuzzStream(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool send(std::span<const std::uint8_t>) override { return true; }
  int receive(std::span<std::uint8_t> into, std::chrono::milliseconds) override {
    if (size_ == 0) return -1;
    // The first byte of each chunk says how long the chunk is.
    const std::size_t want =
        std::min<std::size_t>({std::size_t{*data_} + 1, size_ - 1, into.size()});
    ++data_;
    --size_;
    std::copy(data_, data_ + want, into.begin());
    data_ += want;
    size_ -= want;
    return static_cast<int>(want);
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  const auto table = static_cast<Table>(data[0] % 4);
  const auto count = static_cast<std::uint16_t>(1 + data[1] % 125);
  const bool write = (data[2] & 1) != 0;
  (void)parse_rtu_answer(1, data[3], std::span(data, size));
  (void)rtu_answer_length(data[3], std::span(data, size));
  FuzzStream stream(data + 4, size - 4);
  RtuClient client(stream, std::chrono::milliseconds(1000));
  std::vector<std::uint16_t> regs;
  std::vector<std::uint8_t> bits;
  if (write) {
    WriteOp op{Table::holding, 0,    std::vector<std::uint16_t>(count, 1), {}, {"p"}, std::nullopt,
               false,          false};
    (void)client.write(1, op);
    return 0;
  }
  const RequestResult r = client.read(1, ReadBlock{table, 0, count, {}}, regs, bits);
  if (r.outcome == Outcome::ok) {
    const bool bit_table = table == Table::coil || table == Table::discrete;
    if ((bit_table ? bits.size() : regs.size()) != count) __builtin_trap();
  }
  return 0;
}
