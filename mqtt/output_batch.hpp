// OutputBatch: one write per connection for everything a stretch of work queued on it.
//
// Without it every publish() and ack() is its own send() (or SSL_write): on loopback a syscall
// and a TCP segment per packet, which the profile of the forwarding path (tests/bench/pipeline)
// put at 40 % of the daemon's CPU. While a batch is open on this thread, Connection::publish(),
// ack(), subscribe() and unsubscribe() only append to the connection's output; when the outermost
// batch closes, each connection that queued something writes it with one flush. Connections open
// a batch around the handling of their own socket events (a read of many PUBACKs that releases
// as many publishes); the daemon opens one around a group commit (the PUBACKs of every record it
// made durable, then the drain into the sessions).
//
// Outside any batch the calls write at once, as before. Batches nest; they are per thread (the
// loop thread) and are never held across a return to the event loop, so nothing waits longer
// than the callback that queued it. A write failure found at the close is reported as a failed
// write is from publish(): from the connection's timer, on the loop.
#pragma once

#include <vector>

namespace edgegw::mqtt {

class Connection;

class OutputBatch {
 public:
  OutputBatch();
  ~OutputBatch();  // the outermost one flushes every connection that queued output
  OutputBatch(const OutputBatch&) = delete;
  OutputBatch& operator=(const OutputBatch&) = delete;

  // For Connection: whether a batch is open on this thread; if so, remember `c` (once) so that
  // its output is written when the batch closes, and return true.
  static bool defer(Connection& c);
  // For ~Connection: forget `c` (it is going away before the batch closes).
  static void forget(Connection& c);

 private:
  struct State {
    unsigned depth = 0;
    std::vector<Connection*> pending;
  };
  static State& state();
};

}  // namespace edgegw::mqtt
