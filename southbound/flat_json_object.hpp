// The usual local payload, a flat JSON object of a few scalars ({"t":21.5,"on":true}), read without
// a JSON library. nlohmann's SAX pass over `{"v":1}` cost about 3,900 instructions with the
// allocations around it (its lexer's token buffers, its parser's state stack, the members sorted
// through a temporary buffer): the largest item of the forwarding path after SQLite's insert
// (issue 18). This reads the simple form in one pass with one allocation, the fields' vector.
//
// It is a fast path, not a second parser: whatever it is not sure of it leaves to nlohmann
// (json_fields.cpp), which knows every rule. So it answers only for an object whose keys and
// string values are plain printable ASCII without escapes, whose values are scalars (strings,
// integers within int64, numbers within a double's range, true, false, null), with at most
// kMaxFlatMembers members and JSON whitespace between tokens; anything else - nesting, escapes,
// UTF-8, a number beyond those ranges, a syntax error, trailing bytes - is nullopt. What it
// answers equals what the SAX path gives (tests/unit/southbound_mqtt/flat_json_object_test.cpp,
// and the local payload fuzz target checks it on every input).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "store/record.hpp"

namespace edgegw::southbound {

inline constexpr std::size_t kMaxFlatMembers = 32;

// The object's scalar members as fields, in key order, the last of a repeated name winning and a
// null leaving its name out (as json_fields.hpp says); nullopt: ask nlohmann.
std::optional<std::vector<store::Field>> flat_json_object(std::string_view payload);

// The SAX path the fast path stands in for: the scalar members of a top-level object, by the same
// rules; nullopt when nlohmann's SAX pass does not take the payload (json_fields.cpp then reads
// it as a document). Declared here for the tests that compare the two.
std::optional<std::vector<store::Field>> object_fields_by_library(std::string_view payload);

}  // namespace edgegw::southbound
