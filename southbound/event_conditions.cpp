#include "southbound/event_conditions.hpp"

#include <type_traits>
#include <utility>

namespace edgegw::southbound {
namespace {

// A value as a number for edges and thresholds: bools are 0/1; text has none.
std::optional<double> as_number(const store::FieldValue& v) {
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
  for (auto& e : events) conditions_.push_back({std::move(e), std::nullopt, std::nullopt});
}

bool EventConditions::met(const Condition& c, const store::FieldValue& value) {
  if (!c.previous) return false;  // the baseline
  const auto& o = c.options;
  if (o.when == EventTrigger::change) return *c.previous != value;
  const auto before = as_number(*c.previous);
  const auto now = as_number(value);
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
    if (!c.saved || side(c.options, *c.saved) != side(c.options, value)) {
      c.saved = value;
      baselines_changed_ = true;
    }
  }
}

// What the condition depends on: the value itself for `change`, else which side of the edge or
// threshold it is on.
store::FieldValue EventConditions::side(const PointEventOptions& o, const store::FieldValue& v) {
  if (o.when == EventTrigger::change) return v;
  const auto n = as_number(v);
  if (!n) return v;
  switch (o.when) {
    case EventTrigger::above:
      return *n > o.threshold;
    case EventTrigger::below:
      return *n < o.threshold;
    default:
      return *n != 0;
  }
}

std::string EventConditions::key(const PointEventOptions& o) {
  return o.event + "|" + o.point + "|" + std::to_string(static_cast<int>(o.when)) + "|" +
         std::to_string(o.threshold);
}

EventConditions::Baselines EventConditions::baselines() const {
  Baselines out;
  for (const auto& c : conditions_) {
    if (c.saved) out[key(c.options)] = *c.saved;
  }
  return out;
}

void EventConditions::restore(const Baselines& baselines) {
  for (auto& c : conditions_) {
    auto it = baselines.find(key(c.options));
    if (it == baselines.end()) continue;
    c.previous = it->second;
    c.saved = it->second;
  }
}

bool EventConditions::baselines_changed() {
  return std::exchange(baselines_changed_, false);
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
  for (auto& c : conditions_) {
    c.previous.reset();
    c.saved.reset();
  }
  baselines_changed_ = true;
  raised_.clear();
}

}  // namespace edgegw::southbound
