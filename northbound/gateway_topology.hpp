// cloud.mode = "gateway": every [[device]] is a sub-device carried over the gateway identity's one
// Session. To the rest of the daemon each sub-device looks like a per-device Session: its own
// outbox slice in order, acked only on PUBACK, its own status, commands routed to it by topic.
//
//   gateway online ─► subscribe the topology replies ─► add (≤ max_batch per request; not on
//     platforms whose sub-devices exist already: TopologyProtocol::needs_add)
//     ─► login (batches, ≤ logins_per_second sub-devices) ─► online: subscribe its downlink,
//        outbox.release(device), publish its records through the gateway link as the platform
//        carries them (TopologyProtocol::carry: on its own topics, or several sub-devices' records
//        batched in one gateway publication whose PUBACK acknowledges them all)
//   a sub-device with auth = "register" and no device secret yet (none stored under state_dir)
//     first registers (TopologyStep::registration); the secret it obtains is saved in the
//     RegistrationStore, so a restart adds it with the stored one and does not register again
//   a refused add/login (reply code) ─► that batch's devices retry one by one with backoff;
//     a sub-device refused by name in an otherwise ok answer retries alone
//     (loop::Backoff); the others carry on
//   gateway link lost ─► every sub-device offline, in-flight forgotten (at-least-once); back in
//     batches when the link returns: where the platform names its "not in topology" refusal
//     (Alibaba), those added in this run log in directly and only a refused one is added again
//   the gateway's in-flight window is shared: sub-devices with something to send wait in a
//     round-robin queue and each turn sends one publication, so a device with a large backlog
//     cannot hold the window while the others wait
//
// Everything runs on the loop thread; nothing throws.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "loop/backoff.hpp"
#include "loop/event_source.hpp"
#include "northbound/registration_store.hpp"
#include "northbound/session.hpp"
#include "northbound/session_carrier.hpp"
#include "northbound/session_changes.hpp"
#include "northbound/topology_protocol.hpp"

struct sd_event_source;

namespace edgegw::northbound {

struct TopologyOptions {
  loop::BackoffOptions retry;                      // a refused sub-device's retries
  double logins_per_second = 50;                   // sub-devices added or logged in per second
  std::chrono::milliseconds reply_timeout{10000};  // an unanswered request counts as refused
  std::size_t take_batch = 64;
  std::uint64_t seed = 0;
  std::filesystem::path state_dir;  // registered sub-devices' secrets (empty: kept in memory only)
};

class GatewayTopology final : public SessionCarrier {
 public:
  GatewayTopology(const SessionEnvironment& env, const TopologyProtocol& protocol,
                  TopologyOptions options);
  ~GatewayTopology() override;
  GatewayTopology(const GatewayTopology&) = delete;
  GatewayTopology& operator=(const GatewayTopology&) = delete;

  // The gateway session that carries the sub-devices; null detaches (all go offline).
  void attach(Session* gateway);
  bool add(DeviceIdentity sub);  // false if the name is taken
  bool remove(const std::string& device);
  bool has(const std::string& device) const { return subs_.count(device) > 0; }
  std::size_t size() const { return subs_.size(); }
  bool online(const std::string& device) const;
  // Sub-devices online now (status: the gateway's entry); O(1), from the counts per state.
  std::size_t online_count() const;

  // Queues one online sub-device to send and sends up to `budget` publications from the queue,
  // one per device per turn (round robin); returns publications sent (of any device).
  std::size_t pump(const std::string& device, std::size_t budget);
  // pump() in two steps, for a drain of many sub-devices: queue each, then send once, so that
  // where the platform batches the first one's backlog does not fill the window on its own
  // before the others are queued.
  void queue(const std::string& device);
  std::size_t send_queued(std::size_t budget);
  bool reply(const std::string& device, const Command& command, const CommandResult& result);

  std::vector<SessionStatus> status() const;
  std::optional<SessionStatus> status(const std::string& device) const;
  // The status of each sub-device whose status moved since the last call (state, counters,
  // errors; the backlog is the outbox's to report), and clears the marks: with nothing changed
  // it costs nothing, as Northbound::take_changed() for sessions. One reader.
  std::vector<SessionStatus> take_changed();
  std::uint64_t marks() const { return marks_; }  // every change marked, ever
  // Adds the sub-devices' states to `counts` (the once-a-second STATUS=); O(1).
  void count_states(std::array<std::size_t, SessionChanges::kStates>& counts) const;

  // SessionCarrier
  void carrier_online() override;
  void carrier_offline() override;
  bool carrier_message(const mqtt::Message& message) override;
  bool carrier_puback(std::uint16_t packet_id) override;
  void carrier_writable() override;

 private:
  enum class SubState { offline, queued, adding, logging_in, online, refused };
  static constexpr std::size_t kSubStates = static_cast<std::size_t>(SubState::refused) + 1;
  struct Pending {
    std::uint64_t seq;
    Publication publication;
  };
  struct Sub;
  struct Request {
    TopologyStep step;
    std::vector<std::string> devices;
    std::chrono::steady_clock::time_point deadline;
  };
  struct Inflight {
    std::string device;
    std::uint64_t seq;
  };

  Sub* find(const std::string& device) const;
  void mark(Sub& sub);
  SessionState state_of(const Sub& sub) const;
  static SessionState state_of(SubState state, bool linked);
  void set_state(Sub& sub, SubState state);  // every change of a sub-device's state goes here
  void send_requests();
  bool send(TopologyStep step, std::vector<Sub*> batch);
  void handle_reply(const TopologyReply& reply);
  void handle_device_results(const TopologyReply& reply);
  void accepted(Sub& sub, TopologyStep step);
  void refused(Sub& sub, const std::string& why);
  bool lost_from_topology(const Sub& sub, TopologyStep step, const TopologyReply& reply) const;
  void went_online(Sub& sub);
  void go_offline(Sub& sub);
  void refill(Sub& sub);
  std::vector<Sub*> next_turns();
  bool publish_carried(const CarriedPublication& carried, const std::vector<Sub*>& batch,
                       std::vector<bool>& gone);
  void part_done(Sub& sub, std::uint64_t seq);
  bool queue_reply(const Sub& sub, const Publication& publication);
  bool logs_in_next(const Sub& sub) const;
  TopologyStep next_step(const Sub& sub) const;
  void registered(Sub& sub, const TopologyReply& reply);
  void want_to_send(Sub& sub);
  std::size_t serve(std::size_t budget);
  void flush_replies();
  void expire_requests(std::chrono::steady_clock::time_point now);
  void on_timer();
  void arm_timer(std::chrono::steady_clock::time_point at);
  static int timer_trampoline(sd_event_source* source, std::uint64_t usec, void* self);
  void log(loop::LogLevel level, const std::string& device, const std::string& message) const;
  std::chrono::system_clock::time_point wall() const;

  const SessionEnvironment& env_;
  const TopologyProtocol& protocol_;
  TopologyOptions options_;
  Session* gateway_ = nullptr;
  std::map<std::string, std::unique_ptr<Sub>> subs_;     // by local name
  std::unordered_map<std::string, std::string> by_key_;  // platform key → local name
  std::map<std::string, Request> requests_;              // request id → what it asked
  // packet id → the record parts its publication carried (several when the platform batches)
  std::unordered_map<std::uint16_t, std::vector<Inflight>> inflight_;
  std::deque<Publication> replies_;  // command answers waiting for the link
  std::deque<Sub*> senders_;   // online sub-devices waiting for a turn in the window (round robin)
  std::vector<Sub*> changed_;  // marked since the last take_changed()
  std::uint64_t marks_ = 0;
  // Sub-devices per SubState, kept by set_state(): counting them visits none.
  std::array<std::size_t, kSubStates> sub_states_{};
  std::uint64_t next_request_ = 1;
  double tokens_ = 0;  // sub-devices that may be added / logged in now
  std::chrono::steady_clock::time_point tokens_at_{};
  loop::EventSource timer_;
  std::optional<RegistrationStore> registrations_;
};

}  // namespace edgegw::northbound
