// Copyright 2026 The graceful Authors.

#include "lib/internal/signal_queue.h"

namespace graceful {
namespace internal {

// Room for every real-time entry plus one entry per standard signal.
SignalQueue::SignalQueue() : ring_(kRealtimeCapacity + SIGRTMIN) {
  standard_entry_.fill(-1);
}

bool SignalQueue::Push(const siginfo_t& info, bool run_chained_handler) {
  const int signo = info.si_signo;
  if (IsRealtime(signo)) {
    if (realtime_waiting_ == kRealtimeCapacity) return false;
    ++realtime_waiting_;
  } else if (const int64_t waiting = standard_entry_[signo]; waiting >= 0) {
    QueuedSignal& entry = At(waiting);
    entry.info = info;
    entry.run_chained_handler |= run_chained_handler;
    return true;
  } else {
    standard_entry_[signo] = head_ + size_;
  }
  At(head_ + size_) = {.info = info,
                       .run_chained_handler = run_chained_handler};
  ++size_;
  return true;
}

std::optional<QueuedSignal> SignalQueue::Pop() {
  if (size_ == 0) return std::nullopt;
  QueuedSignal entry = At(head_);
  ++head_;
  --size_;
  if (IsRealtime(entry.info.si_signo)) {
    --realtime_waiting_;
  } else {
    standard_entry_[entry.info.si_signo] = -1;
  }
  return entry;
}

}  // namespace internal
}  // namespace graceful
