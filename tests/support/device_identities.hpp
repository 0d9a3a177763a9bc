// Builders for the northbound DeviceIdentity of each platform, for the unit tests of the platforms
// and the session tests against the cloud emulator alike: each sets the fields its platform and
// auth mode read, so a test spells out only the values it cares about.
//
// Header-only on purpose: edgegw_testsupport does not link northbound, and only tests that link
// edgegw_northbound include this.
#pragma once

#include <string>
#include <utility>

#include "northbound/cloud_options.hpp"
#include "support/test_pki.hpp"

namespace edgegw::test {

// The fields every platform reads: the local device name and the auth mode.
inline northbound::DeviceIdentity device_identity(std::string device, northbound::AuthMode auth) {
  northbound::DeviceIdentity id;
  id.device = std::move(device);
  id.auth = auth;
  return id;
}

// Aliyun names a device by product key and device name; `credential` is what `auth` reads: the
// device secret (secret), the device token (token) or the product secret (register_,
// register_nwl).
inline northbound::DeviceIdentity aliyun_identity(std::string device, std::string product_key,
                                                  std::string device_name,
                                                  northbound::AuthMode auth,
                                                  std::string credential) {
  auto id = device_identity(std::move(device), auth);
  id.product_key = std::move(product_key);
  id.device_name = std::move(device_name);
  switch (auth) {
    case northbound::AuthMode::token:
      id.device_token = std::move(credential);
      break;
    case northbound::AuthMode::register_:
    case northbound::AuthMode::register_nwl:
      id.product_secret = std::move(credential);
      break;
    default:
      id.device_secret = std::move(credential);
  }
  return id;
}

// Tencent: product id, device name and the base64 PSK, which is also the key of password auth.
inline northbound::DeviceIdentity tencent_identity(std::string device, std::string product_id,
                                                   std::string device_name, std::string psk,
                                                   northbound::AuthMode auth) {
  auto id = device_identity(std::move(device), auth);
  id.product_id = std::move(product_id);
  id.device_name = std::move(device_name);
  id.device_psk = std::move(psk);
  return id;
}

// Huawei with secret auth: the device id and its secret.
inline northbound::DeviceIdentity huawei_identity(std::string device, std::string device_id,
                                                  std::string secret) {
  northbound::DeviceIdentity id;  // auth defaults to secret
  id.device = std::move(device);
  id.device_id = std::move(device_id);
  id.device_secret = std::move(secret);
  return id;
}

// Generic MQTT with no credentials at all.
inline northbound::DeviceIdentity anonymous_identity(std::string device) {
  return device_identity(std::move(device), northbound::AuthMode::none);
}

// Generic MQTT with a username and password.
inline northbound::DeviceIdentity mqtt_password_identity(std::string device, std::string username,
                                                         std::string password) {
  auto id = device_identity(std::move(device), northbound::AuthMode::password);
  id.username = std::move(username);
  id.password = std::move(password);
  return id;
}

// The same device authenticating with a client certificate (Tencent, Huawei, generic MQTT).
inline northbound::DeviceIdentity with_client_cert(northbound::DeviceIdentity id,
                                                   const CertPair& cert) {
  id.auth = northbound::AuthMode::cert;
  id.cert_file = cert.cert;
  id.key_file = cert.key;
  return id;
}

}  // namespace edgegw::test
