// A first-in-first-out queue on one std::vector, for the per-session queues (publications taken
// from the outbox, command replies, the publish gate's send times). std::deque allocates a 512-byte
// block and its map as soon as it is constructed: three per session, ~1.7 KB for each of 10,000
// idle sessions that never queue anything. This allocates on the first push and gives the storage
// back when it empties, so an idle session holds none.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace edgegw::northbound {

template <typename T>
class Fifo {
 public:
  bool empty() const { return head_ == items_.size(); }
  std::size_t size() const { return items_.size() - head_; }
  T& front() { return items_[head_]; }
  const T& front() const { return items_[head_]; }

  void push_back(T item) { items_.push_back(std::move(item)); }
  // Amortized O(1): the consumed front is dropped when it is at least half of the storage.
  void pop_front() {
    ++head_;
    if (head_ == items_.size()) {
      clear();
    } else if (head_ >= 16 && head_ * 2 >= items_.size()) {
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }
  void clear() {
    std::vector<T>().swap(items_);
    head_ = 0;
  }

 private:
  std::vector<T> items_;
  std::size_t head_ = 0;
};

}  // namespace edgegw::northbound
