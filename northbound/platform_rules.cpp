// The registry of platforms: one line per cloud. Everything that used to switch on PlatformKind
// outside the Platform classes asks this table instead.
#include "northbound/platform_rules.hpp"

#include <stdexcept>

#include "northbound/aliyun_platform.hpp"
#include "northbound/generic_mqtt_platform.hpp"
#include "northbound/huawei_platform.hpp"
#include "northbound/tencent_platform.hpp"

namespace edgegw::northbound {

const std::vector<const PlatformRules*>& all_platform_rules() {
  static const std::vector<const PlatformRules*> platforms{
      &aliyun_rules(),
      &tencent_rules(),
      &huawei_rules(),
      &generic_mqtt_rules(),
  };
  return platforms;
}

const PlatformRules& platform_rules(PlatformKind kind) {
  for (const PlatformRules* rules : all_platform_rules()) {
    if (rules->kind() == kind) return *rules;
  }
  // A PlatformKind without a registry line is a programming error, caught by the unit tests.
  throw std::logic_error("no PlatformRules registered for a PlatformKind");
}

std::string platform_names() {
  std::string names;
  for (const PlatformRules* rules : all_platform_rules()) {
    names += (names.empty() ? "" : ", ") + std::string(rules->name());
  }
  return names;
}

const PlatformDefaults& platform_defaults(PlatformKind kind) {
  return platform_rules(kind).defaults();
}

std::string_view to_string(PlatformKind kind) {
  return platform_rules(kind).name();
}

std::optional<PlatformKind> parse_platform(std::string_view s) {
  for (const PlatformRules* rules : all_platform_rules()) {
    if (rules->name() == s) return rules->kind();
  }
  return std::nullopt;
}

std::string PlatformRules::default_host(const CloudOptions&) const {
  return std::string(defaults().host);
}

std::optional<RuleProblem> PlatformRules::check_cloud(const CloudOptions&) const {
  return std::nullopt;
}

std::optional<RuleProblem> require_key(const std::string& value, std::string_view key,
                                       std::string_view why) {
  if (!value.empty()) return std::nullopt;
  return RuleProblem{std::string(key), std::string(key) + " is required " + std::string(why)};
}

}  // namespace edgegw::northbound
