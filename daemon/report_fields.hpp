// Small helpers the status, metrics and fleet reports share: wall-clock times as the Unix
// milliseconds every report carries, and reading optional members back from a report's JSON.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>

namespace edgegw::daemon {

inline std::int64_t ms_of(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

inline std::optional<std::int64_t> ms_of(
    const std::optional<std::chrono::system_clock::time_point>& t) {
  if (!t) return std::nullopt;
  return ms_of(*t);
}

// `out` = j[key] when the member is there and not null; left as it was otherwise.
template <typename T>
void read_member(const nlohmann::json& j, const char* key, T& out) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) out = it->get<T>();
}

template <typename T>
void read_member(const nlohmann::json& j, const char* key, std::optional<T>& out) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) out = it->get<T>();
}

}  // namespace edgegw::daemon
