// Copyright 2026 The graceful Authors.

#include "graceful/shutdown_report.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lib/internal/json.h"
#include "lib/internal/signals.h"

namespace graceful {
namespace {

using internal::JsonString;

std::string JsonTime(absl::Time time) {
  if (time == absl::InfinitePast()) return "null";
  return JsonString(absl::FormatTime(absl::RFC3339_full, time,
                                     absl::UTCTimeZone()));
}

std::string JsonMillis(absl::Duration duration) {
  if (duration == absl::InfiniteDuration()) return "null";
  return absl::StrFormat("%.6f", absl::ToDoubleMilliseconds(duration));
}

std::string JsonError(const absl::Status& status) {
  return status.ok() ? "null" : JsonString(status.message());
}

std::string Since(absl::Time start, absl::Time end) {
  if (start == absl::InfinitePast() || end == absl::InfinitePast()) {
    return "-";
  }
  return absl::FormatDuration(end - start);
}

const char* HookStateName(HookOutcome::State state) {
  switch (state) {
    case HookOutcome::State::kFinished:
      return "finished";
    case HookOutcome::State::kFailed:
      return "failed";
    case HookOutcome::State::kRunning:
      return "running";
    case HookOutcome::State::kNotRun:
      return "not run";
  }
  return "?";
}

const char* ForcedName(ForcedReason forced) {
  switch (forced) {
    case ForcedReason::kNotForced:
      return "none";
    case ForcedReason::kSecondSignal:
      return "second signal";
    case ForcedReason::kDeadline:
      return "deadline";
  }
  return "?";
}

// How ToString() shows a state: as in JSON, upper-cased when abnormal.
std::string Shown(const char* state, bool abnormal) {
  return abnormal ? absl::AsciiStrToUpper(state) : state;
}

}  // namespace

const char* WorkerStateName(WorkerOutcome::State state) {
  switch (state) {
    case WorkerOutcome::State::kFinished:
      return "finished";
    case WorkerOutcome::State::kFailed:
      return "failed";
    case WorkerOutcome::State::kRunning:
      return "running";
    case WorkerOutcome::State::kRefused:
      return "refused";
  }
  return "?";
}

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
    internal::DieOfSignal(die_by_signal);
    // Still here: the signal's default action did not end the process.
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
  if (signals_dropped > 0) {
    absl::StrAppend(&out, "  real-time signals dropped (queue full): ",
                    signals_dropped, "\n");
  }
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
    absl::StrAppend(
        &out, "    ", worker.name, ": ",
        Shown(WorkerStateName(worker.state),
              worker.state == WorkerOutcome::State::kFailed ||
                  worker.state == WorkerOutcome::State::kRunning));
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
    absl::StrAppend(&out, "    ", hook.name, ": ",
                    Shown(HookStateName(hook.state),
                          hook.state == HookOutcome::State::kFailed ||
                              hook.state == HookOutcome::State::kRunning));
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

std::string ShutdownReport::ToJson() const {
  std::string out = absl::StrCat(
      "{\"cause\":", JsonString(StopCauseName(cause)),
      ",\"error\":", JsonError(error), ",\"signal\":", signal,
      ",\"signal_name\":",
      signal == 0 ? "null" : JsonString(internal::SignalName(signal)),
      ",\"sender_pid\":", sender_pid, ",\"sender_uid\":", sender_uid,
      ",\"signal_code\":", signal_code,
      ",\"extra_stop_signals\":", extra_stop_signals,
      ",\"signals_dropped\":", signals_dropped,
      ",\"stop_requested_at\":", JsonTime(stop_requested_at),
      ",\"workers_joined_at\":", JsonTime(workers_joined_at),
      ",\"finished_at\":", JsonTime(finished_at),
      ",\"deadline\":", JsonTime(deadline),
      ",\"signal_to_joined_ms\":", JsonMillis(signal_to_joined()),
      ",\"forced\":", JsonString(ForcedName(forced)),
      ",\"critical_sections_open\":", critical_sections_open, ",\"workers\":[");
  for (size_t i = 0; i < workers.size(); ++i) {
    const WorkerOutcome& worker = workers[i];
    const bool ended = worker.finished != absl::InfinitePast();
    absl::StrAppend(&out, i == 0 ? "" : ",",
                    "{\"name\":", JsonString(worker.name),
                    ",\"state\":", JsonString(WorkerStateName(worker.state)),
                    ",\"error\":", JsonError(worker.error), ",\"run_ms\":",
                    ended ? JsonMillis(worker.finished - worker.started)
                          : "null",
                    "}");
  }
  absl::StrAppend(&out, "],\"stragglers\":[");
  const std::vector<std::string> running = stragglers();
  for (size_t i = 0; i < running.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "" : ",", JsonString(running[i]));
  }
  absl::StrAppend(&out, "],\"hooks\":[");
  for (size_t i = 0; i < hooks.size(); ++i) {
    const HookOutcome& hook = hooks[i];
    const bool ran = hook.state == HookOutcome::State::kFinished ||
                     hook.state == HookOutcome::State::kFailed;
    absl::StrAppend(&out, i == 0 ? "" : ",",
                    "{\"name\":", JsonString(hook.name),
                    ",\"state\":", JsonString(HookStateName(hook.state)),
                    ",\"error\":",
                    hook.error.empty() ? "null" : JsonString(hook.error),
                    ",\"duration_ms\":",
                    ran ? JsonMillis(hook.duration) : "null", "}");
  }
  absl::StrAppend(&out, "],\"tasks\":{\"accepted\":", tasks_accepted,
                  ",\"completed\":", tasks_completed,
                  ",\"failed\":", tasks_failed,
                  ",\"unstarted\":", tasks_unstarted,
                  "},\"exit_code\":", exit_code_value,
                  ",\"die_by_signal\":", die_by_signal, "}");
  return out;
}

}  // namespace graceful
