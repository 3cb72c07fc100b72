// Copyright 2026 The graceful Authors.

#include "graceful/critical_section.h"

#include <unistd.h>

#include <atomic>
#include <cstdint>

#include "lib/internal/critical_sections.h"
#include "lib/internal/futex.h"

namespace graceful {
namespace internal {
namespace {

// Writers: every CriticalSection (relaxed increments; release decrements so
// that the forced exit, which acquires, sees the finished block's writes).
// Reader and sleeper: the forced exit. Its own cache line: sections open and
// close on hot paths of unrelated threads.
alignas(64) std::atomic<uint32_t> open_sections{0};
// Set (release) when a forced exit starts waiting; tells closing sections
// to wake it.
alignas(64) std::atomic<bool> exit_waiting{false};
// Sections the calling thread holds. Initial-exec TLS: reading it never
// allocates, so constructing a section stays async-signal-safe.
constinit thread_local int sections_held
    __attribute__((tls_model("initial-exec"))) = 0;

}  // namespace

int WaitForCriticalSections(MonotonicTime deadline) {
  exit_waiting.store(true, std::memory_order_seq_cst);
  for (;;) {
    const uint32_t open = open_sections.load(std::memory_order_seq_cst);
    if (open == 0 || MonotonicTime::Now() >= deadline) {
      return static_cast<int>(open);
    }
    FutexWaitUntil(&open_sections, open, deadline);
  }
}

}  // namespace internal

CriticalSection::CriticalSection() noexcept {
  internal::open_sections.fetch_add(1, std::memory_order_seq_cst);
  // TRICKY: seq_cst pairs with WaitForCriticalSections(): either the
  // forced exit counts this section (and waits for it), or this thread sees
  // that the exit has begun and never enters a block it would cut. A
  // section nested in one this thread holds is part of that block: it
  // opens, or the outer one could never close.
  if (internal::sections_held == 0 &&
      internal::exit_waiting.load(std::memory_order_seq_cst)) {
    internal::open_sections.fetch_sub(1, std::memory_order_seq_cst);
    internal::FutexWakeAll(&internal::open_sections);
    for (;;) pause();  // the process is about to _exit()
  }
  ++internal::sections_held;
}

CriticalSection::~CriticalSection() {
  --internal::sections_held;
  internal::open_sections.fetch_sub(1, std::memory_order_seq_cst);
  // TRICKY: seq_cst on both sides: either the waiter's load sees our
  // decrement, or we see its exit_waiting store and wake it.
  if (internal::exit_waiting.load(std::memory_order_seq_cst)) {
    internal::FutexWakeAll(&internal::open_sections);
  }
}

int CriticalSection::OpenCount() noexcept {
  return static_cast<int>(
      internal::open_sections.load(std::memory_order_acquire));
}

}  // namespace graceful
