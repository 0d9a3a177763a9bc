// How a local MQTT payload becomes the fields of a Record ([device.mqtt] in CONFIG.md). Pure: bytes
// and the device's mapping in, fields or the reason for refusing out; unit-tested and fuzzed,
// because every byte comes from whatever publishes to the local broker.
//
// The rules (docs/local-mqtt.md):
//   - With `fields` configured (name -> JSON pointer, RFC 6901), each pointer that resolves to a
//     scalar (bool, integer, number, string) gives one field of that name; pointers that do not
//     resolve, or resolve to null/array/object, are skipped. None resolving -> refused.
//   - Without `fields`, a JSON object gives every top-level scalar member (in key order); members
//     that are null, arrays or objects are skipped. An object without scalars -> refused.
//   - A bare scalar payload ("21.5", "true", "\"on\"") gives one field named `bare_name` (the
//     caller passes the last topic level when the device's filter ends in a wildcard, else
//     "value").
//   - Anything that is not JSON (or a JSON array) -> refused.
// Integers that fit in int64 stay integers; others (fractions, exponents, huge values) are doubles.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/record.hpp"

namespace edgegw::southbound {

using FieldMap = std::vector<std::pair<std::string, std::string>>;  // field name -> JSON pointer

struct PayloadFields {
  std::vector<store::Field> fields;  // empty when refused
  std::string problem;               // why refused, one line, for the log
  bool ok() const { return problem.empty(); }
};

PayloadFields payload_fields(std::string_view payload, const FieldMap& mapping,
                             std::string_view bare_name);

// Whether `pointer` is a syntactically valid JSON pointer ("" or "/a/b~1c"); for config checks.
bool valid_json_pointer(std::string_view pointer);

}  // namespace edgegw::southbound
