// Writes down to a Modbus device: the request the loop submits (the platforms' neutral "set these
// points" form), its result, and the pure planning step that turns the request into Modbus writes
// (FC 5 / 15 for coils, FC 6 / 16 for holding registers) with type, order, scale and offset
// reversed. Planning refuses the whole request if any point is unknown, read-only or out of range,
// so a command is never half applied because of a typo; the refusal names every bad point.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "southbound/modbus_outcome.hpp"
#include "southbound/point_codec.hpp"
#include "southbound/southbound_options.hpp"
#include "store/record.hpp"

namespace edgegw::southbound {

struct WriteRequest {
  std::string device;  // the local device name
  std::uint64_t request_id = 0;
  std::vector<store::Field> values;  // point name -> value
  bool operator==(const WriteRequest&) const = default;
};

struct PointFailure {
  std::string point;
  std::string reason;
  bool operator==(const PointFailure&) const = default;
};

struct WriteResult {
  std::string device;
  std::uint64_t request_id = 0;
  bool ok = false;
  std::string message;                 // "ok", or why not (one line, names the points)
  std::vector<PointFailure> failures;  // per point, empty when ok
  bool operator==(const WriteResult&) const = default;
};

// One Modbus write: `registers` for the holding table, `bits` for coils; covers `points`.
struct WriteOp {
  Table table = Table::holding;
  std::uint16_t address = 0;
  std::vector<std::uint16_t> registers;
  std::vector<std::uint8_t> bits;
  std::vector<std::string> points;
  std::optional<RegisterMask> mask;  // part of one register (bit, u8, i8): no registers
  bool mask_write = false;           // with mask: FC 22; else FC 3 then the write back
  bool multiple_writes = false;      // FC 15 / 16 even for one coil or register
  bool read_back = false;  // holding registers by FC 23, the written range read back at once
  // The function code the op goes out as: 5, 15, 6, 16, 22 or 23 (a mask without FC 22 reads
  // with FC 3 and writes back with 6, 16 or 23).
  int function_code() const;
  bool operator==(const WriteOp&) const = default;
};

struct WritePlan {
  std::vector<WriteOp> ops;           // in the request's order, neighbours merged
  std::vector<PointFailure> refused;  // non-empty: nothing may be written
};

WritePlan plan_writes(const std::vector<PointSpec>& points,
                      const std::vector<store::Field>& values);
// The same for one device, with its function choices (mask_write, write_single).
WritePlan plan_writes(const ModbusDeviceOptions& device, const std::vector<store::Field>& values);

// An FC 23 answer against what was written: ok, or an Outcome::exception without a code (the
// device answered, but does not hold the value) naming the first register that differs.
RequestResult check_read_back(const WriteOp& op, const std::vector<std::uint16_t>& written,
                              const std::vector<std::uint16_t>& read);

// "point: reason; point: reason" for a reply.
std::string describe(const std::vector<PointFailure>& failures);

}  // namespace edgegw::southbound
