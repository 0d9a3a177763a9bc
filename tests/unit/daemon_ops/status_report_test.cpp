#include "daemon/status_report.hpp"

#include <gtest/gtest.h>

#include "sample_report.hpp"

namespace edgegw::daemon {
namespace {

TEST(StatusReport, JsonRoundTripsEveryField) {
  const StatusReport r = sample_report(4242, 1'700'000'000'000);
  std::string error;
  const auto back = status_from_json(to_json(r), &error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(*back, r);
}

TEST(StatusReport, JsonEscapesWhatDevicesAndErrorsMayHold) {
  StatusReport r = sample_report(1, 2);
  r.devices[1].last_error = "line\nbreak \"quoted\" back\\slash tab\t bell\x07 caf\xc3\xa9";
  r.config_file = "/etc/edgegw/\x01odd.toml";
  const auto back = status_from_json(to_json(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->devices[1].last_error, r.devices[1].last_error);
  EXPECT_EQ(back->config_file, r.config_file);
}

TEST(StatusReport, TheGatewayEntryRoundTripsAndIsNullWithoutOne) {
  StatusReport r = sample_report(1, 2);
  EXPECT_NE(to_json(r).find("\"gateway\": null"), std::string::npos) << to_json(r);
  GatewayReport g;
  g.name = "edge-gw";
  g.platform = "aliyun";
  g.mode = "gateway";
  g.state = "backoff";
  g.retry_at_ms = 1'700'000'001'000;
  g.backlog = 3;
  g.connect_attempts = 7;
  g.last_error = "connection refused \"x\"";
  g.sub_devices = 12;
  g.sub_devices_online = 0;
  r.gateway = g;
  const auto back = status_from_json(to_json(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
}

TEST(StatusReport, EmptyListsAndAbsentValuesRoundTrip) {
  StatusReport r;
  r.pid = 3;
  r.written_at_ms = 4;
  const auto back = status_from_json(to_json(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
}

TEST(StatusReport, JsonUsesTheDocumentedNames) {
  const std::string json = to_json(sample_report(1, 2));
  for (const char* key : {"\"pid\"",
                          "\"written_at_ms\"",
                          "\"devices\"",
                          "\"backlog\"",
                          "\"connect_attempts\"",
                          "\"source_online\"",
                          "\"removed_devices\"",
                          "\"not_after\"",
                          "\"local_broker\"",
                          "\"poll_errors\"",
                          "\"poll_exceptions\"",
                          "\"last_poll_error\"",
                          "\"last_poll_error_ms\"",
                          "\"store\"",
                          "\"lost_on_open\"",
                          "\"loss_unchecked\"",
                          "\"quarantined\"",
                          "\"dropped_for_space\"",
                          "\"dropped_queued\"",
                          "\"reserve_released\"",
                          "\"size_limit_bytes\"",
                          "\"started_on_full_disk\""}) {
    EXPECT_NE(json.find(key), std::string::npos) << key;
  }
}

TEST(StatusReport, TheStoreFieldsRoundTripAndAreValidJson) {
  StatusReport r = sample_report(1, 2);
  r.store.loss_unchecked = "no high-water mark file";
  const auto back = status_from_json(to_json(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->store, r.store);
  EXPECT_EQ(back->store.lost_on_open, 42u);
}

TEST(StatusReport, SameStateIgnoresOnlyTheWriteTime) {
  const StatusReport a = sample_report(1, 1000);
  StatusReport b = a;
  b.written_at_ms = 9000;
  EXPECT_TRUE(a.same_state(b));
  b.devices[0].backlog++;
  EXPECT_FALSE(a.same_state(b));
}

TEST(StatusReport, RefusesWhatIsNotAReport) {
  std::string error;
  EXPECT_FALSE(status_from_json("{\"hello\": 1}", &error));
  EXPECT_FALSE(error.empty());
  EXPECT_FALSE(status_from_json("not json", &error));
  EXPECT_FALSE(status_from_json("", &error));
}

}  // namespace
}  // namespace edgegw::daemon
