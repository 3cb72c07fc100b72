// Copyright 2026 The graceful Authors.
//
// The callback thread's queue: real-time signals queue one entry each, in
// order, values intact, up to a bound; standard signals coalesce.

#include "lib/internal/signal_queue.h"

#include <signal.h>

#include <optional>

#include "gtest/gtest.h"

namespace graceful {
namespace internal {
namespace {

siginfo_t Info(int signo, int value = 0, pid_t pid = 0) {
  siginfo_t info = {};
  info.si_signo = signo;
  info.si_code = SI_QUEUE;
  info.si_pid = pid;
  info.si_value.sival_int = value;
  return info;
}

TEST(SignalQueueTest, RealtimeSignalsQueueInOrderWithTheirValues) {
  SignalQueue queue;
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(queue.Push(Info(SIGRTMIN + 1, i), false));
  for (int i = 0; i < 10; ++i) {
    std::optional<QueuedSignal> entry = queue.Pop();
    ASSERT_TRUE(entry.has_value());
    EXPECT_EQ(entry->info.si_signo, SIGRTMIN + 1);
    EXPECT_EQ(entry->info.si_value.sival_int, i);
  }
  EXPECT_FALSE(queue.Pop().has_value());
  EXPECT_TRUE(queue.empty());
}

TEST(SignalQueueTest, StandardSignalWaitingCoalescesKeepingTheLatestInfo) {
  SignalQueue queue;
  ASSERT_TRUE(queue.Push(Info(SIGHUP, 0, 100), false));
  ASSERT_TRUE(queue.Push(Info(SIGUSR1, 0, 7), false));
  ASSERT_TRUE(queue.Push(Info(SIGHUP, 0, 200), true));
  std::optional<QueuedSignal> first = queue.Pop();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->info.si_signo, SIGHUP);
  EXPECT_EQ(first->info.si_pid, 200);
  EXPECT_TRUE(first->run_chained_handler);  // any delivery asked for it
  std::optional<QueuedSignal> second = queue.Pop();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->info.si_signo, SIGUSR1);
  EXPECT_FALSE(queue.Pop().has_value());
  // Taken: the next one is an entry of its own again.
  ASSERT_TRUE(queue.Push(Info(SIGHUP, 0, 300), false));
  EXPECT_EQ(queue.Pop()->info.si_pid, 300);
}

TEST(SignalQueueTest, RealtimeSignalsPastTheBoundAreDroppedStandardOnesNever) {
  SignalQueue queue;
  for (int i = 0; i < SignalQueue::kRealtimeCapacity; ++i) {
    ASSERT_TRUE(queue.Push(Info(SIGRTMIN + (i % 3), i), false)) << i;
  }
  EXPECT_FALSE(queue.Push(Info(SIGRTMIN, -1), false));
  for (int signo = 1; signo < SIGRTMIN; ++signo) {
    EXPECT_TRUE(queue.Push(Info(signo), false)) << signo;
  }
  for (int i = 0; i < SignalQueue::kRealtimeCapacity; ++i) {
    std::optional<QueuedSignal> entry = queue.Pop();
    ASSERT_TRUE(entry.has_value());
    EXPECT_EQ(entry->info.si_value.sival_int, i);
  }
  // Room again once one was taken.
  for (int signo = 1; signo < SIGRTMIN; ++signo) queue.Pop();
  EXPECT_TRUE(queue.empty());
  EXPECT_TRUE(queue.Push(Info(SIGRTMIN, 5), false));
}

}  // namespace
}  // namespace internal
}  // namespace graceful
