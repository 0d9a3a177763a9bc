#include "southbound/json_fields.hpp"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

namespace edgegw::southbound {
namespace {

using Json = nlohmann::json;

std::optional<store::FieldValue> scalar_value(const Json& j) {
  switch (j.type()) {
    case Json::value_t::boolean:
      return store::FieldValue{j.get<bool>()};
    case Json::value_t::number_integer:
      return store::FieldValue{j.get<std::int64_t>()};
    case Json::value_t::number_unsigned: {
      const auto u = j.get<std::uint64_t>();
      if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return store::FieldValue{static_cast<std::int64_t>(u)};
      }
      return store::FieldValue{static_cast<double>(u)};
    }
    case Json::value_t::number_float:
      return store::FieldValue{j.get<double>()};
    case Json::value_t::string:
      return store::FieldValue{j.get<std::string>()};
    default:
      return std::nullopt;
  }
}

// The value at `pointer`, or null when the pointer is malformed or does not resolve. The parse of
// the pointer is the only place nlohmann throws for our input; it stays inside this function.
const Json* resolve(const Json& document, const std::string& pointer) {
  if (!valid_json_pointer(pointer)) return nullptr;
  const Json::json_pointer ptr(pointer);
  if (!document.contains(ptr)) return nullptr;
  return &document.at(ptr);
}

PayloadFields mapped_fields(const Json& document, const FieldMap& mapping) {
  PayloadFields out;
  for (const auto& [name, pointer] : mapping) {
    const Json* j = nullptr;
    try {
      j = resolve(document, pointer);
    } catch (const Json::exception&) {
      j = nullptr;  // e.g. "/items/x" into an array: does not resolve
    }
    if (!j) continue;
    if (auto v = scalar_value(*j)) out.fields.push_back({name, std::move(*v)});
  }
  if (out.fields.empty()) out.problem = "none of the configured fields is in the payload";
  return out;
}

// `payload` with every number that overflows a double (1e400) replaced by null, or empty when it
// holds none. nlohmann refuses a whole document for one such number; as null the field is left out
// and the rest of the payload still counts.
std::string without_overflowing_numbers(std::string_view payload) {
  std::string out;
  bool changed = false;
  bool in_string = false;
  for (std::size_t i = 0; i < payload.size();) {
    const char c = payload[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < payload.size()) out += payload[++i];
      if (c == '"') in_string = false;
      ++i;
      continue;
    }
    if (c == '"') in_string = true;
    if (c != '-' && (c < '0' || c > '9')) {
      out += c;
      ++i;
      continue;
    }
    std::size_t end = i + 1;
    while (end < payload.size() && std::strchr("0123456789+-.eE", payload[end]) != nullptr) ++end;
    const std::string token(payload.substr(i, end - i));
    const double d = std::strtod(token.c_str(), nullptr);
    if (std::isinf(d)) {
      out += "null";
      changed = true;
    } else {
      out += token;
    }
    i = end;
  }
  return changed ? out : std::string{};
}

}  // namespace

bool valid_json_pointer(std::string_view pointer) {
  if (pointer.empty()) return true;
  if (pointer.front() != '/') return false;
  for (std::size_t i = 0; i < pointer.size(); ++i) {
    if (pointer[i] != '~') continue;
    if (i + 1 >= pointer.size() || (pointer[i + 1] != '0' && pointer[i + 1] != '1')) return false;
  }
  return true;
}

PayloadFields payload_fields(std::string_view payload, const FieldMap& mapping,
                             std::string_view bare_name) {
  PayloadFields out;
  Json document = Json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    const std::string repaired = without_overflowing_numbers(payload);
    if (!repaired.empty()) document = Json::parse(repaired, nullptr, /*allow_exceptions=*/false);
  }
  if (document.is_discarded()) {
    out.problem = "not JSON";
    return out;
  }
  if (!mapping.empty()) return mapped_fields(document, mapping);
  if (auto v = scalar_value(document)) {
    out.fields.push_back({std::string(bare_name), std::move(*v)});
    return out;
  }
  if (!document.is_object()) {
    out.problem = document.is_array() ? "a JSON array, not an object or a value"
                                      : "a JSON null, not an object or a value";
    return out;
  }
  for (const auto& [key, value] : document.items()) {
    if (auto v = scalar_value(value)) out.fields.push_back({key, std::move(*v)});
  }
  if (out.fields.empty()) out.problem = "a JSON object without any scalar member";
  return out;
}

}  // namespace edgegw::southbound
