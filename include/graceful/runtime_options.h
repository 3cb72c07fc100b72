// Copyright 2026 The graceful Authors.
//
// -----------------------------------------------------------------------------
// File: runtime_options.h
// -----------------------------------------------------------------------------
//
// `RuntimeOptions` configures `graceful::Runtime::Start()`: which signals
// stop the process, how long the graceful stop may take, what happens on a
// second signal, and how the process reports its end through its exit
// status. Every field has a default that suits a batch worker run by
// Kubernetes (30 s `terminationGracePeriodSeconds`) or systemd (90 s
// `TimeoutStopSec`): 20 s of grace plus at most 5 s of critical sections
// stays inside either supervisor's budget.
//
// Thread safety: a plain value type; `Start()` copies it.

#ifndef GRACEFUL_RUNTIME_OPTIONS_H_
#define GRACEFUL_RUNTIME_OPTIONS_H_

#include <signal.h>

#include <cstddef>
#include <vector>

#include "absl/time/time.h"
#include "graceful/events.h"

namespace graceful {

// What `Start()` does when a stop signal already has a handler installed
// (by the application, a library or a language runtime).
enum class ExistingHandlerPolicy {
  // `Start()` fails with `FailedPrecondition` naming the signal.
  kRefuse,
  // The runtime handles the signal as a stop signal, then calls the old
  // handler on an ordinary thread (never in async-signal context) with the
  // stop already requested: for the signal that began the stop, on the
  // shutdown thread in phase 2 (after the stop callbacks, before the hooks);
  // for later ones, on the callback thread.
  kChain,
  // The runtime handles the signal; the old handler is never called.
  kOverride,
};

// How a clean shutdown that a signal started ends the process
// (`ShutdownReport::ExitProcess()` and `ShutdownReport::exit_code()`).
enum class SignalExitStyle {
  // Die of the same signal (default action restored, signal re-raised):
  // shells print "Terminated", systemd counts SIGTERM as a clean stop, and
  // the parent's `waitpid` sees `WIFSIGNALED`. `exit_code()` is 128 + signo,
  // the status a shell reports for it. Never with a core dump: a stop by
  // SIGQUIT dies of SIGQUIT without one. A stop signal whose default action
  // does not end a process (SIGTSTP, SIGTTIN, SIGTTOU stop it; SIGCHLD,
  // SIGURG, SIGWINCH, SIGCONT do nothing) exits with 128 + signo instead
  // (`die_by_signal` is 0).
  kDieBySignal,
  // `exit(0)`.
  kExitZero,
  // `exit(128 + signo)`.
  kExit128PlusSignal,
};

// What happens to tasks that `Runtime::Submit()` accepted but no pool thread
// started when the stop was requested.
enum class UnstartedTaskPolicy {
  // Pool threads keep running queued tasks (their tokens already report the
  // stop) until the queue is empty; the grace period bounds the drain.
  kDrain,
  // Queued tasks are destroyed without running and counted as unstarted in
  // the report.
  kLeave,
};

// How the signal thread is scheduled (`RuntimeOptions::
// signal_thread_priority`). It sleeps until a signal arrives and then does
// a few microseconds of work, but under the kernel's fair scheduler a
// thread that wakes up waits for a CPU behind the threads already running:
// with 256 compute-bound workers on 2 CPUs, SIGTERM was seen a median of
// 350 ms (and up to 0.8 s) after it was sent (bench/README.md).
enum class SignalThreadPriority {
  // The signal thread keeps the policy and priority of the thread that
  // called `Start()`.
  kInherit,
  // The signal thread runs SCHED_FIFO at priority 1, the lowest real-time
  // priority (above every ordinary thread, below any real-time thread the
  // application runs), with SCHED_RESET_ON_FORK, so a stop is seen within
  // tens of microseconds however busy the CPUs are. It needs CAP_SYS_NICE
  // or RLIMIT_RTPRIO >= 1 (systemd: `LimitRTPRIO=1`; a container: the
  // SYS_NICE capability) and, on kernels with cgroup v1 real-time group
  // scheduling, a cpu cgroup with `cpu.rt_runtime_us` > 0. Without them,
  // the signal thread keeps its inherited priority and the runtime writes
  // one line to stderr saying so (once per process).
  kRealtime,
};

// How spawned workers and pool threads are scheduled
// (`RuntimeOptions::worker_priority`). Lowering needs no privilege and
// cannot be undone by the thread without one.
enum class WorkerPriority {
  // Workers keep the policy and priority of the thread that called
  // `Start()`.
  kInherit,
  // SCHED_BATCH: the kernel treats workers as CPU-bound and does not let
  // them preempt other threads when they wake up.
  kBatch,
  // SCHED_IDLE: workers run only when no ordinary thread of their cgroup
  // wants the CPU, so a waking signal (or any other) thread preempts them
  // at once. Without the real-time signal thread this takes the median
  // time to see a stop under full load from ~350 ms to ~40 us, though
  // tails of 5-150 ms remain (bench/README.md). Children a worker forks
  // inherit SCHED_IDLE.
  kIdle,
};

// Exit codes the runtime uses; see also `SignalExitStyle`.
inline constexpr int kExitWorkerFailed = 1;
inline constexpr int kExitForced = 124;

struct RuntimeOptions {
  // Signals that request a graceful stop. Must be non-empty and must not
  // contain SIGKILL, SIGSTOP or a synchronous fault signal (SIGSEGV, SIGBUS,
  // SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT).
  // Default: SIGTERM (supervisors) and SIGINT (Ctrl+C).
  std::vector<int> stop_signals = {SIGTERM, SIGINT};

  // Time from the stop request until workers, pool tasks and shutdown hooks
  // must all have finished. When it runs out, the runtime forces the exit
  // (see `forced_exit_code`). Must be positive.
  // Default: 20 s.
  absl::Duration grace_period = absl::Seconds(20);

  // When the forced exit begins, it waits for open `CriticalSection`s to
  // close, for at most this long. Must not be negative.
  // Default: 5 s. So the process ends at most `grace_period` +
  // `critical_section_limit` after the stop request (plus the time to write
  // the report to stderr, itself bounded to 200 ms).
  absl::Duration critical_section_limit = absl::Seconds(5);

  // Whether a second stop signal during the graceful stop forces the exit
  // at once (the Ctrl+C, Ctrl+C convention). When false, further stop
  // signals are counted in the report and otherwise ignored. Only a second
  // stop *signal* forces: when the stop began otherwise (`RequestStop()`, a
  // failed worker, work done, the destructor), the first stop signal to
  // arrive is counted and forces nothing (the supervisor asks for what is
  // already happening); the one after it forces. The same signal from the
  // same sender within 100 ms of the first is the same request delivered
  // twice (coreutils' timeout signals the process, then its process group),
  // counted but never forcing.
  // Default: true.
  bool second_signal_forces_exit = true;

  // What `Start()` does when a stop signal already has a handler.
  // Default: kRefuse.
  ExistingHandlerPolicy existing_handler_policy = ExistingHandlerPolicy::kRefuse;

  // A stop signal whose disposition is SIG_IGN when `Start()` runs (nohup
  // ignores SIGHUP, a shell ignores SIGINT in background jobs) stays ignored
  // when true; when false, it stops the process like the other stop signals.
  // Default: true.
  bool keep_ignored_signals_ignored = true;

  // How a clean, signal-initiated shutdown ends the process.
  // Default: kDieBySignal.
  SignalExitStyle signal_exit_style = SignalExitStyle::kDieBySignal;

  // Exit code when a worker, a pool task or a shutdown hook failed (threw,
  // or returned a non-OK status). Default: 1.
  int failure_exit_code = kExitWorkerFailed;

  // Exit code of the forced exit (second stop signal, or the grace period
  // ran out). Default: 124, the code of coreutils' `timeout`.
  int forced_exit_code = kExitForced;

  // Number of pool threads that run `Runtime::Submit()` tasks. 0 means
  // `std::thread::hardware_concurrency()`. Pool threads start on the first
  // `Submit()`. Default: 0.
  int pool_threads = 0;

  // Number of tasks the pool queue holds; `Submit()` blocks while it is
  // full. Must be positive. Default: 1024.
  size_t queue_capacity = 1024;

  // Default: kDrain.
  UnstartedTaskPolicy unstarted_tasks = UnstartedTaskPolicy::kDrain;

  // Scheduling of the signal thread; see `SignalThreadPriority`.
  // Default: kRealtime (SCHED_FIFO 1 when permitted, else inherited and
  // said once on stderr).
  SignalThreadPriority signal_thread_priority =
      SignalThreadPriority::kRealtime;

  // Scheduling of spawned workers and pool threads; see `WorkerPriority`.
  // Default: kInherit.
  WorkerPriority worker_priority = WorkerPriority::kInherit;

  // Receives the runtime's events (see events.h for when, and on which
  // threads, it is called). Empty: no events. Default: `LogEventToStderr`,
  // a few concise lines on stderr when the process stops.
  EventHandler on_event = LogEventToStderr;

  // How often the signal thread sends `EventType::kHeartbeat` while at
  // least one worker or pool thread runs (none before the first Spawn() or
  // Submit(), nor during the hooks), for watchdogs such as systemd's
  // WATCHDOG=1. Must be positive. Default: absl::InfiniteDuration(), none.
  absl::Duration heartbeat_interval = absl::InfiniteDuration();
};

}  // namespace graceful

#endif  // GRACEFUL_RUNTIME_OPTIONS_H_
