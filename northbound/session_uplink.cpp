// Session, the records' way up: the outbox hands a session records (refill, or offer() when the
// northbound reads for many sessions at once), pump() publishes them within the in-flight window
// and the publish rate, a PUBACK acknowledges them in the outbox, and command answers wait here
// for the link.
#include <chrono>
#include <limits>
#include <utility>

#include "northbound/session.hpp"

namespace edgegw::northbound {

namespace {
using SteadyClock = std::chrono::steady_clock;
}  // namespace

void Session::on_puback(std::uint16_t packet_id) {
  if (carrier_ && carrier_->carrier_puback(packet_id)) {
    pump(std::numeric_limits<std::size_t>::max());
    return;
  }
  changed();  // inflight and acknowledged
  auto it = inflight_.find(packet_id);
  if (it != inflight_.end()) {
    auto seq = it->second;
    inflight_.erase(it);
    auto parts = parts_left_.find(seq);
    if (parts != parts_left_.end() && --parts->second == 0) {
      parts_left_.erase(parts);
      env_.outbox->ack(identity_->device, seq);
      if (held_ > 0) --held_;
      ++acknowledged_;
    }
  }
  pump(std::numeric_limits<std::size_t>::max());
}

void Session::on_writable() {
  flush_replies();
  pump(std::numeric_limits<std::size_t>::max());
  if (carrier_) carrier_->carrier_writable();
}

bool Session::wants_records() const {
  return online() && connection_ && connection_->connected() && pending_.empty() &&
         connection_->inflight() < gate_.max_inflight() &&
         held_ < env_.outbox->backlog(identity_->device);
}

void Session::refill() {
  if (held_ >= env_.outbox->backlog(identity_->device)) return;
  offer(env_.outbox->take(identity_->device, options_.take_batch));
}

void Session::offer(std::vector<store::Record> records) {
  for (auto& record : records) {
    auto uplink = env_.platform->encode_uplink(*identity_, record);
    const auto what = disposition(uplink);
    if (what == UplinkDisposition::done) {
      env_.outbox->ack(identity_->device, record.seq);  // delivered as far as this platform goes
      continue;
    }
    if (what == UplinkDisposition::drop) {
      // It can never be sent; keeping it would block the device's queue for good.
      ++dropped_;
      log(loop::LogLevel::warning,
          "record " + std::to_string(record.seq) + " cannot be sent (" +
              (uplink.error ? uplink.error->reason : std::string("empty")) + "); dropped");
      env_.outbox->ack(identity_->device, record.seq);
      continue;
    }
    ++held_;
    parts_left_[record.seq] = static_cast<unsigned>(uplink.publications.size());
    for (auto& publication : uplink.publications) {
      pending_.push_back({record.seq, std::move(publication)});
    }
  }
}

std::size_t Session::pump(std::size_t budget) {
  if (!online() || !connection_ || !connection_->connected()) return 0;
  auto now = SteadyClock::now();
  flush_replies();
  std::size_t sent = 0;
  while (sent < budget) {
    if (pending_.empty()) refill();
    if (pending_.empty()) break;
    if (gate_.allowance(now, connection_->inflight()) == 0) {
      if (connection_->inflight() < gate_.max_inflight()) arm_timer(gate_.next_token(now));
      break;
    }
    auto& next = pending_.front();
    auto id = connection_->publish(next.publication.topic, next.publication.payload,
                                   next.publication.qos);
    if (!id) break;  // window or output queue full: on_puback / on_writable resume
    gate_.spend(now, 1);
    ++published_;
    ++sent;
    changed();
    auto seq = next.seq;
    pending_.pop_front();
    if (*id != 0) {
      inflight_[*id] = seq;
    } else if (auto parts = parts_left_.find(seq);
               parts != parts_left_.end() && --parts->second == 0) {
      // QoS 0 (a platform that wants it): nothing will acknowledge it.
      parts_left_.erase(parts);
      env_.outbox->ack(identity_->device, seq);
      if (held_ > 0) --held_;
      ++acknowledged_;
    }
  }
  return sent;
}

bool Session::reply(const Command& command, const CommandResult& result) {
  auto publication = env_.platform->encode_reply(*identity_, command, result);
  if (!publication) return true;
  if (replies_.size() >= kMaxQueuedReplies) {
    log(loop::LogLevel::warning, "too many command replies waiting for the cloud; dropping one");
    return false;
  }
  replies_.push_back(std::move(*publication));
  flush_replies();
  return true;
}

void Session::flush_replies() {
  if (!online() || !connection_ || !connection_->connected()) return;
  auto now = SteadyClock::now();
  while (!replies_.empty()) {
    const auto& p = replies_.front();
    if (!connection_->publish(p.topic, p.payload, p.qos)) break;
    gate_.spend(now, 1);
    ++published_;
    changed();
    replies_.pop_front();
  }
}

}  // namespace edgegw::northbound
