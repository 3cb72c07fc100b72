// Copyright 2026 The graceful Authors.
//
// Points in time on CLOCK_MONOTONIC, for every duration the runtime
// measures (the grace deadline, the critical-section limit, SleepFor, the
// heartbeat): unlike absl::Now(), this clock never steps when the wall clock
// is set (NTP, an administrator, a VM restored from a snapshot).

#ifndef GRACEFUL_LIB_INTERNAL_MONOTONIC_CLOCK_H_
#define GRACEFUL_LIB_INTERNAL_MONOTONIC_CLOCK_H_

#include <time.h>

#include "absl/time/time.h"

namespace graceful {
namespace internal {

// A point on CLOCK_MONOTONIC. Default-constructed: the infinite future.
class MonotonicTime {
 public:
  MonotonicTime() = default;

  // The current time. This function is async-signal-safe.
  static MonotonicTime Now();
  static MonotonicTime InfiniteFuture() { return MonotonicTime(); }

  bool is_infinite_future() const {
    return since_boot_ == absl::InfiniteDuration();
  }
  // For the kernel's absolute CLOCK_MONOTONIC timeouts. Precondition: not
  // the infinite future.
  timespec ToTimespec() const { return absl::ToTimespec(since_boot_); }

  // Saturates: anything plus an infinite duration is the infinite future.
  MonotonicTime operator+(absl::Duration d) const {
    return MonotonicTime(since_boot_ + d);
  }
  absl::Duration operator-(MonotonicTime other) const {
    return since_boot_ - other.since_boot_;
  }
  friend bool operator<(MonotonicTime a, MonotonicTime b) {
    return a.since_boot_ < b.since_boot_;
  }
  friend bool operator>=(MonotonicTime a, MonotonicTime b) { return !(a < b); }

 private:
  explicit MonotonicTime(absl::Duration since_boot) : since_boot_(since_boot) {}

  absl::Duration since_boot_ = absl::InfiniteDuration();
};

}  // namespace internal
}  // namespace graceful

#endif  // GRACEFUL_LIB_INTERNAL_MONOTONIC_CLOCK_H_
