// HMAC, hex and base64 against values computed once with `openssl dgst -<md> -hmac KEY` and pasted.
#include "northbound/signing.hpp"

#include <gtest/gtest.h>

namespace edgegw::northbound {
namespace {

constexpr std::string_view kAlibabaContent =
    "clientId12345deviceNamedeviceproductKeypktimestamp789";

TEST(Signing, HmacOfEveryMethodMatchesOpenssl) {
  EXPECT_EQ(hmac_hex(SignMethod::hmacmd5, "secret", kAlibabaContent, HexCase::lower),
            "14b198324fe55e1d3c88f2e705e201ee");
  EXPECT_EQ(hmac_hex(SignMethod::hmacsha1, "secret", kAlibabaContent, HexCase::lower),
            "fafd82a3d602b37fb0fa8b7892f24a477f851a14");
  EXPECT_EQ(hmac_hex(SignMethod::hmacsha256, "secret", kAlibabaContent, HexCase::lower),
            "6074a46a91b1ebb2cc4ea42790ad0e80202c9843859fc292e57c4eb19fad9e57");
}

TEST(Signing, UpperHexIsTheSameDigest) {
  EXPECT_EQ(hmac_hex(SignMethod::hmacsha1, "secret", kAlibabaContent, HexCase::upper),
            "FAFD82A3D602B37FB0FA8B7892F24A477F851A14");
}

TEST(Signing, EmptyKeyAndMessageWork) {
  // openssl dgst -sha256 -hmac "" < /dev/null
  EXPECT_EQ(hmac_hex(SignMethod::hmacsha256, "", "", HexCase::lower),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(Signing, Base64DecodesWithAndWithoutPadding) {
  EXPECT_EQ(base64_decode("MTIzNDU2Nzg5MGFiY2RlZg=="), "1234567890abcdef");
  EXPECT_EQ(base64_decode("MTIzNDU2Nzg5MGFiY2RlZg"), "1234567890abcdef");
  EXPECT_EQ(base64_decode("/+8="), std::string("\xff\xef"));
  EXPECT_EQ(base64_decode(""), "");
}

TEST(Signing, Base64RefusesOtherText) {
  EXPECT_FALSE(base64_decode("not base64!"));
  EXPECT_FALSE(base64_decode("abcde"));
  EXPECT_FALSE(base64_decode("ab cd"));
}

}  // namespace
}  // namespace edgegw::northbound
