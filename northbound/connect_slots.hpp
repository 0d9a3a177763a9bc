// The gateway-wide cap on connect attempts in progress at once (cloud.max_connecting), beside the
// rate cap of ConnectLimiter.
//
// Why both: a rate alone keeps sending new connects at connects_per_second even when the server
// is slow to answer them. After a cloud outage the server is busiest exactly then; its listen
// queue overflows, the kernel drops our SYNs and retries them seconds later, and recovery of
// 10,000 sessions stretched to minutes (measured with mosquitto, whose backlog is 100). With at
// most N attempts open, a slow server slows us down and a fast one does not, the way a TCP window
// does.
//
// An attempt holds its slot from the moment it may start until it ends (online, refused, failed or
// timed out). A caller that finds no free slot is queued in order and told, later and never from
// inside acquire(), that the slot is now its own: the releasing attempt hands it over directly.
#pragma once

#include <cstdint>
#include <functional>
#include <map>

namespace edgegw::northbound {

class ConnectSlots {
 public:
  using Ticket = std::uint64_t;  // names a queued caller, for cancel()

  // At most `max_in_progress` attempts at once; 0 means no cap.
  explicit ConnectSlots(unsigned max_in_progress) : max_(max_in_progress) {}

  // True: the caller holds a slot now. False: it is queued as *ticket, and `granted` runs once
  // the slot is its own (from a later release()). `granted` must not call back into this object.
  bool acquire(Ticket* ticket, std::function<void()> granted);
  // The caller's attempt ended: the slot goes to the longest-waiting caller, or back to the pool.
  void release();
  // A queued caller gives up its place (stopped, removed). Unknown tickets are ignored.
  void cancel(Ticket ticket);

  unsigned in_progress() const { return in_progress_; }
  std::size_t queued() const { return queue_.size(); }
  unsigned max_in_progress() const { return max_; }

 private:
  unsigned max_;
  unsigned in_progress_ = 0;
  Ticket next_ticket_ = 1;
  std::map<Ticket, std::function<void()>> queue_;  // tickets grow: first = longest waiting
};

}  // namespace edgegw::northbound
