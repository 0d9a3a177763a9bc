// The whole path with real processes: a pymodbus slave and mosquitto_pub on one side, edgegw in
// the middle, the cloud emulator on the other. What a user would check: values arrive decoded,
// once, in order; a cloud outage loses nothing; SIGKILLs of edgegw lose nothing committed (Modbus)
// or acknowledged by the local broker (MQTT) and duplicate only what was in flight; a command
// from the cloud changes a register on the slave and the reply arrives.
#include <signal.h>

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "e2e_fixture.hpp"
#include "support/process.hpp"
#include "support/wait.hpp"

namespace edgegw::test {
namespace {

using namespace std::chrono_literals;

// The Alink ids (record sequences) seen in a device's property posts. A device's online/offline
// (device_status records) takes a sequence of its own but is no property on Alibaba (issue 16: it
// would collide with a point named "online"), so it is never posted: its ids are the only ones a
// reading's ids may skip.
struct Sequence {
  std::set<std::uint64_t> ids;
  std::size_t copies = 0;
  // Ids between the first and the last one seen that never arrived.
  std::vector<std::uint64_t> missing() const {
    std::vector<std::uint64_t> out;
    if (ids.empty()) return out;
    for (auto id = *ids.begin(); id < *ids.rbegin(); ++id) {
      if (!ids.count(id)) out.push_back(id);
    }
    return out;
  }
  // Every reading from the first on arrived, none skipped (no status record between them).
  bool contiguous() const { return !ids.empty() && missing().empty(); }
  // Nothing lost across `starts` runs of edgegw on a device that went offline `offlines` times:
  // each start's first poll and each offline is one status record, a single id between
  // readings; any other hole is a lost reading.
  bool only_status_skipped(std::size_t starts, std::size_t offlines) const {
    const auto holes = missing();
    if (ids.empty() || *ids.begin() > 2 || holes.size() > starts + offlines) return false;
    for (std::size_t i = 1; i < holes.size(); ++i) {
      if (holes[i] == holes[i - 1] + 1) return false;  // two in a row: a reading is missing
    }
    return true;
  }
};

Sequence sequence_of(const std::vector<CloudMessage>& posts) {
  Sequence s;
  for (const auto& m : posts) s.ids.insert(m.id);
  s.copies = posts.size();
  return s;
}

// Every copy of one id carries the same values: a duplicate is a resend of one record, never a
// different record under a reused id.
void expect_duplicates_identical(const std::vector<CloudMessage>& posts) {
  std::map<std::uint64_t, std::string> first;
  for (const auto& m : posts) {
    auto [it, fresh] = first.emplace(m.id, m.params);
    if (!fresh) {
      EXPECT_EQ(it->second, m.params) << m.device << " id " << m.id;
    }
  }
}

// A vendor cloud's property post carries points only: no device status ("online") and no point
// quality ("$quality/<point>"), neither of which is a property identifier there.
void expect_only_points(const std::vector<CloudMessage>& posts) {
  for (const auto& m : posts) {
    auto params = nlohmann::json::parse(m.params);
    EXPECT_FALSE(params.contains("online")) << m.device << " id " << m.id << ": " << m.params;
    for (const auto& [name, value] : params.items()) {
      EXPECT_NE(name.front(), '$') << m.device << " id " << m.id << ": " << m.params;
    }
  }
}

std::set<int> mqtt_numbers(const std::vector<CloudMessage>& posts, std::size_t* copies = nullptr) {
  std::set<int> out;
  std::size_t n = 0;
  for (const auto& m : posts) {
    if (auto it = m.values.find("n"); it != m.values.end()) {
      out.insert(static_cast<int>(it->second));
      ++n;
    }
  }
  if (copies) *copies = n;
  return out;
}

std::string n_payload(int n) {
  return "{\"n\":" + std::to_string(n) + "}";
}

TEST_F(E2eTest, ValuesArriveOnceInOrderAndACommandComesBack) {
  start_all();
  for (int n = 1; n <= 10; ++n) ASSERT_TRUE(publish_local("sensors/room1/data", n_payload(n)));
  ASSERT_TRUE(publish_local("sensors/room1/temperature", "21.5"));  // a bare value
  ASSERT_TRUE(wait_until(
      [&] {
        return property_posts("room-1").size() >= 11 && property_posts("meter-1").size() >= 5;
      },
      30s))
      << edgegw_->output();

  const auto room = property_posts("room-1");
  ASSERT_EQ(room.size(), 11u);
  for (int n = 1; n <= 10; ++n) {
    EXPECT_EQ(room[n - 1].id, static_cast<std::uint64_t>(n));  // once, in order
    EXPECT_EQ(room[n - 1].values.at("n"), n);
  }
  EXPECT_EQ(room[10].values.at("temperature"), 21.5);  // named after the topic's last level

  // Readings once, in order, none skipped. The device's "online" status took id 1 and is not
  // posted: on Alibaba it is no property (and would collide with a point named "online").
  const auto meter = property_posts("meter-1");
  for (std::size_t i = 0; i < meter.size(); ++i) EXPECT_EQ(meter[i].id, i + 2);
  expect_only_points(meter);
  expect_only_points(room);
  EXPECT_TRUE(meter[0].values.count("tick"));
  EXPECT_EQ(meter[0].values.at("setpoint"), 0);

  // A command from the cloud: the register changes on the slave, the reply arrives.
  publish_at_cloud(std::string("/sys/") + kProductKey + "/meter-1/thing/service/property/set",
                   R"({"id":"77","version":"1.0","params":{"setpoint":1234},)"
                   R"("method":"thing.service.property.set"})");
  ASSERT_TRUE(wait_until([&] { return read_register(10) == 1234; }, 20s)) << edgegw_->output();
  const std::string reply_topic =
      std::string("/sys/") + kProductKey + "/meter-1/thing/service/property/set_reply ";
  ASSERT_TRUE(wait_until(
      [&] {
        for (const auto& line : raw_lines()) {
          if (line.rfind(reply_topic, 0) == 0 && line.find("\"id\":\"77\"") != std::string::npos) {
            return line.find("\"code\":200") != std::string::npos;
          }
        }
        return false;
      },
      20s));
  // A point that is not writable is refused with a reason, and nothing is written.
  publish_at_cloud(std::string("/sys/") + kProductKey + "/meter-1/thing/service/property/set",
                   R"({"id":"78","version":"1.0","params":{"tick":1},)"
                   R"("method":"thing.service.property.set"})");
  ASSERT_TRUE(wait_until(
      [&] {
        for (const auto& line : raw_lines()) {
          if (line.rfind(reply_topic, 0) == 0 && line.find("\"id\":\"78\"") != std::string::npos) {
            return line.find("\"code\":200") == std::string::npos;
          }
        }
        return false;
      },
      20s));

  // A command for the local MQTT device is published to its command_topic. That topic lies under
  // the device's own filter (sensors/room1/+), so edgegw reads its own publish back: the values
  // come up again as a reading of room-1.
  publish_at_cloud(std::string("/sys/") + kProductKey + "/room-1/thing/service/property/set",
                   R"({"id":"79","version":"1.0","params":{"level":7},)"
                   R"("method":"thing.service.property.set"})");
  const std::string room_reply =
      std::string("/sys/") + kProductKey + "/room-1/thing/service/property/set_reply ";
  ASSERT_TRUE(wait_until(
      [&] {
        bool replied = false;
        for (const auto& line : raw_lines()) {
          replied |= line.rfind(room_reply, 0) == 0 &&
                     line.find("\"id\":\"79\"") != std::string::npos &&
                     line.find("\"code\":200") != std::string::npos;
        }
        const auto posts = property_posts("room-1");
        return replied && std::any_of(posts.begin(), posts.end(), [](const CloudMessage& m) {
                 return m.values.count("level") && m.values.at("level") == 7;
               });
      },
      20s))
      << edgegw_->output();
  stop_edgegw();
}

TEST_F(E2eTest, ACloudOutageLosesNothing) {
  start_all();
  ASSERT_TRUE(wait_until([&] { return property_posts("meter-1").size() >= 3; }, 30s))
      << edgegw_->output();
  const auto before = sequence_of(property_posts("meter-1"));

  // The cloud dies (SIGKILL: connections reset, no goodbye) for a (scaled-down) minute; readings
  // keep being taken meanwhile.
  cloud_.kill();
  stop_observer();
  int n = 0;
  const auto outage_end = std::chrono::steady_clock::now() + 6s;
  while (std::chrono::steady_clock::now() < outage_end) {
    ASSERT_TRUE(publish_local("sensors/room1/data", n_payload(++n)));
    std::this_thread::sleep_for(200ms);  // the scenario's pace, not a wait for a condition
  }
  // Back, with the observer subscribed before edgegw can reconnect (edgegw is frozen meanwhile).
  edgegw_->signal(SIGSTOP);
  cloud_.start();
  start_observer();
  edgegw_->signal(SIGCONT);

  // 6 s of polls every 200 ms: well over 10 readings were taken during the outage.
  ASSERT_TRUE(wait_until(
      [&] {
        const auto s = sequence_of(property_posts("meter-1"));
        // From the first reading (id 2: the status took 1) on, none skipped.
        return s.contiguous() && *s.ids.begin() == 2 && s.ids.size() >= before.ids.size() + 10 &&
               mqtt_numbers(property_posts("room-1")).size() == static_cast<std::size_t>(n);
      },
      60s))
      << edgegw_->output();
  const auto numbers = mqtt_numbers(property_posts("room-1"));
  EXPECT_EQ(*numbers.begin(), 1);
  EXPECT_EQ(*numbers.rbegin(), n);
  expect_duplicates_identical(property_posts("meter-1"));
  expect_only_points(property_posts("meter-1"));
  stop_edgegw();
}

TEST_F(E2eTest, SigkilledRepeatedlyLosesNothingCommittedOrAcknowledged) {
  start_all();
  // A device publishes all along; what its broker acknowledged must reach the cloud.
  std::atomic<bool> publishing{true};
  std::mutex mutex;
  std::set<int> acknowledged;
  std::thread publisher([&] {
    for (int n = 1; publishing; ++n) {
      if (publish_local("sensors/room1/data", n_payload(n))) {
        std::lock_guard lock(mutex);
        acknowledged.insert(n);
      }
    }
  });

  constexpr int kKills = 5;
  for (int k = 0; k < kKills; ++k) {
    // Each kill lands at another point of the poll cycle: after 3 + k new Modbus readings.
    const auto seen = property_posts("meter-1").size();
    ASSERT_TRUE(wait_until([&] { return property_posts("meter-1").size() >= seen + 3 + k; }, 30s))
        << edgegw_->output();
    kill_edgegw();
    start_edgegw();
  }
  publishing = false;
  publisher.join();
  // No more readings: the slave goes away, edgegw reports it offline and then has nothing new.
  simulator_->stop();

  // Drained: `edgegw status` shows the slave offline and nothing left to send for it; every
  // message the local broker acknowledged has arrived.
  ASSERT_TRUE(wait_until(
      [&] {
        auto meter = status_of("meter-1");
        const bool drained = meter && meter->value("source_online", nlohmann::json()) == false &&
                             meter->value("backlog", 1) == 0 && meter->value("inflight", 1) == 0;
        std::lock_guard lock(mutex);
        const auto numbers = mqtt_numbers(property_posts("room-1"));
        return drained && std::includes(numbers.begin(), numbers.end(), acknowledged.begin(),
                                        acknowledged.end());
      },
      90s))
      << edgegw_->output();

  // Every committed reading arrived: the ids skip only the status records (one "online" per
  // start, the final "offline"), which Alibaba never sees as properties.
  const auto meter = property_posts("meter-1");
  const auto s = sequence_of(meter);
  EXPECT_TRUE(s.only_status_skipped(kKills + 1, 1)) << testing::PrintToString(s.missing());
  expect_only_points(meter);
  expect_duplicates_identical(meter);
  // Duplicates only of what was in flight: at most a window (max_inflight 16) per kill.
  EXPECT_LE(s.copies - s.ids.size(), static_cast<std::size_t>(kKills * 16));
  const auto room = property_posts("room-1");
  const auto room_ids = sequence_of(room);
  std::size_t copies = 0;
  const auto numbers = mqtt_numbers(room, &copies);
  expect_duplicates_identical(room);
  // Local side: a message committed but not yet acknowledged to the broker comes again as a new
  // record (mosquitto keeps up to 20 QoS 1 messages in flight per client).
  const std::size_t local_duplicates = room_ids.ids.size() - numbers.size();
  EXPECT_LE(local_duplicates, static_cast<std::size_t>(kKills * 20));
  EXPECT_LE(room_ids.copies - room_ids.ids.size(), static_cast<std::size_t>(kKills * 16));
  std::printf(
      "meter-1: %zu readings, %zu resent, %zu ids of status records skipped; room-1: %zu messages, "
      "%zu stored twice (local side), "
      "%zu resent (cloud side)\n",
      s.ids.size(), s.copies - s.ids.size(), s.missing().size(), numbers.size(), local_duplicates,
      room_ids.copies - room_ids.ids.size());
  stop_edgegw();
}

// Events (issue 15): one raised by a Modbus condition (the limit register crossing 100), one by a
// local topic mapped to an event; raised while the cloud is down, committed, then edgegw is killed
// with SIGKILL. After the restart both arrive as Alink thing.event.{id}.post, once each.
std::vector<nlohmann::json> event_posts(const std::vector<std::string>& lines,
                                        const std::string& topic) {
  std::vector<nlohmann::json> out;
  for (const auto& line : lines) {
    if (line.rfind(topic + " ", 0) != 0) continue;
    auto json = nlohmann::json::parse(line.substr(topic.size() + 1), nullptr, false);
    if (!json.is_discarded()) out.push_back(std::move(json));
  }
  return out;
}

TEST_F(E2eTest, EventsFromAModbusConditionAndALocalTopicSurviveASigkill) {
  start_all();
  // Polled a few times: the limit's baseline (0) is known.
  ASSERT_TRUE(wait_until([&] { return property_posts("meter-1").size() >= 3; }, 30s))
      << edgegw_->output();
  cloud_.kill();
  stop_observer();
  ASSERT_TRUE(write_register(11, 150));
  ASSERT_TRUE(publish_local("sensors/room1/alarm", R"({"level":3})"));
  // Both events committed to the outbox (kind 1 = event) before the kill.
  const auto outbox = (dir_ / "state" / "outbox.db").string();
  ASSERT_TRUE(wait_until(
      [&] {
        auto r = run_command({"sqlite3", "file:" + outbox + "?mode=ro",
                              "SELECT count(*) FROM records WHERE kind = 1"});
        return r.exit_code == 0 && r.output.find('2') == 0;
      },
      20s))
      << edgegw_->output();
  // The crossing's baseline is written right after its commit; a kill between the two sends the
  // event twice (at least once, by design), which is not what this test is about.
  const auto baselines = dir_ / "state" / "event-baselines.json";
  ASSERT_TRUE(
      wait_until([&] { return read_file(baselines).find("150") != std::string::npos; }, 10s))
      << read_file(baselines);
  kill_edgegw();

  cloud_.start();
  start_observer();
  start_edgegw();
  const std::string sys = std::string("/sys/") + kProductKey;
  const auto limit_topic = sys + "/meter-1/thing/event/LimitAbove/post";
  const auto door_topic = sys + "/room-1/thing/event/DoorAlarm/post";
  ASSERT_TRUE(wait_until(
      [&] {
        const auto lines = raw_lines();
        return !event_posts(lines, limit_topic).empty() && !event_posts(lines, door_topic).empty();
      },
      30s))
      << edgegw_->output();
  const auto lines = raw_lines();
  const auto limit = event_posts(lines, limit_topic);
  ASSERT_EQ(limit.size(), 1u);
  EXPECT_EQ(limit[0]["method"], "thing.event.LimitAbove.post");
  EXPECT_EQ(limit[0]["params"]["value"]["limit"], 150);
  EXPECT_TRUE(limit[0]["params"]["time"].is_number_integer());
  const auto door = event_posts(lines, door_topic);
  ASSERT_EQ(door.size(), 1u);
  EXPECT_EQ(door[0]["method"], "thing.event.DoorAlarm.post");
  EXPECT_EQ(door[0]["params"]["value"]["level"], 3);
  // The alarm is an event, not a reading of room-1.
  for (const auto& post : property_posts("room-1")) {
    EXPECT_EQ(post.params.find("level"), std::string::npos) << post.params;
  }
  stop_edgegw();
}

// Alibaba's per-device uplink quota (30 messages/s, the default publish_rate there) holds while
// a backlog drains: 150 local messages queued for room-1 while edgegw was stopped go up at 30 a
// second, by the times the cloud side received them (mosquitto_sub's %U, on the emulator's host).
TEST_F(E2eTest, PublishRateHoldsWhileABacklogDrains) {
  start_all();
  ASSERT_TRUE(wait_until([&] { return !property_posts("meter-1").empty(); }, 30s))
      << edgegw_->output();
  stop_edgegw();
  const std::string topic =
      std::string("/sys/") + kProductKey + "/room-1/thing/event/property/post";
  auto r = run_command({"sh", "-c",
                        "seq 1 150 | sed 's/.*/{\"n\":&}/' | mosquitto_pub -h 127.0.0.1 -p " +
                            std::to_string(local_->port()) + " -q 1 -t sensors/room1/data -l"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Process timed({"mosquitto_sub", "-h", "127.0.0.1", "-p", std::to_string(cloud_.tls_port()),
                 "--cafile", cloud_.ca_file().string(), "-u", cloud_.observer_username(), "-P",
                 cloud_.observer_password(), "-q", "1", "-F", "%U %t %p", "-t", topic});
  ASSERT_TRUE(wait_until(
      [&] {
        publish_at_cloud(topic, "{}");
        return timed.output().find(topic) != std::string::npos;
      },
      20s, 200ms));
  // The arrival times of edgegw's messages. A probe ("{}") still on its way when the wait above
  // ended would otherwise count as the first drained message, timed before edgegw even started.
  auto times = [&] {
    std::vector<double> out;
    std::istringstream in(timed.output());
    for (std::string line; std::getline(in, line);) {
      if (line.find(topic) != std::string::npos && !line.ends_with(" {}")) {
        out.push_back(std::stod(line));
      }
    }
    return out;
  };
  start_edgegw();
  ASSERT_TRUE(wait_until([&] { return times().size() >= 150; }, 30s)) << edgegw_->output();
  const auto drained = times();
  // The quota lets 30 go in any one second, so by the k-th arrival at most 30 per second since the
  // first plus the first second's 30 may have come. The times are the observer's, which a loaded
  // machine may hold up and then hand a burst: half a second's worth (15) is allowed for that. A
  // drain without the quota (150 within a fraction of a second) is far past it.
  double most_over = -1e9;
  for (std::size_t k = 0; k < drained.size(); ++k) {
    const double allowed = 30.0 * (drained[k] - drained.front() + 1.0);
    most_over = std::max(most_over, static_cast<double>(k + 1) - allowed);
  }
  const double seconds = drained.back() - drained.front();
  std::printf("drained %zu messages in %.2f s, at most %.1f past 30/s (+30) at any arrival\n",
              drained.size(), seconds, most_over);
  EXPECT_LE(most_over, 15.0);
  EXPECT_GT(drained.size() / seconds, 20.0);  // the quota, not a crawl
  stop_edgegw();
}

}  // namespace
}  // namespace edgegw::test
