// The WAL's budget learns from a WAL seen past it and forgets after 10 to 20 minutes.
#include "store/wal_budget.hpp"

#include <gtest/gtest.h>

namespace edgegw::store {
namespace {

constexpr std::uint64_t kBase = 2u << 20;
constexpr std::int64_t kMinute = 60 * 1000;
constexpr std::int64_t t0 = 1'700'000'000'000;

TEST(WalBudget, AWalWithinTheBaseTeachesNothing) {
  WalBudget budget(kBase);
  budget.saw(kBase, false, t0);
  EXPECT_EQ(budget.bytes(), kBase);
}

TEST(WalBudget, AWalPastTheBaseRaisesTheBudgetToAQuarterMoreThanIt) {
  WalBudget budget(kBase);
  budget.saw(4u << 20, false, t0);
  EXPECT_EQ(budget.bytes(), 5u << 20);
  budget.saw(3u << 20, false, t0 + kMinute);  // the largest counts
  EXPECT_EQ(budget.bytes(), 5u << 20);
}

TEST(WalBudget, APinnedWalTeachesNothing) {
  WalBudget budget(kBase);
  budget.saw(12u << 20, true, t0);
  EXPECT_EQ(budget.bytes(), kBase);
}

TEST(WalBudget, WhatItLearnedHoldsTenMinutesAtLeastAndTwentyAtMost) {
  WalBudget budget(kBase);
  budget.saw(kBase, false, t0);  // the window starts
  budget.saw(4u << 20, false, t0 + 9 * kMinute);
  budget.saw(kBase, false, t0 + 19 * kMinute);  // ten minutes after the burst: still learned
  EXPECT_EQ(budget.bytes(), 5u << 20);
  budget.saw(kBase, false, t0 + 20 * kMinute);  // the burst's window and the one after it ended
  EXPECT_EQ(budget.bytes(), kBase);
}

TEST(WalBudget, ABurstInEachWindowKeepsItLearned) {
  WalBudget budget(kBase);
  for (int window = 0; window < 6; ++window) {
    budget.saw(4u << 20, false, t0 + window * 10 * kMinute);
    EXPECT_EQ(budget.bytes(), 5u << 20) << "window " << window;
  }
}

TEST(WalBudget, NoLookForLongForgetsIt) {
  WalBudget budget(kBase);
  budget.saw(4u << 20, false, t0);
  budget.saw(kBase, false, t0 + 60 * kMinute);
  EXPECT_EQ(budget.bytes(), kBase);
}

// A gateway without a battery-backed clock may set its clock back after boot: the window starts
// again from the new time, neither forgetting at once nor holding on for good.
TEST(WalBudget, AClockSetBackStartsTheWindowAgain) {
  WalBudget budget(kBase);
  budget.saw(4u << 20, false, t0);
  budget.saw(kBase, false, t0 - 365 * 24 * 60 * kMinute);
  EXPECT_EQ(budget.bytes(), 5u << 20);
  budget.saw(kBase, false, t0 - 365 * 24 * 60 * kMinute + 20 * kMinute);
  EXPECT_EQ(budget.bytes(), kBase);
}

}  // namespace
}  // namespace edgegw::store
