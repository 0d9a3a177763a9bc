// HMAC through EVP_MAC: the OpenSSL 3 interface; HMAC() is deprecated there.
#include "northbound/signing.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <memory>

namespace edgegw::northbound {
namespace {

const char* digest_name(SignMethod method) {
  switch (method) {
    case SignMethod::hmacmd5:
      return "MD5";
    case SignMethod::hmacsha1:
      return "SHA1";
    case SignMethod::hmacsha256:
      return "SHA256";
  }
  return "SHA256";
}

struct MacDeleter {
  void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::string hmac(SignMethod method, std::string_view key, std::string_view message) {
  // Fetched once: EVP_MAC_fetch walks the provider tables, the dominant cost for short messages.
  static const std::unique_ptr<EVP_MAC, MacDeleter> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  std::unique_ptr<EVP_MAC_CTX, MacDeleter> ctx(EVP_MAC_CTX_new(mac.get()));
  std::array<OSSL_PARAM, 2> params{
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                       const_cast<char*>(digest_name(method)), 0),
      OSSL_PARAM_construct_end()};
  // An empty key is legal HMAC; OpenSSL wants a non-null pointer for it.
  static const unsigned char kEmpty = 0;
  const auto* key_bytes =
      key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  std::size_t out_len = 0;
  if (!ctx || EVP_MAC_init(ctx.get(), key_bytes, key.size(), params.data()) != 1 ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1 ||
      EVP_MAC_final(ctx.get(), out.data(), &out_len, out.size()) != 1) {
    return {};  // only if the OpenSSL installation lacks the digest; the signature then fails
  }
  return std::string(reinterpret_cast<const char*>(out.data()), out_len);
}

std::string to_hex(std::string_view bytes, HexCase letter_case) {
  const char* digits = letter_case == HexCase::upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0x0f]);
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v = base64_value(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
  return out;
}

std::string_view to_string(SignMethod method) {
  switch (method) {
    case SignMethod::hmacmd5:
      return "hmacmd5";
    case SignMethod::hmacsha1:
      return "hmacsha1";
    case SignMethod::hmacsha256:
      return "hmacsha256";
  }
  return "hmacsha256";
}

}  // namespace edgegw::northbound
