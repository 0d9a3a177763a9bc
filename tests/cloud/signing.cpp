#include "cloud/signing.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>
#include <cstdint>

namespace edgegw::cloud {

std::optional<HmacAlgorithm> parse_hmac_method(std::string_view name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "hmacmd5") return HmacAlgorithm::md5;
  if (lower == "hmacsha1") return HmacAlgorithm::sha1;
  if (lower == "hmacsha256") return HmacAlgorithm::sha256;
  return std::nullopt;
}

std::string hmac(HmacAlgorithm algorithm, std::string_view key, std::string_view message) {
  const EVP_MD* md = algorithm == HmacAlgorithm::md5    ? EVP_md5()
                     : algorithm == HmacAlgorithm::sha1 ? EVP_sha1()
                                                        : EVP_sha256();
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_len = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), out, &out_len);
  return std::string(reinterpret_cast<const char*>(out), out_len);
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0x0f];
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  if (bits >= 6) return std::nullopt;  // one stray character cannot encode a byte
  return out;
}

bool hex_equal_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned>(std::tolower(static_cast<unsigned char>(a[i])) ^
                                  std::tolower(static_cast<unsigned char>(b[i])));
  }
  return diff == 0;
}

}  // namespace edgegw::cloud
