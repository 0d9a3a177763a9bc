#include "mqtt/output_batch.hpp"

#include <algorithm>

#include "mqtt/connection.hpp"

namespace edgegw::mqtt {

OutputBatch::State& OutputBatch::state() {
  static thread_local State s;
  return s;
}

OutputBatch::OutputBatch() {
  ++state().depth;
}

OutputBatch::~OutputBatch() {
  auto& s = state();
  if (--s.depth != 0) return;
  // A flush reports nothing to a handler (failures go through the timer), so no connection can
  // be destroyed or added while this runs; swap anyway so that the list is empty and reusable.
  std::vector<Connection*> pending;
  pending.swap(s.pending);
  for (Connection* c : pending) {
    if (c) c->flush_deferred();
  }
  pending.clear();
  if (s.pending.empty()) s.pending.swap(pending);  // keep the capacity for the next batch
}

bool OutputBatch::defer(Connection& c) {
  auto& s = state();
  if (s.depth == 0) return false;
  if (!c.output_deferred_) {
    c.output_deferred_ = true;
    s.pending.push_back(&c);
  }
  return true;
}

void OutputBatch::forget(Connection& c) {
  if (!c.output_deferred_) return;
  auto& s = state();
  std::replace(s.pending.begin(), s.pending.end(), &c, static_cast<Connection*>(nullptr));
  c.output_deferred_ = false;
}

// --- the Connection's side -------------------------------------------------------------------

void Connection::flush_soon() {
  if (OutputBatch::defer(*this)) return;
  if (flush() == Flush::failed) queue_failure(write_failure());
}

void Connection::flush_deferred() {
  output_deferred_ = false;
  if (fd_ < 0 || pending_failure_ || out_pos_ == out_.size()) return;
  if (flush() == Flush::failed) queue_failure(write_failure());
}

}  // namespace edgegw::mqtt
