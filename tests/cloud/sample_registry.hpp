// The devices that the cloud emulator's own tests and the session tests both connect as: one per
// platform and auth mode they have in common, so each suite's registry adds only its own cases and
// the shared credentials are written once.
//   aliyun   product key a1Prod, device meter-1, device secret "s3cret"
//   tencent  product TCPROD0001, device dev1, PSK kSamplePskBase64 (any auth mode)
//   huawei   device id hwprod_node-1, secret "hw-secret-1" (secret or certificate)
//   mqtt     meter-9 (username u9, password p9); cert-dev (client certificate only)
#pragma once

#include "cloud/cloud_emulator.hpp"

namespace edgegw::test {

// The Tencent PSK as the console shows it (base64), and the same 16 bytes in hex, as TLS-PSK
// clients such as mosquitto_pub take the key.
inline constexpr const char* kSamplePskBase64 = "ABEiM0RVZneImaq7zN3u/w==";
inline constexpr const char* kSamplePskHex = "00112233445566778899aabbccddeeff";

Registry sample_registry();

}  // namespace edgegw::test
