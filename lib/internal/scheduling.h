// Copyright 2026 The graceful Authors.
//
// How the runtime's threads are created and scheduled: what keeps the
// signal thread responsive when the workers keep every CPU busy, and what
// keeps hundreds of workers quick to end.
//
// Why. A stop signal wakes the signal thread, which then has to get a CPU.
// With the kernel's fair scheduler (EEVDF since Linux 6.6) a thread that
// wakes up has no claim to run before the threads already running: with
// 256 compute-bound workers on 2 CPUs it waited a median of 350 ms and up
// to 0.8 s here (bench/README.md). Neither a short custom slice
// (sched_setattr's sched_runtime), nor nice -10 on the signal thread, nor
// nice +19 or SCHED_BATCH on the workers brings it under tens of
// milliseconds; SCHED_IDLE workers bring the median to ~40 us but leave
// tails of 5-150 ms. A real-time signal thread (SCHED_FIFO) preempts every
// fair-class thread at once: 66 us median, 115 us at the 99th percentile.
//
// SCHED_FIFO needs CAP_SYS_NICE or a nonzero RLIMIT_RTPRIO (and, on
// kernels with cgroup v1 real-time group scheduling, a cpu cgroup granting
// real-time time: systemd's init.scope grants none); without them, the
// signal thread keeps its inherited priority and the runtime says so once
// on stderr. Lowering the workers (SCHED_BATCH, SCHED_IDLE)
// needs no privilege and is an opt-in (RuntimeOptions::worker_priority).

#ifndef GRACEFUL_LIB_INTERNAL_SCHEDULING_H_
#define GRACEFUL_LIB_INTERNAL_SCHEDULING_H_

#include <pthread.h>

#include <cstddef>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "graceful/runtime_options.h"

namespace graceful {
namespace internal {

// Gives the calling thread (the signal thread) the priority `priority`
// asks for. For kRealtime: SCHED_FIFO at priority 1 (the lowest real-time
// priority: above every fair-class thread, below any real-time thread the
// application runs), with SCHED_RESET_ON_FORK so that a child never
// inherits it. Returns OK, or PermissionDenied naming the missing
// privilege (the thread is then unchanged). Does not write anything.
// This function is NOT async-signal-safe.
absl::Status SetSignalThreadPriority(SignalThreadPriority priority);

// SetSignalThreadPriority(), and on failure one line on stderr (once per
// process) saying that the signal thread runs at normal priority and why.
// This function is NOT async-signal-safe.
void SetSignalThreadPriorityOrWarn(SignalThreadPriority priority);

// Marks the calling thread as the runtime's signal thread (see
// OnSignalThread()) and calls SetSignalThreadPriorityOrWarn(priority).
// This function is NOT async-signal-safe.
void BecomeSignalThread(SignalThreadPriority priority);

// Whether the calling thread called BecomeSignalThread().
// This function is async-signal-safe.
bool OnSignalThread();

// Lowers the calling thread (a spawned worker or pool thread) as
// `priority` asks for: kBatch -> SCHED_BATCH, kIdle -> SCHED_IDLE, both
// at the thread's current nice value; kInherit does nothing. Lowering
// needs no privilege; on the rare failure (a seccomp filter, say) the
// thread stays as it is.
// This function is async-signal-safe.
void SetWorkerPriority(WorkerPriority priority);

// The status for a thread that could not be created (`error` is the errno
// pthread_create or mmap reported), naming `thread` and the limit that was
// reached: for EAGAIN the process/thread limit (RLIMIT_NPROC with its value,
// the cgroup's pids.max, kernel.threads-max), for ENOMEM memory and the
// address-space limit (RLIMIT_AS with its value). ResourceExhausted.
// This function is NOT async-signal-safe.
absl::Status ThreadCreationError(absl::string_view thread, int error);

// WorkerThread
//
// A joinable thread, like std::thread, for spawned workers and pool
// threads, except that the runtime owns its stack: the stack (the size of
// the process's default pthread stack, with a guard page below it) is
// unmapped when the WorkerThread is destroyed, not when the thread ends.
//
// Why: when a thread with a library-allocated stack ends, glibc keeps at
// most 40 MiB of stacks for reuse and unmaps the rest, one munmap (and TLB
// shootdown) per thread, while the other threads are ending too. For 256
// workers (8 MiB stacks) that was half the time from SIGTERM to all joined
// (bench/README.md). With the runtime's stacks, ending a thread unmaps
// nothing; the stacks go when the Runtime is destroyed, after Wait()
// returned the report (or never, when main ends the process from the
// report, which frees them all at once).
//
// Thread safety: as std::thread: one owner creates, joins and destroys it.
class WorkerThread {
 public:
  WorkerThread() = default;
  // Starts a thread running `body`. Throws std::system_error (as
  // std::thread does) when the stack or the thread cannot be created.
  explicit WorkerThread(absl::AnyInvocable<void()> body);
  // Precondition: not joinable(). Unmaps the stack.
  ~WorkerThread();

  WorkerThread(WorkerThread&& other) noexcept;
  WorkerThread& operator=(WorkerThread&& other) noexcept;

  bool joinable() const { return joinable_; }
  // Blocks until the thread has ended. Precondition: joinable().
  void join();

 private:
  void Release();

  pthread_t thread_ = {};
  bool joinable_ = false;
  void* mapping_ = nullptr;  // guard page + stack
  size_t mapping_size_ = 0;
};

}  // namespace internal
}  // namespace graceful

#endif  // GRACEFUL_LIB_INTERNAL_SCHEDULING_H_
