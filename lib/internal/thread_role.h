// Copyright 2026 The graceful Authors.

#ifndef GRACEFUL_LIB_INTERNAL_THREAD_ROLE_H_
#define GRACEFUL_LIB_INTERNAL_THREAD_ROLE_H_

#include <string>

namespace graceful {
namespace internal {

// Marks the calling thread as one the runtime started (worker, pool,
// signal, shutdown or callback thread) and names it (first 15 bytes).
void EnterRuntimeThread(const std::string& name);

// Whether the calling thread was started by the runtime.
bool InRuntimeThread();

}  // namespace internal
}  // namespace graceful

#endif  // GRACEFUL_LIB_INTERNAL_THREAD_ROLE_H_
