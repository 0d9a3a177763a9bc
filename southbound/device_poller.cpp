#include "southbound/device_poller.hpp"

#include <algorithm>
#include <cmath>
#include <span>

#include "southbound/point_codec.hpp"

namespace edgegw::southbound {

DevicePoller::DevicePoller(ModbusDevice device, Clock::time_point first_due)
    : device_(std::move(device)), next_due_(first_due) {
  stats_.device = device_.name;
  limits_.left_out.assign(device_.options.points.size(), false);
  point_due_.assign(device_.options.points.size(), first_due);
  due_.assign(device_.options.points.size(), true);
  quality_.assign(device_.options.points.size(), std::string{});
  for (const auto& p : device_.options.points) {
    widths_.push_back(static_cast<std::uint16_t>(point_width(p)));
    if (p.interval.count() > 0) one_interval_ = false;
    paths_.push_back(decode_path(p));
  }
  replan(first_due);
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

// Runs once per point per poll: what does not depend on the point is decided once per block, and
// the usual case (no event condition, quality already good, deadband 0) costs no call.
void DevicePoller::decode_block(const ReadBlock& block, Clock::time_point now,
                                std::vector<store::Field>& fields) {
  const bool bit_table = is_bit_table(block.table);
  const bool events = !events_.empty();
  const std::span<const std::uint16_t> registers(registers_);
  for (std::size_t i : block.points) {
    const PointSpec& p = device_.options.points[i];
    const std::size_t at = p.address - block.start;
    store::FieldValue value = bit_table
                                  ? store::FieldValue{bits_[at] != 0}
                                  : decode_on_path(paths_[i], p, registers.subspan(at, widths_[i]));
    if (events) events_.observe(p.name, value);  // every decoded value, not only what is reported
    if (!due_[i]) continue;  // read with its block, reported at its own interval
    if (const auto* d = std::get_if<double>(&value); d != nullptr && !std::isfinite(*d)) {
      set_quality(i, "not a finite number (NaN or infinity)", fields);
      continue;
    }
    if (!quality_[i].empty()) set_quality(i, {}, fields);
    if (filters_[i].should_report(value, now)) fields.push_back({p.name, std::move(value)});
  }
}

// A point's quality goes out when it changes: "bad: why" when the device refuses the point or its
// registers do not decode to a usable value (instead of leaving it out silently), "good" when it
// is read again. A refused point is asked again at each heartbeat, and reported bad again then.
void DevicePoller::set_quality(std::size_t i, const std::string& problem,
                               std::vector<store::Field>& fields, bool again) {
  if (problem == quality_[i] && !again) return;
  const std::string name = std::string(kQualityPrefix) + device_.options.points[i].name;
  if (problem.empty()) {
    filters_[i].reset();  // the value goes out beside "good"
    fields.push_back({name, std::string("good")});
  } else {
    fields.push_back({name, "bad: " + problem});
  }
  quality_[i] = problem;
}

namespace {

// Exceptions 02 (illegal data address) and 03 (illegal data value: some slaves say this for a
// range they do not implement) refuse a block because of what it covers.
bool refuses_range(const RequestResult& r) {
  return r.outcome == Outcome::exception &&
         (r.exception_code == kIllegalDataAddress || r.exception_code == 3);
}

}  // namespace

// The plan under what the slave refused so far: the fewest reads that avoid every refused point
// and every pair of points that cannot be read together. A refused point keeps a block of its
// own, asked again at its heartbeat. Blocks set aside after a timeout stay set aside.
void DevicePoller::replan(Clock::time_point now) {
  std::vector<PlannedBlock> old = std::move(blocks_);
  blocks_.clear();
  const auto& points = device_.options.points;
  for (auto& block : plan_reads(points, device_.options.max_gap, limits_)) {
    blocks_.push_back({std::move(block), std::nullopt, false});
  }
  for (auto& pb : blocks_) {
    for (const auto& o : old) {
      if (o.block == pb.block) pb = o;
    }
  }
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (!limits_.left_out[i]) continue;
    PlannedBlock lone{ReadBlock{points[i].table,
                                points[i].address,
                                static_cast<std::uint16_t>(point_width(points[i])),
                                {i}},
                      std::nullopt, true};
    for (const auto& o : old) {
      if (o.block == lone.block) lone = o;
    }
    if (!lone.retry_at) lone.retry_at = now + device_.options.heartbeat;  // left out just now
    blocks_.push_back(std::move(lone));
  }
}

void DevicePoller::complain(PlannedBlock& pb, const ReadBlock& block, const RequestResult& r,
                            PollResult& out) {
  if (pb.complaint_logged) return;
  out.logs.emplace_back(loop::LogLevel::warning,
                        unit_text() + " " + describe_block(block) + ": " + r.error);
  pb.complaint_logged = true;
}

// A block refused for what it covers: a lone point is left out of the plan until its heartbeat;
// a larger block is read in two halves, and when both halves answer whole the two points beside
// the cut are kept apart from then on. Each refusal teaches the plan something, so the splitting
// ends, and the plan made from what was learnt is again the fewest reads (block_planner.hpp).
DevicePoller::BlockRead DevicePoller::refused_whole(const ReadBlock& block, PlannedBlock& pb,
                                                    const RequestResult& r, PollContext& ctx) {
  if (block.points.size() == 1) {
    const std::size_t i = block.points.front();
    if (!limits_.left_out[i]) {
      ctx.out.logs.emplace_back(loop::LogLevel::warning,
                                unit_text() + " " + describe_block(block) + ": " + r.error);
      limits_.left_out[i] = true;
      ctx.learnt = true;  // its own block is made by replan(), asked again at the heartbeat
    } else if (&block == &pb.block) {
      pb.retry_at = ctx.now + device_.options.heartbeat;
    }
    set_quality(i, r.error, ctx.fields, /*again=*/true);
    return BlockRead::refused;
  }
  ctx.out.logs.emplace_back(loop::LogLevel::debug, unit_text() + " " + describe_block(block) +
                                                       " refused (" + r.error + "), split in two");
  const auto [first, second] = split_block(block, device_.options.points);
  const BlockRead a = read_refusable(first, pb, ctx);
  if (a == BlockRead::no_answer) return a;
  const BlockRead b = read_refusable(second, pb, ctx);
  if (b == BlockRead::no_answer) return b;
  if (a == BlockRead::whole && b == BlockRead::whole) {
    limits_.apart.emplace_back(first.points.back(), second.points.front());
    ctx.learnt = true;
  }
  return a == BlockRead::refused || b == BlockRead::refused ? BlockRead::refused
                                                            : BlockRead::in_pieces;
}

DevicePoller::BlockRead DevicePoller::read_refusable(const ReadBlock& block, PlannedBlock& pb,
                                                     PollContext& ctx) {
  const RequestResult r = ctx.read(block, registers_, bits_);
  if (r.outcome == Outcome::ok) {
    ctx.answered = true;
    decode_block(block, ctx.now, ctx.fields);
    return BlockRead::whole;
  }
  count_failure(block, r, ctx.time_ms);
  if (r.outcome != Outcome::exception) {
    ctx.failure = r;
    return BlockRead::no_answer;
  }
  ctx.answered = true;
  if (refuses_range(r)) return refused_whole(block, pb, r, ctx);
  // Busy, device failure and the like may pass: ask again next poll.
  complain(pb, block, r, ctx.out);
  return BlockRead::refused;
}

DevicePoller::BlockRead DevicePoller::read_block(PlannedBlock& pb, PollContext& ctx) {
  const BlockRead result = read_refusable(pb.block, pb, ctx);
  if (result == BlockRead::whole) {
    pb.retry_at.reset();
    pb.complaint_logged = false;
    if (pb.block.points.size() == 1 && limits_.left_out[pb.block.points.front()]) {
      limits_.left_out[pb.block.points.front()] = false;  // the slave has it now
      ctx.learnt = true;
    }
  } else if (result == BlockRead::no_answer && ctx.answered) {
    // The device is there; this block is not answered. Set it aside (see the header).
    complain(pb, pb.block, *ctx.failure, ctx.out);
    pb.retry_at = ctx.now + device_.options.heartbeat;
  }
  return result;
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
  fields.reserve(last_fields_);  // one allocation for the poll's record, not one per doubling
  PollContext ctx{read, now, time_ms, out, fields, std::nullopt, false, false};
  for (std::size_t i = 0; i < due_.size(); ++i) {
    due_[i] = state_ != State::online || point_due_[i] <= now;
    if (state_ != State::online) point_due_[i] = now;  // (back) online: periods start afresh
  }
  for (auto& pb : blocks_) {
    if (pb.retry_at && now < *pb.retry_at) continue;
    if (std::none_of(pb.block.points.begin(), pb.block.points.end(),
                     [&](std::size_t i) { return due_[i]; })) {
      continue;
    }
    if (read_block(pb, ctx) == BlockRead::no_answer) break;
  }
  if (ctx.learnt) replan(now);
  const bool answered = ctx.answered;
  const std::optional<RequestResult>& failure = ctx.failure;
  // Nothing asked (every block set aside) counts as "still as it was".
  const bool asked = answered || failure.has_value();
  if (asked) {
    ++stats_.polls;
    set_state(answered, failure ? failure->error : std::string{}, time_ms, out);
  }
  last_fields_ = fields.size();
  if (!fields.empty()) {
    store::Record reading;
    reading.device = name();
    reading.time_ms = time_ms;
    reading.kind = store::RecordKind::telemetry;
    reading.fields = std::move(fields);
    out.records.push_back(std::move(reading));
  }
  for (auto& event : events_.take(name(), time_ms)) out.records.push_back(std::move(event));
  if (events_.baselines_changed()) out.baselines = events_.baselines();
  schedule(now);
  return out;
}

void DevicePoller::schedule(Clock::time_point now) {
  if (state_ == State::offline) {
    next_due_ = now + std::max(device_.options.interval, device_.options.offline_interval);
    return;
  }
  const auto& points = device_.options.points;
  if (one_interval_ && !points.empty() && due_[0]) {
    // Every point was due (they share one time): the same step for all, without a loop per point.
    next_due_ = std::max(point_due_[0] + device_.options.interval, now);
    std::fill(point_due_.begin(), point_due_.end(), next_due_);
    return;
  }
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (!due_[i]) continue;
    const auto period =
        points[i].interval.count() > 0 ? points[i].interval : device_.options.interval;
    point_due_[i] = std::max(point_due_[i] + period, now);
  }
  next_due_ = points.empty() ? now + device_.options.interval
                             : *std::min_element(point_due_.begin(), point_due_.end());
}

void DevicePoller::poll_soon(Clock::time_point now) {
  for (auto& due : point_due_) due = std::min(due, now);
  next_due_ = now;
}

}  // namespace edgegw::southbound
