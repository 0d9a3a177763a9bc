#include "northbound/connect_slots.hpp"

#include <utility>

namespace edgegw::northbound {

bool ConnectSlots::acquire(Ticket* ticket, std::function<void()> granted) {
  if (max_ == 0 || (in_progress_ < max_ && queue_.empty())) {
    ++in_progress_;
    return true;
  }
  *ticket = next_ticket_++;
  queue_.emplace(*ticket, std::move(granted));
  return false;
}

void ConnectSlots::release() {
  if (in_progress_ == 0) return;
  if (queue_.empty() || max_ == 0) {
    --in_progress_;
    return;
  }
  // The slot changes hands: in_progress_ stays the same.
  auto first = queue_.begin();
  auto granted = std::move(first->second);
  queue_.erase(first);
  granted();
}

void ConnectSlots::cancel(Ticket ticket) {
  queue_.erase(ticket);
}

}  // namespace edgegw::northbound
