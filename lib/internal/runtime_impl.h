// Copyright 2026 The graceful Authors.
//
// The state of a running `graceful::Runtime` and its three threads:
//
//   signal thread    lib/signal_thread.cc  receives every signal, begins the
//                                          stop, enforces the deadline and
//                                          forces the exit (phase 1,
//                                          escalation)
//   shutdown thread  lib/shutdown.cc       phases 2 to 5
//   callback thread  lib/signal_thread.cc  OnSignal callbacks, chained and
//                                          application handlers
//
// Phase numbers refer to the shutdown sequence in include/graceful/runtime.h.
//
// Locks. Every mutex of the runtime is held only for a few loads and stores
// (or a non-allocating queue operation): never across user code, thread
// creation, I/O or a wait on another lock, except where listed here. So the
// signal thread, which takes some of them, never waits for one longer than
// such a step. The order, for the nestings that exist (outer first):
//
//   pool_mu            serialises starting the pool; held while creating the
//                      pool threads (and so across `mu`, briefly, per
//                      thread). Never taken by the signal thread.
//   stop_record_mu     serialises BeginStop(); held across tasks' queue lock
//                      (TaskQueue::Close) and the stop state's lock
//                      (StopState::SetStopped).
//   mu                 workers, waiters, the report; leaf.
//   error_mu           the first error and hook failures; leaf.
//   callbacks_mu       OnSignal callbacks and the callback thread's queue;
//                      leaf.
//
// The stop state's own lock (lib/internal/stop_state.h) and the task
// queue's (lib/internal/task_queue.h) are leaves below stop_record_mu.

#ifndef GRACEFUL_LIB_INTERNAL_RUNTIME_IMPL_H_
#define GRACEFUL_LIB_INTERNAL_RUNTIME_IMPL_H_

#include <signal.h>
#include <sys/signalfd.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "graceful/events.h"
#include "graceful/runtime.h"
#include "graceful/runtime_options.h"
#include "graceful/shutdown_report.h"
#include "lib/internal/append_only_list.h"
#include "lib/internal/monotonic_clock.h"
#include "lib/internal/scheduling.h"
#include "lib/internal/signal_queue.h"
#include "lib/internal/stop_state.h"
#include "lib/internal/task_queue.h"

namespace graceful {

namespace internal {

// One spawned worker or pool thread. Created under Impl::mu_; the forced
// exit reads it without locks.
struct WorkerRecord {
  WorkerRecord(std::string name, absl::Time started)
      : name(std::move(name)), started(started) {}

  const std::string name;
  const absl::Time started;
  // Set by the spawning thread and joined, both under mu_; its stack is
  // unmapped with the record (see WorkerThread).
  WorkerThread thread;
  // Writer: the worker itself as it ends, or the spawner when it refuses
  // (release, after `finished` and `error`); readers acquire.
  std::atomic<WorkerOutcome::State> state{WorkerOutcome::State::kRunning};
  absl::Time finished = absl::InfinitePast();
  absl::Status error;
};

struct HookRecord {
  HookRecord(std::string name, absl::AnyInvocable<void(absl::Time)> hook)
      : name(std::move(name)), hook(std::move(hook)) {}

  const std::string name;
  absl::AnyInvocable<void(absl::Time)> hook;  // run by the shutdown thread
  // Writer: the shutdown thread (release, after `duration` and `error`).
  std::atomic<HookOutcome::State> state{HookOutcome::State::kNotRun};
  absl::Duration duration;
  std::string error;
};

// Written once by the thread that begins the stop, before the stop flag's
// release store; read by anyone who has seen the flag set.
struct StopRecord {
  StopCause cause = StopCause::kNone;
  siginfo_t siginfo = {};  // kSignal: as received
  int signal = 0;
  pid_t sender_pid = 0;
  uid_t sender_uid = 0;
  int signal_code = 0;
  absl::Time at = absl::InfinitePast();
  // The grace deadline on the wall clock (for reports, events and hooks),
  // and on the monotonic clock, which is the one enforced.
  absl::Time deadline = absl::InfinitePast();
  MonotonicTime monotonic_deadline = MonotonicTime::InfiniteFuture();
};

// A stop signal as the signal thread received it, to tell a second request
// from the first one delivered twice.
struct ReceivedStopSignal {
  int signal = 0;
  int code = 0;
  pid_t sender_pid = 0;
  MonotonicTime at = MonotonicTime::InfiniteFuture();
};

}  // namespace internal

struct Runtime::Impl {
  explicit Impl(RuntimeOptions options);
  ~Impl();

  // Phase 1, from any thread. Returns false if a stop had already begun.
  bool BeginStop(const internal::StopRecord& record);
  // Records `error` (the first one is kept) and begins a stop with cause
  // kWorkerFailed.
  void Fail(absl::Status error);
  // Sends `event` to options.on_event, adding the time and, once stopping,
  // the stop time and deadline. Exceptions from the handler are discarded.
  void Emit(Event event) const;
  // Common end of worker and pool threads.
  void ThreadFinished(const internal::WorkerRecord& record);

  // Threads.
  void SignalThreadMain();
  void ShutdownThreadMain();
  void CallbackThreadMain();
  void WorkerMain(internal::WorkerRecord* record,
                  absl::AnyInvocable<absl::Status(StopToken)> body);
  void PoolThreadMain(internal::WorkerRecord* record);

  // Signal thread helpers.
  // Until Start() succeeded (true) or gave up (false): the signal thread
  // reads no signal before, so a failed Start() leaves every signal pending
  // and emits nothing.
  bool WaitUntilStarted();
  void DispatchSignal(siginfo_t info);
  void DispatchStopSignal(const siginfo_t& info, bool registered);
  // Forces the exit, unless the graceful path already decided the ending
  // (then returns at once).
  void ForceExit(ForcedReason reason);
  void WakeSignalThread();
  // Whether `info` is `first_stop_signal` delivered again (same signal,
  // sender and si_code, within 100 ms), not a second request.
  bool IsRepeatOfFirst(const siginfo_t& info) const;
  // Tell the signal (callback) thread to leave and join it, if it runs.
  // The callback thread empties its queue first.
  void JoinSignalThread();
  void JoinCallbackThread();
  // Phase 5: stop signals from now on stay pending (see runtime.h).
  void StopReceivingStopSignals();

  // How the process ends is decided once: by the forced exit or by phase 5.
  // Returns true if `way` won. Whoever loses parks (the shutdown thread) or
  // returns (the forced exit).
  enum class Ending { kUndecided, kGraceful, kForced };
  bool DecideEnding(Ending way);
  // For the shutdown thread once the exit is being forced: never returns,
  // so that nothing of the graceful path races the forced _exit().
  [[noreturn]] static void ParkForever();

  // Callback thread helpers.
  void PostToCallbackThread(const siginfo_t& info, bool run_chained_handler);

  // Worker bookkeeping. Starts a worker running `body`, or a pool thread
  // (`body` unused), recorded as `name`. Returns OK; FailedPrecondition when
  // a stop had begun; or the ResourceExhausted ThreadCreationError(). Either
  // error leaves a worker's record refused with that status; a pool thread
  // is recorded only once it runs. Takes `mu` briefly, twice; creates the
  // thread without it.
  absl::Status StartThread(std::string name,
                           absl::AnyInvocable<absl::Status(StopToken)> body,
                           bool pool_thread);
  absl::Status EnsurePoolStarted();
  // One spawned worker or accepted task is done. Not called under mu.
  void FinishWork();

  bool IsActiveStopSignal(int signo) const {
    return sigismember(&active_stop_signals, signo) == 1;
  }

  // A report from the current state; used by phase 5 and by the forced
  // exit, so it takes no lock that user code could hold.
  ShutdownReport Snapshot(ForcedReason forced) const;

  const RuntimeOptions options;
  const std::thread::id start_thread;
  sigset_t original_mask;        // the Start() thread's mask before Start()
  sigset_t active_stop_signals;  // stop signals not inherited as ignored
  // Old handlers of stop signals, called after ours with kChain.
  std::array<std::optional<struct sigaction>, NSIG> chained_handlers;

  internal::StopState stop;
  internal::StopRecord stop_record;  // see StopRecord
  std::mutex stop_record_mu;         // serialises BeginStop()
  std::atomic<int> extra_stop_signals{0};  // writer: signal thread
  // The first stop signal received, whether or not it began the stop.
  // Owned by the signal thread.
  std::optional<internal::ReceivedStopSignal> first_stop_signal;

  int signal_fd = -1;
  int wake_fd = -1;  // eventfd: wakes the signal thread
  // Writer: Start(), once every thread exists; reader: the signal thread.
  std::atomic<bool> started{false};
  std::atomic<Ending> ending{Ending::kUndecided};  // see DecideEnding()
  // Signals already pending on the Start() thread when it blocked them
  // (raise() before Start()), taken by Start() for the signal thread.
  std::vector<siginfo_t> pending_at_start;
  std::atomic<bool> signal_thread_exit{false};

  // Workers, pool threads, work accounting and the report.
  std::mutex mu;
  std::condition_variable cv;  // any change to the fields guarded by mu
  // `report` was set (phase 5). Separate from `cv`, so that Wait() sleeps
  // through the stop and the join instead of waking at each change.
  std::condition_variable report_cv;
  internal::AppendOnlyList<internal::WorkerRecord> workers;  // adds under mu
  // Workers + pool threads running or being created. Written under mu (so
  // that waits on cv see every change); read without it by events and the
  // heartbeat.
  std::atomic<int> live_threads{0};
  int threads_being_created = 0;  // guarded by mu
  int waiters = 0;              // guarded by mu: threads in Wait()
  bool destroying = false;      // guarded by mu
  std::optional<ShutdownReport> report;  // guarded by mu
  // Spawned workers running plus accepted tasks not finished. Decrements
  // that reach zero notify `cv` under mu.
  std::atomic<int64_t> outstanding_work{0};
  std::atomic<bool> work_started{false};
  std::atomic<int64_t> joined_at_ns{0};  // writer: shutdown thread (release)

  std::mutex pool_mu;
  bool pool_started = false;  // guarded by pool_mu
  internal::TaskQueue tasks;
  std::atomic<int64_t> tasks_completed{0};
  std::atomic<int64_t> tasks_failed{0};
  std::atomic<int64_t> tasks_unstarted{0};

  internal::AppendOnlyList<internal::HookRecord> hooks;  // newest first

  mutable std::mutex error_mu;
  absl::Status first_error;  // guarded by error_mu
  bool hook_failed = false;  // guarded by error_mu

  // OnSignal callbacks and the callback thread's queue.
  using SignalCallback = absl::AnyInvocable<void(const siginfo_t&)>;
  std::mutex callbacks_mu;
  std::condition_variable callbacks_cv;
  std::array<std::shared_ptr<SignalCallback>, NSIG>
      callbacks;  // guarded by callbacks_mu
  // Bit (signo - 1): a callback is registered. Writer: OnSignal (under
  // callbacks_mu); reader: the signal thread, without the lock.
  std::atomic<uint64_t> registered_signals{0};
  internal::SignalQueue queued_signals;  // guarded by callbacks_mu
  // Real-time signals the queue dropped. Writer: the signal thread.
  std::atomic<int64_t> signals_dropped{0};
  bool callback_thread_exit = false;  // guarded by callbacks_mu

  std::thread signal_thread;
  std::thread shutdown_thread;
  std::thread callback_thread;
};

}  // namespace graceful

#endif  // GRACEFUL_LIB_INTERNAL_RUNTIME_IMPL_H_
