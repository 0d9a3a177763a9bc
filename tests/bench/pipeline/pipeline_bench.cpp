// Sustained messages/s from a local broker to the cloud emulator, QoS 1 on both sides, with 1 and
// 100 devices: edgegw (local MQTT source -> SQLite outbox -> one cloud session per device) against
// a mosquitto bridge doing the same forwarding (local broker bridged to the cloud broker, QoS 1,
// persistence on). Printed as figure | ours | peer | ratio: msg/s, and CPU per message - edgegw
// plus the local broker it needs against the local broker running the bridge (the cloud broker and
// this bench's own clients are not counted on either side) - for store sync "normal" and "full".
//
// Both paths run against the same emulator (mosquitto + the edgegw-cloud plugin) on its PLAIN
// listener: the generic MQTT platform with username/password. TLS is left out on purpose so the
// figures compare the forwarding machinery, not TLS record costs (edgegw would pay those per
// device, the bridge once). The load is closed-loop: a publisher keeps at most kWindow messages
// between "published to the local broker" and "seen at the cloud", so neither path is measured
// by how much its broker can buffer. The emulator queues without limit for the bench's observer
// (max_queued_messages 0): with mosquitto's default 1000 it dropped for the observer and the bench
// stalled, measuring its own observer instead of the gateway.
//
//   pipeline_bench [messages per run, default 20000] [devices, default: 1 then 100]
//                  [repeats, default 1: each figure is the median of this many runs]
//                  [edgegw's [cloud] max_inflight, default: the configuration's default, 16]
// The bridge's window to the cloud is its broker's max_inflight_messages, 20 by default. edgegw
// has a process more in the path than the bridge, so at the same window its round trip is longer
// and its cloud window, not the CPU, bounds the rate at 1 device: the last argument shows it.
// $EDGEGW_BENCH_BINARY runs another edgegw build (the one of this tree by default);
// $EDGEGW_BENCH_LOCAL_BROKER_CONF adds lines to the configuration of edgegw's local broker.
#include <systemd/sd-event.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cloud/cloud_emulator.hpp"
#include "mqtt/connection.hpp"
#include "mqtt/resolver.hpp"
#include "northbound/cloud_options.hpp"
#include "support/loop_runner.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/net.hpp"
#include "support/process.hpp"
#include "support/process_usage.hpp"
#include "support/temp_dir.hpp"

namespace edgegw::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Messages between "published to the local broker" and "seen at the cloud".
constexpr std::size_t kWindow = 500;

// One run: the rate seen at the cloud and the CPU the forwarding side spent per message.
struct Measurement {
  double messages_per_second = 0;
  double cpu_us_per_message = 0;
  double broker_cpu_us_per_message = 0;  // the local broker's share of it
};

enum class Sync { normal, full };
const char* to_string(Sync sync) {
  return sync == Sync::normal ? "normal" : "full";
}

// CPU seconds of the forwarding side's processes together.
double cpu_seconds_of(const std::vector<pid_t>& pids) {
  double total = 0;
  for (pid_t pid : pids) total += process_cpu_seconds(pid);
  return total;
}

std::string device_name(int i) {
  return "dev-" + std::to_string(i);
}

// One MQTT client on the bench's loop: counts what arrives and what was acknowledged.
struct Client : mqtt::Connection::Handler {
  Client(sd_event* loop, mqtt::Resolver& resolver) : connection(loop, resolver, *this) {}
  void on_connected(bool) override { connected = true; }
  void on_closed(const mqtt::Outcome& o) override {
    connected = false;
    closed = mqtt::to_string(o.reason) + std::string(" ") + o.detail;
  }
  void on_message(const mqtt::Message& m) override {
    ++received;
    last_message = Clock::now();
    if (topics.size() < 1000) topics.insert(m.topic);
    if (m.qos == 1) connection.ack(m.packet_id);
  }
  void on_puback(std::uint16_t) override { ++acked; }
  void on_suback(std::uint16_t, std::vector<int>) override { subscribed = true; }
  void on_writable() override {}

  mqtt::Connection connection;
  bool connected = false;
  bool subscribed = false;
  std::string closed;
  std::uint64_t received = 0;
  std::uint64_t acked = 0;
  std::set<std::string> topics;  // seen at least once (warm-up)
  Clock::time_point last_message{};
};

class Bench {
 public:
  // The cloud knows `devices` devices: as many as the largest run has.
  explicit Bench(int devices) {
    sd_event_new(&loop_);
    resolver_ = std::make_unique<mqtt::Resolver>(loop_);
    Registry registry;
    for (int i = 0; i < devices; ++i) {
      registry.add(MqttDevice{.device = device_name(i),
                              .username = device_name(i),
                              .password = "pw-" + std::to_string(i)});
    }
    cloud_ =
        std::make_unique<CloudEmulator>(registry, CloudEmulatorOptions{.max_queued_messages = 0});
    cloud_->start();
  }
  ~Bench() {
    resolver_.reset();
    sd_event_unref(loop_);
  }

  bool run_until(const std::function<bool()>& done, std::chrono::seconds timeout) {
    return edgegw::test::run_loop_until(loop_, done, timeout);
  }

  // The cloud-side counter: the observer, subscribed to every device's telemetry.
  std::unique_ptr<Client> observer() {
    auto c = std::make_unique<Client>(loop_, *resolver_);
    mqtt::ConnectOptions o;
    o.host = "127.0.0.1";
    o.port = cloud_->plain_port();
    o.client_id = "bench-observer-" + std::to_string(++clients_);
    o.username = cloud_->observer_username();
    o.password = cloud_->observer_password();
    o.max_inflight = 1000;
    c->connection.connect(o);
    if (!run_until([&] { return c->connected; }, 10s)) throw std::runtime_error(c->closed);
    c->connection.subscribe({{"devices/+/telemetry", 1}});
    if (!run_until([&] { return c->subscribed; }, 10s)) throw std::runtime_error("no SUBACK");
    return c;
  }

  // Publishes `messages` QoS 1 messages round-robin over `devices` local topics and returns the
  // messages/s seen at the cloud and the CPU `forwarders` (the local broker last) spent per
  // message meanwhile. The first
  // rounds (one message per device) are a warm-up: they wait until every device's path works, and
  // are not counted.
  Measurement measure(std::uint16_t local_port, int devices, std::size_t messages,
                      const std::string& topic_prefix, const std::string& topic_suffix,
                      const std::vector<pid_t>& forwarders) {
    auto cloud = observer();
    Client publisher(loop_, *resolver_);
    mqtt::ConnectOptions o;
    o.host = "127.0.0.1";
    o.port = local_port;
    o.client_id = "bench-publisher-" + std::to_string(++clients_);
    o.max_inflight = 200;
    o.max_queued_bytes = 16u << 20;
    publisher.connection.connect(o);
    if (!run_until([&] { return publisher.connected; }, 10s)) {
      throw std::runtime_error("publisher: " + publisher.closed);
    }
    std::uint64_t sent = 0;
    auto publish_one = [&] {
      const int d = static_cast<int>(sent % devices);
      const std::string payload = "{\"v\":" + std::to_string(sent) + "}";
      if (!publisher.connection.publish(topic_prefix + device_name(d) + topic_suffix, payload, 1)) {
        return false;
      }
      ++sent;
      return true;
    };
    // Warm-up: rounds of one message per device until every device's path delivered one
    // (sessions online, subscriptions and the bridge in place), then until the stragglers of
    // those rounds have arrived (nothing new for 1 s).
    const auto warm_deadline = Clock::now() + 120s;
    while (cloud->topics.size() < static_cast<std::size_t>(devices)) {
      if (Clock::now() > warm_deadline) throw std::runtime_error("warm-up did not arrive");
      for (int d = 0; d < devices;) d += publish_one() ? 1 : (sd_event_run(loop_, 1000), 0);
      run_until([&] { return cloud->topics.size() >= static_cast<std::size_t>(devices); }, 1s);
    }
    run_until([&] { return Clock::now() - cloud->last_message > 1s; }, 30s);
    const std::uint64_t base_received = cloud->received;
    sent = base_received;  // the window counts from here
    const std::uint64_t target = sent + messages;
    const double cpu_before = cpu_seconds_of(forwarders);
    const double broker_before = process_cpu_seconds(forwarders.back());
    const auto start = Clock::now();
    while (cloud->received < base_received + messages) {
      bool progressed = false;
      while (sent < target && sent - cloud->received < kWindow && publish_one()) progressed = true;
      if (!progressed || sent >= target) sd_event_run(loop_, 1000);
      if (Clock::now() - start > 120s) {
        throw std::runtime_error("stalled: sent " + std::to_string(sent - base_received) +
                                 ", arrived " + std::to_string(cloud->received - base_received));
      }
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const double cpu = cpu_seconds_of(forwarders) - cpu_before;
    const double broker_cpu = process_cpu_seconds(forwarders.back()) - broker_before;
    publisher.connection.disconnect();
    cloud->connection.disconnect();
    const auto n = static_cast<double>(messages);
    return {n / seconds, cpu * 1e6 / n, broker_cpu * 1e6 / n};
  }

  Measurement run_edgegw(int devices, std::size_t messages, Sync sync, long long max_inflight) {
    TempDir dir;
    // $EDGEGW_BENCH_LOCAL_BROKER_CONF: lines added to edgegw's local broker only (e.g.
    // "max_inflight_messages 200", the window an MQTT 5 Receive Maximum would ask for).
    const char* local_conf = std::getenv("EDGEGW_BENCH_LOCAL_BROKER_CONF");
    auto local = local_broker(dir, local_conf ? std::string(local_conf) + "\n" : std::string());
    std::string config =
        "[gateway]\nstate_dir = \"" + (dir / "state").string() +
        "\"\nlog_level = \"warning\"\n[store]\nsync = \"" + to_string(sync) +
        "\"\n"
        "[cloud]\nplatform = \"mqtt\"\nhost = \"127.0.0.1\"\nport = " +
        std::to_string(cloud_->plain_port()) +
        "\ntls = false\nallow_plaintext = true\npublish_rate = 100000\n" +
        (max_inflight > 0 ? "max_inflight = " + std::to_string(max_inflight) + "\n"
                          : std::string()) +
        "[local_mqtt]\nhost = \"127.0.0.1\"\nport = " + std::to_string(local->port()) +
        "\nclient_id = \"edgegw-bench\"\n";
    for (int i = 0; i < devices; ++i) {
      config += "[[device]]\nname = \"" + device_name(i) + "\"\n[device.cloud]\nusername = \"" +
                device_name(i) + "\"\npassword = \"pw-" + std::to_string(i) +
                "\"\n[device.mqtt]\ntopic = \"bench/" + device_name(i) + "\"\n";
    }
    auto file = dir.write("edgegw.toml", config);
    // $EDGEGW_BENCH_BINARY: another build, to compare two versions on the same load.
    const char* binary = std::getenv("EDGEGW_BENCH_BINARY");
    Process edgegw({binary && *binary ? binary : EDGEGW_BINARY, "-c", file.string(), "run"});
    try {
      const auto m =
          measure(local->port(), devices, messages, "bench/", "", {edgegw.pid(), local->pid()});
      edgegw.stop();
      return m;
    } catch (const std::exception& e) {
      const std::string out = edgegw.output();
      throw std::runtime_error(std::string(e.what()) + "\n--- edgegw (last 3000 bytes) ---\n" +
                               out.substr(out.size() > 3000 ? out.size() - 3000 : 0));
    }
  }

  Measurement run_bridge(int devices, std::size_t messages) {
    TempDir dir;
    const std::string bridge =
        "persistence true\npersistence_location " + dir.path().string() +
        "/\nautosave_interval 1\n"
        "connection cloud\naddress 127.0.0.1:" +
        std::to_string(cloud_->plain_port()) + "\nremote_clientid bench-bridge\nremote_username " +
        cloud_->observer_username() + "\nremote_password " + cloud_->observer_password() +
        "\ncleansession false\ntry_private false\nnotifications false\n"
        "bridge_protocol_version mqttv311\ntopic devices/# out 1\n";
    auto local = local_broker(dir, bridge);
    return measure(local->port(), devices, messages, "devices/", "/telemetry", {local->pid()});
  }

 private:
  std::unique_ptr<MosquittoBroker> local_broker(const TempDir&, const std::string& extra) {
    const auto port = free_tcp_port();
    auto broker = std::make_unique<MosquittoBroker>(
        "listener " + std::to_string(port) +
            " 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n" + extra,
        std::vector<std::uint16_t>{port});
    broker->start();
    return broker;
  }

  sd_event* loop_ = nullptr;
  std::unique_ptr<mqtt::Resolver> resolver_;
  std::unique_ptr<CloudEmulator> cloud_;
  int clients_ = 0;
};

}  // namespace
}  // namespace edgegw::test

namespace {

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// The median over runs of the larger of edgegw's own CPU per message (all less its broker's)
// and its local broker's.
double busiest(const std::vector<double>& all, const std::vector<double>& broker) {
  std::vector<double> per_run;
  for (std::size_t r = 0; r < all.size(); ++r) {
    per_run.push_back(std::max(all[r] - broker[r], broker[r]));
  }
  return median(per_run);
}

void print_row(const std::string& figure, double ours, double peer) {
  std::printf("%-36s | %10.1f | %10.1f | %5.2f\n", figure.c_str(), ours, peer, ours / peer);
}

}  // namespace

int main(int argc, char** argv) {
  using edgegw::test::Measurement;
  using edgegw::test::Sync;
  // Each argument a positive number; anything else (--help too) gets the usage, not a run of 0.
  std::vector<long long> args;
  for (int i = 1; i < argc; ++i) {
    char* end = nullptr;
    const long long v = std::strtoll(argv[i], &end, 10);
    if (argc > 5 || end == argv[i] || *end != '\0' || v <= 0) {
      std::fprintf(stderr,
                   "usage: pipeline_bench [messages per run, default 20000] [devices, default 1 "
                   "then 100] [repeats, default 1] [edgegw's max_inflight, default 16]\n");
      return argc == 2 && std::string_view(argv[1]) == "--help" ? 0 : 2;
    }
    args.push_back(v);
  }
  const std::size_t messages = args.size() > 0 ? static_cast<std::size_t>(args[0]) : 20000;
  std::vector<int> counts{1, 100};
  if (args.size() > 1) counts = {static_cast<int>(args[1])};
  const int repeats = args.size() > 2 ? static_cast<int>(args[2]) : 1;
  const long long max_inflight = args.size() > 3 ? args[3] : 0;  // 0: the configuration's default
  const std::string cloud_window =
      max_inflight > 0
          ? std::to_string(max_inflight)
          : std::to_string(edgegw::northbound::CloudOptions{}.max_inflight) + " (the default)";
  try {
    edgegw::test::Bench bench(*std::max_element(counts.begin(), counts.end()));
    std::printf(
        "local MQTT -> cloud emulator, QoS 1 both sides, plain TCP, %zu messages per run, median "
        "of %d\nours = edgegw + its local broker; peer = a local mosquitto bridging to the cloud "
        "(persistence on)\nwindows to the cloud: edgegw max_inflight %s, the bridge's "
        "max_inflight_messages 20 (its default)\n",
        messages, repeats, cloud_window.c_str());
    if (const char* conf = std::getenv("EDGEGW_BENCH_LOCAL_BROKER_CONF"); conf && *conf) {
      std::printf("edgegw's local broker adds: %s\n", conf);
    }
    std::printf("%-36s | %10s | %10s | %5s\n", "figure", "ours", "peer", "ratio");
    for (int devices : counts) {
      // Interleaved, so that a change in the machine's load hits every column alike.
      std::vector<double> rate[2], cpu[2], broker_cpu[2], bridge_rate, bridge_cpu;
      for (int r = 0; r < repeats; ++r) {
        for (Sync sync : {Sync::normal, Sync::full}) {
          const Measurement m = bench.run_edgegw(devices, messages, sync, max_inflight);
          rate[static_cast<int>(sync)].push_back(m.messages_per_second);
          cpu[static_cast<int>(sync)].push_back(m.cpu_us_per_message);
          broker_cpu[static_cast<int>(sync)].push_back(m.broker_cpu_us_per_message);
        }
        const Measurement b = bench.run_bridge(devices, messages);
        bridge_rate.push_back(b.messages_per_second);
        bridge_cpu.push_back(b.cpu_us_per_message);
      }
      const std::string who = std::to_string(devices) + (devices == 1 ? " device" : " devices");
      for (Sync sync : {Sync::normal, Sync::full}) {
        const auto i = static_cast<int>(sync);
        const std::string tag = ", " + who + ", sync=" + edgegw::test::to_string(sync);
        print_row("msg/s" + tag, median(rate[i]), median(bridge_rate));
        print_row("CPU us/msg" + tag, median(cpu[i]), median(bridge_cpu));
        // The local broker alone, against the broker that runs the bridge: what is left of
        // "ours" is edgegw's own cost.
        print_row("  of which local broker", median(broker_cpu[i]), median(bridge_cpu));
        // Each process forwards on its own core where the machine has one per process (this
        // bench saturates 2): then the busier of edgegw and its broker bounds the rate, as the
        // bridge's one process bounds its own.
        print_row("  busiest process", busiest(cpu[i], broker_cpu[i]), median(bridge_cpu));
      }
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pipeline_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
