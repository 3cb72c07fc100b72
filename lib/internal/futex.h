// Copyright 2026 The graceful Authors.
//
// Futex wait/wake on a 32-bit atomic: the one-syscall sleep behind
// `StopToken::SleepFor()`/`SleepUntil()` and the critical-section wait. A
// futex carries no data; the atomic it sleeps on does, so the memory
// ordering (and what ThreadSanitizer sees) is that of the atomic's own loads
// and stores.

#ifndef GRACEFUL_LIB_INTERNAL_FUTEX_H_
#define GRACEFUL_LIB_INTERNAL_FUTEX_H_

#include <atomic>
#include <cstdint>

#include "absl/time/time.h"
#include "lib/internal/monotonic_clock.h"

namespace graceful {
namespace internal {

// Sleeps while `*word == expected`, until `deadline` on the monotonic clock
// (MonotonicTime::InfiniteFuture() for none), a wake, or a spurious wake-up.
// Callers loop on their own condition. This function is async-signal-safe.
void FutexWaitUntil(const std::atomic<uint32_t>* word, uint32_t expected,
                    MonotonicTime deadline);

// As above, with `deadline` on the wall clock: a clock step moves it with the
// clock, as a wall-clock deadline should. This function is async-signal-safe.
void FutexWaitUntilWallTime(const std::atomic<uint32_t>* word,
                            uint32_t expected, absl::Time deadline);

// Wakes every thread sleeping on `word`. This function is async-signal-safe.
void FutexWakeAll(const std::atomic<uint32_t>* word);

}  // namespace internal
}  // namespace graceful

#endif  // GRACEFUL_LIB_INTERNAL_FUTEX_H_
