#include "southbound/flat_json_object.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

namespace edgegw::southbound {
namespace {

enum class Kind : std::uint8_t { null, boolean, integer, number, string };

struct Member {
  std::string_view key;
  std::string_view text;  // the value's token: a string's content, a number's digits, a literal
  Kind kind = Kind::null;
};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// One pass over the bytes; every method leaves `at` after what it read, or fails.
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}

  bool at_end() const { return at_ == s_.size(); }
  void skip_whitespace() {
    while (at_ < s_.size() &&
           (s_[at_] == ' ' || s_[at_] == '\t' || s_[at_] == '\n' || s_[at_] == '\r')) {
      ++at_;
    }
  }
  bool eat(char c) {
    if (at_ == s_.size() || s_[at_] != c) return false;
    ++at_;
    return true;
  }
  // A string of printable ASCII without escapes: its content. Escapes and UTF-8 (which nlohmann
  // validates) are not ours.
  std::optional<std::string_view> string() {
    if (!eat('"')) return std::nullopt;
    const std::size_t start = at_;
    for (; at_ < s_.size(); ++at_) {
      const auto c = static_cast<unsigned char>(s_[at_]);
      if (c == '"') return s_.substr(start, at_++ - start);
      if (c < 0x20 || c >= 0x80 || c == '\\') return std::nullopt;
    }
    return std::nullopt;
  }
  // A scalar value; false for anything else (an object or array too).
  bool value(Member& m) {
    if (at_ == s_.size()) return false;
    const char c = s_[at_];
    if (c == '"') {
      auto text = string();
      if (!text) return false;
      m.kind = Kind::string;
      m.text = *text;
      return true;
    }
    if (c == '-' || is_digit(c)) return number(m);
    for (const auto& [word, kind] : {std::pair{std::string_view("true"), Kind::boolean},
                                     std::pair{std::string_view("false"), Kind::boolean},
                                     std::pair{std::string_view("null"), Kind::null}}) {
      if (s_.substr(at_).starts_with(word)) {
        m.kind = kind;
        m.text = s_.substr(at_, word.size());
        at_ += word.size();
        return true;
      }
    }
    return false;
  }

 private:
  // RFC 8259's number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
  bool number(Member& m) {
    const std::size_t start = at_;
    eat('-');
    if (eat('0')) {
    } else if (at_ < s_.size() && is_digit(s_[at_])) {
      digits();
    } else {
      return false;
    }
    m.kind = Kind::integer;
    if (eat('.')) {
      if (!digits()) return false;
      m.kind = Kind::number;
    }
    if (eat('e') || eat('E')) {
      if (!eat('+')) eat('-');
      if (!digits()) return false;
      m.kind = Kind::number;
    }
    m.text = s_.substr(start, at_ - start);
    return true;
  }
  bool digits() {
    const std::size_t start = at_;
    while (at_ < s_.size() && is_digit(s_[at_])) ++at_;
    return at_ > start;
  }

  std::string_view s_;
  std::size_t at_ = 0;
};

// The member's value as a field value; nullopt for a number beyond int64 or a double's range
// (nlohmann's rules for those go with the slow path).
std::optional<store::FieldValue> field_value(const Member& m) {
  const char* first = m.text.data();
  const char* last = first + m.text.size();
  switch (m.kind) {
    case Kind::boolean:
      return store::FieldValue{m.text == "true"};
    case Kind::string:
      return store::FieldValue{std::string(m.text)};
    case Kind::integer: {
      std::int64_t v = 0;
      const auto r = std::from_chars(first, last, v);
      if (r.ec != std::errc() || r.ptr != last) return std::nullopt;
      return store::FieldValue{v};
    }
    case Kind::number: {
      double v = 0;
      const auto r = std::from_chars(first, last, v, std::chars_format::general);
      if (r.ec != std::errc() || r.ptr != last || !std::isfinite(v)) return std::nullopt;
      return store::FieldValue{v};
    }
    case Kind::null:
      break;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::vector<store::Field>> flat_json_object(std::string_view payload) {
  std::array<Member, kMaxFlatMembers> members;
  std::size_t count = 0;
  Scanner in(payload);
  in.skip_whitespace();
  if (!in.eat('{')) return std::nullopt;
  in.skip_whitespace();
  if (!in.eat('}')) {
    for (;;) {
      if (count == members.size()) return std::nullopt;
      Member& m = members[count++];
      auto key = in.string();
      if (!key) return std::nullopt;
      m.key = *key;
      in.skip_whitespace();
      if (!in.eat(':')) return std::nullopt;
      in.skip_whitespace();
      if (!in.value(m)) return std::nullopt;
      in.skip_whitespace();
      if (in.eat('}')) break;
      if (!in.eat(',')) return std::nullopt;
      in.skip_whitespace();
    }
  }
  in.skip_whitespace();
  if (!in.at_end()) return std::nullopt;

  // Key order, stable (an insertion sort: a handful of members, usually in order already).
  std::array<std::uint8_t, kMaxFlatMembers> order;
  for (std::size_t i = 0; i < count; ++i) {
    std::size_t j = i;
    for (; j > 0 && members[i].key < members[order[j - 1]].key; --j) order[j] = order[j - 1];
    order[j] = static_cast<std::uint8_t>(i);
  }
  std::vector<store::Field> fields;
  fields.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const Member& m = members[order[i]];
    if (m.kind == Kind::null) continue;
    // Every number is converted, also one a later member of its name overrides: nlohmann refuses
    // the whole payload for a number out of range, wherever it stands.
    auto value = field_value(m);
    if (!value) return std::nullopt;
    if (i + 1 < count && members[order[i + 1]].key == m.key) continue;  // a later one wins
    fields.push_back({std::string(m.key), std::move(*value)});
  }
  return fields;
}

}  // namespace edgegw::southbound
