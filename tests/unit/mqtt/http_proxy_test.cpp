// HTTP CONNECT proxy pieces: the proxy URL and no_proxy forms the configuration accepts, the
// request with basic authentication, the strict bounded parse of the proxy's answer, and the words
// a user reads when the proxy refuses.
#include "mqtt/http_proxy.hpp"

#include <gtest/gtest.h>

#include <string>

#include "mqtt/http_head.hpp"

namespace edgegw::mqtt {
namespace {

TEST(ProxyUrl, ParsesHostPortAndCredentials) {
  std::string error;
  auto p = parse_proxy_url("http://proxy.corp:3128", &error);
  ASSERT_TRUE(p) << error;
  EXPECT_EQ(p->host, "proxy.corp");
  EXPECT_EQ(p->port, 3128);
  EXPECT_EQ(p->username, "");
  auto a = parse_proxy_url("http://gw%40site:p%3Ass@10.0.0.1:8080/", &error);
  ASSERT_TRUE(a) << error;
  EXPECT_EQ(a->username, "gw@site");
  EXPECT_EQ(a->password, "p:ss");
  auto v6 = parse_proxy_url("http://[fd00::1]:3128", &error);
  ASSERT_TRUE(v6) << error;
  EXPECT_EQ(v6->host, "fd00::1");
}

TEST(ProxyUrl, RefusesWhatItCannotUse) {
  std::string error;
  for (const char* bad :
       {"proxy:3128", "https://proxy:3128", "http://proxy", "http://proxy:0", "http://proxy:70000",
        "http://:3128", "http://proxy:3128/path", "http://u:%zz@proxy:1", "http://[::1:3128"}) {
    EXPECT_FALSE(parse_proxy_url(bad, &error)) << bad;
    EXPECT_NE(error, "") << bad;
  }
}

TEST(NoProxy, MatchesExactNamesDomainsAndStar) {
  const std::string list = "localhost, .corp.example ,10.1.2.3,iot.Example.net";
  EXPECT_TRUE(bypasses_proxy("localhost", list));
  EXPECT_TRUE(bypasses_proxy("broker.corp.example", list));
  EXPECT_TRUE(bypasses_proxy("corp.example", list));
  EXPECT_TRUE(bypasses_proxy("10.1.2.3", list));
  EXPECT_TRUE(bypasses_proxy("a.IOT.example.net", list));
  EXPECT_FALSE(bypasses_proxy("notcorp.example", list));
  EXPECT_FALSE(bypasses_proxy("10.1.2.30", list));
  EXPECT_FALSE(bypasses_proxy("iot.aliyuncs.com", list));
  EXPECT_FALSE(bypasses_proxy("anything", ""));
  EXPECT_TRUE(bypasses_proxy("anything", "*"));
}

TEST(ConnectRequest, CarriesTheTargetAndBasicAuth) {
  ProxyOptions p{"proxy", 3128, "Aladdin", "open sesame"};
  EXPECT_EQ(connect_request(p, "broker.example", 8883),
            "CONNECT broker.example:8883 HTTP/1.1\r\nHost: broker.example:8883\r\n"
            "Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n");
  p.username.clear();
  EXPECT_EQ(connect_request(p, "::1", 443),
            "CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n");
}

TEST(HttpHead, ParsesInPiecesAndReportsWhereTheHeadEnds) {
  const std::string answer =
      "HTTP/1.0 200 Connection established\r\nProxy-agent: tinyproxy/1.11\r\n\r\n";
  for (std::size_t n = 0; n < answer.size(); ++n) {
    EXPECT_EQ(parse_http_head(answer.substr(0, n), 8192).state, HeadParse::State::need_more);
  }
  auto done = parse_http_head(answer + "\x16\x03", 8192);
  ASSERT_EQ(done.state, HeadParse::State::done);
  EXPECT_EQ(done.consumed, answer.size());
  EXPECT_EQ(done.head.status, 200);
  EXPECT_EQ(done.head.reason, "Connection established");
  EXPECT_EQ(done.head.field("proxy-agent"), "tinyproxy/1.11");
}

TEST(HttpHead, IsBoundedAndStrict) {
  EXPECT_EQ(parse_http_head(std::string(9000, 'a'), 8192).state, HeadParse::State::error);
  EXPECT_EQ(
      parse_http_head("HTTP/1.1 200 OK\r\nX: " + std::string(9000, 'a') + "\r\n\r\n", 8192).state,
      HeadParse::State::error);
  for (const char* bad :
       {"SSH-2.0-OpenSSH\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
        "HTTP/1.1 200 OK\r\n: v\r\n\r\n", "HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 099 Low\r\n\r\n"}) {
    EXPECT_EQ(parse_http_head(bad, 8192).state, HeadParse::State::error) << bad;
  }
}

TEST(ConnectResponse, ExplainsRefusals) {
  ProxyOptions anonymous{"proxy", 3128, "", ""};
  ProxyOptions user{"proxy", 3128, "u", "p"};
  auto head = [](const char* text) { return parse_http_head(text, 8192).head; };
  EXPECT_EQ(check_connect_response(head("HTTP/1.1 200 OK\r\n\r\n"), anonymous), std::nullopt);
  auto forbidden = check_connect_response(head("HTTP/1.0 403 Access violation\r\n\r\n"), anonymous);
  ASSERT_TRUE(forbidden);
  EXPECT_NE(forbidden->find("proxy proxy:3128 refused the tunnel: 403 Access violation"),
            std::string::npos);
  auto wants_user =
      check_connect_response(head("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n"), anonymous);
  ASSERT_TRUE(wants_user);
  EXPECT_NE(wants_user->find("wants a user"), std::string::npos);
  auto bad_user =
      check_connect_response(head("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n"), user);
  ASSERT_TRUE(bad_user);
  EXPECT_NE(bad_user->find("did not accept"), std::string::npos);
}

}  // namespace
}  // namespace edgegw::mqtt
