// The fleet's pure parts: health properties from a status report, when a report is due, the
// journal events as event records (rate-limited), and the remote operations against a fake host.
#include <gtest/gtest.h>

#include "daemon/gateway_events.hpp"
#include "daemon/gateway_health.hpp"
#include "daemon/message_ids.hpp"
#include "daemon/remote_operations.hpp"
#include "northbound/result_codes.hpp"

namespace edgegw::daemon {
namespace {

using namespace std::chrono_literals;

std::map<std::string, store::FieldValue> by_name(const std::vector<store::Field>& fields) {
  std::map<std::string, store::FieldValue> out;
  for (const auto& f : fields) out[f.name] = f.value;
  return out;
}

StatusReport sample_report() {
  StatusReport r;
  r.version = "1.2.3";
  r.started_at_ms = 1'000'000;
  r.local_broker = "online";
  r.total_backlog = 42;
  r.store.dropped_for_space = 5;
  DeviceReport a;
  a.name = "a";
  a.state = "online";
  a.dropped = 2;
  DeviceReport b;
  b.name = "b";
  b.state = "auth_failed";
  b.source_online = false;
  r.devices = {a, b};
  r.buses = {{"rs485-1", 100, 3, 1, 50, 1}};
  r.certificates = {{"c.pem", "client", "a", 1'000 + 10 * 86400 + 5, ""}};
  return r;
}

TEST(GatewayHealth, PropertiesComeFromTheStatusReport) {
  HealthExtras extras;
  extras.now_ms = 1'061'000;  // 61 s after the start
  extras.backlog_bytes = 4096;
  extras.oldest_record_ms = 1'001'000;
  extras.disk_free_bytes = 1 << 20;
  auto h = by_name(health_fields(sample_report(), extras));
  EXPECT_EQ(h["version"], store::FieldValue(std::string("1.2.3")));
  EXPECT_EQ(h["uptime_s"], store::FieldValue(std::int64_t{61}));
  EXPECT_EQ(h["devices_online"], store::FieldValue(std::int64_t{1}));
  EXPECT_EQ(h["devices_auth_failed"], store::FieldValue(std::int64_t{1}));
  EXPECT_EQ(h["devices_not_answering"], store::FieldValue(std::int64_t{1}));
  EXPECT_EQ(h["records_dropped"], store::FieldValue(std::int64_t{7}));
  EXPECT_EQ(h["backlog_records"], store::FieldValue(std::int64_t{42}));
  EXPECT_EQ(h["backlog_bytes"], store::FieldValue(std::int64_t{4096}));
  EXPECT_EQ(h["oldest_record_age_s"], store::FieldValue(std::int64_t{60}));
  EXPECT_EQ(h["disk_free_bytes"], store::FieldValue(std::int64_t{1 << 20}));
  EXPECT_EQ(h["modbus_errors"], store::FieldValue(std::int64_t{4}));
  EXPECT_EQ(h["modbus_bus_errors"], store::FieldValue(std::string("rs485-1:4")));
  EXPECT_EQ(h["local_broker"], store::FieldValue(std::string("online")));
  EXPECT_EQ(h["cert_days_left"], store::FieldValue(std::int64_t{9}));  // 9 days and a bit
}

TEST(GatewayHealth, TheSignatureIgnoresCountersThatAlwaysMove) {
  HealthExtras extras;
  extras.now_ms = 2'000'000;
  auto report = sample_report();
  const auto before = health_signature(health_fields(report, extras));
  report.total_backlog = 1000;
  extras.now_ms += 60'000;
  EXPECT_EQ(health_signature(health_fields(report, extras)), before);
  report.devices[1].state = "online";
  EXPECT_NE(health_signature(health_fields(report, extras)), before);
}

TEST(HealthSchedule, EveryIntervalAndOnChangeButNotCloserThanTheMinimumGap) {
  HealthSchedule s(300s, 10s);
  const auto t0 = HealthSchedule::Clock::time_point(1000s);
  EXPECT_TRUE(s.due(t0, "x"));  // the first report at once
  s.sent(t0, "x");
  EXPECT_FALSE(s.due(t0 + 5s, "x"));
  EXPECT_FALSE(s.due(t0 + 5s, "y"));  // changed, but within the minimum gap
  EXPECT_TRUE(s.due(t0 + 10s, "y"));
  EXPECT_FALSE(s.due(t0 + 299s, "x"));
  EXPECT_TRUE(s.due(t0 + 300s, "x"));
  s.force();
  EXPECT_TRUE(s.due(t0 + 1s, "x"));
}

TEST(GatewayEvents, JournalEventsBecomeRateLimitedEventRecords) {
  std::vector<store::Record> posted;
  GatewayEvents events(nullptr, "gw", [&](store::Record r) { posted.push_back(std::move(r)); },
                       {std::chrono::minutes(1), 2, 64});
  events.observe(log::kConfigRefused.id, "", "the new configuration has 1 problem(s)");
  events.observe("00000000000000000000000000000000", "", "not ours");
  for (int i = 0; i < 5; ++i) events.observe(log::kAuthFailed.id, "meter-1", "refused");
  events.flush();
  ASSERT_EQ(posted.size(), 3u);  // config refused once, auth failed twice (the burst)
  EXPECT_EQ(posted[0].event, "config_refused");
  EXPECT_EQ(posted[0].kind, store::RecordKind::event);
  EXPECT_EQ(posted[0].device, "gw");
  EXPECT_EQ(posted[1].event, "auth_failed");
  EXPECT_EQ(posted[1].fields.at(1), (store::Field{"device", std::string("meter-1")}));
}

class FakeHost : public RemoteOperationsHost {
 public:
  std::string status_json() override { return R"({"pid":1})"; }
  void set_log_level(loop::LogLevel level) override { level_ = level; }
  void restore_log_level() override { level_.reset(); }
  std::vector<std::string> reload() override { return reload_problems_; }
  std::optional<std::string> restart_session(const std::string& device) override {
    if (device != "meter-1") return std::string("no session");
    ++restarts_;
    return std::nullopt;
  }
  std::optional<std::string> request_poll(const std::string&) override { return std::nullopt; }
  std::optional<std::uint64_t> polls_done(const std::string& device) override {
    if (device != "meter-1") return std::nullopt;
    return polls_;
  }
  northbound::CommandResult poll_answer(const std::string&) override {
    return {true, 0, "polled", {{"voltage", 230.0}}};
  }
  void reply(const northbound::Command& c, const northbound::CommandResult& r) override {
    replies_.emplace_back(c.request_id, r);
  }

  std::optional<loop::LogLevel> level_;
  std::vector<std::string> reload_problems_;
  int restarts_ = 0;
  std::uint64_t polls_ = 0;
  std::vector<std::pair<std::string, northbound::CommandResult>> replies_;
};

northbound::Command call(std::string id, std::string name, std::vector<store::Field> values = {}) {
  northbound::Command c;
  c.kind = northbound::Command::Kind::run_command;
  c.request_id = std::move(id);
  c.name = std::move(name);
  c.values = std::move(values);
  return c;
}

TEST(RemoteOperations, EachOperationIsAnsweredOnceAtTheNextTick) {
  FakeHost host;
  RemoteOperations ops(host);
  const auto t0 = RemoteOperations::Clock::time_point(1000s);
  ops.on_command(call("1", "status"));
  EXPECT_TRUE(host.replies_.empty());  // queued: it runs outside the session's callback
  ops.tick(t0);
  ASSERT_EQ(host.replies_.size(), 1u);
  EXPECT_TRUE(host.replies_[0].second.ok);
  EXPECT_EQ(host.replies_[0].second.values.at(0).value, store::FieldValue(R"({"pid":1})"));

  ops.on_command(call("2", "restart_session", {{"device", std::string("meter-1")}}));
  ops.on_command(call("3", "restart_session", {{"device", std::string("ghost")}}));
  ops.on_command(call("4", "format_disk"));
  ops.tick(t0);
  EXPECT_EQ(host.restarts_, 1);
  EXPECT_TRUE(host.replies_[1].second.ok);
  EXPECT_FALSE(host.replies_[2].second.ok);
  EXPECT_EQ(host.replies_[3].second.code, northbound::result_code::not_supported);
}

TEST(RemoteOperations, TheLogLevelRevertsAfterItsDuration) {
  FakeHost host;
  RemoteOperations ops(host);
  const auto t0 = RemoteOperations::Clock::time_point(1000s);
  ops.on_command(call("1", "set_log_level",
                      {{"level", std::string("debug")}, {"duration", std::int64_t{30}}}));
  ops.tick(t0);
  EXPECT_EQ(host.level_, loop::LogLevel::debug);
  ops.tick(t0 + 29s);
  EXPECT_EQ(host.level_, loop::LogLevel::debug);
  ops.tick(t0 + 30s);
  EXPECT_FALSE(host.level_);
  ops.on_command(call("2", "set_log_level",
                      {{"level", std::string("debug")}, {"duration", std::string("2d")}}));
  ops.tick(t0 + 31s);
  EXPECT_FALSE(host.replies_.back().second.ok);  // past 24 h
}

TEST(RemoteOperations, APollIsAnsweredWhenItEndedOrFailsAfterItsTimeout) {
  FakeHost host;
  RemoteOperations ops(host);
  const auto t0 = RemoteOperations::Clock::time_point(1000s);
  ops.on_command(call("1", "poll", {{"device", std::string("meter-1")}}));
  ops.tick(t0);
  EXPECT_TRUE(host.replies_.empty());
  host.polls_ = 1;
  ops.tick(t0 + 1s);
  ASSERT_EQ(host.replies_.size(), 1u);
  EXPECT_EQ(host.replies_[0].second.values.at(0).name, "voltage");
  ops.on_command(call("2", "poll", {{"device", std::string("meter-1")}}));
  ops.tick(t0 + 2s);
  ops.tick(t0 + 2s + RemoteOperations::kPollTimeout);
  ASSERT_EQ(host.replies_.size(), 2u);
  EXPECT_FALSE(host.replies_[1].second.ok);
}

TEST(RemoteOperations, ARefusedReloadIsAnsweredWithItsProblems) {
  FakeHost host;
  host.reload_problems_ = {"edgegw.toml:3:1: unknown key 'bogus'"};
  RemoteOperations ops(host);
  ops.on_command(call("1", "reload"));
  ops.tick();
  ASSERT_EQ(host.replies_.size(), 1u);
  EXPECT_FALSE(host.replies_[0].second.ok);
  EXPECT_NE(host.replies_[0].second.message.find("unknown key 'bogus'"), std::string::npos);
}

}  // namespace
}  // namespace edgegw::daemon
