// Copyright 2026 The graceful Authors.
//
// The shared state behind `StopSource`, `StopToken` and `StopCallback`: the
// stop flag on a cache line of its own, and the list of registered callbacks.
// Setting the flag and running the callbacks are separate steps so that the
// runtime's signal thread can do the first and leave the second (user code)
// to its shutdown thread.

#ifndef GRACEFUL_LIB_INTERNAL_STOP_STATE_H_
#define GRACEFUL_LIB_INTERNAL_STOP_STATE_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "absl/time/time.h"
#include "graceful/stop_token.h"

namespace graceful {
namespace internal {

class StopState {
 public:
  StopState() = default;
  StopState(const StopState&) = delete;
  StopState& operator=(const StopState&) = delete;

  // A state that is never stopped, for default-constructed tokens.
  static StopState* NeverStopped();

  StopToken token() { return StopToken(this); }
  const std::atomic<uint32_t>* flag() const { return &flag_; }
  bool stop_requested() const {
    return flag_.load(std::memory_order_acquire) != 0;
  }

  // Sets the flag and wakes every sleeper. Returns true for the first call.
  // Does not run callbacks.
  bool SetStopped();

  // Runs every callback registered before the flag was set, once, in the
  // calling thread. (Callbacks registered after it was set run inline in
  // their constructor.)
  void RunCallbacks();

  // Sleep until the stop or the deadline; true if the deadline came first.
  // SleepUntil's is on the wall clock, SleepFor's duration on the
  // monotonic clock.
  bool SleepUntil(absl::Time deadline) const;
  bool SleepFor(absl::Duration duration) const;

  // For StopCallback's constructor and destructor.
  void Register(StopCallback* callback);
  void Unregister(StopCallback* callback);

 private:
  // The hot flag. Writer: SetStopped() (release, once, under mu_ so that
  // Register() sees flag and list consistently). Readers: every poll
  // (acquire). Alone on its cache line: nothing else here is written on the
  // hot path, so polling threads never see their line invalidated.
  alignas(64) std::atomic<uint32_t> flag_{0};

  alignas(64) std::mutex mu_;
  std::condition_variable callback_returned_;
  StopCallback* head_ = nullptr;           // guarded by mu_
  StopCallback* running_ = nullptr;        // guarded by mu_
  std::thread::id running_thread_;         // guarded by mu_
};

}  // namespace internal
}  // namespace graceful

#endif  // GRACEFUL_LIB_INTERNAL_STOP_STATE_H_
