#include "southbound/json_fields.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "southbound/flat_json_object.hpp"

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

// A JSON object read without `fields`, when the fast path (flat_json_object.hpp) was not sure of
// it, taken in one pass with nlohmann's SAX interface: no document is built (a map node and
// strings per member, a fifth of the local source's cost per message). Collects every top-level
// member; nested values are skipped and only mark their member as not a scalar. Anything else
// (another top-level type, an error such as a number beyond a double) is left to the document path,
// which knows those rules.
class TopLevelMembers {
 public:
  using number_integer_t = Json::number_integer_t;
  using number_unsigned_t = Json::number_unsigned_t;
  using number_float_t = Json::number_float_t;
  using string_t = Json::string_t;
  using binary_t = Json::binary_t;

  bool null() { return member(std::nullopt); }
  bool boolean(bool v) { return member(store::FieldValue{v}); }
  bool number_integer(number_integer_t v) { return member(store::FieldValue{std::int64_t{v}}); }
  bool number_unsigned(number_unsigned_t v) {
    if (v <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return member(store::FieldValue{static_cast<std::int64_t>(v)});
    }
    return member(store::FieldValue{static_cast<double>(v)});
  }
  bool number_float(number_float_t v, const string_t&) { return member(store::FieldValue{v}); }
  bool string(string_t& v) { return member(store::FieldValue{std::move(v)}); }
  bool binary(binary_t&) { return member(std::nullopt); }
  bool start_object(std::size_t) { return open(); }
  bool start_array(std::size_t) { return depth_ > 0 && open(); }  // a top-level array: not ours
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(string_t& k) {
    if (depth_ == 1) key_ = std::move(k);
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }

  // Scalar members in key order, the last of a repeated name winning (as the document has it).
  std::vector<store::Field> fields() {
    std::stable_sort(members_.begin(), members_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<store::Field> out;
    out.reserve(members_.size());
    for (std::size_t i = 0; i < members_.size(); ++i) {
      if (i + 1 < members_.size() && members_[i + 1].first == members_[i].first) continue;
      if (members_[i].second) out.push_back({members_[i].first, std::move(*members_[i].second)});
    }
    return out;
  }

 private:
  bool member(std::optional<store::FieldValue> value) {
    if (depth_ == 0) return false;  // a bare value: the document path names it
    if (depth_ == 1) members_.emplace_back(std::move(key_), std::move(value));
    return true;
  }
  bool open() {
    if (depth_ == 1) members_.emplace_back(std::move(key_), std::nullopt);
    ++depth_;
    return true;
  }
  bool close() {
    --depth_;
    return true;
  }

  int depth_ = 0;
  std::string key_;
  std::vector<std::pair<std::string, std::optional<store::FieldValue>>> members_;
};

}  // namespace

std::optional<std::vector<store::Field>> object_fields_by_library(std::string_view payload) {
  TopLevelMembers members;
  if (!Json::sax_parse(payload, &members)) return std::nullopt;
  return members.fields();
}

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
  if (mapping.empty()) {
    auto fields = flat_json_object(payload);
    if (!fields) fields = object_fields_by_library(payload);
    if (fields) {
      out.fields = std::move(*fields);
      if (out.fields.empty()) out.problem = "a JSON object without any scalar member";
      return out;
    }
  }
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
