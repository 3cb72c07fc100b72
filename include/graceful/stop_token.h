// Copyright 2026 The graceful Authors.
//
// -----------------------------------------------------------------------------
// File: stop_token.h
// -----------------------------------------------------------------------------
//
// A `StopSource` owns a one-way "stop requested" flag. `StopToken`s are cheap
// read-only views of that flag that workers poll in their loops, sleep on, or
// attach `StopCallback`s to. This is the vocabulary of C++20's
// `std::stop_source` / `std::stop_token` / `std::stop_callback`, tuned for the
// hot path of a batch worker:
//
//   * `StopToken::stop_requested()` is one load of an atomic that lives on a
//     cache line of its own (nothing else in the process writes to it), with
//     no null check and no reference counting.
//   * `StopToken::SleepFor()` / `SleepUntil()` sleep on the flag itself (a
//     futex) and wake the moment a stop is requested, however many threads
//     sleep on it.
//
// Example:
//
//   void Loop(graceful::StopToken token) {
//     while (!token.stop_requested()) {
//       DoOneStep();                          // finish the step we are in
//       token.SleepFor(absl::Seconds(1));     // returns at once on stop
//     }
//   }
//
// Lifetime: a `StopSource` must outlive every `StopToken` and `StopCallback`
// made from it (as with `absl::Notification`). The `Runtime`'s source lives as
// long as the `Runtime`, which joins its workers before it goes away. A
// default-constructed `StopToken` is valid forever and never stops.
//
// Memory ordering: if thread X calls `RequestStop()`, anything X did before is
// visible to thread Y after Y observes `stop_requested() == true`, after Y's
// `SleepFor()`/`SleepUntil()` returns false, and inside every `StopCallback`.

#ifndef GRACEFUL_STOP_TOKEN_H_
#define GRACEFUL_STOP_TOKEN_H_

#include <atomic>
#include <cstdint>

#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"

namespace graceful {
namespace internal {
class StopState;
}  // namespace internal

class StopCallback;

// StopToken
//
// A read-only view of a stop flag. Copying is two pointer copies.
//
// Thread safety: all member functions may be called concurrently from any
// number of threads on the same or on copied tokens.
class StopToken {
 public:
  // A token that is never stopped.
  StopToken() noexcept;

  StopToken(const StopToken&) noexcept = default;
  StopToken& operator=(const StopToken&) noexcept = default;

  // StopToken::stop_requested()
  //
  // Returns true once a stop was requested on the source. One acquire load
  // (on x86-64 and other TSO machines, the same instruction as a relaxed
  // load): cheap enough to call between every step of a hot loop.
  // This function is async-signal-safe.
  bool stop_requested() const noexcept {
    return flag_->load(std::memory_order_acquire) != 0;
  }

  // StopToken::SleepUntil()
  //
  // Blocks until `deadline` or until a stop is requested, whichever comes
  // first. Returns true if it slept until the deadline, false if a stop was
  // requested (before the call or during it): write loops as
  // `while (token.SleepFor(period)) { ... }`. Returns at once when the
  // deadline is in the past. `absl::InfiniteFuture()` waits for the stop.
  // `deadline` is a wall-clock time: if the clock is set (NTP, an
  // administrator), the sleep ends when the clock shows `deadline`.
  // This function is NOT async-signal-safe.
  bool SleepUntil(absl::Time deadline) const;

  // StopToken::SleepFor()
  //
  // As `SleepUntil()`, for `duration` measured on the monotonic clock: a
  // step of the wall clock neither stretches nor shortens it.
  // `absl::InfiniteDuration()` waits for the stop.
  // This function is NOT async-signal-safe.
  bool SleepFor(absl::Duration duration) const;

 private:
  friend class StopSource;
  friend class StopCallback;
  friend class internal::StopState;
  explicit StopToken(internal::StopState* state) noexcept;

  // The flag lives inside `*state_`; the copy of its address saves an
  // indirection on the hot path.
  const std::atomic<uint32_t>* flag_;
  internal::StopState* state_;
};

// StopSource
//
// Owns a stop flag and the callbacks registered on it.
//
// Thread safety: `RequestStop()`, `stop_requested()` and `token()` may be
// called concurrently from any threads. Destruction must not race any use of
// the source or of its tokens and callbacks.
class StopSource {
 public:
  StopSource();
  ~StopSource();

  StopSource(const StopSource&) = delete;
  StopSource& operator=(const StopSource&) = delete;

  // StopSource::RequestStop()
  //
  // Sets the flag, wakes every sleeping token, then runs every registered
  // `StopCallback` in the calling thread. Returns true if this call was the
  // one that requested the stop, false if a stop had already been requested
  // (in which case it does nothing: callbacks never run twice).
  // This function is NOT async-signal-safe (it takes a mutex to run
  // callbacks). Inside a signal handler, write to a pipe instead; better,
  // let `graceful::Runtime` receive the signal.
  bool RequestStop();

  // StopSource::stop_requested()
  //
  // Same as `token().stop_requested()`.
  // This function is async-signal-safe.
  bool stop_requested() const noexcept { return token_.stop_requested(); }

  // StopSource::token()
  //
  // Returns a token observing this source.
  // This function is async-signal-safe.
  StopToken token() const noexcept { return token_; }

 private:
  StopToken token_;  // owns token_.state_
};

// StopCallback
//
// RAII registration of a callback that runs exactly once when a stop is
// requested on `token`'s source: in the thread that requests the stop (for
// a plain `StopSource`), on the runtime's shutdown thread (for the
// `Runtime`'s token), or immediately in the constructing thread if the stop
// was already requested. A callback never runs after the destructor returns.
//
// The destructor blocks while the callback runs in another thread (so the
// callback may safely use state the owner of the `StopCallback` destroys
// next); a callback may destroy its own `StopCallback`. Exceptions thrown by
// the callback are caught and discarded.
//
// Thread safety: construct and destroy each `StopCallback` from one thread;
// different `StopCallback`s on the same token may be created and destroyed
// concurrently with each other and with `RequestStop()`.
class StopCallback {
 public:
  // Registers `callback`. This function is NOT async-signal-safe.
  StopCallback(const StopToken& token, absl::AnyInvocable<void()> callback);

  // Unregisters, waiting for a concurrently running callback to return.
  // This function is NOT async-signal-safe.
  ~StopCallback();

  StopCallback(const StopCallback&) = delete;
  StopCallback& operator=(const StopCallback&) = delete;

 private:
  friend class internal::StopState;

  internal::StopState* state_;
  absl::AnyInvocable<void()> callback_;
  // Intrusive list links and membership, guarded by the state's mutex.
  StopCallback* prev_ = nullptr;
  StopCallback* next_ = nullptr;
  bool linked_ = false;
};

}  // namespace graceful

#endif  // GRACEFUL_STOP_TOKEN_H_
