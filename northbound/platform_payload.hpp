// JSON pieces shared by the platforms' payloads: writing a point value the way the clouds want it
// (floats always with a decimal point: 10.0, never 10), reading a downlink JSON value back into a
// point value, and packing a record's fields into as few publications as fit a size limit.
//
// Uplink JSON is written by hand rather than through nlohmann::json because the float format is a
// platform rule (Alink reads 10 as an int and refuses it for a float property) and because packing
// needs the exact size of each field's text.
#pragma once

#include <charconv>
#include <concepts>
#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "northbound/platform.hpp"
#include "store/record.hpp"

namespace edgegw::northbound {

// Downlink JSON keeps the sender's member order: points are written in the order the cloud gave.
using Json = nlohmann::ordered_json;

// Appends `s` as a JSON string (quoted, escaped; invalid UTF-8 replaced by U+FFFD).
void append_json_string(std::string& out, std::string_view s);
// Appends a value: true/false, integers as such, doubles always with '.' (NaN/inf -> null).
void append_json_value(std::string& out, const store::FieldValue& v);
std::string json_value(const store::FieldValue& v);
// Appends an integer in decimal, without a temporary string.
template <std::integral T>
void append_decimal(std::string& out, T v) {
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, v).ptr);
}
// Appends one field as an object member, "name":value; the piece most platforms pack into their
// uplinks.
void append_json_member(std::string& out, const store::Field& f);
// The fields as one JSON object, {"name":value,...} in their order.
std::string json_fields_object(const std::vector<store::Field>& fields);

// A downlink JSON value as a point value: bool, integer, float, string; an array or object becomes
// its JSON text (a command parameter may be structured). nullopt for null.
std::optional<store::FieldValue> field_value_from_json(const Json& j);
// Every member of a JSON object as a Field, in the object's order; the name of the first member
// that cannot be a value (null) in `bad` when that fails.
std::optional<std::vector<store::Field>> fields_from_json_object(const Json& j,
                                                                 std::string* bad = nullptr);

// Parses a downlink payload that must be a JSON object. Never throws: nullopt with *why set for
// invalid JSON, another type, or nesting deeper than 32 levels (which would only serve to exhaust
// the stack of whoever walks the value later).
std::optional<Json> parse_json_object(std::string_view payload, std::string* why);

// A member of a JSON object as text: a string as it is, a number in decimal; empty if absent or
// another type. For ids that platforms send either way.
std::string json_member_text(const Json& object, const char* key);

// Packs pieces (one per field, already encoded) into payloads of at most `limit` bytes:
//   payload = prefix + piece[i] + "," + piece[j] ... + suffix
// in order, as few payloads as possible. nullopt when a single piece does not fit with the
// envelope, with its index in *too_big. Never cuts a piece.
std::optional<std::vector<std::string>> pack_pieces(std::string_view prefix,
                                                    const std::vector<std::string>& pieces,
                                                    std::string_view suffix, std::size_t limit,
                                                    std::size_t* too_big);

// Appends one field's piece of an uplink (append_json_member, or a platform's own form).
using PieceWriter = std::function<void(std::string& out, const store::Field&)>;

// encode_uplink's common path: `piece` writes one field; every publication is
// prefix + pieces + suffix on `topic`. Refuses command replies (they go out through encode_reply),
// records with no fields and records a field of which cannot fit alone. A record that fits one
// publication (nearly all) is written straight into it, without a string per piece.
UplinkResult pack_record(const store::Record& r, std::string topic, std::string_view prefix,
                         std::string_view suffix, std::size_t limit, const PieceWriter& piece);

// pack_record for a vendor cloud's property report (Alibaba, Huawei, Tencent), which carries only
// the device's points: `$`-prefixed fields (point quality, "$quality/<point>") are not valid
// property identifiers there and are left out, and device_status records (online/offline) have no
// property to go to (as one they would collide with a point named "online"). A record left with
// nothing is UplinkProblem::nothing_to_send, which the session treats as delivered.
UplinkResult pack_properties(const store::Record& r, std::string topic, std::string_view prefix,
                             std::string_view suffix, std::size_t limit, const PieceWriter& piece);

// MQTT's own cap on a PUBLISH payload (remaining length 268,435,455 minus a topic).
inline constexpr std::size_t kMqttMaxPayload = 256u * 1024 * 1024 - 1024;

// Replaces every {name} in `text` by the value in `vars` (pairs); unknown names stay as they are.
std::string expand_template(std::string_view text,
                            const std::vector<std::pair<std::string_view, std::string_view>>& vars);

}  // namespace edgegw::northbound
