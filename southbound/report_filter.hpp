// Report by exception for one point: whether a freshly polled value goes to the cloud. With a
// deadband > 0 a number is reported when it moved by more than the deadband since the last report,
// and at least once per heartbeat even if unchanged; a bool (or a string) on any change, likewise
// with the heartbeat; with deadband 0 every poll is reported. The first value is always reported.
// Time is a parameter so the rules are tested without sleeping.
#pragma once

#include <chrono>
#include <optional>

#include "store/record.hpp"

namespace edgegw::southbound {

class ReportFilter {
 public:
  using Clock = std::chrono::steady_clock;

  ReportFilter(double deadband, std::chrono::milliseconds heartbeat)
      : deadband_(deadband), heartbeat_(heartbeat) {}

  // True if `value` should be reported now; remembers it as the last reported value if so.
  // Inline for deadband 0 (every poll reported, nothing to remember): the per-point common case.
  bool should_report(const store::FieldValue& value, Clock::time_point now) {
    return deadband_ <= 0.0 || filter(value, now);
  }

  // Forget the last report: the next value is reported whatever it is (after an outage).
  void reset() { last_.reset(); }

 private:
  bool filter(const store::FieldValue& value, Clock::time_point now);
  bool changed_enough(const store::FieldValue& value) const;

  double deadband_;
  std::chrono::milliseconds heartbeat_;
  std::optional<store::FieldValue> last_;
  Clock::time_point last_time_{};
};

}  // namespace edgegw::southbound
