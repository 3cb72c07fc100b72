// Copyright 2026 The graceful Authors.

#include "lib/internal/futex.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <climits>

namespace graceful {
namespace internal {
namespace {

// std::atomic<uint32_t> is a plain 32-bit word, as the futex syscall needs.
static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t));
static_assert(std::atomic<uint32_t>::is_always_lock_free);

uint32_t* Address(const std::atomic<uint32_t>* word) {
  return reinterpret_cast<uint32_t*>(const_cast<std::atomic<uint32_t>*>(word));
}

// FUTEX_WAIT_BITSET takes an absolute deadline: on CLOCK_MONOTONIC, or with
// FUTEX_CLOCK_REALTIME on the wall clock. Null: no deadline.
void WaitBitset(const std::atomic<uint32_t>* word, uint32_t expected,
                const timespec* until, int clock_flag) {
  syscall(SYS_futex, Address(word), FUTEX_WAIT_BITSET_PRIVATE | clock_flag,
          expected, until, nullptr, FUTEX_BITSET_MATCH_ANY);
}

}  // namespace

void FutexWaitUntil(const std::atomic<uint32_t>* word, uint32_t expected,
                    MonotonicTime deadline) {
  if (deadline.is_infinite_future()) {
    WaitBitset(word, expected, nullptr, 0);
    return;
  }
  const timespec until = deadline.ToTimespec();
  WaitBitset(word, expected, &until, 0);
}

void FutexWaitUntilWallTime(const std::atomic<uint32_t>* word,
                            uint32_t expected, absl::Time deadline) {
  if (deadline == absl::InfiniteFuture()) {
    WaitBitset(word, expected, nullptr, 0);
    return;
  }
  const timespec until = absl::ToTimespec(deadline);
  WaitBitset(word, expected, &until, FUTEX_CLOCK_REALTIME);
}

void FutexWakeAll(const std::atomic<uint32_t>* word) {
  syscall(SYS_futex, Address(word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr,
          nullptr, 0);
}

}  // namespace internal
}  // namespace graceful
