// Copyright 2026 The graceful Authors.

#include "lib/internal/monotonic_clock.h"

namespace graceful {
namespace internal {

MonotonicTime MonotonicTime::Now() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return MonotonicTime(absl::DurationFromTimespec(now));
}

}  // namespace internal
}  // namespace graceful
