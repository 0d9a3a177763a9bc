// The byte-level pieces of the platforms' connect signatures: HMAC (MD5, SHA-1, SHA-256 through
// OpenSSL's EVP_MAC), hex in either case, and base64 decoding of Tencent's device keys. Kept apart
// from the platforms so each one can be checked against `openssl dgst -hmac` by itself.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "northbound/cloud_options.hpp"

namespace edgegw::northbound {

enum class HexCase { lower, upper };

// Raw MAC bytes of `message` keyed with `key` (both taken as bytes).
std::string hmac(SignMethod method, std::string_view key, std::string_view message);

std::string to_hex(std::string_view bytes, HexCase letter_case);

// hmac() as hex, the form every platform's password takes.
inline std::string hmac_hex(SignMethod method, std::string_view key, std::string_view message,
                            HexCase letter_case) {
  return to_hex(hmac(method, key, message), letter_case);
}

// Standard base64 (RFC 4648, padding optional, no whitespace); nullopt if `text` is not base64.
std::optional<std::string> base64_decode(std::string_view text);

// Standard base64 with padding, no line breaks (Tencent's sub-device bind signature).
std::string base64_encode(std::string_view bytes);

// The names the platforms put on the wire: "hmacmd5", "hmacsha1", "hmacsha256".
std::string_view to_string(SignMethod method);

}  // namespace edgegw::northbound
