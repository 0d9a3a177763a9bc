#include "mqtt/http_head.hpp"

#include <algorithm>

namespace edgegw::mqtt {

namespace {

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_token_char(char c) {
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= '0' && c <= '9') return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u != 0x7f);
  });
}

// "HTTP/1.x NNN reason"
bool parse_status_line(std::string_view line, HttpHead& head) {
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ') return false;
  if (line[7] != '0' && line[7] != '1') return false;
  int status = 0;
  for (int i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return false;
    status = status * 10 + (line[i] - '0');
  }
  if (status < 100 || (line.size() > 12 && line[12] != ' ')) return false;
  if (!printable(line)) return false;
  head.status = status;
  head.reason = std::string(trim(line.size() > 12 ? line.substr(13) : std::string_view()));
  return true;
}

bool parse_field(std::string_view line, HttpHead& head) {
  auto colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos) return false;
  auto name = line.substr(0, colon);
  if (!std::all_of(name.begin(), name.end(), is_token_char)) return false;
  auto value = trim(line.substr(colon + 1));
  if (!printable(value)) return false;
  std::string lowered(name);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(), lower);
  head.fields.emplace_back(std::move(lowered), std::string(value));
  return true;
}

HeadParse fail(std::string error) {
  HeadParse result;
  result.state = HeadParse::State::error;
  result.error = std::move(error);
  return result;
}

}  // namespace

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

std::optional<std::string_view> HttpHead::field(std::string_view name) const {
  for (const auto& [n, v] : fields) {
    if (n == name) return std::string_view(v);
  }
  return std::nullopt;
}

bool HttpHead::field_has_token(std::string_view name, std::string_view token) const {
  for (const auto& [n, v] : fields) {
    if (n != name) continue;
    std::string_view rest(v);
    while (!rest.empty()) {
      auto comma = rest.find(',');
      if (equals_ignoring_case(trim(rest.substr(0, comma)), token)) return true;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return false;
}

HeadParse parse_http_head(std::string_view buffer, std::size_t max_size) {
  auto end = buffer.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (buffer.size() > max_size) {
      return fail("the response head is longer than " + std::to_string(max_size) + " bytes");
    }
    return {};
  }
  if (end + 4 > max_size) {
    return fail("the response head is longer than " + std::to_string(max_size) + " bytes");
  }
  HeadParse result;
  std::string_view rest = buffer.substr(0, end + 2);
  bool first = true;
  while (!rest.empty()) {
    auto eol = rest.find("\r\n");
    auto line = rest.substr(0, eol);
    rest.remove_prefix(eol + 2);
    if (first) {
      if (!parse_status_line(line, result.head)) return fail("not an HTTP/1.x status line");
      first = false;
    } else if (!parse_field(line, result.head)) {
      return fail("malformed header field in the response");
    }
  }
  result.state = HeadParse::State::done;
  result.consumed = end + 4;
  return result;
}

}  // namespace edgegw::mqtt
