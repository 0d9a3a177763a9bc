// Fuzzes the parse of an HTTP answer head (an HTTP CONNECT proxy's, or a WebSocket server's 101)
// and the verdicts drawn from it, fed as it would arrive: growing by chunks whose size comes from
// the first byte. Promises: never reads past the head it reports, never beyond the size cap, and a
// head once complete stays complete with the same length as more bytes arrive.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "mqtt/http_head.hpp"
#include "mqtt/http_proxy.hpp"
#include "mqtt/ws_handshake.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace edgegw::mqtt;
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0];
  const std::size_t cap = (data[0] & 1) ? 64 : 8192;
  std::string_view all(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::size_t done_at = 0;
  for (std::size_t have = std::min(chunk, all.size());; have = std::min(have + chunk, all.size())) {
    auto parsed = parse_http_head(all.substr(0, have), cap);
    if (parsed.state == HeadParse::State::done) {
      if (parsed.consumed > have || parsed.consumed > cap) std::abort();
      if (done_at != 0 && parsed.consumed != done_at) std::abort();
      done_at = parsed.consumed;
      ProxyOptions proxy{"proxy", 3128, "u", "p"};
      (void)check_connect_response(parsed.head, proxy);
      (void)ws::check_upgrade_response(parsed.head, "dGhlIHNhbXBsZSBub25jZQ==");
      (void)parsed.head.field_has_token("connection", "upgrade");
    } else if (parsed.state == HeadParse::State::error) {
      if (done_at != 0) std::abort();
      break;
    }
    if (have == all.size()) break;
  }
  return 0;
}
