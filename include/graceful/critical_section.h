// Copyright 2026 The graceful Authors.
//
// -----------------------------------------------------------------------------
// File: critical_section.h
// -----------------------------------------------------------------------------
//
// A `CriticalSection` marks a block that should not be cut in half by the
// runtime's forced exit: "finish writing this record, then you may exit".
// While any `CriticalSection` is open anywhere in the process, the forced
// exit (second stop signal, or the grace period ran out) waits, for at most
// `RuntimeOptions::critical_section_limit`. It does not hold back a graceful
// stop, and nothing can hold back SIGKILL: keep critical sections short and
// make the work behind them restartable. Once the forced exit has begun, a
// thread that tries to open a new outermost section is parked in the
// constructor until the process ends: it never starts a block the exit would
// cut. A section nested in one the same thread already holds always opens
// (it is part of the outer block, which must be able to finish).
//
// Example:
//
//   {
//     graceful::CriticalSection section;
//     WriteRecord(out, record);   // not cut by a forced exit, up to the limit
//   }
//
// Critical sections count process-wide; they work (and cost two atomic
// increments) with or without a running `Runtime`, and may nest.
//
// Thread safety: construct and destroy each object in one thread; any number
// of threads may hold sections at once.

#ifndef GRACEFUL_CRITICAL_SECTION_H_
#define GRACEFUL_CRITICAL_SECTION_H_

namespace graceful {

class CriticalSection {
 public:
  // Opens a section; parks forever if the forced exit has begun and the
  // calling thread holds no section.
  // This function is async-signal-safe.
  CriticalSection() noexcept;
  // Closes it, waking a forced exit that waits for it.
  // This function is async-signal-safe.
  ~CriticalSection();

  CriticalSection(const CriticalSection&) = delete;
  CriticalSection& operator=(const CriticalSection&) = delete;

  // CriticalSection::OpenCount()
  //
  // The number of sections open in the process right now.
  // This function is async-signal-safe.
  static int OpenCount() noexcept;
};

}  // namespace graceful

#endif  // GRACEFUL_CRITICAL_SECTION_H_
