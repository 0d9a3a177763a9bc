#include "loop/timer_group.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "loop/guarded.hpp"

namespace edgegw::loop {

struct TimerGroup::Private {
  std::vector<GroupTimer*> heap;  // a binary min-heap by (usec_)
};

namespace {

// One group per loop. Each group holds a reference on its loop, so a loop's address is not
// reused while its group lives.
std::mutex g_groups_mutex;
std::map<sd_event*, std::weak_ptr<TimerGroup>>& registry() {
  static std::map<sd_event*, std::weak_ptr<TimerGroup>> groups;
  return groups;
}

}  // namespace

int GroupTimer::attach(sd_event* loop, Callback callback, void* owner, const char* what) {
  reset();
  int error = 0;
  auto group = TimerGroup::of(loop, &error);
  if (!group) return error;
  group_ = std::move(group);
  ++group_->members_;
  callback_ = callback;
  owner_ = owner;
  what_ = what;
  return 0;
}

void GroupTimer::reset() noexcept {
  if (!group_) return;
  disarm();
  --group_->members_;
  group_.reset();  // the last member of a loop frees the group and its source
}

void GroupTimer::arm(std::uint64_t usec, std::uint64_t accuracy) noexcept {
  if (!group_) return;
  if (armed()) group_->remove(this);
  usec_ = usec;
  accuracy_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(accuracy, UINT32_MAX));
  round_ = group_->round_;
  group_->insert(this);
}

void GroupTimer::disarm() noexcept {
  if (group_ && armed()) group_->remove(this);
}

TimerGroup::TimerGroup(sd_event* loop) : loop_(sd_event_ref(loop)), heap_(new Private) {}

TimerGroup::~TimerGroup() {
  if (source_) {
    sd_event_source_set_enabled(source_, SD_EVENT_OFF);
    sd_event_source_unref(source_);
  }
  {
    std::lock_guard lock(g_groups_mutex);
    auto it = registry().find(loop_);
    if (it != registry().end() && it->second.expired()) registry().erase(it);
  }
  sd_event_unref(loop_);
}

std::shared_ptr<TimerGroup> TimerGroup::of(sd_event* loop, int* error) {
  std::unique_lock lock(g_groups_mutex);
  auto& slot = registry()[loop];
  if (auto group = slot.lock()) return group;
  std::shared_ptr<TimerGroup> group(new TimerGroup(loop));
  const int r = sd_event_add_time(loop, &group->source_, CLOCK_MONOTONIC, 0, 0,
                                  &TimerGroup::on_time, group.get());
  if (r < 0) {
    group->source_ = nullptr;
    *error = r;
    registry().erase(loop);
    lock.unlock();  // the group's destructor takes the lock
    return nullptr;
  }
  sd_event_source_set_enabled(group->source_, SD_EVENT_OFF);
  sd_event_source_set_description(group->source_, "timer-group");
  slot = group;
  return group;
}

std::size_t TimerGroup::armed() const noexcept {
  return heap_->heap.size();
}

std::size_t TimerGroup::groups() {
  std::lock_guard lock(g_groups_mutex);
  std::size_t n = 0;
  for (const auto& [loop, group] : registry()) n += group.expired() ? 0 : 1;
  return n;
}

bool TimerGroup::earlier(std::size_t a, std::size_t b) const {
  return heap_->heap[a]->usec_ < heap_->heap[b]->usec_;
}

void TimerGroup::place(std::size_t i, GroupTimer* timer) {
  heap_->heap[i] = timer;
  timer->slot_ = static_cast<std::uint32_t>(i);
}

void TimerGroup::sift_up(std::size_t i) {
  auto& h = heap_->heap;
  while (i > 0) {
    const std::size_t parent = (i - 1) / 2;
    if (!earlier(i, parent)) break;
    GroupTimer* up = h[i];
    place(i, h[parent]);
    place(parent, up);
    i = parent;
  }
}

void TimerGroup::sift_down(std::size_t i) {
  auto& h = heap_->heap;
  for (;;) {
    std::size_t least = i;
    for (std::size_t child : {2 * i + 1, 2 * i + 2}) {
      if (child < h.size() && earlier(child, least)) least = child;
    }
    if (least == i) return;
    GroupTimer* down = h[i];
    place(i, h[least]);
    place(least, down);
    i = least;
  }
}

void TimerGroup::insert(GroupTimer* timer) {
  heap_->heap.push_back(timer);
  timer->slot_ = static_cast<std::uint32_t>(heap_->heap.size() - 1);
  sift_up(timer->slot_);
  if (timer->slot_ == 0) rearm();
}

void TimerGroup::remove(GroupTimer* timer) {
  auto& h = heap_->heap;
  const std::size_t i = timer->slot_;
  timer->slot_ = GroupTimer::kNone;
  GroupTimer* last = h.back();
  h.pop_back();
  if (i < h.size()) {
    place(i, last);
    sift_up(i);
    sift_down(last->slot_);
  }
  if (h.empty()) std::vector<GroupTimer*>().swap(h);  // an idle loop holds no heap
  if (i == 0) rearm();
}

void TimerGroup::rearm() noexcept {
  if (dispatching_ || !source_) return;  // dispatch() re-arms once when it is done
  if (heap_->heap.empty()) {
    sd_event_source_set_enabled(source_, SD_EVENT_OFF);
    return;
  }
  const GroupTimer* first = heap_->heap.front();
  sd_event_source_set_time(source_, first->usec_);
  sd_event_source_set_time_accuracy(source_, first->accuracy_ ? first->accuracy_ : 1);
  sd_event_source_set_enabled(source_, SD_EVENT_ONESHOT);
}

void TimerGroup::dispatch() {
  // A callback may destroy the last member (and with it this group): keep it alive until done.
  auto self = shared_from_this();
  std::uint64_t now = 0;
  sd_event_now(loop_, CLOCK_MONOTONIC, &now);
  dispatching_ = true;
  const std::uint64_t round = ++round_;
  auto& h = heap_->heap;
  while (!h.empty() && h.front()->usec_ <= now && h.front()->round_ != round) {
    GroupTimer* due = h.front();
    remove(due);
    guarded(loop_, due->what_, [&] { due->callback_(due->owner_); });
  }
  dispatching_ = false;
  rearm();
}

int TimerGroup::on_time(sd_event_source*, std::uint64_t, void* self) {
  return guarded(static_cast<TimerGroup*>(self)->loop_, "timer group",
                 [&] { static_cast<TimerGroup*>(self)->dispatch(); });
}

}  // namespace edgegw::loop
