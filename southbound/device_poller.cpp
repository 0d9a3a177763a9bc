#include "southbound/device_poller.hpp"

#include <algorithm>
#include <span>

#include "southbound/point_codec.hpp"

namespace edgegw::southbound {

DevicePoller::DevicePoller(ModbusDevice device, Clock::time_point first_due)
    : device_(std::move(device)), next_due_(first_due) {
  stats_.device = device_.name;
  for (auto& block : plan_reads(device_.options.points, device_.options.max_gap)) {
    blocks_.push_back({std::move(block), std::nullopt, false});
  }
  for (const auto& p : device_.options.points) {
    filters_.emplace_back(p.deadband, device_.options.heartbeat);
  }
}

std::vector<ReadBlock> DevicePoller::plan() const {
  std::vector<ReadBlock> out;
  for (const auto& b : blocks_) out.push_back(b.block);
  return out;
}

std::string DevicePoller::describe_block(const ReadBlock& block) const {
  std::string names;
  for (std::size_t i : block.points) {
    if (!names.empty()) names += ",";
    names += device_.options.points[i].name;
  }
  return std::string(to_string(block.table)) + " " + std::to_string(block.start) + "+" +
         std::to_string(block.count) + " (" + names + ")";
}

void DevicePoller::count_failure(const ReadBlock& block, const RequestResult& r,
                                 std::int64_t time_ms) {
  if (r.outcome == Outcome::exception) {
    ++stats_.exceptions;
  } else {
    ++stats_.errors;
  }
  stats_.last_error = describe_block(block) + ": " + r.error;
  stats_.last_error_ms = time_ms;
}

void DevicePoller::decode_block(const ReadBlock& block, Clock::time_point now,
                                std::vector<store::Field>& fields) {
  for (std::size_t i : block.points) {
    const PointSpec& p = device_.options.points[i];
    const std::size_t at = p.address - block.start;
    store::FieldValue value;
    if (is_bit_table(block.table)) {
      value = bits_[at] != 0;
    } else {
      value = decode_registers(p, std::span(registers_).subspan(at, register_count(p.type)));
    }
    events_.observe(p.name, value);
    if (filters_[i].should_report(value, now)) fields.push_back({p.name, std::move(value)});
  }
}

void DevicePoller::handle_exception(std::size_t index, const RequestResult& r,
                                    Clock::time_point now, PollResult& out) {
  PlannedBlock& pb = blocks_[index];
  if (r.exception_code == kIllegalDataAddress && pb.block.points.size() > 1) {
    auto [first, second] = split_block(pb.block, device_.options.points);
    out.logs.emplace_back(loop::LogLevel::debug,
                          unit_text() + " " + describe_block(pb.block) +
                              " refused (illegal data address), split in two");
    pb = {std::move(first), std::nullopt, false};
    blocks_.insert(blocks_.begin() + static_cast<std::ptrdiff_t>(index) + 1,
                   {std::move(second), std::nullopt, false});
    return;
  }
  if (!pb.complaint_logged) {
    out.logs.emplace_back(loop::LogLevel::warning,
                          unit_text() + " " + describe_block(pb.block) + ": " + r.error);
    pb.complaint_logged = true;
  }
  // A point at an address the slave does not have will not get one soon: ask again at the
  // heartbeat. Other exceptions (busy, device failure) may pass: ask again next poll.
  if (r.exception_code == kIllegalDataAddress) pb.retry_at = now + device_.options.heartbeat;
}

void DevicePoller::set_state(bool answered, const std::string& why, std::int64_t time_ms,
                             PollResult& out) {
  const State next = answered ? State::online : State::offline;
  if (next == state_) return;
  if (next == State::offline) {
    out.logs.emplace_back(loop::LogLevel::warning, unit_text() + " offline: " + why);
  } else {
    out.logs.emplace_back(loop::LogLevel::info,
                          unit_text() + (state_ == State::offline ? " back online" : " online"));
  }
  state_ = next;
  store::Record status;
  status.device = name();
  status.time_ms = time_ms;
  status.kind = store::RecordKind::device_status;
  status.fields = {{"online", answered}};
  out.records.push_back(std::move(status));
}

DevicePoller::PollResult DevicePoller::poll(const ReadFn& read, Clock::time_point now,
                                            std::int64_t time_ms) {
  PollResult out;
  // Coming back (or the first poll): every point is reported afresh.
  if (state_ != State::online) {
    for (auto& f : filters_) f.reset();
  }
  std::vector<store::Field> fields;
  bool answered = false;
  std::optional<RequestResult> failure;
  for (std::size_t i = 0; i < blocks_.size();) {
    PlannedBlock& pb = blocks_[i];
    if (pb.retry_at && now < *pb.retry_at) {
      ++i;
      continue;
    }
    const RequestResult r = read(pb.block, registers_, bits_);
    if (r.outcome == Outcome::ok) {
      answered = true;
      pb.retry_at.reset();
      pb.complaint_logged = false;
      decode_block(pb.block, now, fields);
      ++i;
    } else if (r.outcome == Outcome::exception) {
      answered = true;
      count_failure(pb.block, r, time_ms);
      const std::size_t before = blocks_.size();
      handle_exception(i, r, now, out);
      if (blocks_.size() == before) ++i;  // split: read the first half next
    } else {
      failure = r;
      count_failure(pb.block, r, time_ms);
      if (answered) {
        // The device is there; this block is not answered. Set it aside (see the header).
        if (!pb.complaint_logged) {
          out.logs.emplace_back(loop::LogLevel::warning,
                                unit_text() + " " + describe_block(pb.block) + ": " + r.error);
          pb.complaint_logged = true;
        }
        pb.retry_at = now + device_.options.heartbeat;
      }
      break;
    }
  }
  // Nothing asked (every block set aside) counts as "still as it was".
  const bool asked = answered || failure.has_value();
  if (asked) {
    ++stats_.polls;
    set_state(answered, failure ? failure->error : std::string{}, time_ms, out);
  }
  if (!fields.empty()) {
    store::Record reading;
    reading.device = name();
    reading.time_ms = time_ms;
    reading.kind = store::RecordKind::telemetry;
    reading.fields = std::move(fields);
    out.records.push_back(std::move(reading));
  }
  for (auto& event : events_.take(name(), time_ms)) out.records.push_back(std::move(event));
  if (state_ == State::offline) {
    next_due_ = now + std::max(device_.options.interval, device_.options.offline_interval);
  } else {
    next_due_ = std::max(next_due_ + device_.options.interval, now);
  }
  return out;
}

}  // namespace edgegw::southbound
