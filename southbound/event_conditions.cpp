#include "southbound/event_conditions.hpp"

#include <type_traits>

namespace edgegw::southbound {
namespace {

// A value as a number for edges and thresholds: bools are 0/1; text has none.
std::optional<double> number(const store::FieldValue& v) {
  return std::visit(
      [](const auto& x) -> std::optional<double> {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>)
          return std::nullopt;
        else
          return static_cast<double>(x);
      },
      v);
}

}  // namespace

EventConditions::EventConditions(std::vector<PointEventOptions> events) {
  for (auto& e : events) conditions_.push_back({std::move(e), std::nullopt});
}

bool EventConditions::met(const Condition& c, const store::FieldValue& value) {
  if (!c.previous) return false;  // the baseline
  const auto& o = c.options;
  if (o.when == EventTrigger::change) return *c.previous != value;
  const auto before = number(*c.previous);
  const auto now = number(value);
  if (!before || !now) return false;
  switch (o.when) {
    case EventTrigger::rising:
      return *before == 0 && *now != 0;
    case EventTrigger::falling:
      return *before != 0 && *now == 0;
    case EventTrigger::above:
      return *before <= o.threshold && *now > o.threshold;
    case EventTrigger::below:
      return *before >= o.threshold && *now < o.threshold;
    case EventTrigger::change:
      break;
  }
  return false;
}

void EventConditions::observe(const std::string& point, const store::FieldValue& value) {
  for (auto& c : conditions_) {
    if (c.options.point != point) continue;
    if (met(c, value)) {
      store::Record r;
      r.kind = store::RecordKind::event;
      r.event = c.options.event;
      r.fields = {{point, value}};
      raised_.push_back(std::move(r));
    }
    c.previous = value;
  }
}

std::vector<store::Record> EventConditions::take(const std::string& device, std::int64_t time_ms) {
  std::vector<store::Record> out = std::move(raised_);
  raised_.clear();
  for (auto& r : out) {
    r.device = device;
    r.time_ms = time_ms;
  }
  return out;
}

void EventConditions::reset() {
  for (auto& c : conditions_) c.previous.reset();
  raised_.clear();
}

}  // namespace edgegw::southbound
