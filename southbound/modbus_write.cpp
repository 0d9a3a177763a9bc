#include "southbound/modbus_write.hpp"

#include <algorithm>

#include "southbound/point_codec.hpp"

namespace edgegw::southbound {
namespace {

// Appends `op` to the plan, merged into the previous op when it continues it on the same table:
// several set points in one command then cost one FC 15 / 16 request.
void append_merged(std::vector<WriteOp>& ops, WriteOp op) {
  if (!ops.empty() && !op.mask && !ops.back().mask) {
    WriteOp& last = ops.back();
    const bool bits = op.table == Table::coil;
    const std::size_t width = bits ? last.bits.size() : last.registers.size();
    const std::size_t max = bits ? 1968 : 123;  // FC 15 / FC 16 limits
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

}  // namespace

int WriteOp::function_code() const {
  if (mask && mask_write) return 22;
  if (table == Table::coil) return bits.size() == 1 && !multiple_writes ? 5 : 15;
  const std::size_t count = mask ? 1 : registers.size();
  return count == 1 && !multiple_writes ? 6 : 16;
}

WritePlan plan_writes(const std::vector<PointSpec>& points,
                      const std::vector<store::Field>& values) {
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
    append_merged(plan.ops, std::move(op));
  }
  if (!plan.refused.empty()) plan.ops.clear();
  return plan;
}

WritePlan plan_writes(const ModbusDeviceOptions& device, const std::vector<store::Field>& values) {
  WritePlan plan = plan_writes(device.points, values);
  for (auto& op : plan.ops) {
    op.mask_write = device.mask_write;
    op.multiple_writes = device.multiple_writes;
  }
  return plan;
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
