// Copyright 2026 The graceful Authors.
//
// The bounded queue between `Runtime::Submit()` and the pool threads.

#ifndef GRACEFUL_LIB_INTERNAL_TASK_QUEUE_H_
#define GRACEFUL_LIB_INTERNAL_TASK_QUEUE_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

#include "absl/functional/any_invocable.h"
#include "graceful/stop_token.h"

namespace graceful {
namespace internal {

using Task = absl::AnyInvocable<void(StopToken)>;

// Thread safety: every member function may be called concurrently.
class TaskQueue {
 public:
  // With `drain_after_close`, Pop() keeps handing out queued tasks after
  // Close() until the queue is empty; without it, Pop() returns nullopt as
  // soon as the queue is closed.
  TaskQueue(size_t capacity, bool drain_after_close)
      : capacity_(capacity), drain_after_close_(drain_after_close) {}

  // Blocks while the queue is full. Returns false (and drops `task`) once
  // the queue is closed.
  bool Push(Task task);

  // Blocks until a task is available and returns it, or returns nullopt when
  // the calling pool thread should exit: the queue is closed and either
  // empty or not to be drained.
  std::optional<Task> Pop();

  // Refuses further pushes and wakes every blocked Push() and Pop().
  void Close();

  // Destroys the tasks still queued; returns how many there were.
  int64_t DiscardQueued();

  // Tasks Push() accepted so far. Counted under the queue's mutex, so once
  // Close() returned it includes every push that will ever succeed.
  // Lock-free: the forced exit reads it.
  int64_t accepted() const { return accepted_.load(std::memory_order_relaxed); }

 private:
  const size_t capacity_;
  const bool drain_after_close_;
  std::mutex mu_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<Task> tasks_;  // guarded by mu_
  bool closed_ = false;     // guarded by mu_
  // Incremented under mu_ (relaxed); read anywhere.
  std::atomic<int64_t> accepted_{0};
};

}  // namespace internal
}  // namespace graceful

#endif  // GRACEFUL_LIB_INTERNAL_TASK_QUEUE_H_
