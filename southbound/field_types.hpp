// The declared type of a local MQTT field ([device.mqtt] fields = { t = { pointer = "/temp",
// type = "float" } }). JSON does not tell 10 from 10.0 once a publisher's library has written it,
// and Alibaba refuses an integer for a float property: a field declared float goes up as 10.0.
// Pure; the conversions are the ones a user would expect, anything else refuses the value.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/record.hpp"

namespace edgegw::southbound {

enum class FieldType { any, floating, integer, boolean, string };

// "float" | "int" | "bool" | "string"; nullopt for anything else.
std::optional<FieldType> parse_field_type(std::string_view name);

// `value` as `type`: int -> float; a float with no fraction -> int; bool <-> 0/1; anything ->
// string (its JSON text); numeric text -> float/int. nullopt when it cannot be that type.
std::optional<store::FieldValue> convert_field(const store::FieldValue& value, FieldType type);

using FieldTypes = std::vector<std::pair<std::string, FieldType>>;  // field name -> declared type

// Applies the declared types to `fields` in place; the name of the first field that cannot take
// its type, or nullopt when all could.
std::optional<std::string> apply_field_types(std::vector<store::Field>& fields,
                                             const FieldTypes& types);

}  // namespace edgegw::southbound
