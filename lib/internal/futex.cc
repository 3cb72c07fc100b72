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

}  // namespace

void FutexWaitUntil(const std::atomic<uint32_t>* word, uint32_t expected,
                    absl::Time deadline) {
  if (deadline == absl::InfiniteFuture()) {
    syscall(SYS_futex, Address(word), FUTEX_WAIT_PRIVATE, expected, nullptr,
            nullptr, 0);
    return;
  }
  // FUTEX_WAIT_BITSET takes an absolute deadline; with FUTEX_CLOCK_REALTIME
  // it is on the same clock as absl::Time.
  const timespec until = absl::ToTimespec(deadline);
  syscall(SYS_futex, Address(word),
          FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, expected, &until,
          nullptr, FUTEX_BITSET_MATCH_ANY);
}

void FutexWakeAll(const std::atomic<uint32_t>* word) {
  syscall(SYS_futex, Address(word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr,
          nullptr, 0);
}

}  // namespace internal
}  // namespace graceful
