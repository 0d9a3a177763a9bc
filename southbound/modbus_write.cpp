#include "southbound/modbus_write.hpp"

#include <algorithm>
#include <cstdio>

#include "southbound/point_codec.hpp"

namespace edgegw::southbound {
namespace {

// Appends `op` to the plan, merged into the previous op when it continues it on the same table:
// several set points in one command then cost one FC 15 / 16 (or 23) request.
void append_merged(std::vector<WriteOp>& ops, WriteOp op, std::size_t max_registers) {
  if (!ops.empty() && !op.mask && !ops.back().mask) {
    WriteOp& last = ops.back();
    const bool bits = op.table == Table::coil;
    const std::size_t width = bits ? last.bits.size() : last.registers.size();
    const std::size_t max = bits ? 1968 : max_registers;
    const std::size_t add = bits ? op.bits.size() : op.registers.size();
    if (last.table == op.table && std::size_t{last.address} + width == op.address &&
        width + add <= max) {
      last.bits.insert(last.bits.end(), op.bits.begin(), op.bits.end());
      last.registers.insert(last.registers.end(), op.registers.begin(), op.registers.end());
      last.points.insert(last.points.end(), op.points.begin(), op.points.end());
      return;
    }
  }
  ops.push_back(std::move(op));
}

constexpr std::size_t kFc16MaxRegisters = 123;
constexpr std::size_t kFc23MaxRegisters = 121;  // FC 23's write quantity (its read allows 125)

WritePlan plan_points(const std::vector<PointSpec>& points, const std::vector<store::Field>& values,
                      std::size_t max_registers) {
  WritePlan plan;
  if (values.empty()) plan.refused.push_back({"", "no points to write"});
  for (const auto& field : values) {
    const auto it = std::find_if(points.begin(), points.end(),
                                 [&](const PointSpec& p) { return p.name == field.name; });
    if (it == points.end()) {
      plan.refused.push_back({field.name, "no such point"});
      continue;
    }
    if (!it->writable) {
      plan.refused.push_back({field.name, "point is read-only (writable = false)"});
      continue;
    }
    if (it->table == Table::discrete || it->table == Table::input) {
      plan.refused.push_back(
          {field.name, std::string("the ") + to_string(it->table) + " table cannot be written"});
      continue;
    }
    EncodedPoint encoded = encode_point(*it, field.value);
    if (!encoded.ok()) {
      plan.refused.push_back({field.name, encoded.error});
      continue;
    }
    WriteOp op;
    op.table = it->table;
    op.address = it->address;
    op.points = {field.name};
    if (it->table == Table::coil) {
      op.bits = {static_cast<std::uint8_t>(encoded.bit ? 1 : 0)};
    } else if (encoded.mask) {
      op.mask = encoded.mask;
    } else {
      op.registers = std::move(encoded.registers);
    }
    append_merged(plan.ops, std::move(op), max_registers);
  }
  if (!plan.refused.empty()) plan.ops.clear();
  return plan;
}

}  // namespace

int WriteOp::function_code() const {
  if (mask && mask_write) return 22;
  if (table == Table::coil) return bits.size() == 1 && !multiple_writes ? 5 : 15;
  if (read_back) return 23;
  const std::size_t count = mask ? 1 : registers.size();
  return count == 1 && !multiple_writes ? 6 : 16;
}

WritePlan plan_writes(const std::vector<PointSpec>& points,
                      const std::vector<store::Field>& values) {
  return plan_points(points, values, kFc16MaxRegisters);
}

WritePlan plan_writes(const ModbusDeviceOptions& device, const std::vector<store::Field>& values) {
  WritePlan plan = plan_points(device.points, values,
                               device.read_back_writes ? kFc23MaxRegisters : kFc16MaxRegisters);
  for (auto& op : plan.ops) {
    op.mask_write = device.mask_write;
    op.multiple_writes = device.multiple_writes;
    op.read_back = device.read_back_writes && op.table == Table::holding;
  }
  return plan;
}

RequestResult check_read_back(const WriteOp& op, const std::vector<std::uint16_t>& written,
                              const std::vector<std::uint16_t>& read) {
  if (read.size() != written.size()) {
    return {Outcome::garbled, 0,
            "FC 23 answer with " + std::to_string(read.size()) + " registers for " +
                std::to_string(written.size())};
  }
  for (std::size_t i = 0; i < written.size(); ++i) {
    if (read[i] == written[i]) continue;
    char text[96];
    std::snprintf(text, sizeof text, "register %zu holds 0x%04X after the write, not 0x%04X",
                  op.address + i, static_cast<unsigned>(read[i]),
                  static_cast<unsigned>(written[i]));
    return {Outcome::exception, 0, std::string(text) + " (FC 23 read-back)"};
  }
  return {};
}

std::string describe(const std::vector<PointFailure>& failures) {
  std::string out;
  for (const auto& f : failures) {
    if (!out.empty()) out += "; ";
    out += f.point.empty() ? f.reason : f.point + ": " + f.reason;
  }
  return out;
}

}  // namespace edgegw::southbound
