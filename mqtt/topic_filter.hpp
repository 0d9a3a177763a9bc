// MQTT 3.1.1 §4.7 topic names and filters: does a topic match a filter (with the '+' and '#'
// wildcards), is a topic or a filter well-formed (§4.7 and the UTF-8 rules of §1.5.3), and the last
// level of a topic. Pure functions, one copy for
// the whole gateway: the local MQTT source routes one message to every device whose filter it
// matches (mosquitto 2.0 sends one copy per client even when filters overlap), and a cloud
// platform checks that a downlink arrived on a device's command topic, which may hold wildcards.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace edgegw::mqtt {

// True if `topic` (a concrete topic name) matches `filter`, as a broker would decide it: '+' is
// exactly one level (possibly empty), '#' is the parent level and everything below it. Per §4.7.2
// a filter that starts with a wildcard does not match topics that start with '$'. A malformed
// filter (see valid_topic_filter) gives some answer but never reads out of bounds. O(length).
bool topic_matches(std::string_view filter, std::string_view topic);

// The longest topic or filter an MQTT string can carry (§1.5.3: a two-byte length).
inline constexpr std::size_t kMaxTopicBytes = 65535;

// Why `filter` is not a topic filter a broker accepts, as a sentence for the user; nullopt when it
// is one. Well-formed (§4.7, §1.5.3): 1..65535 bytes of well-formed UTF-8 without U+0000, '#' only
// as the whole last level, '+' only as a whole level. Control characters (U+0001..U+001F,
// U+007F..U+009F) and non-characters are refused too: §1.5.3 says a sender SHOULD NOT use them and
// mosquitto closes the connection of a client that does. O(length).
std::optional<std::string_view> topic_filter_problem(std::string_view filter);

// The same for a topic name one publishes to: as a filter, and without '+' or '#' (§4.7.1).
std::optional<std::string_view> topic_name_problem(std::string_view topic);

// topic_filter_problem(filter) == nullopt.
bool valid_topic_filter(std::string_view filter);

// The last level of a topic ("a/b/temp" -> "temp"); the whole topic if it has no '/'.
std::string_view last_topic_level(std::string_view topic);

}  // namespace edgegw::mqtt
