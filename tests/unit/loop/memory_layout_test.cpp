// Issue 18, memory per device: the timers of a loop share one time source (GroupTimer), and a
// HeapOptional is one pointer wide and allocates nothing while empty. Behaviour first (order,
// re-arming, destruction from a callback), then the sizes that the per-device figure rests on.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "loop/heap_optional.hpp"
#include "loop/timer_group.hpp"

namespace edgegw::loop {
namespace {

struct Loop {
  Loop() { EXPECT_GE(sd_event_new(&event), 0); }
  ~Loop() { sd_event_unref(event); }
  std::uint64_t now() const {
    std::uint64_t usec = 0;
    sd_event_now(event, CLOCK_MONOTONIC, &usec);
    return usec;
  }
  // Runs the loop until `done` or 2 s (a deadline, not a sleep).
  template <typename F>
  void run_until(F done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!done() && std::chrono::steady_clock::now() < deadline) sd_event_run(event, 5000);
  }
  sd_event* event = nullptr;
};

struct Owner {
  std::vector<int>* fired = nullptr;
  int id = 0;
  GroupTimer timer;
  static void on_timer(void* self) {
    auto* o = static_cast<Owner*>(self);
    o->fired->push_back(o->id);
  }
};

TEST(GroupTimer, ThousandTimersOfOneLoopShareOneGroupAndFireInDeadlineOrder) {
  Loop loop;
  std::vector<int> fired;
  std::vector<std::unique_ptr<Owner>> owners;
  const std::size_t groups_before = TimerGroup::groups();
  const std::uint64_t base = loop.now();
  for (int i = 0; i < 1000; ++i) {
    auto o = std::make_unique<Owner>();
    o->fired = &fired;
    o->id = i;
    ASSERT_EQ(o->timer.attach(loop.event, &Owner::on_timer, o.get(), "test"), 0);
    // Deadlines in reverse creation order, 10 µs apart.
    o->timer.arm(base + 1000 + 10 * static_cast<std::uint64_t>(999 - i), 1);
    owners.push_back(std::move(o));
  }
  EXPECT_EQ(TimerGroup::groups(), groups_before + 1);
  for (const auto& o : owners) EXPECT_EQ(o->timer.group(), owners.front()->timer.group());
  EXPECT_EQ(owners.front()->timer.group()->members(), 1000u);
  EXPECT_EQ(owners.front()->timer.group()->armed(), 1000u);
  loop.run_until([&] { return fired.size() == 1000; });
  ASSERT_EQ(fired.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(fired[i], 999 - i);
  owners.clear();
  EXPECT_EQ(TimerGroup::groups(), groups_before);  // the last timer freed the group
}

TEST(GroupTimer, DisarmedOrDestroyedTimerNeverFires) {
  Loop loop;
  std::vector<int> fired;
  Owner a{&fired, 1, {}};
  auto b = std::make_unique<Owner>();
  b->fired = &fired;
  b->id = 2;
  ASSERT_EQ(a.timer.attach(loop.event, &Owner::on_timer, &a, "a"), 0);
  ASSERT_EQ(b->timer.attach(loop.event, &Owner::on_timer, b.get(), "b"), 0);
  a.timer.arm(1, 1);
  b->timer.arm(1, 1);
  a.timer.disarm();
  b.reset();
  Owner c{&fired, 3, {}};
  ASSERT_EQ(c.timer.attach(loop.event, &Owner::on_timer, &c, "c"), 0);
  c.timer.arm(loop.now() + 2000, 1);
  loop.run_until([&] { return !fired.empty(); });
  EXPECT_EQ(fired, std::vector<int>{3});
}

struct Rearming {
  Loop* loop = nullptr;
  GroupTimer timer;
  int runs = 0;
  std::vector<int> turns;
  int turn = 0;
  static void on_timer(void* self) {
    auto* r = static_cast<Rearming*>(self);
    r->turns.push_back(r->turn);
    if (++r->runs < 3) r->timer.arm(1, 1);  // in the past: due at once
  }
};

TEST(GroupTimer, TimerRearmedInThePastByItsCallbackRunsAtTheNextLoopTurn) {
  Loop loop;
  Rearming r;
  r.loop = &loop;
  ASSERT_EQ(r.timer.attach(loop.event, &Rearming::on_timer, &r, "rearm"), 0);
  r.timer.arm(1, 1);
  for (r.turn = 0; r.turn < 10 && r.runs < 3; ++r.turn) sd_event_run(loop.event, 5000);
  ASSERT_EQ(r.runs, 3);
  EXPECT_EQ(r.turns, (std::vector<int>{0, 1, 2}));  // one run per turn, not three in one
}

struct SelfDestroying {
  std::unique_ptr<GroupTimer> timer = std::make_unique<GroupTimer>();
  bool ran = false;
  static void on_timer(void* self) {
    auto* s = static_cast<SelfDestroying*>(self);
    s->ran = true;
    s->timer.reset();  // the group's last member goes inside its own dispatch
  }
};

TEST(GroupTimer, LastTimerDestroyedInItsCallbackFreesTheGroupSafely) {
  Loop loop;
  const std::size_t groups_before = TimerGroup::groups();
  SelfDestroying s;
  ASSERT_EQ(s.timer->attach(loop.event, &SelfDestroying::on_timer, &s, "self"), 0);
  s.timer->arm(1, 1);
  loop.run_until([&] { return s.ran; });
  EXPECT_TRUE(s.ran);
  EXPECT_EQ(TimerGroup::groups(), groups_before);
}

TEST(GroupTimer, IsSmallerThanAnEventSourceOfItsOwn) {
  // The sd_event_source it replaces is ~250 bytes on the heap plus its pointer.
  EXPECT_LE(sizeof(GroupTimer), 64u);
}

struct Big {
  char bytes[200] = {};
  std::string name;
  bool operator==(const Big&) const = default;
};

TEST(HeapOptional, IsOnePointerWideAndEmptyByDefault) {
  EXPECT_EQ(sizeof(HeapOptional<Big>), sizeof(void*));
  EXPECT_GT(sizeof(std::optional<Big>), 200u);  // what it replaces
  HeapOptional<Big> empty;
  EXPECT_FALSE(empty);
  EXPECT_FALSE(empty.has_value());
  EXPECT_TRUE(empty == std::nullopt);
  EXPECT_THROW((void)empty.value(), std::bad_optional_access);
}

TEST(HeapOptional, ReadsAndCopiesAsAnOptional) {
  HeapOptional<Big> a;
  a = Big{{}, "x"};
  ASSERT_TRUE(a);
  EXPECT_EQ(a->name, "x");
  HeapOptional<Big> b = a;  // deep
  b->name = "y";
  EXPECT_EQ(a->name, "x");
  EXPECT_FALSE(a == b);
  b = a;
  EXPECT_TRUE(a == b);
  EXPECT_EQ((*b).name, "x");
  b.reset();
  EXPECT_FALSE(a == b);
  b = std::nullopt;
  EXPECT_FALSE(b);
  b.emplace().name = "z";
  EXPECT_EQ(b.value().name, "z");
  EXPECT_EQ(HeapOptional<std::string>().value_or("d"), "d");
  const std::optional<Big> from_std = a.to_optional();
  ASSERT_TRUE(from_std);
  EXPECT_EQ(from_std->name, "x");
  HeapOptional<Big> from_optional = from_std;
  EXPECT_TRUE(from_optional == a);
}

}  // namespace
}  // namespace edgegw::loop
