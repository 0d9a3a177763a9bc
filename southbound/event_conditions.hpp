// The Modbus side of events: each poll's decoded point values go through the device's conditions
// ([[device.modbus.event]]: change, rising / falling edge, crossing a threshold up or down) and
// what they raise comes back as event Records, which follow the poll's reading into the outbox.
// Fed every decoded value, not only the ones the deadband lets through, so an edge is never
// missed because the reading was filtered. Pure: values in, records out; unit-tested.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "southbound/southbound_options.hpp"
#include "store/record.hpp"

namespace edgegw::southbound {

class EventConditions {
 public:
  explicit EventConditions(std::vector<PointEventOptions> events);

  // One point's value as just decoded; a condition it meets is kept until take().
  void observe(const std::string& point, const store::FieldValue& value);
  // The events raised since the last take(), in the order they were raised, as event Records of
  // `device` at `time_ms`; each carries the point's value as its one parameter.
  std::vector<store::Record> take(const std::string& device, std::int64_t time_ms);
  // Forget the baselines (the device went offline: what it reads on return raises nothing).
  void reset();

  bool empty() const { return conditions_.empty(); }

 private:
  struct Condition {
    PointEventOptions options;
    std::optional<store::FieldValue> previous;
  };
  static bool met(const Condition& c, const store::FieldValue& value);

  std::vector<Condition> conditions_;
  std::vector<store::Record> raised_;
};

}  // namespace edgegw::southbound
