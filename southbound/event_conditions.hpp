// The Modbus side of events: each poll's decoded point values go through the device's conditions
// ([[device.modbus.event]]: change, rising / falling edge, crossing a threshold up or down) and
// what they raise comes back as event Records, which follow the poll's reading into the outbox.
// Fed every decoded value, not only the ones the deadband lets through, so an edge is never
// missed because the reading was filtered. Pure: values in, records out; unit-tested.
//
// Baselines outlive a restart (issue 15: an event must survive a kill -9 and arrive once): the
// owner saves baselines() when baselines_changed() and hands them back to restore() at the next
// start. So a condition already met before the restart stays met and raises nothing, and a
// threshold crossed while edgegw was down raises its event on the first poll. A baseline only
// changes when the condition's side flips (above/below the threshold, zero/non-zero, or any
// change for `change`), so saving costs one write per edge, not one per poll.
#pragma once

#include <cstdint>
#include <map>
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

  // Each condition's baseline by its key (event, point, trigger and threshold: a changed condition
  // in the configuration does not inherit the old one's baseline).
  using Baselines = std::map<std::string, store::FieldValue>;
  Baselines baselines() const;
  void restore(const Baselines& baselines);
  // Whether baselines() changed since the last call.
  bool baselines_changed();

  bool empty() const { return conditions_.empty(); }

 private:
  struct Condition {
    PointEventOptions options;
    std::optional<store::FieldValue> previous;
    std::optional<store::FieldValue> saved;  // the value at the last flip of its side
  };
  static bool met(const Condition& c, const store::FieldValue& value);
  static store::FieldValue side(const PointEventOptions& o, const store::FieldValue& value);
  static std::string key(const PointEventOptions& o);

  std::vector<Condition> conditions_;
  std::vector<store::Record> raised_;
  bool baselines_changed_ = false;
};

}  // namespace edgegw::southbound
