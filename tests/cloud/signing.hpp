// The cryptographic primitives the platforms' connect rules are built from, written for the cloud
// emulator from the vendor pages (specs/), independently of northbound/'s signing code: the
// emulator's job is to catch mistakes there, so it must not share them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace edgegw::cloud {

enum class HmacAlgorithm { md5, sha1, sha256 };

// "hmacmd5" | "hmacsha1" | "hmacsha256" (case-insensitive, as devices send them).
std::optional<HmacAlgorithm> parse_hmac_method(std::string_view name);

// The raw HMAC of `message` under `key`.
std::string hmac(HmacAlgorithm algorithm, std::string_view key, std::string_view message);

// Lowercase hex of `bytes`.
std::string to_hex(std::string_view bytes);

// Standard base64 (with or without padding); nullopt when `text` is not base64.
std::optional<std::string> base64_decode(std::string_view text);

// Equality of two hex strings ignoring letter case, in time independent of where they differ.
bool hex_equal_ignore_case(std::string_view a, std::string_view b);

}  // namespace edgegw::cloud
