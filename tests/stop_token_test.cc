// Copyright 2026 The graceful Authors.

#include "graceful/stop_token.h"

#include <atomic>
#include <latch>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace graceful {
namespace {

TEST(StopTokenTest, DefaultTokenNeverStops) {
  StopToken token;
  EXPECT_FALSE(token.stop_requested());
  EXPECT_TRUE(token.SleepFor(absl::Milliseconds(1)));
}

TEST(StopTokenTest, RequestStopIsObservedByEveryTokenAndIsIdempotent) {
  StopSource source;
  StopToken token = source.token();
  StopToken copy = token;
  EXPECT_FALSE(token.stop_requested());
  EXPECT_TRUE(source.RequestStop());
  EXPECT_FALSE(source.RequestStop());
  EXPECT_TRUE(token.stop_requested());
  EXPECT_TRUE(copy.stop_requested());
  EXPECT_TRUE(source.stop_requested());
}

TEST(StopTokenTest, SleepReturnsTrueWhenTheDeadlinePasses) {
  StopSource source;
  EXPECT_TRUE(source.token().SleepFor(absl::Milliseconds(2)));
  EXPECT_TRUE(source.token().SleepUntil(absl::InfinitePast()));
}

TEST(StopTokenTest, SleepReturnsFalseAtOnceWhenAlreadyStopped) {
  StopSource source;
  source.RequestStop();
  EXPECT_FALSE(source.token().SleepUntil(absl::InfiniteFuture()));
  EXPECT_FALSE(source.token().SleepFor(absl::Hours(1)));
}

class SleepWakeTest : public ::testing::TestWithParam<int> {};

TEST_P(SleepWakeTest, StopWakesEverySleeperMidSleep) {
  StopSource source;
  const int sleepers = GetParam();
  std::latch asleep(sleepers);
  std::atomic<int> woke_by_stop{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < sleepers; ++i) {
    threads.emplace_back([&] {
      asleep.count_down();
      // Without a wake-up this would sleep forever (the test would hang and
      // time out).
      if (!source.token().SleepUntil(absl::InfiniteFuture())) ++woke_by_stop;
    });
  }
  asleep.wait();
  source.RequestStop();
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(woke_by_stop.load(), sleepers);
}

INSTANTIATE_TEST_SUITE_P(Sleepers, SleepWakeTest, ::testing::Values(1, 8, 64));

TEST(StopCallbackTest, RunsExactlyOnceOnStop) {
  StopSource source;
  int runs = 0;
  StopCallback callback(source.token(), [&] { ++runs; });
  EXPECT_EQ(runs, 0);
  source.RequestStop();
  source.RequestStop();
  EXPECT_EQ(runs, 1);
}

TEST(StopCallbackTest, RunsImmediatelyWhenStopAlreadyRequested) {
  StopSource source;
  source.RequestStop();
  int runs = 0;
  StopCallback callback(source.token(), [&] { ++runs; });
  EXPECT_EQ(runs, 1);
}

TEST(StopCallbackTest, NeverRunsAfterDestruction) {
  StopSource source;
  int runs = 0;
  { StopCallback callback(source.token(), [&] { ++runs; }); }
  source.RequestStop();
  EXPECT_EQ(runs, 0);
}

TEST(StopCallbackTest, ThrowingCallbackDoesNotStopTheOthers) {
  StopSource source;
  int runs = 0;
  StopCallback first(source.token(), [&] { ++runs; });
  StopCallback thrower(source.token(), []() -> void { throw 42; });
  StopCallback last(source.token(), [&] { ++runs; });
  source.RequestStop();
  EXPECT_EQ(runs, 2);
}

TEST(StopCallbackTest, CallbackMayDestroyItsOwnRegistration) {
  StopSource source;
  std::optional<StopCallback> callback;
  bool ran = false;
  callback.emplace(source.token(), [&] {
    ran = true;
    callback.reset();
  });
  source.RequestStop();
  EXPECT_TRUE(ran);
  EXPECT_FALSE(callback.has_value());
}

TEST(StopCallbackTest, DestructorWaitsForTheCallbackRunningElsewhere) {
  StopSource source;
  std::latch callback_started(1);
  std::latch destructor_called(1);
  std::atomic<bool> callback_finished{false};
  auto callback = std::make_unique<StopCallback>(source.token(), [&] {
    callback_started.count_down();
    destructor_called.wait();
    // Give the destructor every chance to return early if it were broken.
    absl::SleepFor(absl::Milliseconds(50));
    callback_finished = true;
  });
  std::thread stopper([&] { source.RequestStop(); });
  callback_started.wait();
  destructor_called.count_down();
  callback.reset();
  EXPECT_TRUE(callback_finished.load());
  stopper.join();
}

TEST(StopCallbackTest, ConcurrentRegistrationAndStopRunEachCallbackOnce) {
  for (int round = 0; round < 2000; ++round) {
    StopSource source;
    std::atomic<int> runs{0};
    std::atomic<int> registered{0};
    std::thread registrar([&] {
      for (int i = 0; i < 4; ++i) {
        StopCallback callback(source.token(), [&] { ++runs; });
        ++registered;
      }
    });
    std::thread stopper([&] { source.RequestStop(); });
    registrar.join();
    stopper.join();
    // Each callback ran at most once. One that ran after its destruction
    // would use a StopCallback out of scope: asan and tsan runs catch it.
    EXPECT_LE(runs.load(), registered.load());
  }
}

}  // namespace
}  // namespace graceful
