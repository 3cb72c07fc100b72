// Copyright 2026 The graceful Authors.
//
// -----------------------------------------------------------------------------
// File: runtime.h
// -----------------------------------------------------------------------------
//
// `graceful::Runtime` stops a multithreaded program cleanly when its
// supervisor sends SIGTERM or SIGINT. Signals are never handled where they
// interrupt the program: `Start()` blocks every asynchronous signal before
// any other thread exists (so every thread inherits the mask) and one
// dedicated signal thread receives them. On a stop signal it sets the stop
// flag that workers poll, lets every worker finish the step it is in, joins
// them within a grace period, runs shutdown hooks and reports.
//
// Example:
//
//   int main() {
//     auto runtime = graceful::Runtime::Start();       // before any thread
//     if (!runtime.ok()) { std::cerr << runtime.status(); return 2; }
//     for (int i = 0; i < 4; ++i) {
//       (*runtime)->Spawn(absl::StrCat("worker-", i),
//                         [](graceful::StopToken token) {
//         while (!token.stop_requested()) DoOneStep();
//       });
//     }
//     (*runtime)->AddShutdownHook("flush", [] { FlushOutput(); });
//     graceful::ShutdownReport report = (*runtime)->Wait();
//     report.ExitProcess();    // by default: dies of the SIGTERM it received
//   }
//
// The shutdown sequence. A stop begins with the first of: a stop signal, a
// `RequestStop()` call, a failed worker or task, or (while a thread is in
// `Wait()`) every worker and task finished on its own. The first cause wins
// and is the one reported; the others are no-ops.
//
//   1. Stop requested (signal thread, or the requesting thread). The cause is
//      recorded (for a signal: number, sender pid/uid, si_code, time); the
//      stop flag is set, which wakes every `SleepFor()`; the pool stops
//      accepting tasks and wakes idle pool threads; the grace deadline
//      (`grace_period` from now) starts. Nothing else runs on the signal
//      thread: it only records and wakes.
//   2. Stop callbacks (shutdown thread). Every `StopCallback` registered on
//      the runtime's token runs, once; then, with `ExistingHandlerPolicy::
//      kChain`, the stop signal's previous handler.
//   3. Join (shutdown thread). Spawned workers return from their loops;
//      pool threads finish their current task, then drain the queue or leave
//      it (`RuntimeOptions::unstarted_tasks`); all are joined.
//   4. Hooks (shutdown thread). Shutdown hooks run one at a time, last added
//      first, each exactly once, each timed; a hook that throws is recorded
//      and the next one still runs. Hooks see the deadline that is left.
//   5. Report. `Wait()` returns the `ShutdownReport`; main ends the process
//      with `report.ExitProcess()` (or `return report.exit_code();`).
//
// Escalation. If a second stop signal arrives before phase 5 (and
// `second_signal_forces_exit`; see there for a stop no signal began), or
// the deadline passes before phase 5, the signal thread forces the exit: it
// waits for open `CriticalSection`s (at most `critical_section_limit`),
// writes the report, naming the workers still running and the hook in
// progress, to stderr (without taking locks, never blocking for more than
// 200 ms on a stderr that is full, closed, or a terminal nobody reads), and
// calls `_exit(forced_exit_code)`. The grace period and the critical-section
// limit are measured on the monotonic clock: setting the wall clock neither
// stretches nor shortens them. The deadline holds however the stop began,
// a stop signal already pending at `Start()` included.
//
// Other signals. A signal registered with `OnSignal()` runs its callback on
// the runtime's callback thread. A signal neither a stop signal nor
// registered keeps its usual effect: if the application installed a handler
// for it, the handler is called on the callback thread; if it is ignored, it
// stays ignored; if its default action is to terminate, dump core or stop,
// the signal thread re-raises it with that action (an unregistered SIGUSR1
// still terminates, SIGQUIT still dumps core, SIGTSTP still stops).
// SIGPIPE and SIGXFSZ: a write to a broken pipe or socket (or past
// RLIMIT_FSIZE) raises SIGPIPE (SIGXFSZ) in the writing thread, where it
// stays blocked, so the write fails with EPIPE (EFBIG) instead of killing
// the process; the same signal sent by another process keeps its usual
// effect. Signals are received when sent to the process (kill(2), a
// terminal, a supervisor), and when pending on the thread that calls
// `Start()` at that moment; a signal raise()d in a thread after `Start()`
// stays pending on that thread, unseen: use `RequestStop()` in-process.
// Synchronous fault signals (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS)
// and SIGABRT are never blocked; SIGKILL and SIGSTOP cannot be.
//
// Children. A child created with fork() gets back the signal mask the
// process had before `Start()` (a pthread_atfork handler). posix_spawn(),
// system() and popen() do not run atfork handlers: use
// `graceful::SpawnAttributes` (spawn.h) for posix_spawn; system() and
// popen() start their child with the caller's mask, all blocked, where
// SIGTERM cannot reach it, so avoid them in a program that uses the runtime.
//
// One runtime per process at a time. `Start()` fails, with a status naming
// the problem and the fix, when: another `Runtime` is alive; threads other
// than the caller exist (in ThreadSanitizer builds, its runtime's helper
// thread, which blocks every signal, is allowed); a stop signal is SIGKILL,
// SIGSTOP, a fault signal, out of range, or the set is empty; the grace period
// is not positive; a stop signal already has a handler (with the default
// policy).
//
// Thread safety: all member functions may be called from any thread,
// concurrently, except `Wait()`, which must not be called from a worker,
// task, hook or callback of the same runtime (it would wait for itself; this
// is detected and aborts with a message in every build mode). Destroying the
// `Runtime` requests a stop if none was requested, runs the shutdown
// sequence and joins every thread the runtime started; no member function
// may be called concurrently with the destructor.

#ifndef GRACEFUL_RUNTIME_H_
#define GRACEFUL_RUNTIME_H_

#include <signal.h>

#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "graceful/runtime_options.h"
#include "graceful/shutdown_report.h"
#include "graceful/stop_token.h"

namespace graceful {

class Runtime {
 public:
  // Runtime::Start()
  //
  // Validates `options`, blocks every asynchronous signal in the calling
  // thread, and starts the runtime's signal, shutdown and callback threads.
  // Call it in main() before any other thread exists. On error nothing is
  // changed: the signal mask is restored and no thread is left behind.
  // This function is NOT async-signal-safe.
  static absl::StatusOr<std::unique_ptr<Runtime>> Start(
      RuntimeOptions options = {});

  // Runs the shutdown sequence if it has not run, then joins every thread
  // the runtime started and restores the signal mask of the thread that
  // called `Start()` if it is the one destroying the runtime. Blocks like
  // `Wait()`; must not run on a thread the runtime started. No signal is
  // lost on the way: one the signal thread received is handled (its
  // callback runs before the callback thread is joined); one it did not
  // receive (any signal arriving during destruction, a stop signal arriving
  // after the report) stays pending and has its usual effect once the mask
  // is restored: a pending SIGTERM then ends the process, as it would
  // without the runtime. A SIGPIPE or SIGXFSZ left pending on that thread by
  // a failed write (a broken pipe, RLIMIT_FSIZE) is discarded, as the
  // promise of EPIPE/EFBIG instead of death requires. From here on
  // fork() and `SpawnAttributes` children get the current mask.
  // This function is NOT async-signal-safe.
  ~Runtime();

  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Runtime::token()
  //
  // The runtime's stop token: `stop_requested()` is true from phase 1 on.
  // Valid as long as the `Runtime`.
  // This function is async-signal-safe.
  StopToken token() const;

  // Runtime::Spawn()
  //
  // Starts a thread named `name` (in reports; the first 15 bytes also become
  // the OS thread name) that runs `loop(token())`. The loop should return
  // soon after `stop_requested()` turns true. If it throws, the runtime
  // stops with cause `kWorkerFailed` carrying the exception's `what()`.
  // After a stop began, the worker is not started and is reported as
  // refused. If the thread cannot be created (RLIMIT_NPROC, a cgroup's
  // pids.max, memory), Spawn still returns: the worker is reported as
  // refused with a ResourceExhausted status naming the limit, and the
  // runtime stops as for a failed worker (cause `kWorkerFailed`). Does not
  // block on the runtime's other threads.
  // This function is NOT async-signal-safe.
  void Spawn(std::string name, absl::AnyInvocable<void(StopToken)> loop);

  // Runtime::SpawnWithStatus()
  //
  // As `Spawn()`, for a loop that returns a status: a non-OK status stops
  // the runtime with cause `kWorkerFailed` carrying that status, like Go's
  // errgroup.
  // This function is NOT async-signal-safe.
  void SpawnWithStatus(std::string name,
                       absl::AnyInvocable<absl::Status(StopToken)> loop);

  // Runtime::Submit()
  //
  // Queues `task` for the runtime's pool (`RuntimeOptions::pool_threads`
  // threads, started on the first call). Blocks while the queue is full.
  // Returns OK once the task is accepted; `FailedPrecondition` once a stop
  // was requested (also when it came while blocked), and
  // `ResourceExhausted` when no pool thread could be created. A task that
  // throws stops the runtime with cause `kWorkerFailed`. Accepted tasks
  // that never start are counted in the report.
  // This function is NOT async-signal-safe.
  absl::Status Submit(absl::AnyInvocable<void(StopToken)> task);

  // Runtime::OnSignal()
  //
  // Runs `callback(info)` on the runtime's callback thread whenever `signo`
  // arrives; replaces an earlier callback for `signo`. Callbacks run one at
  // a time, never in async-signal context, never on the signal thread, so a
  // slow callback never delays a stop. Standard signals coalesce, as in the
  // kernel: one call means "at least one `signo` since the last call", and
  // `info` describes the latest. Real-time signals (SIGRTMIN..SIGRTMAX)
  // queue: one call per signal sent, in the order received, `info` (e.g. a
  // sigqueue() value) intact. At most 1,024 real-time signals wait for their
  // callbacks at once; further ones are dropped and counted in
  // `ShutdownReport::signals_dropped`. `info` has every field the kernel
  // filled in for that signal and `si_code` (for SIGCHLD `si_status` and the
  // CPU times, for timers `si_timerid`/`si_overrun`, for I/O `si_band`/
  // `si_fd`). A stop signal may be registered too: its
  // callback runs in addition to the stop. `signo` must be a signal the
  // runtime receives (not SIGKILL, SIGSTOP, a fault signal or SIGABRT);
  // anything else aborts with a message in every build mode.
  // This function is NOT async-signal-safe.
  void OnSignal(int signo,
                absl::AnyInvocable<void(const siginfo_t&)> callback);

  // Runtime::AddShutdownHook()
  //
  // Adds a hook for phase 4. Hooks run last added first, exactly once, on
  // the shutdown thread. The second form receives the grace deadline. A
  // hook added after phase 4 began is reported as not run.
  // This function is NOT async-signal-safe.
  void AddShutdownHook(std::string name, absl::AnyInvocable<void()> hook);
  void AddShutdownHook(std::string name,
                       absl::AnyInvocable<void(absl::Time deadline)> hook);

  // Runtime::RequestStop()
  //
  // Begins the shutdown sequence with cause `kRequested`, exactly as a
  // signal would. Does not block. Returns true if this call began the stop,
  // false if a stop had already begun (for any cause).
  // This function is NOT async-signal-safe.
  bool RequestStop();

  // Runtime::Wait()
  //
  // Blocks until the shutdown sequence has finished, then returns its
  // report. From the moment the report is made the runtime no longer
  // receives stop signals: one that arrives later stays pending, is not
  // counted, and takes effect when the `Runtime` is destroyed (or is taken
  // by the next `Runtime::Start()`). While a thread waits here, the runtime
  // also stops by itself (cause `kWorkDone`) once at least one worker or task
  // was started and all of them have finished. Repeated calls return the same
  // report. Does not return if the exit is forced. This function is NOT
  // async-signal-safe.
  ShutdownReport Wait();

 private:
  struct Impl;
  explicit Runtime(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace graceful

#endif  // GRACEFUL_RUNTIME_H_
