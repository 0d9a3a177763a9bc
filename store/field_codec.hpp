// The compact encoding of a record's fields in one BLOB column (blob format 1, fixed by schema
// version 1 of the outbox). A varint field count, then per field: varint name length, name bytes,
// a type byte and the value (bool in the type byte, int64 as zigzag varint, double as 8 bytes
// little-endian, string as varint length + bytes). Small, no allocation per field when encoding
// into a reused buffer, and strict when decoding.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "store/record.hpp"

namespace edgegw::store {

// Appends the encoding of `fields` to `out` (the caller clears and reuses it).
void encode_fields(const std::vector<Field>& fields, std::string& out);

// Decodes `blob` into `fields` (replacing its contents). False if the blob is malformed, in which
// case `fields` is left empty.
bool decode_fields(std::span<const std::uint8_t> blob, std::vector<Field>& fields);

// A record's fields BLOB: encode_fields, except that an event record (kind event) keeps its
// identifier as a leading field with an empty name (no point has an empty name), so events need no
// schema change and older rows read back unchanged.
void encode_record_fields(const Record& r, std::string& out);
// Fills r.fields (and r.event for an event record) from `blob`; r.kind must be set. False if
// malformed.
bool decode_record_fields(std::span<const std::uint8_t> blob, Record& r);

// The checksum kept beside each record (records.crc, schema 3): over the device's id, the sequence,
// the time, the kind and the fields BLOB. A fast word-at-a-time mix, for damage, not adversaries;
// never 0 is not promised, NULL in the column means "written before checksums".
std::int64_t record_checksum(std::int64_t device_id, std::uint64_t seq, std::int64_t time_ms,
                             std::int64_t kind, std::span<const std::uint8_t> blob);

}  // namespace edgegw::store
