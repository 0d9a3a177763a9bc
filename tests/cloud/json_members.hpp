// The emulator's reading of a string member of a JSON object the daemon sent: empty when the
// member is missing or not a string (the checks then report what was expected).
#pragma once

#include <string>

namespace edgegw::cloud {

template <class Json>
std::string text(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->template get<std::string>() : std::string();
}

}  // namespace edgegw::cloud
