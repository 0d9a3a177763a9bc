#include "northbound/aliyun_signing.hpp"

namespace edgegw::northbound {
namespace {

std::string username(std::string_view product_key, std::string_view device_name) {
  return std::string(device_name) + "&" + std::string(product_key);
}

}  // namespace

MqttLogin aliyun_secret_login(std::string_view client_id, std::string_view product_key,
                              std::string_view device_name, std::string_view device_secret,
                              SignMethod method, std::optional<std::int64_t> timestamp_ms,
                              bool tls) {
  std::string ts = timestamp_ms ? std::to_string(*timestamp_ms) : std::string();
  MqttLogin login;
  login.client_id = std::string(client_id) + "|securemode=" + (tls ? "2" : "3") +
                    ",signmethod=" + std::string(to_string(method));
  if (timestamp_ms) login.client_id += ",timestamp=" + ts;
  login.client_id += "|";
  login.username = username(product_key, device_name);
  // The parameter names in alphabetical order: clientId, deviceName, productKey, timestamp.
  std::string content = "clientId" + std::string(client_id) + "deviceName" +
                        std::string(device_name) + "productKey" + std::string(product_key);
  if (timestamp_ms) content += "timestamp" + ts;
  login.password = hmac_hex(method, device_secret, content, kAliyunHexCase);
  return login;
}

MqttLogin aliyun_token_login(std::string_view client_id, std::string_view product_key,
                             std::string_view device_name, std::string_view device_token) {
  return {std::string(client_id) + "|securemode=-2,authType=connwl|",
          username(product_key, device_name), std::string(device_token)};
}

MqttLogin aliyun_registration_login(std::string_view client_id, std::string_view product_key,
                                    std::string_view device_name, std::string_view product_secret,
                                    SignMethod method, std::string_view random,
                                    bool without_preregistration, int securemode,
                                    std::string_view instance_id) {
  MqttLogin login;
  login.client_id = std::string(client_id) + "|securemode=" + std::to_string(securemode) +
                    ",authType=" + (without_preregistration ? "regnwl" : "register") +
                    ",random=" + std::string(random) +
                    ",signmethod=" + std::string(to_string(method));
  if (!instance_id.empty()) login.client_id += ",instanceId=" + std::string(instance_id);
  login.client_id += "|";
  login.username = username(product_key, device_name);
  std::string content = "deviceName" + std::string(device_name) + "productKey" +
                        std::string(product_key) + "random" + std::string(random);
  login.password = hmac_hex(method, product_secret, content, kAliyunHexCase);
  return login;
}

}  // namespace edgegw::northbound
