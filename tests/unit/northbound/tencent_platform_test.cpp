// Tencent Cloud IoT Hub: the sample code's signing algorithm (goldens computed once with python's
// hmac and openssl), TLS-PSK, certificates, and the event/control payloads.
#include "northbound/tencent_platform.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "identities.hpp"

namespace edgegw::northbound {
namespace {

using namespace testing;

CloudOptions plain_tcp() {
  auto cloud = cloud_for(PlatformKind::tencent);
  cloud.tls = false;
  cloud.allow_plaintext = true;
  cloud.port = 1883;
  return cloud;
}

DeviceIdentity password_device() {
  auto id = tencent_device();
  id.auth = AuthMode::password;
  return id;
}

TEST(TencentPlatform, PasswordAuthFollowsTheSampleCode) {
  auto p = make_platform(plain_tcp(), "/x")->connect_params(password_device(), kNow, "aB3x9");
  EXPECT_EQ(p.host, "ABCDEF1234.iotcloud.tencentdevices.com");
  EXPECT_EQ(p.port, 1883);
  EXPECT_FALSE(p.tls);
  EXPECT_EQ(p.client_id, "ABCDEF1234meter-1");
  // expiry = now + token_lifetime (1 h)
  EXPECT_EQ(p.username, "ABCDEF1234meter-1;12010126;aB3x9;1700003600");
  EXPECT_EQ(p.password,
            "22bb02df7e369f2800af2a0206ad19bc0bc5e24c64748c02a14e2344b5cea414;hmacsha256");
  EXPECT_EQ(p.keepalive, std::chrono::seconds(240));
  EXPECT_TRUE(p.psk_key.empty());
  EXPECT_EQ(p.problem, "");
}

TEST(TencentPlatform, Sha1AndTheSdksAppId) {
  auto cloud = plain_tcp();
  cloud.tencent.sign_method = SignMethod::hmacsha1;
  auto p = make_platform(cloud, "/x")->connect_params(password_device(), kNow, "aB3x9");
  EXPECT_EQ(p.password, "83111114df9b57a2ef1c26f294d7eb814666f763;hmacsha1");
  cloud.tencent.sdkappid = "21010406";
  cloud.tencent.token_lifetime = std::chrono::seconds(600);
  p = make_platform(cloud, "/x")->connect_params(password_device(), kNow, "aB3x9");
  EXPECT_EQ(p.username, "ABCDEF1234meter-1;21010406;aB3x9;1700000600");
}

TEST(TencentPlatform, PasswordOverTlsIsAProblem) {
  auto p = make_platform(cloud_for(PlatformKind::tencent), "/x")
               ->connect_params(password_device(), kNow, "aB3x9");
  EXPECT_NE(p.problem.find("auth = \"psk\""), std::string::npos) << p.problem;
}

TEST(TencentPlatform, PskIsTheIdentityAndDecodedKeyWithoutPassword) {
  auto p = make_platform(cloud_for(PlatformKind::tencent), "/x")
               ->connect_params(tencent_device(), kNow, "aB3x9");
  EXPECT_TRUE(p.tls);
  EXPECT_EQ(p.port, 8883);
  EXPECT_EQ(p.psk_identity, "ABCDEF1234meter-1");
  EXPECT_EQ(p.psk_key, "1234567890abcdef");
  EXPECT_EQ(p.password, "");
  EXPECT_EQ(p.username, "ABCDEF1234meter-1;12010126;aB3x9;1700003600");
  // The default auth value means psk over TLS.
  auto id = tencent_device();
  id.auth = AuthMode::secret;
  EXPECT_EQ(
      make_platform(cloud_for(PlatformKind::tencent), "/x")->connect_params(id, kNow, "aB3x9"), p);
}

TEST(TencentPlatform, CertAuthCarriesTheCertificate) {
  auto id = test::with_client_cert(tencent_device(),
                                   {"/etc/edgegw/meter-1.crt", "/etc/edgegw/meter-1.key"});
  auto p = make_platform(cloud_for(PlatformKind::tencent), "/x")->connect_params(id, kNow, "aB3x9");
  EXPECT_EQ(p.cert_file, id.cert_file);
  EXPECT_EQ(p.key_file, id.key_file);
  EXPECT_EQ(p.password, "");
  EXPECT_EQ(p.psk_key, "");
}

TEST(TencentPlatform, RandomConnidWhenNoneGiven) {
  auto p = make_platform(plain_tcp(), "/x")->connect_params(password_device(), kNow, "");
  auto parts = p.username.substr(p.username.find(';') + 1);
  auto connid = parts.substr(parts.find(';') + 1, 5);
  EXPECT_EQ(connid.size(), 5u);
  for (char c : connid) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << connid;
  auto a = random_connid();
  EXPECT_EQ(a.size(), 5u);
  bool differs = false;
  for (int i = 0; i < 10 && !differs; ++i) differs = random_connid() != a;
  EXPECT_TRUE(differs);
}

class TencentPayloads : public ::testing::Test {
 protected:
  DeviceIdentity id_ = tencent_device();
  std::unique_ptr<Platform> platform_ = make_platform(cloud_for(PlatformKind::tencent), "/x");
};

TEST_F(TencentPayloads, SubscribesToControlAndDataTemplateActions) {
  EXPECT_EQ(platform_->subscriptions(id_),
            (std::vector<std::string>{"ABCDEF1234/meter-1/control",
                                      "$thing/down/action/ABCDEF1234/meter-1",
                                      "$thing/down/event/ABCDEF1234/meter-1"}));
}

TEST_F(TencentPayloads, ReportOnTheEventTopic) {
  auto u = platform_->encode_uplink(id_, meter_record());
  ASSERT_TRUE(u.ok());
  ASSERT_EQ(u.publications.size(), 1u);
  EXPECT_EQ(u.publications[0].topic, "ABCDEF1234/meter-1/event");
  EXPECT_EQ(u.publications[0].payload,
            R"({"method":"report","clientToken":"17","timestamp":1700000000123,"params":{)"
            R"("voltage":230.5,"current":10.0,"count":42,"on":true,"state":"ok"}})");
}

TEST_F(TencentPayloads, SixteenKilobyteLimit) {
  store::Record r = meter_record();
  r.fields = {
      {"a", std::string(6000, 'a')}, {"b", std::string(6000, 'b')}, {"c", std::string(6000, 'c')}};
  auto u = platform_->encode_uplink(id_, r);
  ASSERT_TRUE(u.ok());
  ASSERT_EQ(u.publications.size(), 2u);
  for (const auto& p : u.publications) EXPECT_LE(p.payload.size(), kTencentMaxPayload);
  r.fields = {{"a", std::string(16 * 1024, 'a')}};
  u = platform_->encode_uplink(id_, r);
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error->problem, UplinkProblem::too_large);
}

TEST_F(TencentPayloads, ControlAndItsReply) {
  auto d = platform_->decode_downlink(
      id_, "ABCDEF1234/meter-1/control",
      R"({"method":"control","clientToken":"clt-1","params":{"power":1,"level":2.5}})");
  ASSERT_TRUE(d.command);
  EXPECT_EQ(d.command->kind, Command::Kind::set_points);
  EXPECT_EQ(d.command->request_id, "clt-1");
  EXPECT_EQ(d.command->values,
            (std::vector<store::Field>{{"power", std::int64_t{1}}, {"level", 2.5}}));
  auto reply = platform_->encode_reply(id_, *d.command, {true, 0, "", {}});
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->topic, "ABCDEF1234/meter-1/event");
  EXPECT_EQ(reply->payload,
            R"({"method":"control_reply","clientToken":"clt-1","code":0,"status":"success"})");
}

TEST_F(TencentPayloads, ActionAndItsReply) {
  auto d = platform_->decode_downlink(
      id_, "ABCDEF1234/meter-1/control",
      R"({"method":"action","clientToken":"c2","actionId":"reset","params":{"hard":false}})");
  ASSERT_TRUE(d.command);
  EXPECT_EQ(d.command->kind, Command::Kind::run_command);
  EXPECT_EQ(d.command->name, "reset");
  auto reply = platform_->encode_reply(id_, *d.command, {false, 2, "timeout", {}});
  EXPECT_EQ(
      reply->payload,
      R"({"method":"action_reply","clientToken":"c2","code":2,"status":"timeout","response":{}})");
}

TEST_F(TencentPayloads, ABareObjectSetsPointsWithoutReply) {
  auto d = platform_->decode_downlink(id_, "ABCDEF1234/meter-1/control", R"({"power":0})");
  ASSERT_TRUE(d.command);
  EXPECT_EQ(d.command->values, (std::vector<store::Field>{{"power", std::int64_t{0}}}));
  EXPECT_FALSE(platform_->encode_reply(id_, *d.command, {true, 0, "", {}}));
}

TEST_F(TencentPayloads, MalformedControlIsRefused) {
  auto d = platform_->decode_downlink(id_, "ABCDEF1234/meter-1/control",
                                      R"({"method":"control","clientToken":"c3","params":7})");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error->problem, DownlinkProblem::malformed);
  ASSERT_TRUE(d.error->reply);
  EXPECT_EQ(nlohmann::json::parse(d.error->reply->payload)["code"], 1);

  auto odd = platform_->decode_downlink(id_, "ABCDEF1234/meter-1/control",
                                        R"({"method":"reboot_now","clientToken":"c4"})");
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.error->problem, DownlinkProblem::unsupported);

  auto junk = platform_->decode_downlink(id_, "ABCDEF1234/meter-1/control", "]]");
  ASSERT_FALSE(junk.ok());
  EXPECT_FALSE(junk.error->reply);
  EXPECT_EQ(platform_->decode_downlink(id_, "ABCDEF1234/other/control", "{}").error->problem,
            DownlinkProblem::unknown_topic);
}

TEST_F(TencentPayloads, ConnackFourPointsAtKeyAndClock) {
  auto o = platform_->classify_connack(4);
  EXPECT_EQ(o.verdict, ConnectVerdict::back_off_long);
  EXPECT_NE(o.hint.find("device_psk"), std::string::npos);
}

// OpenSSL's words for the server's alert, as the MQTT engine reports them.
TEST_F(TencentPayloads, TlsAlertsThatRefuseTheDeviceBackOffLongOthersRetry) {
  auto refused = classify_tls_failure(
      "TLS handshake: error:0A0003FC:SSL routines::sslv3 alert bad record mac");
  EXPECT_EQ(refused.verdict, ConnectVerdict::back_off_long);
  EXPECT_NE(refused.hint.find("PSK key"), std::string::npos) << refused.hint;
  auto no_cert =
      classify_tls_failure("error:0A00045C:SSL routines::tlsv13 alert certificate required");
  EXPECT_EQ(no_cert.verdict, ConnectVerdict::back_off_long);
  EXPECT_NE(no_cert.hint.find("client certificate"), std::string::npos) << no_cert.hint;
  EXPECT_EQ(classify_tls_failure("TLS handshake: connection closed by peer").verdict,
            ConnectVerdict::retry_soon);
  EXPECT_EQ(classify_tls_failure("certificate verify failed: certificate has expired").verdict,
            ConnectVerdict::retry_soon);
}

}  // namespace
}  // namespace edgegw::northbound

namespace edgegw::northbound {
namespace {

// The cloud answers each event_post with an event_reply on $thing/down/event: code 0 is fine,
// anything else is the data template refusing the event, which the session logs (an ack not ok).
TEST(TencentPlatform, EventReplyIsDecodedAsTheEventsAck) {
  auto platform = make_platform(cloud_for(PlatformKind::tencent), "/x");
  const std::string topic = "$thing/down/event/ABCDEF1234/meter-1";
  auto r = platform->decode_downlink(
      tencent_device(), topic,
      R"({"method":"event_reply","clientToken":"42","code":0,"status":"","data":{}})");
  ASSERT_TRUE(r.ok()) << r.error->reason;
  ASSERT_TRUE(r.ack.has_value());
  EXPECT_EQ(*r.ack, (UplinkAck{"42", true, 0, ""}));
  r = platform->decode_downlink(
      tencent_device(), topic,
      R"({"method":"event_reply","clientToken":"43","code":406,"status":"eventId not found"})");
  ASSERT_TRUE(r.ack.has_value());
  EXPECT_EQ(*r.ack, (UplinkAck{"43", false, 406, "eventId not found"}));
  EXPECT_FALSE(r.command.has_value());
  r = platform->decode_downlink(tencent_device(), topic, "not json");
  EXPECT_FALSE(r.ok());
}

// The event's type is the one configured for it (event_types), "info" when none is.
TEST(TencentPlatform, EventTypeIsTheConfiguredOne) {
  auto platform = make_platform(cloud_for(PlatformKind::tencent), "/x");
  auto id = tencent_device();
  id.event_types = {{"PowerAlarm", "fault"}};
  store::Record r;
  r.kind = store::RecordKind::event;
  r.device = id.device;
  r.seq = 7;
  r.time_ms = 1;
  r.event = "PowerAlarm";
  r.fields = {{"v", 1.5}};
  auto out = platform->encode_uplink(id, r);
  ASSERT_TRUE(out.ok());
  auto j = nlohmann::json::parse(out.publications.at(0).payload);
  EXPECT_EQ(j["type"], "fault");
  r.event = "Other";
  out = platform->encode_uplink(id, r);
  EXPECT_EQ(nlohmann::json::parse(out.publications.at(0).payload)["type"], "info");
}

}  // namespace
}  // namespace edgegw::northbound
