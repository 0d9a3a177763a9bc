// Shared by the outbox tests: a reading with recognisable fields, and opening an outbox in a
// temporary directory.
#pragma once

#include <memory>
#include <string>

#include "store/outbox.hpp"
#include "support/temp_dir.hpp"

namespace edgegw::store::testing {

inline Record reading(const std::string& device, std::int64_t value, std::int64_t time_ms = 1000) {
  return Record{device,
                0,
                time_ms,
                RecordKind::telemetry,
                {{"value", value}, {"volts", 230.5}, {"ok", true}, {"note", std::string("n")}}};
}

inline OutboxOptions options_in(const edgegw::test::TempDir& dir) {
  OutboxOptions options;
  options.path = dir / "outbox.db";
  options.max_age = std::chrono::milliseconds(0);
  return options;
}

// The sequences of every committed, unacknowledged record of `device`, from a fresh session.
inline std::vector<std::uint64_t> all_seqs(Outbox& outbox, const std::string& device) {
  outbox.release(device);
  std::vector<std::uint64_t> seqs;
  while (true) {
    auto batch = outbox.take(device, 1000);
    if (batch.empty()) break;
    for (const auto& r : batch) seqs.push_back(r.seq);
  }
  outbox.release(device);
  return seqs;
}

}  // namespace edgegw::store::testing
