// Fuzzes every platform's downlink decoder with what a cloud (or anyone who can publish to the
// device's topics) might send, and the replies built from what was decoded.
//
// Input: byte 0 picks the platform; byte 1 < 0x80 picks one of that platform's real downlink topics
// (so mutations spend their effort on payloads), otherwise the topic is read from the input up to
// the first '\n'. The rest is the payload. Every reply produced must be valid JSON on a topic
// without wildcards.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "northbound/platform.hpp"

namespace {

using namespace edgegw::northbound;

struct Target {
  std::unique_ptr<Platform> platform;
  DeviceIdentity id;
  std::vector<std::string> topics;
};

std::vector<Target> make_targets() {
  std::vector<Target> targets;
  auto add = [&](PlatformKind kind, DeviceIdentity id, std::vector<std::string> topics) {
    CloudOptions cloud;
    cloud.platform = kind;
    targets.push_back({make_platform(cloud, "/nonexistent"), std::move(id), std::move(topics)});
  };
  DeviceIdentity aliyun;
  aliyun.device = "meter-1";
  aliyun.product_key = "pk";
  aliyun.device_name = "meter-1";
  add(PlatformKind::aliyun, aliyun,
      {"/sys/pk/meter-1/thing/service/property/set", "/sys/pk/meter-1/thing/service/reboot",
       "/sys/pk/meter-1/thing/event/property/post_reply", "/ext/register", "/ext/regnwl"});
  DeviceIdentity tencent;
  tencent.device = "meter-1";
  tencent.product_id = "PID";
  tencent.device_name = "meter-1";
  add(PlatformKind::tencent, tencent, {"PID/meter-1/control"});
  DeviceIdentity huawei;
  huawei.device = "meter-1";
  huawei.device_id = "dev";
  add(PlatformKind::huawei, huawei,
      {"$oc/devices/dev/sys/properties/set/request_id=1",
       "$oc/devices/dev/sys/properties/get/request_id=2",
       "$oc/devices/dev/sys/commands/request_id=3"});
  DeviceIdentity mqtt;
  mqtt.device = "meter-1";
  add(PlatformKind::mqtt, mqtt, {"devices/meter-1/commands"});
  return targets;
}

void check_reply(const std::optional<Publication>& reply) {
  if (!reply) return;
  if (reply->topic.find_first_of("+#") != std::string::npos) std::abort();
  if (!nlohmann::json::accept(reply->payload)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<Target> targets = make_targets();
  if (size < 2) return 0;
  const Target& t = targets[data[0] % targets.size()];
  std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  std::string topic;
  if (data[1] < 0x80) {
    topic = t.topics[data[1] % t.topics.size()];
  } else {
    auto nl = rest.find('\n');
    topic = std::string(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  }
  DownlinkResult d = t.platform->decode_downlink(t.id, topic, rest);
  int set =
      d.command.has_value() + d.ack.has_value() + d.registration.has_value() + d.error.has_value();
  if (set != 1) std::abort();
  if (d.error) check_reply(d.error->reply);
  if (d.command) {
    // Answer with what was asked for, as a device would echo read values back.
    check_reply(t.platform->encode_reply(t.id, *d.command, {true, 0, "", d.command->values}));
    check_reply(t.platform->encode_reply(t.id, *d.command, {false, 1, std::string(rest), {}}));
  }
  return 0;
}
