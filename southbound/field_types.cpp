#include "southbound/field_types.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace edgegw::southbound {
namespace {

std::optional<double> number_from_text(const std::string& s) {
  double d = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return d;
}

std::optional<std::int64_t> integral(double d) {
  // 2^63 as a double: the first value outside int64.
  constexpr double kLimit = 9223372036854775808.0;
  if (!std::isfinite(d) || d != std::floor(d) || d >= kLimit || d < -kLimit) return std::nullopt;
  return static_cast<std::int64_t>(d);
}

std::string text_of(const store::FieldValue& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>)
          return x ? "true" : "false";
        else if constexpr (std::is_same_v<T, std::string>)
          return x;
        else
          return std::to_string(x);
      },
      v);
}

}  // namespace

std::optional<FieldType> parse_field_type(std::string_view name) {
  if (name == "float") return FieldType::floating;
  if (name == "int") return FieldType::integer;
  if (name == "bool") return FieldType::boolean;
  if (name == "string") return FieldType::string;
  return std::nullopt;
}

std::optional<store::FieldValue> convert_field(const store::FieldValue& value, FieldType type) {
  const auto* b = std::get_if<bool>(&value);
  const auto* i = std::get_if<std::int64_t>(&value);
  const auto* d = std::get_if<double>(&value);
  const auto* s = std::get_if<std::string>(&value);
  switch (type) {
    case FieldType::any:
      return value;
    case FieldType::string:
      return store::FieldValue(text_of(value));
    case FieldType::floating:
      if (d) return value;
      if (i) return store::FieldValue(static_cast<double>(*i));
      if (s) {
        if (auto n = number_from_text(*s)) return store::FieldValue(*n);
      }
      return std::nullopt;
    case FieldType::integer: {
      if (i) return value;
      std::optional<double> n = d ? std::optional<double>(*d) : std::nullopt;
      if (s) n = number_from_text(*s);
      if (!n) return std::nullopt;
      if (auto k = integral(*n)) return store::FieldValue(*k);
      return std::nullopt;
    }
    case FieldType::boolean:
      if (b) return value;
      if (i && (*i == 0 || *i == 1)) return store::FieldValue(*i == 1);
      if (s && (*s == "true" || *s == "false")) return store::FieldValue(*s == "true");
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::string> apply_field_types(std::vector<store::Field>& fields,
                                             const FieldTypes& types) {
  for (auto& f : fields) {
    for (const auto& [name, type] : types) {
      if (name != f.name) continue;
      auto converted = convert_field(f.value, type);
      if (!converted) return f.name;
      f.value = std::move(*converted);
      break;
    }
  }
  return std::nullopt;
}

}  // namespace edgegw::southbound
