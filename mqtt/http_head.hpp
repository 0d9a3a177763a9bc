// The head of an HTTP/1.1 response (status line and header fields), parsed from bytes that arrive
// in pieces. Two peers answer us in HTTP before MQTT starts: an HTTP CONNECT proxy and a WebSocket
// endpoint. Both are untrusted, so the head is bounded (max_size) and parsed strictly; the parser
// is pure and fuzzed (tests/fuzz/mqtt/proxy_response_fuzz.cpp).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace edgegw::mqtt {

struct HttpHead {
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> fields;  // names lowercased, values trimmed
  // The first field named `name` (lowercase), if any.
  std::optional<std::string_view> field(std::string_view name) const;
  // True when the comma-separated field `name` holds `token` (case-insensitive), e.g.
  // "Connection: keep-alive, Upgrade" holds "upgrade".
  bool field_has_token(std::string_view name, std::string_view token) const;
};

struct HeadParse {
  enum class State { need_more, done, error } state = State::need_more;
  HttpHead head;
  std::size_t consumed = 0;  // done: bytes of the head, up to and including the blank line
  std::string error;         // error: what is wrong, for the user
};

// Parses the head at the start of `buffer`. need_more while no blank line has arrived and the
// buffer is within max_size; error once it is beyond max_size or malformed.
HeadParse parse_http_head(std::string_view buffer, std::size_t max_size);

// ASCII case-insensitive equality (HTTP field names and tokens).
bool equals_ignoring_case(std::string_view a, std::string_view b);

}  // namespace edgegw::mqtt
