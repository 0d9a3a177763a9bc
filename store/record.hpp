// A reading on its way to the cloud: what a device reported, when, and its place in the device's
// sequence. Value type; the Outbox stores it and the platforms encode it.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace edgegw::store {

enum class RecordKind : std::uint8_t {
  telemetry = 0,      // point values polled or received
  event = 1,          // something a device reported once (not a level)
  device_status = 2,  // online/offline of a southbound device
  command_reply = 3,  // the outcome of a cloud command, published as the platform's reply
};

using FieldValue = std::variant<bool, std::int64_t, double, std::string>;

struct Field {
  std::string name;
  FieldValue value;
  bool operator==(const Field&) const = default;
};

struct Record {
  std::string device;     // the local device name ([[device]] name)
  std::uint64_t seq = 0;  // per device, strictly increasing, survives restarts; set by the Outbox
  std::int64_t time_ms = 0;  // when the reading was taken, Unix epoch milliseconds
  RecordKind kind = RecordKind::telemetry;
  std::vector<Field> fields;
  // kind event: the event's identifier (the thing model's name for it). Defaulted so that
  // {device, seq, time, kind, fields} stays a complete initializer.
  std::string event = {};
  bool operator==(const Record&) const = default;
};

}  // namespace edgegw::store
