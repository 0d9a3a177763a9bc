// Per-platform facts the configuration needs before any connect: default endpoint, port and
// keepalive, and the keepalive range the platform accepts (specs/PLATFORMS.md). Each platform
// states its own in its file (platform_rules.hpp); these look them up.
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

// The platform's facts (platform_rules(kind).defaults()).
const PlatformDefaults& platform_defaults(PlatformKind kind);

// "aliyun", "tencent", "huawei", "mqtt"
std::string_view to_string(PlatformKind kind);

// The platform `platform =` names, or nullopt.
std::optional<PlatformKind> parse_platform(std::string_view s);

}  // namespace edgegw::northbound
