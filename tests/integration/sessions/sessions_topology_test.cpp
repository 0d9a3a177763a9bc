// cloud.mode = "gateway" in process (Northbound over the gateway's one Session, a real Outbox)
// against the cloud emulator, which answers Alibaba's topology messages: how the sub-devices share
// the gateway's link — requests batched up to the platform's per-call limit, and the in-flight
// window shared fairly between sub-devices that all hold a backlog.
#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "integration/sessions/session_harness.hpp"

namespace edgegw::test {
namespace {

using namespace std::chrono_literals;
using northbound::DeviceIdentity;
using northbound::PlatformKind;
using northbound::SessionState;

constexpr const char* kGwProduct = "a1Gw";
constexpr const char* kSubProduct = "a1Sub";

DeviceIdentity aliyun(const std::string& product, const std::string& name) {
  DeviceIdentity id;
  id.device = name;
  id.product_key = product;
  id.device_name = name;
  id.client_id = product + "." + name;
  id.device_secret = "secret-" + name;
  return id;
}

class SessionsTopologyTest : public ::testing::Test {
 protected:
  // A gateway "gw" and `subs` sub-devices "s0".."s{n-1}" in the cloud's registry; the observer
  // subscribed before anything connects.
  void start(std::size_t subs, std::uint16_t max_inflight) {
    registry_.add(
        AliyunDevice{.product_key = kGwProduct, .device_name = "gw", .device_secret = "secret-gw"});
    for (std::size_t i = 0; i < subs; ++i) {
      const auto name = "s" + std::to_string(i);
      registry_.add(AliyunDevice{
          .product_key = kSubProduct, .device_name = name, .device_secret = "secret-" + name});
      names_.push_back(name);
    }
    cloud_ = std::make_unique<CloudEmulator>(registry_);
    cloud_->start();
    observer_ = std::make_unique<Observer>(*cloud_);
    observer_->connect_and_wait();
    auto options =
        SessionHarness::options_for(*cloud_, PlatformKind::aliyun, cloud_->tls_port(), true);
    options.cloud.mode = northbound::CloudMode::gateway;
    options.cloud.sub_logins_per_second = 1000;
    options.cloud.max_inflight = max_inflight;
    harness_ = std::make_unique<SessionHarness>(options);
    for (const auto& name : names_) harness_->northbound().add_device(aliyun(kSubProduct, name));
  }

  void connect_gateway() { harness_->northbound().start_gateway(aliyun(kGwProduct, "gw")); }

  bool all_subs_online() const {
    for (const auto& name : names_) {
      auto s = harness_->northbound().status(name);
      if (!s || s->state != SessionState::online) return false;
    }
    return true;
  }

  // The sub-devices named in each topology request of `kind` ("thing/topo/add", "batch_login",
  // "combine/login") the gateway published, in order.
  std::vector<std::size_t> request_sizes(const std::string& kind) const {
    std::vector<std::size_t> out;
    for (const auto& m : observer_->messages()) {
      if (!m.topic.ends_with(kind)) continue;
      auto j = nlohmann::json::parse(m.payload, nullptr, false);
      if (!j.is_object() || !j.contains("params")) continue;
      const auto& p = j["params"];
      out.push_back(p.is_array()               ? p.size()
                    : p.contains("deviceList") ? p["deviceList"].size()
                                               : 1);
    }
    return out;
  }

  // The cloud goes away and comes back (the gateway's link with it); `forget_topology`: it comes
  // back without the gateway's topology. A new observer, subscribed before the gateway returns
  // (the harness's loop does not run meanwhile).
  void restart_cloud(bool forget_topology) {
    observer_.reset();
    cloud_->stop();
    if (forget_topology) std::filesystem::remove(cloud_->topology_file());
    cloud_->start();
    observer_ = std::make_unique<Observer>(*cloud_);
    observer_->connect_and_wait();
  }

  // The sub-device of each property post the cloud received, in arrival order.
  std::vector<std::string> posts_in_order() const {
    std::vector<std::string> out;
    const std::string prefix = std::string("/sys/") + kSubProduct + "/";
    for (const auto& m : observer_->messages()) {
      if (!m.topic.starts_with(prefix) || !m.topic.ends_with("/thing/event/property/post")) {
        continue;
      }
      const auto rest = m.topic.substr(prefix.size());
      out.push_back(rest.substr(0, rest.find('/')));
    }
    return out;
  }

  Registry registry_;
  std::vector<std::string> names_;
  std::unique_ptr<CloudEmulator> cloud_;
  std::unique_ptr<Observer> observer_;
  std::unique_ptr<SessionHarness> harness_;
};

// Alibaba takes up to 30 sub-devices per topology add (50 per batch login): 40 sub-devices go
// online with two requests of each kind, not eight.
// The counts per state the topology keeps (STATUS=, the gateway's status entry) against a count
// of the sub-devices' own statuses.
void expect_counts_match_statuses(northbound::Northbound& nb,
                                  const std::vector<std::string>& names) {
  const auto* topology = nb.topology();
  ASSERT_NE(topology, nullptr);
  std::array<std::size_t, northbound::SessionChanges::kStates> kept{}, seen{};
  topology->count_states(kept);
  for (const auto& name : names) {
    const auto st = nb.status(name);
    ASSERT_TRUE(st.has_value()) << name;
    ++seen[static_cast<std::size_t>(st->state)];
  }
  EXPECT_EQ(kept, seen);
  EXPECT_EQ(topology->online_count(),
            seen[static_cast<std::size_t>(northbound::SessionState::online)]);
}

TEST_F(SessionsTopologyTest, SubDevicesAreAddedAndLoggedInInBatchesOfThePerCallLimit) {
  start(40, 16);
  connect_gateway();
  ASSERT_TRUE(harness_->run_until([&] { return all_subs_online(); }, 30s, observer_.get()))
      << harness_->logs() << cloud_->log();
  harness_->run_for(200ms, observer_.get());
  EXPECT_EQ(request_sizes("/thing/topo/add"), (std::vector<std::size_t>{30, 10}));
  EXPECT_EQ(request_sizes("/combine/batch_login"), (std::vector<std::size_t>{30, 10}));
  EXPECT_TRUE(request_sizes("/combine/login").empty());
}

// Three sub-devices each hold a backlog of 30 when they go online together, through a gateway
// link with a window of 2: every backlog makes progress from the start. A device that kept the
// window (refilling it on its own PUBACKs) would send all 30 before the next sent its first.
TEST_F(SessionsTopologyTest, EverySubDevicesBacklogMakesProgressThroughTheSharedWindow) {
  start(3, 2);
  constexpr std::size_t kBacklog = 30;
  for (std::size_t i = 0; i < kBacklog; ++i) {
    for (const auto& name : names_) harness_->append(name, static_cast<double>(i));
  }
  harness_->run_for(100ms);  // committed while the gateway is not connected yet
  ASSERT_EQ(harness_->backlog(), 3 * kBacklog);
  connect_gateway();
  ASSERT_TRUE(harness_->run_until([&] { return posts_in_order().size() >= 3 * kBacklog; }, 30s,
                                  observer_.get()))
      << harness_->logs() << cloud_->log();
  const auto order = posts_in_order();
  // In the first third of what arrived, each device has had a fair share (a third, give or take
  // the one window that was full when the others came online).
  std::map<std::string, std::size_t> early;
  for (std::size_t i = 0; i < kBacklog; ++i) ++early[order[i]];
  for (const auto& name : names_) {
    EXPECT_GE(early[name], kBacklog / 3 - 3) << name << " in the first " << kBacklog;
  }
  EXPECT_TRUE(harness_->run_until([&] { return harness_->backlog() == 0; }, 10s, observer_.get()));
}

// auth = "register" (issue 20): a sub-device without a device secret registers through the
// gateway (thing/sub/register), the secret is kept under state_dir and signs its add and login; a
// restart uses the kept secret and does not register again (the cloud would refuse: it has been
// online). A sub-device whose product does not allow dynamic registration is refused alone.
TEST_F(SessionsTopologyTest, RegisteredSubDeviceKeepsItsSecretAcrossARestart) {
  registry_.add(AliyunDevice{.product_key = kSubProduct,
                             .device_name = "reg-1",
                             .device_secret = "secret-reg-1",
                             .product_secret = "product-secret",
                             .auth = {"register"}});
  registry_.add(AliyunDevice{.product_key = kSubProduct,
                             .device_name = "noreg-1",
                             .device_secret = "secret-noreg-1",
                             .auth = {"secret"}});
  start(1, 16);
  TempDir state;
  auto options =
      SessionHarness::options_for(*cloud_, PlatformKind::aliyun, cloud_->tls_port(), true);
  options.cloud.mode = northbound::CloudMode::gateway;
  options.cloud.sub_logins_per_second = 1000;
  options.state_dir = state.path();
  auto registering = [](const std::string& name) {
    auto id = aliyun(kSubProduct, name);
    id.auth = northbound::AuthMode::register_;
    id.device_secret.clear();
    id.product_secret = "product-secret";
    return id;
  };
  auto run = [&] {
    harness_ = std::make_unique<SessionHarness>(options);
    for (const auto& name : names_) harness_->northbound().add_device(aliyun(kSubProduct, name));
    harness_->northbound().add_device(registering("reg-1"));
    harness_->northbound().add_device(registering("noreg-1"));
    connect_gateway();
    auto online = [&](const std::string& name) {
      auto st = harness_->northbound().status(name);
      return st && st->state == SessionState::online;
    };
    auto refused = [&] {
      auto st = harness_->northbound().status("noreg-1");
      return st && st->last_error.find("code 401") != std::string::npos;
    };
    ASSERT_TRUE(harness_->run_until([&] { return online("reg-1") && online("s0") && refused(); },
                                    30s, observer_.get()))
        << harness_->logs() << cloud_->log();
  };
  // The registration requests that named `name`.
  auto registrations_of = [&](const std::string& name) {
    std::size_t n = 0;
    for (const auto& m : observer_->messages()) {
      if (!m.topic.ends_with("/thing/sub/register")) continue;
      n += m.payload.find("\"deviceName\":\"" + name + "\"") != std::string::npos ? 1 : 0;
    }
    return n;
  };
  run();
  {
    auto all = names_;
    all.push_back("reg-1");
    all.push_back("noreg-1");
    expect_counts_match_statuses(harness_->northbound(), all);
  }
  EXPECT_EQ(registrations_of("reg-1"), 2u);  // with noreg-1 (refused as a batch), then alone
  const auto kept = state.path() / "registrations" / "aliyun-a1Sub-reg-1.json";
  ASSERT_TRUE(std::filesystem::exists(kept));
  EXPECT_NE(read_file(kept).find("secret-reg-1"), std::string::npos);

  harness_.reset();  // restart: a new Northbound over the same state_dir
  const auto asked_before = registrations_of("noreg-1");
  run();
  // reg-1 went online with the kept secret; only noreg-1 (still without one) asked again.
  EXPECT_EQ(registrations_of("reg-1"), 2u);
  EXPECT_GT(registrations_of("noreg-1"), asked_before);
}

// After the cloud's restart the gateway logs its sub-devices in directly: they were added to its
// topology in this run and the platform keeps it, so no topology add counts against the rate.
TEST_F(SessionsTopologyTest, AReconnectLogsTheSubDevicesInWithoutAddingThemAgain) {
  start(5, 16);
  connect_gateway();
  ASSERT_TRUE(harness_->run_until([&] { return all_subs_online(); }, 30s, observer_.get()))
      << harness_->logs() << cloud_->log();
  restart_cloud(false);
  ASSERT_TRUE(harness_->run_until([&] { return request_sizes("/combine/batch_login").size() == 1; },
                                  30s, observer_.get()));
  ASSERT_TRUE(harness_->run_until([&] { return all_subs_online(); }, 30s, observer_.get()))
      << harness_->logs() << cloud_->log();
  harness_->run_for(200ms, observer_.get());
  expect_counts_match_statuses(harness_->northbound(), names_);
  EXPECT_TRUE(request_sizes("/thing/topo/add").empty());
  EXPECT_EQ(request_sizes("/combine/batch_login"), (std::vector<std::size_t>{5}));
}

// A cloud that lost the gateway's topology refuses the direct login with 6401 ("topo relation not
// exist"): the sub-devices are added again, in one batch, and then logged in.
TEST_F(SessionsTopologyTest, ALoginRefusedAsNotInTheTopologyAddsTheSubDevicesAgain) {
  start(5, 16);
  connect_gateway();
  ASSERT_TRUE(harness_->run_until([&] { return all_subs_online(); }, 30s, observer_.get()))
      << harness_->logs() << cloud_->log();
  restart_cloud(true);
  ASSERT_TRUE(harness_->run_until([&] { return request_sizes("/combine/batch_login").size() == 2; },
                                  30s, observer_.get()))
      << harness_->logs() << cloud_->log();
  ASSERT_TRUE(harness_->run_until([&] { return all_subs_online(); }, 30s, observer_.get()))
      << harness_->logs() << cloud_->log();
  harness_->run_for(200ms, observer_.get());
  EXPECT_EQ(request_sizes("/thing/topo/add"), (std::vector<std::size_t>{5}));
  EXPECT_EQ(request_sizes("/combine/batch_login"), (std::vector<std::size_t>{5, 5}));
  EXPECT_TRUE(request_sizes("/combine/login").empty());
  for (const auto& name : names_) {
    EXPECT_EQ(harness_->northbound().status(name)->last_error, "") << name;
  }
}

}  // namespace
}  // namespace edgegw::test
