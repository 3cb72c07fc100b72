// Copyright 2026 The graceful Authors.
//
// The callback thread's queue: signals received by the signal thread that
// wait for their `OnSignal` callback (or a chained or application handler).
// It keeps what the kernel keeps: a standard signal already waiting
// coalesces with the new one (one entry, the latest `siginfo_t`); every
// real-time signal is an entry of its own, in the order received, values
// intact, up to `kRealtimeCapacity` waiting at once. Past that, further
// real-time signals are dropped and counted (the kernel's own bound is
// RLIMIT_SIGPENDING); a standard signal is never dropped.

#ifndef GRACEFUL_LIB_INTERNAL_SIGNAL_QUEUE_H_
#define GRACEFUL_LIB_INTERNAL_SIGNAL_QUEUE_H_

#include <signal.h>

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace graceful {
namespace internal {

struct QueuedSignal {
  siginfo_t info;
  // After the callback, call the old handler chained to this stop signal.
  bool run_chained_handler = false;
};

// Thread safety: none; the runtime guards it with its callbacks mutex.
// Push() and Pop() never allocate (the storage is reserved up front), so the
// signal thread never waits for the allocator's locks under that mutex.
class SignalQueue {
 public:
  static constexpr int kRealtimeCapacity = 1024;

  SignalQueue();

  // Adds `info` (see above). Returns false if it was a real-time signal
  // dropped because kRealtimeCapacity were already waiting.
  bool Push(const siginfo_t& info, bool run_chained_handler);
  // The oldest entry, removed; nullopt when empty.
  std::optional<QueuedSignal> Pop();
  bool empty() const { return size_ == 0; }

 private:
  static bool IsRealtime(int signo) { return signo >= SIGRTMIN; }
  QueuedSignal& At(int64_t sequence) {
    return ring_[static_cast<size_t>(sequence) % ring_.size()];
  }

  // Entries have increasing sequence numbers; the oldest is `head_`.
  std::vector<QueuedSignal> ring_;
  int64_t head_ = 0;
  int64_t size_ = 0;
  int64_t realtime_waiting_ = 0;
  // Sequence number of the waiting entry of each standard signal, or -1.
  std::array<int64_t, NSIG> standard_entry_;
};

}  // namespace internal
}  // namespace graceful

#endif  // GRACEFUL_LIB_INTERNAL_SIGNAL_QUEUE_H_
