// MQTT 3.1.1 §4.7 topic names and filters: does a topic match a filter (with the '+' and '#'
// wildcards), is a filter well-formed, and the last level of a topic. Pure functions, one copy for
// the whole gateway: the local MQTT source routes one message to every device whose filter it
// matches (mosquitto 2.0 sends one copy per client even when filters overlap), and a cloud
// platform checks that a downlink arrived on a device's command topic, which may hold wildcards.
#pragma once

#include <string_view>

namespace edgegw::mqtt {

// True if `topic` (a concrete topic name) matches `filter`, as a broker would decide it: '+' is
// exactly one level (possibly empty), '#' is the parent level and everything below it. Per §4.7.2
// a filter that starts with a wildcard does not match topics that start with '$'. A malformed
// filter (see valid_topic_filter) gives some answer but never reads out of bounds. O(length).
bool topic_matches(std::string_view filter, std::string_view topic);

// A filter is well-formed when it is non-empty, '#' appears only as the whole last level and '+'
// only as a whole level (§4.7.1).
bool valid_topic_filter(std::string_view filter);

// The last level of a topic ("a/b/temp" -> "temp"); the whole topic if it has no '/'.
std::string_view last_topic_level(std::string_view topic);

}  // namespace edgegw::mqtt
