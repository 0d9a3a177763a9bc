// Device identities and options the platform tests share: one per platform, with the values the
// golden signatures were computed for.
#pragma once

#include <chrono>

#include "northbound/cloud_options.hpp"
#include "store/record.hpp"
#include "support/device_identities.hpp"

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
  return test::aliyun_identity("meter-1", "a1B2c3D4e5F", "meter-1", AuthMode::secret, "s3cr3t");
}

inline DeviceIdentity tencent_device() {
  return test::tencent_identity("meter-1", "ABCDEF1234", "meter-1",
                                "MTIzNDU2Nzg5MGFiY2RlZg==",  // "1234567890abcdef"
                                AuthMode::psk);
}

inline DeviceIdentity huawei_device() {
  auto id = test::huawei_identity("meter-1", "6555f8d2_meter-1", "s3cr3t");
  id.service_id = "Meter";
  return id;
}

inline DeviceIdentity mqtt_device() {
  return test::mqtt_password_identity("meter-1", "gw", "pw");
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
