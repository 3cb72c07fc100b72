// Copyright 2026 The graceful Authors.
//
// The shutdown thread: phases 2 to 5 of the sequence in runtime.h, and the
// report both it and the forced exit build.

#include <algorithm>
#include <exception>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "graceful/runtime.h"
#include "lib/internal/runtime_impl.h"
#include "lib/internal/signals.h"
#include "lib/internal/thread_role.h"

namespace graceful {
namespace {

std::string DescribeException() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception not derived from std::exception";
  }
}

}  // namespace

void Runtime::Impl::ShutdownThreadMain() {
  internal::EnterRuntimeThread("graceful-stop");
  {
    // Until phase 1 happens elsewhere, or Wait() sees all work done.
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] {
      return stop.stop_requested() || destroying ||
             (waiters > 0 && work_started.load(std::memory_order_relaxed) &&
              outstanding_work.load(std::memory_order_acquire) == 0);
    });
  }
  BeginStop({.cause = stop.stop_requested() || destroying
                          ? StopCause::kRequested
                          : StopCause::kWorkDone});

  // Phase 2: stop callbacks, then the handler chained to the stop signal.
  stop.RunCallbacks();
  if (stop_record.cause == StopCause::kSignal &&
      chained_handlers[stop_record.signal].has_value()) {
    siginfo_t info = stop_record.siginfo;
    internal::CallHandler(*chained_handlers[stop_record.signal],
                          stop_record.signal, info);
  }

  // Phase 3: join workers and pool threads. This thread sleeps in
  // pthread_join, woken by the kernel as each thread ends (rather than on
  // `cv` as each thread finishes, then again in the join: one wake-up less
  // on the way to the report). Threads are gathered under mu and joined
  // outside it, since they take mu as they end; only this thread joins,
  // and a record's thread, once set under mu, is never set again. No
  // joinable thread left under mu, and none being created, means every
  // started thread was joined.
  for (;;) {
    std::vector<internal::WorkerRecord*> to_join;
    {
      // A thread being created becomes joinable, or refused, under mu.
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return threads_being_created == 0; });
      workers.ForEach([&](internal::WorkerRecord& worker) {
        if (worker.thread.joinable()) to_join.push_back(&worker);
      });
    }
    if (to_join.empty()) break;
    for (internal::WorkerRecord* worker : to_join) worker->thread.join();
  }
  joined_at_ns.store(absl::ToUnixNanos(absl::Now()),
                     std::memory_order_release);
  tasks_unstarted.store(tasks.DiscardQueued(), std::memory_order_relaxed);
  Emit({.type = EventType::kWorkersJoined});

  // Phase 4: hooks, last added first.
  int hooks_left = 0;
  hooks.ForEach([&](internal::HookRecord&) { ++hooks_left; });
  hooks.ForEach([&](internal::HookRecord& hook) {
    if (ending.load(std::memory_order_acquire) == Ending::kForced) {
      ParkForever();  // no hook starts once the exit is being forced
    }
    --hooks_left;
    Emit({.type = EventType::kHookStarted,
          .name = hook.name,
          .hooks_left = hooks_left});
    hook.state.store(HookOutcome::State::kRunning, std::memory_order_release);
    const absl::Time start = absl::Now();
    bool ok = true;
    try {
      hook.hook(stop_record.deadline);
    } catch (...) {
      ok = false;
      hook.error = DescribeException();
    }
    hook.hook = nullptr;
    hook.duration = absl::Now() - start;
    if (!ok) {
      std::lock_guard<std::mutex> lock(error_mu);
      hook_failed = true;
    }
    hook.state.store(ok ? HookOutcome::State::kFinished
                        : HookOutcome::State::kFailed,
                     std::memory_order_release);
    Emit({.type = EventType::kHookFinished,
          .name = hook.name,
          .status = ok ? absl::OkStatus() : absl::InternalError(hook.error),
          .hooks_left = hooks_left});
  });

  // Phase 5: report, unless the exit is already being forced.
  if (!DecideEnding(Ending::kGraceful)) ParkForever();
  StopReceivingStopSignals();
  ShutdownReport result = Snapshot(ForcedReason::kNotForced);
  Emit({.type = EventType::kShutdownComplete,
        .exit_code = result.exit_code()});
  {
    std::lock_guard<std::mutex> lock(mu);
    report = std::move(result);
  }
  report_cv.notify_all();
  // The signal thread is not woken: it drops the deadline whenever it next
  // wakes (for a signal, at the deadline, or when the Runtime is
  // destroyed), and seeing the ending decided it never forces the exit.
  // Waking it here would put it (real-time, so preempting) on a CPU just
  // when Wait()'s thread needs one.
}

ShutdownReport Runtime::Impl::Snapshot(ForcedReason forced) const {
  ShutdownReport r;
  if (stop.stop_requested()) {
    r.cause = stop_record.cause;
    r.signal = stop_record.signal;
    r.sender_pid = stop_record.sender_pid;
    r.sender_uid = stop_record.sender_uid;
    r.signal_code = stop_record.signal_code;
    r.stop_requested_at = stop_record.at;
    r.deadline = stop_record.deadline;
  }
  r.extra_stop_signals = extra_stop_signals.load(std::memory_order_relaxed);
  r.signals_dropped = signals_dropped.load(std::memory_order_relaxed);
  if (const int64_t joined = joined_at_ns.load(std::memory_order_acquire);
      joined != 0) {
    r.workers_joined_at = absl::FromUnixNanos(joined);
  }
  workers.ForEach([&](internal::WorkerRecord& worker) {
    WorkerOutcome outcome;
    outcome.name = worker.name;
    outcome.started = worker.started;
    outcome.state = worker.state.load(std::memory_order_acquire);
    if (outcome.state != WorkerOutcome::State::kRunning) {
      outcome.error = worker.error;
      outcome.finished = worker.finished;
    }
    r.workers.push_back(std::move(outcome));
  });
  std::reverse(r.workers.begin(), r.workers.end());  // in spawn order
  hooks.ForEach([&](internal::HookRecord& hook) {
    HookOutcome outcome;
    outcome.name = hook.name;
    outcome.state = hook.state.load(std::memory_order_acquire);
    if (outcome.state == HookOutcome::State::kFinished ||
        outcome.state == HookOutcome::State::kFailed) {
      outcome.duration = hook.duration;
      outcome.error = hook.error;
    }
    r.hooks.push_back(std::move(outcome));
  });
  r.tasks_accepted = tasks.accepted();
  r.tasks_completed = tasks_completed.load(std::memory_order_relaxed);
  r.tasks_failed = tasks_failed.load(std::memory_order_relaxed);
  r.tasks_unstarted = tasks_unstarted.load(std::memory_order_relaxed);
  r.forced = forced;
  bool failed;
  {
    std::lock_guard<std::mutex> lock(error_mu);
    r.error = first_error;
    failed = !first_error.ok() || hook_failed;
  }

  if (forced != ForcedReason::kNotForced) {
    r.exit_code_value = options.forced_exit_code;
    return r;
  }
  r.finished_at = absl::Now();
  if (failed) {
    r.exit_code_value = options.failure_exit_code;
  } else if (r.cause == StopCause::kSignal) {
    switch (options.signal_exit_style) {
      case SignalExitStyle::kDieBySignal:
        // Only a signal whose default action ends the process can end it:
        // one that stops it (SIGTSTP), or is ignored (SIGCHLD), exits with
        // the status a shell would show for it.
        if (internal::DefaultActionEnds(r.signal)) r.die_by_signal = r.signal;
        r.exit_code_value = 128 + r.signal;
        break;
      case SignalExitStyle::kExitZero:
        r.exit_code_value = 0;
        break;
      case SignalExitStyle::kExit128PlusSignal:
        r.exit_code_value = 128 + r.signal;
        break;
    }
  }
  return r;
}

}  // namespace graceful
