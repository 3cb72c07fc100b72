// Copyright 2026 The graceful Authors.

#include "graceful/spawn.h"

#include <pthread.h>
#include <signal.h>

#include "lib/internal/signals.h"

namespace graceful {

SpawnAttributes::SpawnAttributes() {
  posix_spawnattr_init(&attr_);
  sigset_t mask;
  sigset_t reset;
  if (!internal::SavedStateForChildren(&mask, &reset)) {
    pthread_sigmask(SIG_SETMASK, nullptr, &mask);
    sigemptyset(&reset);
  }
  posix_spawnattr_setsigmask(&attr_, &mask);
  posix_spawnattr_setsigdefault(&attr_, &reset);
  posix_spawnattr_setflags(&attr_,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
}

SpawnAttributes::~SpawnAttributes() { posix_spawnattr_destroy(&attr_); }

void RestoreSignalsForChild() noexcept {
  sigset_t mask;
  sigset_t reset;
  if (!internal::SavedStateForChildren(&mask, &reset)) return;
  pthread_sigmask(SIG_SETMASK, &mask, nullptr);
}

}  // namespace graceful
