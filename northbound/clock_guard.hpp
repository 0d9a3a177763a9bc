// Clock sanity for platforms that sign with the time (Alibaba's timestamp, Tencent's expiry,
// Huawei's UTC hour): a gateway that booted without an RTC or NTP believes it is 1970, and every
// signature it makes is refused, so connecting would only burn the platform's patience. Until the
// wall clock has passed the build date the session waits and checks again now and then.
// The build date comes in as a value (daemon::build_epoch()); tests pass their own.
#pragma once

#include <chrono>

namespace edgegw::northbound {

struct ClockGuardOptions {
  std::chrono::system_clock::time_point build_epoch{};  // the clock is "unset" before this
  std::chrono::milliseconds recheck{5000};              // how often a waiting session looks again
  bool operator==(const ClockGuardOptions&) const = default;
};

class ClockGuard {
 public:
  ClockGuard(ClockGuardOptions options, bool signs_with_time)
      : options_(options), signs_with_time_(signs_with_time) {}

  // Whether a connect signed at `wall` can be right.
  bool may_connect(std::chrono::system_clock::time_point wall) const {
    return !signs_with_time_ || wall >= options_.build_epoch;
  }
  std::chrono::milliseconds recheck() const { return options_.recheck; }
  bool signs_with_time() const { return signs_with_time_; }

 private:
  ClockGuardOptions options_;
  bool signs_with_time_;
};

}  // namespace edgegw::northbound
