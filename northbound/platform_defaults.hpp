// Per-platform facts the configuration needs before any connect: default endpoint, port and
// keepalive, and the keepalive range the platform accepts (specs/PLATFORMS.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "northbound/cloud_options.hpp"

namespace edgegw::northbound {

struct KeepaliveRange {
  std::chrono::seconds min;
  std::chrono::seconds max;
  bool contains(std::chrono::seconds s) const { return s >= min && s <= max; }
};

struct PlatformDefaults {
  std::string_view host;  // template; {product_key} {product_id} {region} {instance_id}
  std::uint16_t tls_port;
  std::uint16_t plain_port;
  std::chrono::seconds keepalive;
  KeepaliveRange keepalive_range;
  bool signs_with_time;  // the signature carries the clock: do not connect before it is set
};

constexpr PlatformDefaults platform_defaults(PlatformKind kind) {
  using std::chrono::seconds;
  switch (kind) {
    case PlatformKind::aliyun:
      // Legacy public instance; newer instances use {instance_id}.mqtt.iothub.aliyuncs.com.
      return {"{product_key}.iot-as-mqtt.{region}.aliyuncs.com",
              8883,
              1883,
              seconds(300),
              {seconds(30), seconds(1200)},
              true};
    case PlatformKind::tencent:
      return {"{product_id}.iotcloud.tencentdevices.com",
              8883,
              1883,
              seconds(240),
              {seconds(0), seconds(900)},
              true};
    case PlatformKind::huawei:
      // IoTDA endpoints are per instance; there is no useful default host.
      return {"", 8883, 8883, seconds(120), {seconds(30), seconds(1200)}, true};
    case PlatformKind::mqtt:
      return {"", 8883, 1883, seconds(60), {seconds(0), seconds(65535)}, false};
  }
  return {"", 8883, 1883, seconds(60), {seconds(0), seconds(65535)}, false};
}

constexpr std::string_view to_string(PlatformKind kind) {
  switch (kind) {
    case PlatformKind::aliyun:
      return "aliyun";
    case PlatformKind::tencent:
      return "tencent";
    case PlatformKind::huawei:
      return "huawei";
    case PlatformKind::mqtt:
      return "mqtt";
  }
  return "?";
}

constexpr std::optional<PlatformKind> parse_platform(std::string_view s) {
  if (s == "aliyun") return PlatformKind::aliyun;
  if (s == "tencent") return PlatformKind::tencent;
  if (s == "huawei") return PlatformKind::huawei;
  if (s == "mqtt") return PlatformKind::mqtt;
  return std::nullopt;
}

}  // namespace edgegw::northbound
