// Reading a member of a JSON object the clouds (or our own files) sent, where a missing member and
// one of the wrong type both mean "not given": the caller checks for the empty result.
#pragma once

#include <string>

namespace edgegw::northbound {

// The string member `key` of `j`; empty when `j` has no such member or it is not a string.
// A template: the topology protocols read nlohmann::json, the payloads nlohmann::ordered_json.
template <class Json>
std::string string_member(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->template get<std::string>() : std::string();
}

}  // namespace edgegw::northbound
