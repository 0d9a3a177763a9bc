// The cloud emulator's mosquitto plugin (plugin API 5, mosquitto 2.0.11): it makes a stock broker
// judge CONNECTs, topics and PSK identities the way Alibaba, Tencent, Huawei and a plain MQTT cloud
// do. All the rules live in the pure check functions (connect_checks.hpp and friends); this file
// only gathers what mosquitto knows about a client and applies the verdict.
//
// mosquitto.conf (per_listener_settings true; one plugin instance per listener):
//   plugin /path/libedgegw_cloud_plugin.so
//   plugin_opt_registry /path/devices.json
//   plugin_opt_listener plain | tls | mtls | psk
//   plugin_opt_state /path/activations.txt      (optional: Aliyun activations survive restarts)
//   plugin_opt_topology /path/topology.txt      (optional: Aliyun gateways' topologies survive
//                                                restarts, as the platform keeps them)
//
// CONNACK codes: a plugin's basic-auth answer maps only to CONNACK 5 (MOSQ_ERR_AUTH) or to a
// dropped connection in 2.0.11. For 2 and 4 the plugin sends the CONNACK itself through the
// broker's exported `send__connack` and then fails the connect without a second CONNACK.
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>
#include <openssl/x509.h>

#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "cloud/aliyun_topology.hpp"
#include "cloud/connect_checks.hpp"
#include "cloud/event_checks.hpp"
#include "cloud/huawei_topology.hpp"
#include "cloud/registry.hpp"
#include "cloud/tencent_checks.hpp"
#include "cloud/tencent_topology.hpp"
#include "cloud/topic_access.hpp"

// Not in the public headers, but exported by the broker binary (nm -D /usr/sbin/mosquitto). Weak:
// should a broker lack it, refusals fall back to CONNACK 5.
extern "C" __attribute__((weak)) int send__connack(struct mosquitto* context, uint8_t ack,
                                                   uint8_t reason_code,
                                                   const mosquitto_property* properties);

namespace edgegw::cloud {
namespace {

struct Session {
  Identity identity;
  std::string client_id;
};

// Shared by the plugin's instances (one per listener; dlopen gives them one copy of this library).
struct EmulatorState {
  Registry registry;
  std::set<std::string> activated;
  std::string state_file;
  std::string topology_file;  // "pk/dn gateway-identity-name" per line
  std::unordered_map<const mosquitto*, Session> sessions;
  std::unordered_map<std::string, std::vector<const mosquitto*>>
      logins;  // identity name -> clients
  std::unordered_map<const mosquitto*, std::string> psk_identities;
  // Alibaba gateways: identity name -> its sub-device topology and who is online through it.
  std::unordered_map<std::string, AliyunGatewayState> gateways;
  // Huawei gateways: identity name -> its sub-devices online through its connection.
  std::unordered_map<std::string, HuaweiGatewayState> huawei_gateways;
  // Tencent gateways: identity name -> its bound sub-devices and who is online through it.
  std::unordered_map<std::string, TencentGatewayState> tencent_gateways;
  int instances = 0;
};
EmulatorState* g_state = nullptr;

struct Instance {
  mosquitto_plugin_id_t* id = nullptr;
  Listener listener = Listener::plain;
};

std::string cert_common_name(const mosquitto* client) {
  auto* cert = static_cast<X509*>(mosquitto_client_certificate(client));
  if (!cert) return {};
  char cn[256] = {0};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
  X509_free(cert);
  return cn;
}

void remember_activation(const std::string& key) {
  if (!g_state->activated.insert(key).second || g_state->state_file.empty()) return;
  std::ofstream(g_state->state_file, std::ios::app) << key << "\n";
}

int refuse_connect(mosquitto* client, const Verdict& v) {
  if (v.connack == kNotAuthorized || !send__connack) return MOSQ_ERR_AUTH;
  uint8_t code = static_cast<uint8_t>(v.connack);
  if (mosquitto_client_protocol_version(client) == 5) {
    code = v.connack == kIdentifierRejected ? 0x85 : 0x86;
  }
  send__connack(client, 0, code, nullptr);
  return MOSQ_ERR_UNKNOWN;  // fails the connect without mosquitto's own CONNACK
}

// One credential, one connection (PLATFORMS.md): a new login of a device's identity kicks the
// older one offline, also when its client id differs (mosquitto itself only takes over equal ids).
void kick_other_logins(const mosquitto* client, const Identity& identity,
                       const std::string& client_id) {
  if (identity.platform == Platform::observer) return;
  auto it = g_state->logins.find(identity.name);
  if (it == g_state->logins.end()) return;
  std::vector<std::string> older;
  for (const mosquitto* other : it->second) {
    const Session& session = g_state->sessions.at(other);
    if (other != client && session.client_id != client_id) older.push_back(session.client_id);
  }
  // Kicking fires on_disconnect, which edits the maps: not inside the loop above.
  for (const auto& id : older) {
    mosquitto_log_printf(MOSQ_LOG_NOTICE, "edgegw-cloud: kicked '%s': %s logged in again as '%s'",
                         id.c_str(), identity.name.c_str(), client_id.c_str());
    mosquitto_kick_client_by_clientid(id.c_str(), false);
  }
}

void forget_session(const mosquitto* client) {
  auto it = g_state->sessions.find(client);
  if (it == g_state->sessions.end()) return;
  auto login = g_state->logins.find(it->second.identity.name);
  if (login != g_state->logins.end()) {
    std::erase(login->second, client);
    if (login->second.empty()) g_state->logins.erase(login);
  }
  if (auto gw = g_state->gateways.find(it->second.identity.name); gw != g_state->gateways.end()) {
    gw->second.online.clear();  // its sub-devices go offline with the gateway's connection
  }
  if (auto gw = g_state->huawei_gateways.find(it->second.identity.name);
      gw != g_state->huawei_gateways.end()) {
    gw->second.online.clear();
  }
  if (auto gw = g_state->tencent_gateways.find(it->second.identity.name);
      gw != g_state->tencent_gateways.end()) {
    gw->second.online.clear();
  }
  g_state->sessions.erase(it);
}

int on_basic_auth(int, void* event_data, void* userdata) {
  auto* ev = static_cast<mosquitto_evt_basic_auth*>(event_data);
  auto* self = static_cast<Instance*>(userdata);
  try {
    ConnectRequest req;
    req.listener = self->listener;
    const char* id = mosquitto_client_id(ev->client);
    req.client_id = id ? id : "";
    if (ev->username) req.username = ev->username;
    if (ev->password) req.password = ev->password;
    req.keepalive = mosquitto_client_keepalive(ev->client);
    req.now = std::time(nullptr);
    if (self->listener == Listener::mtls) req.cert_common_name = cert_common_name(ev->client);
    if (self->listener == Listener::psk) {
      auto it = g_state->psk_identities.find(ev->client);
      if (it != g_state->psk_identities.end()) req.psk_identity = it->second;
    }
    Verdict v = check_connect(g_state->registry, g_state->activated, req);
    if (!v.accepted()) {
      mosquitto_log_printf(MOSQ_LOG_NOTICE, "edgegw-cloud: refused '%s' (CONNACK %d): %s",
                           req.client_id.c_str(), v.connack, v.reason.c_str());
      return refuse_connect(ev->client, v);
    }
    mosquitto_log_printf(MOSQ_LOG_NOTICE, "edgegw-cloud: accepted '%s' as %s",
                         req.client_id.c_str(), v.identity.name.c_str());
    if (v.activates) remember_activation(*v.activates);
    if (v.push) {
      // Queued now, sent by the broker's loop right after this CONNECT's CONNACK.
      mosquitto_broker_publish_copy(req.client_id.c_str(), v.push->topic.c_str(),
                                    static_cast<int>(v.push->payload.size()),
                                    v.push->payload.data(), 1, false, nullptr);
    }
    kick_other_logins(ev->client, v.identity, req.client_id);
    forget_session(ev->client);  // a reused context: drop what an earlier connection left
    g_state->logins[v.identity.name].push_back(ev->client);
    g_state->sessions[ev->client] = {std::move(v.identity), req.client_id};
    return MOSQ_ERR_SUCCESS;
  } catch (const std::exception& e) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "edgegw-cloud: %s", e.what());
    return MOSQ_ERR_AUTH;
  }
}

// An event a device publishes must have its platform's shape (event_checks.hpp): a malformed one
// is dropped and logged. A Tencent event_post is answered with event_reply on $thing/down/event,
// as the cloud does.
int check_event_publish(const mosquitto_evt_acl_check* ev, const Session& session) {
  const std::string_view payload(static_cast<const char*>(ev->payload), ev->payloadlen);
  const EventCheck check = check_event(session.identity.platform, ev->topic, payload);
  if (!check.is_event) return MOSQ_ERR_SUCCESS;
  if (!check.problem.empty()) {
    mosquitto_log_printf(MOSQ_LOG_NOTICE, "edgegw-cloud: refused event of %s on '%s': %s",
                         session.identity.name.c_str(), ev->topic, check.problem.c_str());
    return MOSQ_ERR_ACL_DENIED;
  }
  if (session.identity.platform == Platform::tencent) {
    const auto j = nlohmann::json::parse(payload, nullptr, false);
    std::string reply_topic = ev->topic;
    reply_topic.replace(0, std::string_view("$thing/up/").size(), "$thing/down/");
    const std::string reply = nlohmann::json{{"method", "event_reply"},
                                             {"clientToken", j.value("clientToken", "")},
                                             {"code", 0},
                                             {"status", ""},
                                             {"data", nlohmann::json::object()}}
                                  .dump();
    // To its subscribers (the device must subscribe to $thing/down/event, as on the cloud).
    mosquitto_broker_publish_copy(nullptr, reply_topic.c_str(), static_cast<int>(reply.size()),
                                  reply.data(), 1, false, nullptr);
  }
  return MOSQ_ERR_SUCCESS;
}

int on_acl_check(int, void* event_data, void*) {
  auto* ev = static_cast<mosquitto_evt_acl_check*>(event_data);
  if (ev->access == MOSQ_ACL_UNSUBSCRIBE) return MOSQ_ERR_SUCCESS;
  auto it = g_state->sessions.find(ev->client);
  if (it == g_state->sessions.end()) return MOSQ_ERR_ACL_DENIED;
  const Identity& identity = it->second.identity;
  if (topic_allowed(identity, ev->topic)) {
    if (ev->access != MOSQ_ACL_WRITE) return MOSQ_ERR_SUCCESS;
    return check_event_publish(ev, it->second);
  }
  if (ev->access != MOSQ_ACL_READ) {
    mosquitto_log_printf(MOSQ_LOG_NOTICE, "edgegw-cloud: denied %s %s '%s'", identity.name.c_str(),
                         ev->access == MOSQ_ACL_WRITE ? "publish to" : "subscribe to", ev->topic);
  }
  return MOSQ_ERR_ACL_DENIED;
}

// One line per sub-device that went online or offline through a gateway: the tests' record of
// sub-device logins.
void log_sub_devices(const Identity& gateway, const std::vector<std::string>& online,
                     const std::vector<std::string>& offline) {
  for (const auto& key : online) {
    mosquitto_log_printf(MOSQ_LOG_NOTICE, "edgegw-cloud: %s sub-device online %s",
                         gateway.name.c_str(), key.c_str());
  }
  for (const auto& key : offline) {
    mosquitto_log_printf(MOSQ_LOG_NOTICE, "edgegw-cloud: %s sub-device offline %s",
                         gateway.name.c_str(), key.c_str());
  }
}

// A Huawei gateway's sub-device messages (cloud/huawei_topology.hpp): status updates answered on
// its sys/events/down; a batched report that names a sub-device not online through it, or is
// malformed, is logged as refused (the platform would drop it).
void huawei_gateway_message(const mosquitto_evt_message* ev, Session& session) {
  constexpr std::string_view kPrefix = "huawei ";
  const Identity& identity = session.identity;
  auto& state = g_state->huawei_gateways[identity.name];
  auto answer = answer_huawei_topology(
      g_state->registry, identity.name.substr(kPrefix.size()), ev->topic,
      std::string_view(static_cast<const char*>(ev->payload), ev->payloadlen), state);
  if (!answer.handled) return;
  log_sub_devices(identity, answer.now_online, answer.now_offline);
  if (!answer.problem.empty()) {
    mosquitto_log_printf(MOSQ_LOG_NOTICE,
                         "edgegw-cloud: refused sub-device message of %s on '%s': %s",
                         identity.name.c_str(), ev->topic, answer.problem.c_str());
  }
  if (answer.reply_topic.empty()) return;
  mosquitto_log_printf(MOSQ_LOG_NOTICE, "edgegw-cloud: %s %s: %s", identity.name.c_str(), ev->topic,
                       answer.reply_payload.c_str());
  // To its subscribers (the gateway subscribes to its sys/events/down, as on the cloud).
  mosquitto_broker_publish_copy(nullptr, answer.reply_topic.c_str(),
                                static_cast<int>(answer.reply_payload.size()),
                                answer.reply_payload.data(), 1, false, nullptr);
}

// Sends a topology answer to the gateway that asked and logs it.
void send_answer(const Session& session, const char* topic, const TopologyAnswer& answer) {
  mosquitto_log_printf(MOSQ_LOG_NOTICE, "edgegw-cloud: %s %s: %s", session.identity.name.c_str(),
                       topic, answer.reply_payload.c_str());
  mosquitto_broker_publish_copy(session.client_id.c_str(), answer.reply_topic.c_str(),
                                static_cast<int>(answer.reply_payload.size()),
                                answer.reply_payload.data(), 1, false, nullptr);
}

// An Alibaba gateway's topology messages (cloud/aliyun_topology.hpp): answered on the request's
// topic + "_reply"; a sub-device logged in makes its /sys/{pk}/{dn} topics the gateway's own.
void aliyun_topology(Session& session, const mosquitto_evt_message* ev, const std::string& gw_pk,
                     const std::string& gw_dn) {
  auto& state = g_state->gateways[session.identity.name];
  auto answer = answer_aliyun_topology(
      g_state->registry, gw_pk, gw_dn, ev->topic,
      std::string_view(static_cast<const char*>(ev->payload), ev->payloadlen), state, ev->qos);
  if (!answer.handled) return;
  auto& roots = session.identity.topic_roots;
  if (!answer.now_in_topology.empty() && !g_state->topology_file.empty()) {
    std::ofstream out(g_state->topology_file, std::ios::app);
    for (const auto& key : answer.now_in_topology)
      out << key << ' ' << session.identity.name << '\n';
  }
  for (const auto& key : answer.now_online) roots.push_back("/sys/" + key);
  for (const auto& key : answer.now_offline) std::erase(roots, "/sys/" + key);
  log_sub_devices(session.identity, answer.now_online, answer.now_offline);
  send_answer(session, ev->topic, answer);
}

// A Tencent gateway's $gateway/operation messages (cloud/tencent_topology.hpp): answered on
// $gateway/operation/result; a sub-device online makes its topics the gateway's own.
void tencent_topology(Session& session, const mosquitto_evt_message* ev, const std::string& gw_pid,
                      const std::string& gw_dn) {
  auto& state = g_state->tencent_gateways[session.identity.name];
  auto answer = answer_tencent_topology(
      g_state->registry, gw_pid, gw_dn, ev->topic,
      std::string_view(static_cast<const char*>(ev->payload), ev->payloadlen), state,
      std::time(nullptr));
  if (!answer.handled) return;
  auto& roots = session.identity.topic_roots;
  auto sub_roots = [](const std::string& key) {
    const auto slash = key.find('/');
    return tencent_topic_roots(key.substr(0, slash), key.substr(slash + 1));
  };
  for (const auto& key : answer.now_online) {
    for (auto& root : sub_roots(key)) roots.push_back(std::move(root));
  }
  for (const auto& key : answer.now_offline) {
    for (const auto& root : sub_roots(key)) std::erase(roots, root);
  }
  log_sub_devices(session.identity, answer.now_online, answer.now_offline);
  send_answer(session, ev->topic, answer);
}

int on_message(int, void* event_data, void*) {
  auto* ev = static_cast<mosquitto_evt_message*>(event_data);
  auto it = g_state->sessions.find(ev->client);
  if (it == g_state->sessions.end()) return MOSQ_ERR_SUCCESS;
  Session& session = it->second;
  if (session.identity.platform == Platform::huawei) {
    huawei_gateway_message(ev, session);
    return MOSQ_ERR_SUCCESS;
  }
  const auto platform = session.identity.platform;
  if (platform != Platform::aliyun && platform != Platform::tencent) return MOSQ_ERR_SUCCESS;
  // The identity's name is "<platform> <pk or pid>/<dn>".
  const std::string& name = session.identity.name;
  const auto space = name.find(' ');
  const auto slash = name.find('/', space);
  if (space == std::string::npos || slash == std::string::npos) return MOSQ_ERR_SUCCESS;
  const std::string product = name.substr(space + 1, slash - space - 1);
  const std::string device = name.substr(slash + 1);
  if (platform == Platform::aliyun) {
    aliyun_topology(session, ev, product, device);
  } else {
    tencent_topology(session, ev, product, device);
  }
  return MOSQ_ERR_SUCCESS;
}

int on_psk_key(int, void* event_data, void*) {
  auto* ev = static_cast<mosquitto_evt_psk_key*>(event_data);
  try {
    auto key = tencent_psk_hex(g_state->registry, ev->identity);
    if (!key || static_cast<int>(key->size()) >= ev->max_key_len) {
      mosquitto_log_printf(MOSQ_LOG_NOTICE, "edgegw-cloud: no PSK for identity '%s'", ev->identity);
      return MOSQ_ERR_AUTH;
    }
    std::memcpy(ev->key, key->c_str(), key->size() + 1);
    g_state->psk_identities[ev->client] = ev->identity;
    return MOSQ_ERR_SUCCESS;
  } catch (const std::exception& e) {
    return MOSQ_ERR_AUTH;
  }
}

int on_disconnect(int, void* event_data, void*) {
  auto* ev = static_cast<mosquitto_evt_disconnect*>(event_data);
  forget_session(ev->client);
  g_state->psk_identities.erase(ev->client);
  return MOSQ_ERR_SUCCESS;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

int init(mosquitto_plugin_id_t* id, void** userdata, mosquitto_opt* options, int count) {
  std::string registry_path, listener = "plain", state_file, topology_file;
  for (int i = 0; i < count; ++i) {
    std::string key = options[i].key;
    if (key == "registry") registry_path = options[i].value;
    if (key == "listener") listener = options[i].value;
    if (key == "state") state_file = options[i].value;
    if (key == "topology") topology_file = options[i].value;
  }
  auto self = std::make_unique<Instance>();
  self->id = id;
  if (listener == "plain")
    self->listener = Listener::plain;
  else if (listener == "tls")
    self->listener = Listener::tls;
  else if (listener == "mtls")
    self->listener = Listener::mtls;
  else if (listener == "psk")
    self->listener = Listener::psk;
  else
    throw std::runtime_error("plugin_opt_listener must be plain, tls, mtls or psk");
  if (!g_state) {
    if (registry_path.empty()) throw std::runtime_error("plugin_opt_registry is required");
    auto state = std::make_unique<EmulatorState>();
    state->registry = Registry::from_json(read_text(registry_path));
    state->state_file = state_file;
    if (!state_file.empty()) {
      std::ifstream in(state_file);
      for (std::string line; std::getline(in, line);) {
        if (!line.empty()) state->activated.insert(line);
      }
    }
    state->topology_file = topology_file;
    if (!topology_file.empty()) {
      std::ifstream in(topology_file);
      for (std::string key, gateway; in >> key && std::getline(in >> std::ws, gateway);) {
        state->gateways[gateway].topology.insert(key);
      }
    }
    g_state = state.release();
  }
  ++g_state->instances;
  mosquitto_callback_register(id, MOSQ_EVT_BASIC_AUTH, on_basic_auth, nullptr, self.get());
  mosquitto_callback_register(id, MOSQ_EVT_ACL_CHECK, on_acl_check, nullptr, self.get());
  mosquitto_callback_register(id, MOSQ_EVT_PSK_KEY, on_psk_key, nullptr, self.get());
  mosquitto_callback_register(id, MOSQ_EVT_DISCONNECT, on_disconnect, nullptr, self.get());
  mosquitto_callback_register(id, MOSQ_EVT_MESSAGE, on_message, nullptr, self.get());
  mosquitto_log_printf(MOSQ_LOG_NOTICE, "edgegw-cloud: %s listener checks %zu devices",
                       listener.c_str(),
                       g_state->registry.aliyun.size() + g_state->registry.tencent.size() +
                           g_state->registry.huawei.size() + g_state->registry.mqtt.size());
  *userdata = self.release();
  return MOSQ_ERR_SUCCESS;
}

}  // namespace
}  // namespace edgegw::cloud

extern "C" {

int mosquitto_plugin_version(int count, const int* versions) {
  for (int i = 0; i < count; ++i) {
    if (versions[i] == 5) return 5;
  }
  return -1;
}

int mosquitto_plugin_init(mosquitto_plugin_id_t* id, void** userdata, mosquitto_opt* options,
                          int count) {
  try {
    return edgegw::cloud::init(id, userdata, options, count);
  } catch (const std::exception& e) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "edgegw-cloud: %s", e.what());
    return MOSQ_ERR_INVAL;
  }
}

int mosquitto_plugin_cleanup(void* userdata, mosquitto_opt*, int) {
  using namespace edgegw::cloud;
  auto* self = static_cast<Instance*>(userdata);
  if (!self) return MOSQ_ERR_SUCCESS;
  mosquitto_callback_unregister(self->id, MOSQ_EVT_BASIC_AUTH, on_basic_auth, nullptr);
  mosquitto_callback_unregister(self->id, MOSQ_EVT_ACL_CHECK, on_acl_check, nullptr);
  mosquitto_callback_unregister(self->id, MOSQ_EVT_PSK_KEY, on_psk_key, nullptr);
  mosquitto_callback_unregister(self->id, MOSQ_EVT_DISCONNECT, on_disconnect, nullptr);
  mosquitto_callback_unregister(self->id, MOSQ_EVT_MESSAGE, on_message, nullptr);
  delete self;
  if (g_state && --g_state->instances == 0) {
    delete g_state;
    g_state = nullptr;
  }
  return MOSQ_ERR_SUCCESS;
}

}  // extern "C"
