// Fuzzes the WebSocket frame decoder with what a hostile broker (or whatever sits behind a proxy)
// could send after the upgrade. The input is fed in chunks whose size comes from its first byte so
// splits at every position are exercised. The decoder's promises: data never exceeds the input,
// control payloads are at most 125 bytes, nothing but an error follows a close or an error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "mqtt/ws_frame.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace edgegw::mqtt::ws;
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0];
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  FrameDecoder decoder;
  std::size_t data_bytes = 0;
  bool ended = false;
  while (!rest.empty()) {
    auto piece = rest.substr(0, std::min(chunk, rest.size()));
    rest.remove_prefix(piece.size());
    while (true) {
      auto event = decoder.next(piece);
      if (event.kind == FrameEvent::Kind::need_more) break;
      if (ended && event.kind != FrameEvent::Kind::error) std::abort();
      if (event.kind == FrameEvent::Kind::data) data_bytes += event.bytes.size();
      if ((event.kind == FrameEvent::Kind::ping || event.kind == FrameEvent::Kind::pong) &&
          event.bytes.size() > 125) {
        std::abort();
      }
      if (event.kind == FrameEvent::Kind::close || event.kind == FrameEvent::Kind::error) {
        ended = true;
        break;
      }
    }
    if (ended) break;
  }
  if (data_bytes > size) std::abort();
  return 0;
}
