#include "southbound/report_filter.hpp"

#include <cmath>

namespace edgegw::southbound {
namespace {

std::optional<double> number(const store::FieldValue& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  return std::nullopt;
}

}  // namespace

bool ReportFilter::changed_enough(const store::FieldValue& value) const {
  const auto now_value = number(value);
  const auto last_value = number(*last_);
  if (now_value && last_value) {
    // NaN never compares: a NaN after a number (or the reverse) counts as a change.
    if (std::isnan(*now_value) != std::isnan(*last_value)) return true;
    return std::fabs(*now_value - *last_value) > deadband_;
  }
  return value != *last_;  // bools, strings, or a type change
}

bool ReportFilter::filter(const store::FieldValue& value, Clock::time_point now) {
  const bool report = !last_ || now - last_time_ >= heartbeat_ || changed_enough(value);
  if (report) {
    last_ = value;
    last_time_ = now;
  }
  return report;
}

}  // namespace edgegw::southbound
