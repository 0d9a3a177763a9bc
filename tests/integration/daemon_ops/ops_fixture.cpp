#include "ops_fixture.hpp"

#include <csignal>

#include "support/net.hpp"
#include "support/wait.hpp"

namespace edgegw::test {

void OpsFixture::SetUp() {
  const auto port = free_tcp_port();
  broker_ = std::make_unique<MosquittoBroker>("listener " + std::to_string(port) +
                                                  " 127.0.0.1\nallow_anonymous true\n"
                                                  "clientid_prefixes edgegw-\n",
                                              std::vector<std::uint16_t>{port});
  broker_->start();
  std::filesystem::create_directories(dir_ / "run");
  std::filesystem::create_directories(dir_ / "metrics");
}

void OpsFixture::TearDown() {
  if (daemon_) {
    daemon_->stop();
    if (HasFailure()) std::fprintf(stderr, "--- edgegw ---\n%s\n", daemon_->output().c_str());
  }
  daemon_.reset();
  broker_.reset();
}

std::string OpsFixture::config_text(const std::vector<std::string>& devices) const {
  const std::string port = std::to_string(broker_->port());
  std::string text = "[gateway]\nstate_dir = \"" + (dir_ / "state").string() +
                     "\"\nstatus_file = \"" + status_file().string() + "\"\nmetrics_file = \"" +
                     metrics_file().string() +
                     "\"\n[cloud]\nplatform = \"mqtt\"\nhost = \"127.0.0.1\"\nport = " + port +
                     "\ntls = false\nallow_plaintext = true\nbackoff_min = \"100ms\"\n"
                     "backoff_max = \"500ms\"\n[local_mqtt]\nport = " +
                     port + "\nclient_id = \"edgegw-local\"\n";
  for (const auto& name : devices) {
    text += "[[device]]\nname = \"" + name + "\"\n[device.cloud]\nclient_id = \"" +
            (blocked_.count(name) ? "blocked-" : "edgegw-") + name +
            "\"\n[device.mqtt]\ntopic = \"sensors/" + name + "\"\n";
  }
  return text;
}

void OpsFixture::write_config(const std::vector<std::string>& devices) {
  dir_.write("edgegw.toml", config_text(devices));
}

void OpsFixture::start(const std::vector<std::string>& devices) {
  write_config(devices);
  daemon_ = std::make_unique<Process>(
      std::vector<std::string>{EDGEGW_BINARY, "-c", config_file().string(), "run"});
}

std::optional<daemon::StatusReport> OpsFixture::status() const {
  std::error_code ec;
  if (!std::filesystem::exists(status_file(), ec)) return std::nullopt;
  return daemon::status_from_json(read_file(status_file()));
}

const daemon::DeviceReport* OpsFixture::device(const daemon::StatusReport& r,
                                               const std::string& name) const {
  for (const auto& d : r.devices) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

bool OpsFixture::wait_status(const std::function<bool(const daemon::StatusReport&)>& condition,
                             std::chrono::milliseconds timeout) const {
  return wait_until(
      [&] {
        const auto r = status();
        return r && condition(*r);
      },
      timeout, std::chrono::milliseconds(20));
}

bool OpsFixture::wait_online(const std::vector<std::string>& devices) const {
  return wait_status([&](const daemon::StatusReport& r) {
    // The local link too: a reading published before it subscribed has no one to go to (the
    // cloud sessions and the local client connect side by side, in either order).
    if (!r.local_broker.empty() && r.local_broker != "online") return false;
    for (const auto& name : devices) {
      const auto* d = device(r, name);
      if (!d || d->state != "online") return false;
    }
    return true;
  });
}

CommandResult OpsFixture::edgegw(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {EDGEGW_BINARY, "-c", config_file().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

void OpsFixture::publish_reading(const std::string& name, const std::string& payload) const {
  const auto r =
      run_command({"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(broker_->port()), "-i",
                   "edgegw-test-pub", "-q", "1", "-t", "sensors/" + name, "-m", payload});
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

void OpsFixture::publish_lines(const std::string& name, const std::string& lines, int qos) const {
  const auto file = dir_ / ("lines-" + name + ".txt");
  dir_.write(file.filename().string(), lines);
  const auto r = run_command({"sh", "-c",
                              "mosquitto_pub -h 127.0.0.1 -p " + std::to_string(broker_->port()) +
                                  " -i edgegw-test-lines -q " + std::to_string(qos) +
                                  " -t sensors/" + name + " -l < " + file.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

int OpsFixture::broker_connects(const std::string& client_id) const {
  const std::string log = broker_->log();
  const std::string needle = " as " + client_id + " ";
  int count = 0;
  for (auto pos = log.find(needle); pos != std::string::npos; pos = log.find(needle, pos + 1)) {
    ++count;
  }
  return count;
}

}  // namespace edgegw::test
