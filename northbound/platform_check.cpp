// The whole check of one identity: the platform's keepalive range, then its rules on [cloud] and
// on the identity (each written once, in the platform's own file).
#include "northbound/platform_check.hpp"

#include "northbound/platform_common.hpp"
#include "northbound/platform_rules.hpp"

namespace edgegw::northbound {
namespace {

std::string seconds_text(std::chrono::seconds s) {
  return std::to_string(s.count());
}

}  // namespace

std::optional<std::string> check_keepalive(const CloudOptions& cloud, const DeviceIdentity& id) {
  auto keepalive = effective_keepalive(cloud, id);
  auto range = platform_defaults(cloud.platform).keepalive_range;
  if (range.contains(keepalive)) return std::nullopt;
  return "keepalive " + seconds_text(keepalive) + " s is outside " +
         std::string(to_string(cloud.platform)) + "'s range " + seconds_text(range.min) + "–" +
         seconds_text(range.max) + " s";
}

std::optional<std::string> check_identity(const CloudOptions& cloud, const DeviceIdentity& id) {
  if (auto p = check_keepalive(cloud, id)) return p;
  const PlatformRules& rules = platform_rules(cloud.platform);
  if (auto p = rules.check_cloud(cloud)) return p->message;
  if (auto p = rules.check(cloud, id)) return p->message;
  return std::nullopt;
}

}  // namespace edgegw::northbound
