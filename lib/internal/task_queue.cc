// Copyright 2026 The graceful Authors.

#include "lib/internal/task_queue.h"

#include <utility>

namespace graceful {
namespace internal {

bool TaskQueue::Push(Task task) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    not_full_.wait(lock,
                   [&] { return closed_ || tasks_.size() < capacity_; });
    if (closed_) return false;
    tasks_.push_back(std::move(task));
    accepted_.fetch_add(1, std::memory_order_relaxed);
  }
  not_empty_.notify_one();
  return true;
}

std::optional<Task> TaskQueue::Pop() {
  std::optional<Task> task;
  {
    std::unique_lock<std::mutex> lock(mu_);
    not_empty_.wait(lock, [&] { return closed_ || !tasks_.empty(); });
    if (tasks_.empty() || (closed_ && !drain_after_close_)) {
      return std::nullopt;
    }
    task.emplace(std::move(tasks_.front()));
    tasks_.pop_front();
  }
  not_full_.notify_one();
  return task;
}

void TaskQueue::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  not_empty_.notify_all();
  not_full_.notify_all();
}

int64_t TaskQueue::DiscardQueued() {
  std::deque<Task> discarded;
  {
    std::lock_guard<std::mutex> lock(mu_);
    discarded.swap(tasks_);
  }
  return static_cast<int64_t>(discarded.size());
}

}  // namespace internal
}  // namespace graceful
