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

// Length of the UTF-8 sequence starting at text[i] if it is well-formed (RFC 3629: shortest form,
// no surrogates, at most U+10FFFF) and a character §1.5.3 lets a topic carry; 0 otherwise.
std::size_t acceptable_utf8_at(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t length = 0;
  char32_t cp = 0;
  if (lead < 0x80) {
    length = 1;
    cp = lead;
  } else if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    cp = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    cp = lead & 0x07;
  } else {
    return 0;  // a continuation byte, an overlong two-byte lead (C0, C1) or past U+10FFFF
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  const char32_t shortest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < shortest[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  if (cp <= 0x1F || (cp >= 0x7F && cp <= 0x9F)) return 0;  // U+0000 and control characters
  if ((cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE) return 0;  // non-characters
  return length;
}

std::optional<std::string_view> string_problem(std::string_view text) {
  if (text.empty()) return "is empty";
  if (text.size() > kMaxTopicBytes) return "is longer than MQTT's 65535 bytes";
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = acceptable_utf8_at(text, i);
    if (length == 0) {
      return "holds a NUL, a control character or bytes that are not valid UTF-8, which MQTT "
             "does not allow in a topic";
    }
    i += length;
  }
  return std::nullopt;
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

std::optional<std::string_view> topic_filter_problem(std::string_view filter) {
  if (auto problem = string_problem(filter)) return problem;
  bool more = true;
  while (more) {
    const std::string_view level = next_level(filter, more);
    if (level.find('#') != std::string_view::npos && (level != "#" || more)) {
      return "has '#' other than as the whole last level";
    }
    if (level.find('+') != std::string_view::npos && level != "+") {
      return "has '+' other than as a whole level";
    }
  }
  return std::nullopt;
}

std::optional<std::string_view> topic_name_problem(std::string_view topic) {
  if (auto problem = string_problem(topic)) return problem;
  if (topic.find_first_of("+#") != std::string_view::npos) {
    return "holds '+' or '#', which only a filter may hold";
  }
  return std::nullopt;
}

bool valid_topic_filter(std::string_view filter) {
  return !topic_filter_problem(filter).has_value();
}

std::string_view last_topic_level(std::string_view topic) {
  const auto slash = topic.rfind('/');
  return slash == std::string_view::npos ? topic : topic.substr(slash + 1);
}

}  // namespace edgegw::mqtt
