// The journal entries of device lines carry EDGEGW_DEVICE, EDGEGW_PLATFORM and, for Modbus
// devices, EDGEGW_BUS: checked on exactly what the journal sink would hand to sd_journal_sendv().
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>

#include "config/config.hpp"
#include "daemon/device_log_fields.hpp"
#include "daemon/logging.hpp"
#include "fakes/journal_capture.hpp"

namespace edgegw::daemon {
namespace {

using test::JournalCapture;

class JournalFields : public ::testing::Test {
 protected:
  void SetUp() override {
    config::Config config;
    config.cloud.platform = northbound::PlatformKind::huawei;
    config::DeviceConfig meter, room;
    meter.name = "meter-1";
    meter.modbus.emplace();
    meter.modbus->bus = "rs485-1";
    room.name = "room:2";
    room.mqtt.emplace();
    config.devices = {meter, room};
    describe_devices(config);
  }
  void TearDown() override { log::forget_all_devices(); }
  JournalCapture journal_;
};

TEST_F(JournalFields, ADeviceLineCarriesDevicePlatformAndBus) {
  log::device(spdlog::level::warn, "meter-1", "link {}", "down");
  const auto entry = journal_.only_entry();
  EXPECT_EQ(JournalCapture::field(entry, "MESSAGE"), "[meter-1] link down");
  EXPECT_EQ(JournalCapture::field(entry, "PRIORITY"), "4");
  EXPECT_EQ(JournalCapture::field(entry, "SYSLOG_IDENTIFIER"), "edgegw");
  EXPECT_EQ(JournalCapture::field(entry, "EDGEGW_DEVICE"), "meter-1");
  EXPECT_EQ(JournalCapture::field(entry, "EDGEGW_PLATFORM"), "huawei");
  EXPECT_EQ(JournalCapture::field(entry, "EDGEGW_BUS"), "rs485-1");
}

TEST_F(JournalFields, ADeviceOfTheLocalBrokerHasNoBus) {
  log::device(spdlog::level::info, "room:2", "hello");
  const auto entry = journal_.only_entry();
  EXPECT_EQ(JournalCapture::field(entry, "EDGEGW_DEVICE"), "room:2");
  EXPECT_EQ(JournalCapture::field(entry, "EDGEGW_PLATFORM"), "huawei");
  EXPECT_FALSE(JournalCapture::field(entry, "EDGEGW_BUS"));
}

TEST_F(JournalFields, AGatewayLineHasNoDeviceFields) {
  spdlog::info("edgegw running");
  const auto entry = journal_.only_entry();
  EXPECT_FALSE(JournalCapture::field(entry, "EDGEGW_DEVICE"));
  EXPECT_FALSE(JournalCapture::field(entry, "EDGEGW_PLATFORM"));
}

// The device comes from the source, not from the text: a line whose text names a device but that
// the source did not say is about one ("ghost") gets no device fields.
TEST_F(JournalFields, SouthboundLinesAreTaggedWithTheDeviceTheyName) {
  log::source_line(spdlog::level::warn, "meter-1", "rs485-1",
                   "modbus device meter-1 (unit 3) offline: timeout");
  log::source_line(spdlog::level::warn, "room:2", "", "room:2: payload is not JSON");
  log::source_line(spdlog::level::warn, "", "rs485-1", "modbus bus rs485-1: connection refused");
  log::source_line(spdlog::level::warn, "", "", "modbus device ghost: unknown");
  const auto entries = journal_.entries();
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(JournalCapture::field(entries[0], "MESSAGE"),
            "modbus device meter-1 (unit 3) offline: timeout");
  EXPECT_EQ(JournalCapture::field(entries[0], "EDGEGW_DEVICE"), "meter-1");
  EXPECT_EQ(JournalCapture::field(entries[0], "EDGEGW_BUS"), "rs485-1");
  EXPECT_EQ(JournalCapture::field(entries[0], "EDGEGW_PLATFORM"), "huawei");
  EXPECT_EQ(JournalCapture::field(entries[1], "EDGEGW_DEVICE"), "room:2");
  EXPECT_FALSE(JournalCapture::field(entries[2], "EDGEGW_DEVICE"));  // about the bus
  EXPECT_EQ(JournalCapture::field(entries[2], "EDGEGW_BUS"), "rs485-1");
  EXPECT_FALSE(JournalCapture::field(entries[3], "EDGEGW_DEVICE"));  // not a known device
}

TEST_F(JournalFields, AReloadReplacesTheDirectory) {
  config::Config config;
  config.cloud.platform = northbound::PlatformKind::mqtt;
  config::DeviceConfig meter;
  meter.name = "meter-1";
  meter.mqtt.emplace();
  config.devices = {meter};
  describe_devices(config);
  log::device(spdlog::level::info, "meter-1", "moved");
  log::device(spdlog::level::info, "room:2", "removed");
  const auto entries = journal_.entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(JournalCapture::field(entries[0], "EDGEGW_PLATFORM"), "mqtt");
  EXPECT_FALSE(JournalCapture::field(entries[0], "EDGEGW_BUS"));
  EXPECT_EQ(JournalCapture::field(entries[1], "EDGEGW_DEVICE"), "room:2");
  EXPECT_FALSE(JournalCapture::field(entries[1], "EDGEGW_PLATFORM"));
}

TEST_F(JournalFields, ALineWithExplicitFieldsNeedsNoDirectoryEntry) {
  log::device(spdlog::level::info, log::DeviceLogContext{"gone-1", "aliyun", "rs485-9"}, "removed");
  const auto entry = journal_.only_entry();
  EXPECT_EQ(JournalCapture::field(entry, "MESSAGE"), "[gone-1] removed");
  EXPECT_EQ(JournalCapture::field(entry, "EDGEGW_DEVICE"), "gone-1");
  EXPECT_EQ(JournalCapture::field(entry, "EDGEGW_PLATFORM"), "aliyun");
  EXPECT_EQ(JournalCapture::field(entry, "EDGEGW_BUS"), "rs485-9");
}

TEST_F(JournalFields, LinesBelowTheLevelAreNotWritten) {
  spdlog::set_level(spdlog::level::warn);
  log::device(spdlog::level::info, "meter-1", "quiet");
  log::source_line(spdlog::level::debug, "meter-1", "rs485-1", "modbus device meter-1: detail");
  EXPECT_TRUE(journal_.entries().empty());
}

}  // namespace
}  // namespace edgegw::daemon
