// The daemon's housekeeping tick (StatusPublisher over a real Gateway, sessions online on a real
// mosquitto): with nothing changed it rebuilds nothing and rewrites nothing (issue 18: at 10,000
// idle devices the once-a-second rebuild was nearly all of the daemon's idle CPU), and what it
// keeps up incrementally is what a rebuild from scratch says.
#include "daemon/status_publisher.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <systemd/sd-event.h>

#include <fstream>

#include "config/config.hpp"
#include "daemon/gateway.hpp"
#include "daemon/metrics_file.hpp"
#include "support/loop_runner.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/temp_dir.hpp"

namespace edgegw::daemon {
namespace {

using namespace std::chrono_literals;
constexpr int kDevices = 20;

std::string config_text(const test::TempDir& dir, std::uint16_t port) {
  const auto p = std::to_string(port);
  std::string c = "[gateway]\nstate_dir = \"" + (dir / "state").string() + "\"\nstatus_file = \"" +
                  (dir / "status.json").string() + "\"\nmetrics_file = \"" +
                  (dir / "edgegw.prom").string() +
                  "\"\n[cloud]\nplatform = \"mqtt\"\nhost = \"127.0.0.1\"\nport = " + p +
                  "\ntls = false\nallow_plaintext = true\nbackoff_min = \"100ms\"\n"
                  "backoff_max = \"200ms\"\n[local_mqtt]\nhost = \"127.0.0.1\"\nport = " +
                  p + "\n";
  for (int i = 0; i < kDevices; ++i) {
    const auto name = "dev-" + std::to_string(i);
    c += "[[device]]\nname = \"" + name + "\"\n[device.mqtt]\ntopic = \"sensors/" + name + "\"\n";
  }
  return c;
}

struct FileStamp {
  ino_t inode = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const FileStamp&) const = default;
};

FileStamp stamp(const std::filesystem::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return {};
  return {st.st_ino, st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec};
}

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::size_t online(const Gateway& gateway) {
  std::size_t n = 0;
  for (const auto& s : gateway.status()) n += s.state == northbound::SessionState::online;
  return n;
}

// The report without what a rebuild reads off the clock at another moment.
StatusReport comparable(StatusReport r) {
  r.written_at_ms = 0;
  for (auto& d : r.devices) d.retry_at_ms.reset();
  return r;
}

class StatusPublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = test::MosquittoBroker::plain();
    dir_.write("edgegw.toml", config_text(dir_, broker_->port()));
    config_ = config::load_config(dir_ / "edgegw.toml");
    std::filesystem::create_directories(config_.gateway.state_dir);
    outbox_ = store::Outbox::open(config_.store);
    ASSERT_GE(sd_event_new(&loop_), 0);
    gateway_ = std::make_unique<Gateway>(loop_, config_, *outbox_);
    gateway_->start();
    publisher_ = std::make_unique<StatusPublisher>(config_, nullptr);
  }
  void TearDown() override {
    if (gateway_) gateway_->stop();
    gateway_.reset();
    outbox_.reset();
    sd_event_unref(loop_);
  }
  bool run_until(const std::function<bool()>& condition) {
    return test::run_loop_until(loop_, condition, 15s);
  }
  void publish(std::chrono::system_clock::time_point at) {
    publisher_->publish(config_, gateway_.get(), outbox_.get(), facts_, at);
  }
  StatusReport rebuilt() const {
    return collect_status(config_, gateway_.get(), outbox_.get(), CertificateWatch{}, facts_, 0);
  }

  std::unique_ptr<test::MosquittoBroker> broker_;
  test::TempDir dir_;
  config::Config config_;
  std::unique_ptr<store::Outbox> outbox_;
  sd_event* loop_ = nullptr;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<StatusPublisher> publisher_;
  DaemonFacts facts_;
};

TEST_F(StatusPublisherTest, ATickWithNothingChangedRebuildsAndRewritesNothing) {
  ASSERT_TRUE(run_until([&] {
    return online(*gateway_) == kDevices &&
           gateway_->local_mqtt()->state() == southbound::LocalMqttState::online;
  })) << gateway_->summary();
  const auto t0 = std::chrono::system_clock::now();
  publish(t0);  // the first: built from scratch, both files written
  publish(t0 + 1s);
  const StatusWork settled = publisher_->work();
  const auto writes = publisher_->status_writes();
  const FileStamp status = stamp(publisher_->status_file());
  const FileStamp metrics = stamp(publisher_->metrics_file());
  ASSERT_NE(status.inode, 0u);

  for (int tick = 2; tick < 5; ++tick) publish(t0 + std::chrono::seconds(tick));

  EXPECT_EQ(publisher_->work().updates, settled.updates + 3);
  EXPECT_EQ(publisher_->work().rebuilds, settled.rebuilds);
  EXPECT_EQ(publisher_->work().devices_visited, settled.devices_visited);
  EXPECT_EQ(publisher_->status_writes(), writes);
  EXPECT_EQ(stamp(publisher_->status_file()), status);
  EXPECT_EQ(stamp(publisher_->metrics_file()), metrics);
  // The refresh a reader tells a live daemon by: the time stamp only, in place, and the files
  // then say exactly what writing them whole would.
  publish(t0 + 6s);
  EXPECT_EQ(publisher_->work().rebuilds, settled.rebuilds);
  EXPECT_EQ(publisher_->status_writes(), writes);
  EXPECT_EQ(publisher_->refreshes(), 2u);
  EXPECT_EQ(stamp(publisher_->status_file()).inode, status.inode);
  EXPECT_EQ(
      publisher_->last_report().written_at_ms,
      std::chrono::duration_cast<std::chrono::milliseconds>((t0 + 6s).time_since_epoch()).count());
  EXPECT_EQ(read(publisher_->status_file()), to_json(publisher_->last_report()));
  EXPECT_EQ(read(publisher_->metrics_file()), to_prometheus(publisher_->last_report()));
  EXPECT_EQ(comparable(publisher_->last_report()), comparable(rebuilt()));
}

TEST_F(StatusPublisherTest, WhatChangedIsWhatARebuildSays) {
  ASSERT_TRUE(run_until([&] { return online(*gateway_) == kDevices; })) << gateway_->summary();
  const auto t0 = std::chrono::system_clock::now();
  publish(t0);
  const auto rebuilds = publisher_->work().rebuilds;
  // Readings for some devices, committed and delivered; then the broker goes away.
  for (int i = 0; i < 5; ++i) {
    store::Record r;
    r.device = "dev-" + std::to_string(i);
    r.time_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(t0.time_since_epoch()).count();
    r.fields.push_back({"value", 1.0 * i});
    outbox_->append(std::move(r));
  }
  gateway_->flush();
  ASSERT_TRUE(run_until([&] { return outbox_->total_backlog() == 0; }));
  publish(t0 + 1s);
  EXPECT_EQ(comparable(publisher_->last_report()), comparable(rebuilt()));
  EXPECT_EQ(publisher_->last_report().devices[0].acknowledged, 1u);

  broker_->kill();
  ASSERT_TRUE(run_until([&] { return online(*gateway_) == 0; }));
  publish(t0 + 2s);
  EXPECT_EQ(publisher_->work().rebuilds, rebuilds);  // all of it followed from the marks
  EXPECT_EQ(comparable(publisher_->last_report()), comparable(rebuilt()));
  EXPECT_NE(publisher_->last_report().devices[0].state, "online");
  // The STATUS= counts follow the same marks.
  std::map<std::string, std::size_t> counts;
  for (const auto& s : gateway_->status()) ++counts[std::string(to_string(s.state))];
  for (const auto& [state, n] : counts) {
    EXPECT_NE(gateway_->northbound().summary().find(state + " " + std::to_string(n)),
              std::string::npos)
        << gateway_->northbound().summary();
  }
}

// Writing the file whole costs its devices, and on a busy gateway some counter moves every
// second: at 10,000 devices that was 4.3 MB of JSON (27 ms here) every second. Above
// kDevicesWrittenPerSecond devices a change waits for its turn (here 20 devices at 5 a second:
// every 4 s), and the file is not stamped fresh over content that is behind meanwhile.
TEST_F(StatusPublisherTest, ChangesOfABigGatewayAreWrittenWholeAsOftenAsItsSizeAllows) {
  ASSERT_TRUE(run_until([&] { return online(*gateway_) == kDevices; })) << gateway_->summary();
  const auto ms = [](std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  };
  const auto deliver_one = [&](int n) {
    store::Record r;
    r.device = "dev-0";
    r.time_ms = ms(std::chrono::system_clock::now());
    r.fields.push_back({"value", 1.0 * n});
    outbox_->append(std::move(r));
    gateway_->flush();
    ASSERT_TRUE(run_until([&] { return outbox_->total_backlog() == 0; }));
  };
  // The default: a change of a small gateway is written at the next tick.
  const auto t0 = std::chrono::system_clock::now();
  publish(t0);
  deliver_one(0);
  publish(t0 + 1s);
  EXPECT_EQ(status_from_json(read(publisher_->status_file()))->written_at_ms, ms(t0 + 1s));

  publisher_ = std::make_unique<StatusPublisher>(config_, nullptr, 5);
  publish(t0);  // a new publisher: its first write is whole
  const auto first = publisher_->status_writes();
  std::vector<std::int64_t> written_at;
  for (int tick = 1; tick <= 8; ++tick) {
    deliver_one(tick);
    publish(t0 + std::chrono::seconds(tick));
    written_at.push_back(status_from_json(read(publisher_->status_file()))->written_at_ms);
  }
  EXPECT_EQ(publisher_->status_writes(), first + 2);  // at 4 s and at 8 s, not at every tick
  const std::vector<std::int64_t> expected = {ms(t0),      ms(t0),      ms(t0),      ms(t0 + 4s),
                                              ms(t0 + 4s), ms(t0 + 4s), ms(t0 + 4s), ms(t0 + 8s)};
  EXPECT_EQ(written_at, expected);
  EXPECT_EQ(read(publisher_->status_file()), to_json(publisher_->last_report()));
  EXPECT_EQ(comparable(publisher_->last_report()), comparable(rebuilt()));
}

}  // namespace
}  // namespace edgegw::daemon
