// Copyright 2026 The graceful Authors.

#include "lib/internal/task_queue.h"

#include <atomic>
#include <latch>
#include <thread>

#include "gtest/gtest.h"

namespace graceful {
namespace internal {
namespace {

Task Noop() {
  return [](StopToken) {};
}

TEST(TaskQueueTest, PopsInOrderPushed) {
  TaskQueue queue(4, /*drain_after_close=*/true);
  int order = 0;
  int first = -1;
  int second = -1;
  ASSERT_TRUE(queue.Push([&](StopToken) { first = order++; }));
  ASSERT_TRUE(queue.Push([&](StopToken) { second = order++; }));
  (*queue.Pop())(StopToken());
  (*queue.Pop())(StopToken());
  EXPECT_EQ(first, 0);
  EXPECT_EQ(second, 1);
}

TEST(TaskQueueTest, PushBlocksWhileFullUntilAPop) {
  TaskQueue queue(1, /*drain_after_close=*/true);
  ASSERT_TRUE(queue.Push(Noop()));
  std::atomic<bool> pushed{false};
  std::thread pusher([&] {
    EXPECT_TRUE(queue.Push(Noop()));
    pushed = true;
  });
  EXPECT_TRUE(queue.Pop().has_value());
  pusher.join();
  EXPECT_TRUE(pushed.load());
  EXPECT_TRUE(queue.Pop().has_value());
}

TEST(TaskQueueTest, CloseWakesBlockedPushAndPop) {
  TaskQueue full(1, /*drain_after_close=*/true);
  ASSERT_TRUE(full.Push(Noop()));
  TaskQueue empty(1, /*drain_after_close=*/true);
  std::latch both_started(2);
  bool push_result = true;
  bool pop_result = true;
  std::thread pusher([&] {
    both_started.count_down();
    push_result = full.Push(Noop());
  });
  std::thread popper([&] {
    both_started.count_down();
    pop_result = empty.Pop().has_value();
  });
  both_started.wait();
  full.Close();
  empty.Close();
  pusher.join();
  popper.join();
  EXPECT_FALSE(push_result);
  EXPECT_FALSE(pop_result);
  EXPECT_FALSE(full.Push(Noop()));
}

TEST(TaskQueueTest, DrainPolicyHandsOutQueuedTasksAfterClose) {
  TaskQueue queue(4, /*drain_after_close=*/true);
  ASSERT_TRUE(queue.Push(Noop()));
  ASSERT_TRUE(queue.Push(Noop()));
  queue.Close();
  EXPECT_TRUE(queue.Pop().has_value());
  EXPECT_TRUE(queue.Pop().has_value());
  EXPECT_FALSE(queue.Pop().has_value());
  EXPECT_EQ(queue.DiscardQueued(), 0);
}

TEST(TaskQueueTest, LeavePolicyKeepsQueuedTasksForDiscard) {
  TaskQueue queue(4, /*drain_after_close=*/false);
  ASSERT_TRUE(queue.Push(Noop()));
  ASSERT_TRUE(queue.Push(Noop()));
  queue.Close();
  EXPECT_FALSE(queue.Pop().has_value());
  EXPECT_EQ(queue.DiscardQueued(), 2);
}

}  // namespace
}  // namespace internal
}  // namespace graceful
