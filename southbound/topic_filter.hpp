// MQTT topic filters as the local MQTT source uses them: does a topic match a device's filter
// (with the + and # wildcards of MQTT 3.1.1 §4.7), and is a filter well-formed. Pure functions,
// unit-tested; the broker does the same matching, we redo it to route one message to every device
// whose filter it matches (mosquitto 2.0 sends one copy per client, even when filters overlap).
#pragma once

#include <string_view>

namespace edgegw::southbound {

// True if `topic` (a concrete topic name) matches `filter`. Per §4.7.2 a filter that starts with
// a wildcard does not match topics that start with '$'.
bool topic_matches(std::string_view filter, std::string_view topic);

// A filter is well-formed when it is non-empty, '#' appears only as the whole last level and '+'
// only as a whole level.
bool valid_topic_filter(std::string_view filter);

// The last level of a topic ("a/b/temp" -> "temp"); the whole topic if it has no '/'.
std::string_view last_topic_level(std::string_view topic);

}  // namespace edgegw::southbound
