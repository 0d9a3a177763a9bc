// The HTTP endpoint's decisions without a network: which path and method get what, and the
// directory probe behind /healthz (daemon/metrics_http.hpp, daemon/health_check.hpp).
#include "daemon/metrics_http.hpp"

#include <gtest/gtest.h>

#include "daemon/health_check.hpp"
#include "support/temp_dir.hpp"

namespace edgegw::daemon {
namespace {

using namespace std::chrono_literals;

HttpReply get(std::string_view method, std::string_view path, Health health = {}) {
  return answer_http(
      method, path, [] { return std::string("edgegw_reloads_total 0\n"); }, [&] { return health; });
}

TEST(MetricsHttpAnswer, MetricsInTheExpositionFormat) {
  const HttpReply r = get("GET", "/metrics");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(r.body, "edgegw_reloads_total 0\n");
}

TEST(MetricsHttpAnswer, HealthIs200Or503WithTheReason) {
  EXPECT_EQ(get("GET", "/healthz").status, 200u);
  const HttpReply bad = get("GET", "/healthz", {false, "the outbox cannot commit (disk full)"});
  EXPECT_EQ(bad.status, 503u);
  EXPECT_EQ(bad.body, "the outbox cannot commit (disk full)\n");
}

TEST(MetricsHttpAnswer, OnlyGetAndOnlyTwoPaths) {
  for (const char* method : {"POST", "PUT", "DELETE", "HEAD", "OPTIONS"}) {
    EXPECT_EQ(get(method, "/metrics").status, 405u) << method;
    EXPECT_EQ(get(method, "/healthz").status, 405u) << method;
  }
  for (const char* path : {"/", "/metrics/", "/Metrics", "/healthz/x", "/../metrics"}) {
    EXPECT_EQ(get("GET", path).status, 404u) << path;
  }
}

TEST(DirectoryProbe, CreatesNothingThatStays) {
  test::TempDir dir;
  DirectoryProbe probe(dir.path());
  EXPECT_FALSE(probe.check(std::chrono::steady_clock::now()));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(DirectoryProbe, SaysWhyAndProbesAtMostOncePerSecond) {
  test::TempDir dir;
  const auto gone = dir / "state";
  std::filesystem::create_directories(gone);
  DirectoryProbe probe(gone);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(probe.check(t0));
  std::filesystem::remove(gone);
  EXPECT_FALSE(probe.check(t0 + 500ms));  // the last result, not a new probe
  const auto why = probe.check(t0 + 1s);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("cannot create files in " + gone.string()), std::string::npos) << *why;
  EXPECT_NE(why->find("No such file or directory"), std::string::npos) << *why;
}

}  // namespace
}  // namespace edgegw::daemon
