#include "daemon/metrics_file.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "sample_report.hpp"

namespace edgegw::daemon {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (l == line) return true;
  }
  return false;
}

class Metrics : public ::testing::Test {
 protected:
  const std::string text_ = to_prometheus(sample_report(1, 1'700'000'000'123));
};

TEST_F(Metrics, SessionStateIsALabelledGauge) {
  EXPECT_TRUE(has_line(text_, "# TYPE edgegw_session_state gauge")) << text_;
  EXPECT_TRUE(has_line(
      text_, "edgegw_session_state{device=\"meter-1\",platform=\"mqtt\",state=\"online\"} 1"))
      << text_;
  EXPECT_TRUE(has_line(
      text_,
      "edgegw_session_state{device=\"room \\\"2\\\"\",platform=\"mqtt\",state=\"backoff\"} 1"))
      << text_;
  EXPECT_TRUE(has_line(text_, "edgegw_session_online{device=\"meter-1\",platform=\"mqtt\"} 1"));
}

TEST_F(Metrics, PerDeviceBacklogAndCounters) {
  EXPECT_TRUE(has_line(text_, "# TYPE edgegw_published_total counter")) << text_;
  EXPECT_TRUE(has_line(text_, "edgegw_backlog_records{device=\"meter-1\"} 5")) << text_;
  EXPECT_TRUE(has_line(text_, "edgegw_published_total{device=\"meter-1\"} 100")) << text_;
  EXPECT_TRUE(has_line(text_, "edgegw_acknowledged_total{device=\"meter-1\"} 99")) << text_;
  EXPECT_TRUE(has_line(text_, "edgegw_dropped_total{device=\"meter-1\"} 3")) << text_;
  EXPECT_TRUE(has_line(text_, "edgegw_connect_attempts_total{device=\"room \\\"2\\\"\"} 7"))
      << text_;
  EXPECT_TRUE(has_line(text_, "edgegw_modbus_source_online{device=\"meter-1\",bus=\"rs485-1\"} 0"))
      << text_;
}

TEST_F(Metrics, ModbusPollErrorsPerBus) {
  EXPECT_TRUE(has_line(text_, "edgegw_modbus_poll_errors_total{bus=\"rs485-1\"} 6")) << text_;
  EXPECT_TRUE(has_line(text_, "edgegw_modbus_requests_total{bus=\"rs485-1\"} 50")) << text_;
  EXPECT_TRUE(has_line(text_, "edgegw_modbus_exceptions_total{bus=\"rs485-1\"} 2")) << text_;
}

TEST_F(Metrics, ModbusPollErrorsPerDevice) {
  EXPECT_TRUE(has_line(
      text_, "edgegw_modbus_device_poll_errors_total{device=\"meter-1\",bus=\"rs485-1\"} 6"))
      << text_;
  EXPECT_TRUE(has_line(
      text_, "edgegw_modbus_device_exceptions_total{device=\"meter-1\",bus=\"rs485-1\"} 2"))
      << text_;
  EXPECT_EQ(text_.find("edgegw_modbus_device_poll_errors_total{device=\"room"), std::string::npos)
      << text_;  // not a Modbus device
}

TEST_F(Metrics, CertificateExpiryOfReadableFiles) {
  EXPECT_TRUE(has_line(text_,
                       "edgegw_certificate_expiry_timestamp_seconds{file=\"/etc/edgegw/ca.pem\","
                       "role=\"ca\"} 1900000000"))
      << text_;
  EXPECT_EQ(text_.find("bad.pem"), std::string::npos) << "an unreadable file has no expiry";
}

TEST_F(Metrics, GatewayWideValues) {
  EXPECT_TRUE(has_line(text_, "edgegw_local_broker_online 1")) << text_;
  EXPECT_TRUE(has_line(text_, "edgegw_removed_device_backlog_records{device=\"old-1\"} 10"));
  EXPECT_TRUE(has_line(text_, "edgegw_status_timestamp_seconds 1700000000")) << text_;
  EXPECT_TRUE(has_line(text_, "edgegw_reloads_total 2")) << text_;
  EXPECT_TRUE(has_line(text_, "edgegw_reloads_refused_total 1")) << text_;
}

TEST_F(Metrics, OutboxCountersLossAndLimit) {
  EXPECT_TRUE(has_line(text_, "edgegw_outbox_lost_on_open_records 42")) << text_;
  EXPECT_TRUE(has_line(text_, "edgegw_outbox_loss_unchecked 0")) << text_;
  EXPECT_TRUE(has_line(text_, "edgegw_outbox_quarantined_total 3")) << text_;
  EXPECT_TRUE(has_line(text_, "# TYPE edgegw_outbox_dropped_for_space_total counter")) << text_;
  EXPECT_TRUE(has_line(text_, "edgegw_outbox_dropped_for_space_total 1200")) << text_;
  EXPECT_TRUE(has_line(text_, "# TYPE edgegw_outbox_dropped_queued_total counter")) << text_;
  EXPECT_TRUE(has_line(text_, "edgegw_outbox_dropped_queued_total 640")) << text_;
  EXPECT_TRUE(has_line(text_, "edgegw_outbox_reserve_released_total 1")) << text_;
  EXPECT_TRUE(has_line(text_, "edgegw_outbox_size_limit_bytes 12582912")) << text_;
  EXPECT_TRUE(has_line(text_, "edgegw_outbox_started_on_full_disk 1")) << text_;
}

TEST_F(Metrics, EveryFamilyHasHelpAndTypeOnceAndTheTextEndsInANewline) {
  std::istringstream in(text_);
  std::map<std::string, int> types;
  for (std::string l; std::getline(in, l);) {
    if (l.rfind("# TYPE ", 0) == 0) ++types[l.substr(7, l.find(' ', 7) - 7)];
  }
  for (const auto& [name, count] : types) EXPECT_EQ(count, 1) << name;
  EXPECT_GE(types.size(), 15u);
  EXPECT_EQ(text_.back(), '\n');
}

TEST(GatewayMetrics, TheGatewaySessionIsInTheSameFamiliesWithRoleGateway) {
  StatusReport r = sample_report(1, 2);
  const std::string without = to_prometheus(r);
  EXPECT_EQ(without.find("role=\"gateway\""), std::string::npos) << without;
  GatewayReport g;
  g.name = "edge-gw";
  g.platform = "aliyun";
  g.mode = "gateway";
  g.state = "online";
  g.connect_attempts = 2;
  g.last_error = "keepalive timeout";
  g.sub_devices = 3;
  g.sub_devices_online = 2;
  r.gateway = g;
  const std::string text = to_prometheus(r);
  EXPECT_TRUE(has_line(text,
                       "edgegw_session_state{device=\"edge-gw\",platform=\"aliyun\",state="
                       "\"online\",role=\"gateway\"} 1"))
      << text;
  EXPECT_TRUE(has_line(
      text, "edgegw_session_online{device=\"edge-gw\",platform=\"aliyun\",role=\"gateway\"} 1"));
  EXPECT_TRUE(
      has_line(text, "edgegw_connect_attempts_total{device=\"edge-gw\",role=\"gateway\"} 2"));
  EXPECT_TRUE(has_line(text,
                       "edgegw_gateway_last_error_info{device=\"edge-gw\",role=\"gateway\","
                       "error=\"keepalive timeout\"} 1"));
  EXPECT_TRUE(has_line(text, "edgegw_gateway_sub_devices{device=\"edge-gw\",role=\"gateway\"} 3"));
  EXPECT_TRUE(
      has_line(text, "edgegw_gateway_sub_devices_online{device=\"edge-gw\",role=\"gateway\"} 2"));
  // Not a device: no drop counter of its own.
  EXPECT_EQ(text.find("edgegw_dropped_total{device=\"edge-gw\""), std::string::npos);
}

TEST(PrometheusLabel, Escapes) {
  EXPECT_EQ(prometheus_label("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
}

}  // namespace
}  // namespace edgegw::daemon
