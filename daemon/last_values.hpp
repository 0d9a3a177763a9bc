// LastValues: the last reported value of every point, per device, kept from the readings that go
// into the outbox. It answers the cloud's "read these points" (property get) without asking the
// device. In memory only: after a restart a point has no value until the device reports again.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "store/record.hpp"

namespace edgegw::daemon {

class LastValues {
 public:
  // Keeps the fields of a telemetry record; other kinds are ignored.
  void remember(const store::Record& record);
  void forget(const std::string& device);

  struct Lookup {
    std::vector<store::Field> found;
    std::vector<std::string> missing;  // asked for, never reported
    std::int64_t oldest_ms = 0;        // the oldest reading time among `found` (0: none)
  };
  // The values of `names` (every known point when `names` is empty).
  Lookup lookup(const std::string& device, const std::vector<std::string>& names) const;

 private:
  struct Value {
    store::FieldValue value;
    std::int64_t time_ms = 0;  // the reading's time
  };
  std::map<std::string, std::map<std::string, Value>> values_;
};

}  // namespace edgegw::daemon
