// One implementation of MQTT 3.1.1 §4.7 topic matching; see the header for what each call promises.
#include "mqtt/topic_filter.hpp"

namespace edgegw::mqtt {
namespace {

// Splits off the next level of `text` (up to '/'), advancing it past the separator. `more` tells
// whether a separator followed, so "a/" yields "a" then one empty level.
std::string_view next_level(std::string_view& text, bool& more) {
  const auto slash = text.find('/');
  std::string_view level = text.substr(0, slash);
  more = slash != std::string_view::npos;
  text = more ? text.substr(slash + 1) : std::string_view{};
  return level;
}

}  // namespace

bool topic_matches(std::string_view filter, std::string_view topic) {
  if (!topic.empty() && topic.front() == '$' && !filter.empty() &&
      (filter.front() == '+' || filter.front() == '#')) {
    return false;
  }
  bool filter_more = true;
  bool topic_more = true;
  while (filter_more) {
    const std::string_view f = next_level(filter, filter_more);
    if (f == "#") return true;  // matches the parent level too ("a/#" matches "a")
    if (!topic_more) return false;
    const std::string_view t = next_level(topic, topic_more);
    if (f != "+" && f != t) return false;
  }
  return !topic_more;
}

bool valid_topic_filter(std::string_view filter) {
  if (filter.empty()) return false;
  bool more = true;
  while (more) {
    const std::string_view level = next_level(filter, more);
    if (level.find('#') != std::string_view::npos && (level != "#" || more)) return false;
    if (level.find('+') != std::string_view::npos && level != "+") return false;
  }
  return true;
}

std::string_view last_topic_level(std::string_view topic) {
  const auto slash = topic.rfind('/');
  return slash == std::string_view::npos ? topic : topic.substr(slash + 1);
}

}  // namespace edgegw::mqtt
