// Copyright 2026 The graceful Authors.
//
// -----------------------------------------------------------------------------
// File: spawn.h
// -----------------------------------------------------------------------------
//
// Child processes must not inherit the runtime's signal mask: a child started
// with every signal blocked cannot be stopped by SIGTERM, a classic bug.
//
//   * fork(): handled for you. While a `Runtime` is alive, a pthread_atfork
//     child handler restores the signal mask the process had before
//     `Runtime::Start()`.
//   * posix_spawn(): glibc runs no atfork handlers for it; pass
//     `SpawnAttributes().get()` as its attribute argument, which sets the
//     child's mask to the original one and resets the stop signals to their
//     default action.
//   * vfork()/clone() children that exec by hand: call
//     `RestoreSignalsForChild()` in the child before exec.
//
// Example:
//
//   graceful::SpawnAttributes attrs;
//   pid_t pid;
//   char* argv[] = {const_cast<char*>("sleep"), const_cast<char*>("60"),
//                   nullptr};
//   posix_spawnp(&pid, "sleep", nullptr, attrs.get(), argv, environ);
//
// Without a live runtime (before `Start()`, and once the `Runtime` was
// destroyed) these helpers use the calling thread's current mask, so they
// are harmless to call unconditionally.

#ifndef GRACEFUL_SPAWN_H_
#define GRACEFUL_SPAWN_H_

#include <spawn.h>

namespace graceful {

// SpawnAttributes
//
// RAII `posix_spawnattr_t` with POSIX_SPAWN_SETSIGMASK (the mask from before
// `Start()`) and POSIX_SPAWN_SETSIGDEF (every signal the runtime receives
// and the process did not ignore before `Start()`, back to SIG_DFL).
// Add further flags or attributes through `get()`; keep
// POSIX_SPAWN_SETSIGMASK and POSIX_SPAWN_SETSIGDEF set.
//
// Thread safety: construct one per thread or per spawn; a constructed
// object may be shared by concurrent posix_spawn calls.
class SpawnAttributes {
 public:
  // This function is NOT async-signal-safe.
  SpawnAttributes();
  // This function is NOT async-signal-safe.
  ~SpawnAttributes();

  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;

  // The attributes, for posix_spawn()'s `attrp` argument.
  // This function is async-signal-safe.
  posix_spawnattr_t* get() { return &attr_; }

 private:
  posix_spawnattr_t attr_;
};

// RestoreSignalsForChild()
//
// In a child process (after fork, vfork or clone, before exec), restores
// the signal mask from before `Runtime::Start()`. Does nothing if no runtime
// was ever started.
// This function is async-signal-safe.
void RestoreSignalsForChild() noexcept;

}  // namespace graceful

#endif  // GRACEFUL_SPAWN_H_
