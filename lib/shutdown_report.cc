// Copyright 2026 The graceful Authors.

#include "graceful/shutdown_report.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/internal/signals.h"

namespace graceful {
namespace {

const char* WorkerStateName(WorkerOutcome::State state) {
  switch (state) {
    case WorkerOutcome::State::kFinished:
      return "finished";
    case WorkerOutcome::State::kFailed:
      return "FAILED";
    case WorkerOutcome::State::kRunning:
      return "STILL RUNNING";
    case WorkerOutcome::State::kRefused:
      return "not started";
  }
  return "?";
}

const char* HookStateName(HookOutcome::State state) {
  switch (state) {
    case HookOutcome::State::kFinished:
      return "finished";
    case HookOutcome::State::kFailed:
      return "FAILED";
    case HookOutcome::State::kRunning:
      return "STILL RUNNING";
    case HookOutcome::State::kNotRun:
      return "not run";
  }
  return "?";
}

std::string Since(absl::Time start, absl::Time end) {
  if (start == absl::InfinitePast() || end == absl::InfinitePast()) {
    return "-";
  }
  return absl::FormatDuration(end - start);
}

}  // namespace

const char* StopCauseName(StopCause cause) {
  switch (cause) {
    case StopCause::kNone:
      return "none";
    case StopCause::kSignal:
      return "signal";
    case StopCause::kRequested:
      return "requested";
    case StopCause::kWorkerFailed:
      return "worker failed";
    case StopCause::kWorkDone:
      return "work done";
  }
  return "?";
}

absl::Duration ShutdownReport::signal_to_joined() const {
  if (stop_requested_at == absl::InfinitePast() ||
      workers_joined_at == absl::InfinitePast()) {
    return absl::InfiniteDuration();
  }
  return workers_joined_at - stop_requested_at;
}

std::vector<std::string> ShutdownReport::stragglers() const {
  std::vector<std::string> names;
  for (const WorkerOutcome& worker : workers) {
    if (worker.state == WorkerOutcome::State::kRunning) {
      names.push_back(worker.name);
    }
  }
  return names;
}

void ShutdownReport::ExitProcess() const {
  std::fflush(nullptr);
  if (die_by_signal != 0) {
    struct sigaction action = {};
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    sigaction(die_by_signal, &action, nullptr);
    internal::RaiseWithDefaultAction(die_by_signal);
    // Still here: the signal's default action does not end a process.
    _exit(exit_code());
  }
  std::exit(exit_code());
}

std::string ShutdownReport::ToString() const {
  std::string out = absl::StrCat("graceful shutdown report\n  cause: ",
                                 StopCauseName(cause));
  if (cause == StopCause::kSignal) {
    absl::StrAppend(&out, " ", internal::SignalName(signal), " from pid ",
                    sender_pid, " uid ", sender_uid, " (si_code ",
                    signal_code, ")");
  }
  if (extra_stop_signals > 0) {
    absl::StrAppend(&out, ", then ", extra_stop_signals,
                    " more stop signal(s)");
  }
  absl::StrAppend(&out, "\n");
  if (!error.ok()) absl::StrAppend(&out, "  error: ", error.ToString(), "\n");
  switch (forced) {
    case ForcedReason::kNotForced:
      break;
    case ForcedReason::kSecondSignal:
      absl::StrAppend(&out, "  FORCED: a second stop signal arrived\n");
      break;
    case ForcedReason::kDeadline:
      absl::StrAppend(&out, "  FORCED: the grace period ran out\n");
      break;
  }
  if (critical_sections_open > 0) {
    absl::StrAppend(&out, "  critical sections still open: ",
                    critical_sections_open, "\n");
  }
  absl::StrAppend(&out, "  stop requested at: ",
                  absl::FormatTime(stop_requested_at), "\n",
                  "  stop to workers joined: ",
                  Since(stop_requested_at, workers_joined_at), "\n",
                  "  stop to finished: ", Since(stop_requested_at, finished_at),
                  "\n");
  const std::vector<std::string> running = stragglers();
  if (!running.empty()) {
    absl::StrAppend(&out, "  stragglers: ", absl::StrJoin(running, ", "),
                    "\n");
  }
  absl::StrAppend(&out, "  workers (", workers.size(), "):\n");
  for (const WorkerOutcome& worker : workers) {
    absl::StrAppend(&out, "    ", worker.name, ": ",
                    WorkerStateName(worker.state));
    if (worker.state == WorkerOutcome::State::kFinished ||
        worker.state == WorkerOutcome::State::kFailed) {
      absl::StrAppend(&out, " after ", Since(worker.started, worker.finished));
    }
    if (!worker.error.ok()) {
      absl::StrAppend(&out, " (", worker.error.ToString(), ")");
    }
    absl::StrAppend(&out, "\n");
  }
  absl::StrAppend(&out, "  hooks (", hooks.size(), "):\n");
  for (const HookOutcome& hook : hooks) {
    absl::StrAppend(&out, "    ", hook.name, ": ", HookStateName(hook.state));
    if (hook.state == HookOutcome::State::kFinished ||
        hook.state == HookOutcome::State::kFailed) {
      absl::StrAppend(&out, " in ", absl::FormatDuration(hook.duration));
    }
    if (!hook.error.empty()) absl::StrAppend(&out, " (", hook.error, ")");
    absl::StrAppend(&out, "\n");
  }
  absl::StrAppend(&out, "  tasks: ", tasks_accepted, " accepted, ",
                  tasks_completed, " completed (", tasks_failed, " failed), ",
                  tasks_unstarted, " unstarted\n");
  if (die_by_signal != 0) {
    absl::StrAppend(&out, "  exit: dies of ", internal::SignalName(die_by_signal),
                    " (status ", exit_code_value, ")\n");
  } else {
    absl::StrAppend(&out, "  exit status: ", exit_code_value, "\n");
  }
  return out;
}

}  // namespace graceful
