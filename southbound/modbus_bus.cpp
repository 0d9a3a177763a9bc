#include "southbound/modbus_bus.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <random>
#include <system_error>
#include <utility>

#include "southbound/modbus_link.hpp"

namespace edgegw::southbound {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// No jitter: a bus is one local line or endpoint with one client, so there is no herd of clients
// to spread, and plain doubling from reconnect_min to reconnect_max is what the options promise.
loop::BackoffOptions reconnect_policy(const BusOptions& bus) {
  loop::BackoffOptions o;
  o.min = bus.reconnect_min;
  o.max = bus.reconnect_max;
  o.jitter = loop::Jitter::none;
  return o;
}

// Leaves `device` with only the points named (all when none are) and no events; returns the
// names it does not have.
std::vector<std::string> keep_points(ModbusDevice& device, const std::vector<std::string>& names) {
  device.options.events.clear();
  std::vector<std::string> unknown;
  if (names.empty()) return unknown;
  auto& points = device.options.points;
  std::erase_if(points, [&](const PointSpec& p) {
    return std::find(names.begin(), names.end(), p.name) == names.end();
  });
  for (const auto& name : names) {
    if (std::none_of(points.begin(), points.end(),
                     [&](const PointSpec& p) { return p.name == name; })) {
      unknown.push_back(name);
    }
  }
  return unknown;
}

}  // namespace

ModbusBus::ModbusBus(BusOptions bus, std::vector<ModbusDevice> devices, loop::LogSink log)
    : options_(std::move(bus)),
      log_(std::move(log)),
      reconnect_backoff_(reconnect_policy(options_), std::random_device{}()) {
  link_ = std::make_unique<ModbusLink>(options_);
  const auto now = Clock::now();
  for (auto& d : devices) devices_.emplace_back(std::move(d), now);
  for (const auto& d : devices_) device_stats_.push_back(d.stats());
  event_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (event_fd_ < 0) {
    throw std::system_error(errno, std::generic_category(),
                            "modbus bus " + options_.name + ": cannot create its eventfd");
  }
}

ModbusBus::~ModbusBus() {
  stop();
  link_.reset();
  if (event_fd_ >= 0) ::close(event_fd_);
}

void ModbusBus::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
    stop_requested_ = false;
  }
  thread_ = std::thread([this] { run(); });
}

void ModbusBus::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    stop_requested_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::vector<store::Record> ModbusBus::take_readings() {
  std::uint64_t ignored;
  while (::read(event_fd_, &ignored, sizeof ignored) < 0 && errno == EINTR) {
  }
  std::lock_guard lock(mutex_);
  std::vector<store::Record> out;
  out.swap(readings_);
  // Cleared after the eventfd was drained: a reading published from here on signals again.
  readings_signaled_ = false;
  return out;
}

void ModbusBus::restore_baselines(const Baselines& baselines) {
  std::lock_guard lock(mutex_);
  for (auto& device : devices_) {
    auto it = baselines.find(device.name());
    if (it == baselines.end()) continue;
    device.restore_baselines(it->second);
    baselines_[device.name()] = it->second;
  }
}

std::optional<ModbusBus::Baselines> ModbusBus::take_baselines() {
  std::lock_guard lock(mutex_);
  if (!std::exchange(baselines_changed_, false)) return std::nullopt;
  return baselines_;
}

std::vector<WriteResult> ModbusBus::take_write_results() {
  std::lock_guard lock(mutex_);
  std::vector<WriteResult> out;
  out.swap(results_);
  return out;
}

std::vector<ReadResult> ModbusBus::take_read_results() {
  std::lock_guard lock(mutex_);
  std::vector<ReadResult> out;
  out.swap(read_results_);
  return out;
}

void ModbusBus::submit_read(ReadRequest request) {
  {
    std::lock_guard lock(mutex_);
    if (reads_.size() < kMaxQueuedWrites) {
      reads_.push_back(std::move(request));
      wake_.notify_all();
      return;
    }
    read_results_.push_back({request.device,
                             request.request_id,
                             false,
                             "bus " + options_.name + " has too many reads queued",
                             {}});
  }
  signal();
}

void ModbusBus::submit_write(WriteRequest request) {
  {
    std::lock_guard lock(mutex_);
    if (writes_.size() >= kMaxQueuedWrites) {
      results_.push_back({request.device,
                          request.request_id,
                          false,
                          "bus " + options_.name + " has too many writes queued",
                          {}});
    } else {
      writes_.push_back(std::move(request));
      wake_.notify_all();
      return;
    }
  }
  signal();
}

bool ModbusBus::request_poll(const std::string& device) {
  const bool known = std::any_of(devices_.begin(), devices_.end(),
                                 [&](const auto& d) { return d.name() == device; });
  if (!known) return false;
  std::lock_guard lock(mutex_);
  poll_requests_.push_back(device);
  wake_.notify_all();
  return true;
}

BusStats ModbusBus::stats() const {
  BusStats s;
  s.requests = counters_.requests;
  s.failures = counters_.failures;
  s.exceptions = counters_.exceptions;
  s.points = counters_.points;
  s.connects = counters_.connects;
  s.dropped = counters_.dropped;
  s.fd = counters_.fd;
  {
    std::lock_guard lock(mutex_);
    s.devices = device_stats_;
  }
  for (const auto& d : s.devices) s.polls += d.polls;
  return s;
}

void ModbusBus::signal() {
  const std::uint64_t one = 1;
  while (::write(event_fd_, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

void ModbusBus::log(loop::LogLevel level, const std::string& device,
                    const std::string& message) const {
  if (log_) log_(level, device, message);
}

// Under mutex_. True when the loop must be woken: one wakeup per batch the loop takes, not one
// per poll (a bus polling faster than the loop turns would otherwise cost a write and a loop
// wakeup per poll).
bool ModbusBus::push_readings(std::vector<store::Record>& records) {
  for (auto& r : records) readings_.push_back(std::move(r));
  if (readings_.size() > kMaxQueuedRecords) {
    const std::size_t excess = readings_.size() - kMaxQueuedRecords;
    readings_.erase(readings_.begin(), readings_.begin() + static_cast<std::ptrdiff_t>(excess));
    counters_.dropped += excess;
  }
  if (readings_signaled_) return false;
  readings_signaled_ = true;
  return true;
}

void ModbusBus::publish_result(WriteResult result) {
  {
    std::lock_guard lock(mutex_);
    results_.push_back(std::move(result));
  }
  signal();
}

void ModbusBus::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (!writes_.empty()) {
      WriteRequest request = std::move(writes_.front());
      writes_.pop_front();
      lock.unlock();
      execute_write(request);
      lock.lock();
      continue;
    }
    if (!reads_.empty()) {
      ReadRequest request = std::move(reads_.front());
      reads_.pop_front();
      lock.unlock();
      execute_read(request);
      lock.lock();
      continue;
    }
    for (const auto& name : poll_requests_) {
      for (auto& d : devices_) {
        if (d.name() == name) d.poll_soon(Clock::now());
      }
    }
    poll_requests_.clear();
    if (devices_.empty()) {
      wake_.wait(lock);
      continue;
    }
    auto due = std::min_element(devices_.begin(), devices_.end(), [](const auto& a, const auto& b) {
      return a.next_due() < b.next_due();
    });
    if (due->next_due() > Clock::now()) {
      wake_.wait_until(lock, due->next_due());
      continue;
    }
    lock.unlock();
    poll_device(*due);
    lock.lock();
  }
}

bool ModbusBus::ensure_connected() {
  if (link_->connected()) return true;
  const auto now = Clock::now();
  if (now < reconnect_at_) return false;
  const std::string previous_error = connect_error_;
  connect_error_ = link_->connect();
  if (connect_error_.empty()) {
    ++counters_.connects;
    counters_.fd = link_->fd();
    if (connect_failing_) {
      const auto down = std::chrono::duration_cast<std::chrono::seconds>(now - failing_since_);
      log(loop::LogLevel::info, {},
          // "Again" only for a link that was up before, not for a slave first reached late.
          "modbus bus " + options_.name + ": connected" + (counters_.connects > 1 ? " again" : "") +
              " after " + std::to_string(down.count()) + " s, attempt " +
              std::to_string(failed_connects_ + 1));
    } else if (counters_.connects == 1) {
      log(loop::LogLevel::info, {}, "modbus bus " + options_.name + ": connected");
    }
    connect_failing_ = false;
    reconnect_backoff_.reset();
    return true;
  }
  const auto delay = reconnect_backoff_.next_delay();
  reconnect_at_ = now + delay;
  const auto retry = "; next attempt in " + std::to_string(delay.count()) + " ms";
  // One line per outage, and again only when the reason changes; each retry at debug.
  const bool news = !connect_failing_ || connect_error_ != previous_error;
  if (!connect_failing_) {
    failing_since_ = now;
    failed_connects_ = 0;
  }
  ++failed_connects_;
  log(news ? loop::LogLevel::warning : loop::LogLevel::debug, {},
      "modbus bus " + options_.name + ": " + connect_error_ + retry + " (backing off)");
  connect_failing_ = true;
  return false;
}

void ModbusBus::pace() {
  if (options_.pause.count() <= 0) return;
  const auto ready = last_request_end_ + options_.pause;
  if (Clock::now() >= ready) return;
  std::unique_lock lock(mutex_);
  wake_.wait_until(lock, ready, [this] { return stopping_; });
}

template <typename Request>
RequestResult ModbusBus::with_retries(bool device_online, Request&& request) {
  const unsigned attempts = 1 + (device_online ? options_.retries : 0);
  RequestResult r{Outcome::not_connected, 0, "bus stopping"};
  for (unsigned attempt = 0; attempt < attempts && !stop_requested_; ++attempt) {
    if (!ensure_connected()) {
      return {Outcome::not_connected, 0, connect_error_.empty() ? "not connected" : connect_error_};
    }
    pace();
    if (stop_requested_) break;  // stopping: no request may go out after the pause
    r = request();
    last_request_end_ = Clock::now();
    ++counters_.requests;
    if (r.outcome == Outcome::ok) return r;
    if (r.outcome == Outcome::exception) {
      ++counters_.exceptions;
      return r;
    }
    ++counters_.failures;
    if (r.outcome == Outcome::transport_error) {
      log(loop::LogLevel::debug, {},
          "modbus bus " + options_.name + ": " + r.error + ", reconnecting");
      link_->disconnect();
      counters_.fd = -1;
    } else {
      link_->flush();
    }
  }
  return r;
}

void ModbusBus::poll_device(DevicePoller& device) {
  const auto now = Clock::now();
  // Retries only for a device that answered last time: an absent one costs one timeout.
  const bool retry = !device.offline();
  auto result = device.poll(
      [&](const ReadBlock& block, std::vector<std::uint16_t>& regs,
          std::vector<std::uint8_t>& bits) {
        return with_retries(retry, [&] { return link_->read(device.unit(), block, regs, bits); });
      },
      now, wall_ms());
  // A poll cut short by stop() says nothing about the device: publish none of it (no false
  // "offline" at shutdown).
  if (stop_requested_) return;
  {
    std::lock_guard lock(mutex_);
    device_stats_[static_cast<std::size_t>(&device - devices_.data())] = device.stats();
  }
  for (const auto& [level, message] : result.logs) log(level, device.name(), message);
  for (const auto& r : result.records) {
    if (r.kind == store::RecordKind::telemetry) counters_.points += r.fields.size();
  }
  bool wake = false;
  if (result.baselines) {
    // Under the records' lock: the owner takes baselines, then readings, so it never holds a
    // baseline whose event it has not taken yet (saved ahead of its event, a crash would lose it).
    std::lock_guard lock(mutex_);
    baselines_[device.name()] = std::move(*result.baselines);
    baselines_changed_ = true;
    wake = push_readings(result.records);
  } else if (!result.records.empty()) {
    std::lock_guard lock(mutex_);
    wake = push_readings(result.records);
  }
  if (wake) signal();
  // A TCP endpoint where no device answers any more may be a half-open connection: start afresh.
  if (options_.transport != Transport::rtu && link_->connected() &&
      std::all_of(devices_.begin(), devices_.end(), [](const auto& d) { return d.offline(); })) {
    link_->disconnect();
    counters_.fd = -1;
  }
}

void ModbusBus::execute_write(const WriteRequest& request) {
  WriteResult result{request.device, request.request_id, false, {}, {}};
  auto device = std::find_if(devices_.begin(), devices_.end(),
                             [&](const auto& d) { return d.name() == request.device; });
  if (device == devices_.end()) {
    result.message = "no device " + request.device + " on modbus bus " + options_.name;
    publish_result(std::move(result));
    return;
  }
  WritePlan plan = plan_writes(device->device().options, request.values);
  if (!plan.refused.empty()) {
    result.message = "refused: " + describe(plan.refused);
    result.failures = std::move(plan.refused);
    publish_result(std::move(result));
    return;
  }
  for (const WriteOp& op : plan.ops) {
    const RequestResult r =
        with_retries(!device->offline(), [&] { return link_->write(device->unit(), op); });
    if (r.outcome == Outcome::ok) continue;
    for (const auto& point : op.points) result.failures.push_back({point, r.error});
  }
  result.ok = result.failures.empty();
  result.message = result.ok ? "ok" : describe(result.failures);
  if (!result.ok) {
    log(loop::LogLevel::warning, request.device,
        device->unit_text() + " write " + std::to_string(request.request_id) +
            " failed: " + result.message);
  }
  device->poll_soon(Clock::now());
  publish_result(std::move(result));
}

// The asked points only, read by a poller of their own: the same planning, splitting and decoding
// as the device's polls, but the device's poller (its schedule, deadbands, online state and
// events) is left alone.
void ModbusBus::execute_read(const ReadRequest& request) {
  ReadResult result{request.device, request.request_id, false, {}, {}};
  auto device = std::find_if(devices_.begin(), devices_.end(),
                             [&](const auto& d) { return d.name() == request.device; });
  if (device == devices_.end()) {
    result.message = "no device " + request.device + " on modbus bus " + options_.name;
    std::lock_guard lock(mutex_);
    read_results_.push_back(std::move(result));
    signal();
    return;
  }
  ModbusDevice asked = device->device();
  const std::vector<std::string> unknown = keep_points(asked, request.points);
  std::string failure;
  if (!asked.options.points.empty()) {
    DevicePoller once(asked, Clock::now());
    const bool retry = !device->offline();
    auto polled = once.poll(
        [&](const ReadBlock& block, std::vector<std::uint16_t>& regs,
            std::vector<std::uint8_t>& bits) {
          auto r =
              with_retries(retry, [&] { return link_->read(device->unit(), block, regs, bits); });
          if (r.outcome != Outcome::ok && failure.empty()) failure = r.error;
          return r;
        },
        Clock::now(), wall_ms());
    for (auto& record : polled.records) {
      if (record.kind != store::RecordKind::telemetry) continue;
      for (auto& field : record.fields) {
        if (!field.name.starts_with('$')) result.values.push_back(std::move(field));  // quality
      }
    }
  }
  std::string missing;
  for (const auto& p : asked.options.points) {
    if (std::none_of(result.values.begin(), result.values.end(),
                     [&](const store::Field& f) { return f.name == p.name; })) {
      missing += " " + p.name;
    }
  }
  for (const auto& name : unknown) missing += " " + name + " (no such point)";
  result.ok = missing.empty();
  result.message =
      result.ok ? "ok" : "not read:" + missing + (failure.empty() ? "" : " (" + failure + ")");
  {
    std::lock_guard lock(mutex_);
    read_results_.push_back(std::move(result));
  }
  signal();
}

}  // namespace edgegw::southbound
