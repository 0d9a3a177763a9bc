// Fuzzes the incremental MQTT decoder with what a hostile broker could send. The input is fed in
// chunks whose sizes come from the input itself, so splits at every position are exercised; the
// first byte picks a small size cap so the too_large path is reached too. Any decoded PUBLISH must
// have a valid topic (the decoder's promise).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "mqtt/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace edgegw::mqtt;
  if (size == 0) return 0;
  std::uint32_t cap = (data[0] & 1) ? 64 : (1u << 20);
  std::size_t chunk = 1 + (data[0] >> 1);
  Decoder decoder(cap);
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  while (!rest.empty()) {
    auto n = std::min(chunk, rest.size());
    decoder.feed(rest.substr(0, n));
    rest.remove_prefix(n);
    while (true) {
      auto result = decoder.next();
      if (result.error != DecodeError::none || !result.packet) break;
      if (auto* p = std::get_if<Publish>(&*result.packet)) {
        if (p->topic.empty() || !valid_mqtt_utf8(p->topic)) std::abort();
        if (p->qos > 0 && p->packet_id == 0) std::abort();
      }
    }
  }
  return 0;
}
