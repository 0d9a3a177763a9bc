#include "store/field_codec.hpp"

#include <bit>
#include <cstring>
#include <limits>
#include <type_traits>

namespace edgegw::store {

namespace {

enum class FieldType : std::uint8_t {
  bool_false = 0,
  bool_true = 1,
  int64 = 2,
  float64 = 3,
  string = 4,
};

void put_varint(std::uint64_t v, std::string& out) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_bytes(const std::string& s, std::string& out) {
  put_varint(s.size(), out);
  out.append(s);
}

struct Reader {
  std::span<const std::uint8_t> in;
  std::size_t pos = 0;

  bool varint(std::uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= in.size()) return false;
      const std::uint8_t b = in[pos++];
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  bool bytes(std::string& s) {
    std::uint64_t n = 0;
    if (!varint(n) || n > in.size() - pos) return false;
    s.assign(reinterpret_cast<const char*>(in.data() + pos), n);
    pos += n;
    return true;
  }
  bool byte(std::uint8_t& b) {
    if (pos >= in.size()) return false;
    b = in[pos++];
    return true;
  }
  bool u64(std::uint64_t& v) {
    if (in.size() - pos < 8) return false;
    v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | in[pos + i];
    pos += 8;
    return true;
  }
};

struct ValueEncoder {
  std::string& out;
  void operator()(bool b) const {
    out.push_back(static_cast<char>(b ? FieldType::bool_true : FieldType::bool_false));
  }
  void operator()(std::int64_t i) const {
    out.push_back(static_cast<char>(FieldType::int64));
    const auto u = static_cast<std::uint64_t>(i);
    put_varint((u << 1) ^ (i < 0 ? ~std::uint64_t{0} : 0), out);  // zigzag
  }
  void operator()(double d) const {
    out.push_back(static_cast<char>(FieldType::float64));
    auto u = std::bit_cast<std::uint64_t>(d);
    for (int i = 0; i < 8; ++i, u >>= 8) out.push_back(static_cast<char>(u & 0xff));
  }
  void operator()(const std::string& s) const {
    out.push_back(static_cast<char>(FieldType::string));
    put_bytes(s, out);
  }
};

bool decode_value(Reader& r, FieldValue& value) {
  std::uint8_t type = 0;
  if (!r.byte(type)) return false;
  switch (static_cast<FieldType>(type)) {
    case FieldType::bool_false:
      value = false;
      return true;
    case FieldType::bool_true:
      value = true;
      return true;
    case FieldType::int64: {
      std::uint64_t u = 0;
      if (!r.varint(u)) return false;
      value = static_cast<std::int64_t>((u >> 1) ^ (~(u & 1) + 1));
      return true;
    }
    case FieldType::float64: {
      std::uint64_t u = 0;
      if (!r.u64(u)) return false;
      value = std::bit_cast<double>(u);
      return true;
    }
    case FieldType::string: {
      std::string s;
      if (!r.bytes(s)) return false;
      value = std::move(s);
      return true;
    }
  }
  return false;
}

}  // namespace

void encode_fields(const std::vector<Field>& fields, std::string& out) {
  put_varint(fields.size(), out);
  for (const auto& f : fields) {
    put_bytes(f.name, out);
    std::visit(ValueEncoder{out}, f.value);
  }
}

bool decode_fields(std::span<const std::uint8_t> blob, std::vector<Field>& fields) {
  fields.clear();
  Reader r{blob};
  std::uint64_t count = 0;
  // Each field takes at least two bytes, which bounds what a corrupt count can make us reserve.
  if (!r.varint(count) || count > blob.size()) return false;
  fields.resize(count);
  for (auto& f : fields) {
    if (!r.bytes(f.name) || !decode_value(r, f.value)) {
      fields.clear();
      return false;
    }
  }
  if (r.pos != blob.size()) {
    fields.clear();
    return false;
  }
  return true;
}

void encode_record_fields(const Record& r, std::string& out) {
  if (r.kind != RecordKind::event) return encode_fields(r.fields, out);
  put_varint(r.fields.size() + 1, out);
  put_bytes("", out);
  ValueEncoder{out}(r.event);
  for (const auto& f : r.fields) {
    put_bytes(f.name, out);
    std::visit(ValueEncoder{out}, f.value);
  }
}

bool decode_record_fields(std::span<const std::uint8_t> blob, Record& r) {
  if (!decode_fields(blob, r.fields)) return false;
  r.event.clear();
  if (r.kind != RecordKind::event || r.fields.empty() || !r.fields.front().name.empty()) {
    return true;
  }
  if (const auto* name = std::get_if<std::string>(&r.fields.front().value)) r.event = *name;
  r.fields.erase(r.fields.begin());
  return true;
}

namespace {

std::uint64_t mix(std::uint64_t h, std::uint64_t word) {
  h = (h ^ word) * 0x9e3779b97f4a7c15ull;
  return h ^ (h >> 29);
}

}  // namespace

std::int64_t record_checksum(std::int64_t device_id, std::uint64_t seq, std::int64_t time_ms,
                             std::int64_t kind, std::span<const std::uint8_t> blob) {
  std::uint64_t h = mix(0x243f6a8885a308d3ull, static_cast<std::uint64_t>(device_id));
  h = mix(h, seq);
  h = mix(h, static_cast<std::uint64_t>(time_ms));
  h = mix(h, static_cast<std::uint64_t>(kind) ^ (static_cast<std::uint64_t>(blob.size()) << 8));
  std::size_t i = 0;
  for (; i + 8 <= blob.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, blob.data() + i, 8);
    h = mix(h, word);
  }
  std::uint64_t tail = 0;
  if (i < blob.size()) std::memcpy(&tail, blob.data() + i, blob.size() - i);
  h = mix(h, tail);
  return static_cast<std::int64_t>(h >> 1);  // non-negative: reads back the same from SQLite
}

}  // namespace edgegw::store
