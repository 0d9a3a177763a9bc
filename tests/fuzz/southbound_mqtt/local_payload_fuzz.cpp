// Fuzz target: what any local publisher can send. The first byte picks the mapping (default,
// JSON pointers, a bare-value name) and a topic/filter pair; the rest is the payload. Neither the
// payload parser nor the topic matcher may crash, hang or read out of bounds, and a refusal must
// always say why. Whatever the fast path for flat objects answers, nlohmann's SAX path must answer
// alike, to the bit.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "mqtt/topic_filter.hpp"
#include "southbound/flat_json_object.hpp"
#include "southbound/json_fields.hpp"

namespace {

bool same_bits(const edgegw::store::FieldValue& a, const edgegw::store::FieldValue& b) {
  if (a.index() != b.index()) return false;
  if (const auto* d = std::get_if<double>(&a)) {
    return std::memcmp(d, &std::get<double>(b), sizeof(double)) == 0;
  }
  return a == b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  using edgegw::southbound::FieldMap;
  static const FieldMap kMappings[] = {
      {},
      {{"t", "/temp"}, {"h", "/env/hum"}, {"first", "/list/0"}, {"all", ""}},
      {{"odd", "/a~1b/~0c"}, {"deep", "/a/b/c/d/e/f"}},
  };
  const auto& mapping = kMappings[data[0] % 3];
  const auto result = edgegw::southbound::payload_fields(input, mapping, "value");
  if (result.ok() == result.fields.empty()) std::abort();  // ok <=> some fields
  if (const auto fast = edgegw::southbound::flat_json_object(input)) {
    const auto library = edgegw::southbound::object_fields_by_library(input);
    if (!library || library->size() != fast->size()) std::abort();
    for (std::size_t i = 0; i < fast->size(); ++i) {
      if ((*fast)[i].name != (*library)[i].name) std::abort();
      if (!same_bits((*fast)[i].value, (*library)[i].value)) std::abort();
    }
  }
  // The same bytes as a topic filter and as a topic.
  const auto half = input.size() / 2;
  (void)edgegw::mqtt::topic_matches(input.substr(0, half), input.substr(half));
  (void)edgegw::mqtt::valid_topic_filter(input);
  (void)edgegw::southbound::valid_json_pointer(input);
  return 0;
}
