#include "cloud/sample_registry.hpp"

namespace edgegw::test {

Registry sample_registry() {
  Registry r;
  r.add(AliyunDevice{.product_key = "a1Prod", .device_name = "meter-1", .device_secret = "s3cret"});
  r.add(TencentDevice{.product_id = "TCPROD0001", .device_name = "dev1", .psk = kSamplePskBase64});
  r.add(HuaweiDevice{.device_id = "hwprod_node-1", .secret = "hw-secret-1"});
  r.add(MqttDevice{.device = "meter-9", .username = "u9", .password = "p9"});
  r.add(MqttDevice{.device = "cert-dev", .auth = {"cert"}});
  return r;
}

}  // namespace edgegw::test
