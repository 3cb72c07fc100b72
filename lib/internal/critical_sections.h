// Copyright 2026 The graceful Authors.

#ifndef GRACEFUL_LIB_INTERNAL_CRITICAL_SECTIONS_H_
#define GRACEFUL_LIB_INTERNAL_CRITICAL_SECTIONS_H_

#include "lib/internal/monotonic_clock.h"

namespace graceful {
namespace internal {

// Blocks until no `CriticalSection` is open or `deadline` passes; returns
// the number still open. From then on every closing section wakes the
// (forced-exit) waiter, and only sections nested in one already open on the
// same thread may still open.
int WaitForCriticalSections(MonotonicTime deadline);

}  // namespace internal
}  // namespace graceful

#endif  // GRACEFUL_LIB_INTERNAL_CRITICAL_SECTIONS_H_
