// Device identities and options the platform tests share: one per platform, with the values the
// golden signatures were computed for.
#pragma once

#include <chrono>

#include "northbound/cloud_options.hpp"
#include "store/record.hpp"

namespace edgegw::northbound::testing {

// 2023-11-14T22:13:20Z.
inline const std::chrono::system_clock::time_point kNow{std::chrono::milliseconds(1700000000000)};

inline CloudOptions cloud_for(PlatformKind kind) {
  CloudOptions c;
  c.platform = kind;
  if (kind == PlatformKind::huawei) {
    c.host = "iot-mqtts.cn-north-4.myhuaweicloud.com";
    c.keepalive = std::chrono::seconds(120);
  }
  if (kind == PlatformKind::tencent) c.keepalive = std::chrono::seconds(240);
  if (kind == PlatformKind::mqtt) c.host = "broker.example.com";
  return c;
}

inline DeviceIdentity aliyun_device() {
  DeviceIdentity id;
  id.device = "meter-1";
  id.product_key = "a1B2c3D4e5F";
  id.device_name = "meter-1";
  id.device_secret = "s3cr3t";
  return id;
}

inline DeviceIdentity tencent_device() {
  DeviceIdentity id;
  id.device = "meter-1";
  id.auth = AuthMode::psk;
  id.product_id = "ABCDEF1234";
  id.device_name = "meter-1";
  id.device_psk = "MTIzNDU2Nzg5MGFiY2RlZg==";  // "1234567890abcdef"
  return id;
}

inline DeviceIdentity huawei_device() {
  DeviceIdentity id;
  id.device = "meter-1";
  id.device_id = "6555f8d2_meter-1";
  id.device_secret = "s3cr3t";
  id.service_id = "Meter";
  return id;
}

inline DeviceIdentity mqtt_device() {
  DeviceIdentity id;
  id.device = "meter-1";
  id.auth = AuthMode::password;
  id.username = "gw";
  id.password = "pw";
  return id;
}

inline store::Record meter_record() {
  store::Record r;
  r.device = "meter-1";
  r.seq = 17;
  r.time_ms = 1700000000123;
  r.fields = {{"voltage", 230.5},
              {"current", 10.0},
              {"count", std::int64_t{42}},
              {"on", true},
              {"state", std::string("ok")}};
  return r;
}

}  // namespace edgegw::northbound::testing
