// GatewayTopology, the sub-devices' traffic through the gateway's link: records up (round robin
// over the sub-devices with something to send, batched where the platform carries several in one
// publication), commands down (routed by the platform's topic or payload), and the PUBACKs that
// acknowledge the records in the outbox.
#include <algorithm>
#include <limits>
#include <utility>

#include "northbound/gateway_topology.hpp"
#include "northbound/gateway_topology_sub.hpp"

namespace edgegw::northbound {

namespace {
constexpr std::size_t kMaxQueuedReplies = 256;
}  // namespace

bool GatewayTopology::carrier_message(const mqtt::Message& message) {
  if (auto reply = protocol_.decode_reply(gateway_->identity(), message.topic, message.payload)) {
    handle_reply(*reply);
    return true;
  }
  auto route = protocol_.route(gateway_->identity(), message.topic, message.payload);
  if (!route) return false;
  auto name = by_key_.find(route->key);
  if (name == by_key_.end()) return false;
  Sub& sub = *find(name->second);
  if (message.dropped_payload > 0) return true;
  auto r = env_.platform->decode_downlink(sub.id, route->topic, message.payload);
  if (r.command) {
    ++sub.commands;
    mark(sub);
    if (env_.on_command) env_.on_command(sub.id.device, *r.command);
  } else if (r.ack && !r.ack->ok) {
    log(loop::LogLevel::warning, sub.id.device,
        "the platform refused message " + r.ack->id + " (code " + std::to_string(r.ack->code) +
            ": " + r.ack->message + ")");
  } else if (r.error && r.error->reply) {
    queue_reply(sub, *r.error->reply);
  }
  return true;
}

// One PUBACK acknowledges every sub-device record part its publication carried.
bool GatewayTopology::carrier_puback(std::uint16_t packet_id) {
  auto it = inflight_.find(packet_id);
  if (it == inflight_.end()) return false;
  auto records = std::move(it->second);
  inflight_.erase(it);
  for (const auto& entry : records) {
    Sub* sub = find(entry.device);
    if (!sub) continue;
    if (sub->inflight > 0) --sub->inflight;
    mark(*sub);
    part_done(*sub, entry.seq);
    // A slot is free: the next in turn gets it, not necessarily this device.
    if (online(entry.device)) want_to_send(*sub);
  }
  serve(std::numeric_limits<std::size_t>::max());
  return true;
}

void GatewayTopology::part_done(Sub& sub, std::uint64_t seq) {
  auto parts = sub.parts_left.find(seq);
  if (parts == sub.parts_left.end() || --parts->second > 0) return;
  sub.parts_left.erase(parts);
  env_.outbox->ack(sub.id.device, seq);
  if (sub.held > 0) --sub.held;
  ++sub.acknowledged;
}

void GatewayTopology::carrier_writable() {
  flush_replies();
  send_requests();
}

void GatewayTopology::refill(Sub& sub) {
  if (sub.held >= env_.outbox->backlog(sub.id.device)) return;
  for (auto& record : env_.outbox->take(sub.id.device, options_.take_batch)) {
    auto uplink = env_.platform->encode_uplink(sub.id, record);
    if (!uplink.ok() || uplink.publications.empty()) {
      log(loop::LogLevel::warning, sub.id.device,
          "record " + std::to_string(record.seq) + " cannot be sent (" +
              (uplink.error ? uplink.error->reason : std::string("empty")) + "); dropped");
      env_.outbox->ack(sub.id.device, record.seq);
      continue;
    }
    ++sub.held;
    sub.parts_left[record.seq] = static_cast<unsigned>(uplink.publications.size());
    for (auto& publication : uplink.publications) {
      sub.pending.push_back({record.seq, std::move(publication)});
    }
  }
}

// Gathers the front record part of `device` and, where the platform batches, of other online
// sub-devices (at most one each, so each keeps its order), and publishes what carry() makes of
// them. A part leaves its queue only once the publication carrying it went out.
std::size_t GatewayTopology::pump(const std::string& device, std::size_t budget) {
  queue(device);
  return send_queued(budget);
}

void GatewayTopology::queue(const std::string& device) {
  Sub* sub = find(device);
  if (sub && online(device)) want_to_send(*sub);
}

std::size_t GatewayTopology::send_queued(std::size_t budget) {
  if (senders_.empty()) return 0;
  flush_replies();
  return serve(budget);
}

void GatewayTopology::want_to_send(Sub& sub) {
  if (sub.in_senders) return;
  sub.in_senders = true;
  senders_.push_back(&sub);
}

std::size_t GatewayTopology::serve(std::size_t budget) {
  std::size_t sent = 0;
  while (sent < budget && !senders_.empty()) {
    auto batch = next_turns();
    if (batch.empty()) break;
    std::vector<SubPublication> parts;
    parts.reserve(batch.size());
    for (Sub* sub : batch) parts.push_back({&sub->id, &sub->pending.front().publication});
    bool window_full = false;
    std::vector<bool> gone(batch.size(), false);
    for (auto& carried : protocol_.carry(gateway_->identity(), parts)) {
      if (sent >= budget || !publish_carried(carried, batch, gone)) {
        window_full = true;  // the gateway's window is full: its PUBACKs resume
        break;
      }
      ++sent;
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (!gone[i]) continue;
      batch[i]->pending.pop_front();
      want_to_send(*batch[i]);  // back of the queue: it may have more
    }
    if (window_full) {  // those not sent keep their turn for the next free slot
      for (std::size_t i = batch.size(); i-- > 0;) {
        if (gone[i] || batch[i]->in_senders) continue;
        batch[i]->in_senders = true;
        senders_.push_front(batch[i]);
      }
      break;
    }
  }
  return sent;
}

// The next sub-devices in turn that have a record to send: one, or up to max_carried() where the
// platform batches (one part each, so each keeps its order). Those with nothing left leave the
// queue until they have something again.
std::vector<GatewayTopology::Sub*> GatewayTopology::next_turns() {
  std::vector<Sub*> batch;
  const std::size_t want = std::max<std::size_t>(1, protocol_.max_carried());
  while (batch.size() < want && !senders_.empty()) {
    Sub* sub = senders_.front();
    senders_.pop_front();
    sub->in_senders = false;
    if (!online(sub->id.device)) continue;
    if (sub->pending.empty()) refill(*sub);
    if (!sub->pending.empty()) batch.push_back(sub);
  }
  return batch;
}

bool GatewayTopology::publish_carried(const CarriedPublication& carried,
                                      const std::vector<Sub*>& batch, std::vector<bool>& gone) {
  auto id = gateway_->carry(carried.publication);
  if (!id) return false;
  std::vector<Inflight> records;
  for (std::size_t index : carried.parts) {
    Sub& sub = *batch[index];
    const auto seq = sub.pending.front().seq;
    gone[index] = true;
    ++sub.published;
    mark(sub);
    if (*id != 0) {
      records.push_back({sub.id.device, seq});
      ++sub.inflight;
    } else {
      part_done(sub, seq);
    }
  }
  if (*id != 0) inflight_[*id] = std::move(records);
  return true;
}

bool GatewayTopology::reply(const std::string& device, const Command& command,
                            const CommandResult& result) {
  Sub* sub = find(device);
  if (!sub) return false;
  auto publication = env_.platform->encode_reply(sub->id, command, result);
  if (!publication) return true;
  return queue_reply(*sub, *publication);
}

// A sub-device's answer goes out the way the platform carries it (IoTDA: the gateway's topic).
bool GatewayTopology::queue_reply(const Sub& sub, const Publication& publication) {
  if (!gateway_ || replies_.size() >= kMaxQueuedReplies) return false;
  for (auto& carried : protocol_.carry(gateway_->identity(), {{&sub.id, &publication}})) {
    replies_.push_back(std::move(carried.publication));
  }
  flush_replies();
  return true;
}

void GatewayTopology::flush_replies() {
  while (gateway_ && !replies_.empty() && gateway_->carry(replies_.front())) replies_.pop_front();
}

}  // namespace edgegw::northbound
