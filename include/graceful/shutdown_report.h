// Copyright 2026 The graceful Authors.
//
// -----------------------------------------------------------------------------
// File: shutdown_report.h
// -----------------------------------------------------------------------------
//
// A `ShutdownReport` says how a `graceful::Runtime` ended: what started the
// stop (a signal and who sent it, a programmatic request, a failed worker, or
// all work done), how long each phase took, which workers and hooks finished,
// failed or were still running, how many pool tasks ran, and the exit status
// the process should end with. `Runtime::Wait()` returns it; the forced exit
// writes it to stderr before the process ends.
//
// Exit status table (the numbers are `RuntimeOptions` defaults):
//
//   | how the runtime ended                          | exit_code()      |
//   |------------------------------------------------|------------------|
//   | all work done, or `RequestStop()`              | 0                |
//   | stop signal N, clean (`kDieBySignal`, default) | 128+N, by dying  |
//   |                                                | of signal N      |
//   | stop signal N, clean (`kExitZero`)             | 0                |
//   | stop signal N, clean (`kExit128PlusSignal`)    | 128+N            |
//   | a worker, pool task or hook failed             | 1                |
//   | forced: second stop signal or grace ran out    | 124              |
//
// Thread safety: a plain value type.

#ifndef GRACEFUL_SHUTDOWN_REPORT_H_
#define GRACEFUL_SHUTDOWN_REPORT_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace graceful {

// What started the stop.
enum class StopCause {
  kNone,           // no stop yet (only in a forced report before any stop)
  kSignal,         // a stop signal; see `ShutdownReport::signal`
  kRequested,      // `Runtime::RequestStop()` or the `Runtime` was destroyed
  kWorkerFailed,   // a worker, pool task threw or returned an error
  kWorkDone,       // `Wait()` saw every worker and task finish on its own
};

// Returns "signal", "requested", "worker failed", "work done" or "none".
// This function is async-signal-safe.
const char* StopCauseName(StopCause cause);

// Why the forced exit happened.
enum class ForcedReason {
  kNotForced,
  kSecondSignal,   // another stop signal arrived during the stop
  kDeadline,       // the grace period ran out
};

struct WorkerOutcome {
  enum class State {
    kFinished,   // returned (for pool threads: left the pool)
    kFailed,     // threw or returned a non-OK status; see `error`
    kRunning,    // still running when the report was made: a straggler
    kRefused,    // `Spawn()` after the stop began, or the thread could not
                 // be created; see `error`
  };
  std::string name;
  State state = State::kFinished;
  absl::Status error;
  absl::Time started;
  absl::Time finished = absl::InfinitePast();  // unless it finished or failed
};

// Returns "finished", "failed", "running" or "refused", as in ToJson().
// This function is async-signal-safe.
const char* WorkerStateName(WorkerOutcome::State state);

struct HookOutcome {
  enum class State {
    kFinished,
    kFailed,     // threw; see `error`
    kRunning,    // running when the forced exit came
    kNotRun,     // the forced exit came first
  };
  std::string name;
  State state = State::kNotRun;
  std::string error;
  absl::Duration duration;
};

struct ShutdownReport {
  StopCause cause = StopCause::kNone;
  // The error of the first failed worker or task (`kWorkerFailed`), else OK.
  absl::Status error;

  // The stop signal (`kSignal`), its sender as the kernel recorded it in
  // `siginfo_t` (`si_pid`, `si_uid`, `si_code`: SI_USER for kill(2),
  // SI_KERNEL for a terminal's Ctrl+C, ...), else 0.
  int signal = 0;
  pid_t sender_pid = 0;
  uid_t sender_uid = 0;
  int signal_code = 0;
  // Stop signals received after the stop began (coalesced by the kernel):
  // for a stop begun by a signal, those after it; for any other cause, all
  // of them. Stop signals that arrive once the report is made are not
  // received (see Runtime::Wait()).
  int extra_stop_signals = 0;
  // Real-time signals dropped because `OnSignal` callbacks had 1,024 of
  // them waiting already (see Runtime::OnSignal()).
  int64_t signals_dropped = 0;

  // When the signal thread saw the signal (or the request was made), when
  // every worker and pool thread had returned, when the hooks were done.
  // absl::InfinitePast() for phases that did not happen.
  absl::Time stop_requested_at = absl::InfinitePast();
  absl::Time workers_joined_at = absl::InfinitePast();
  absl::Time finished_at = absl::InfinitePast();
  // The grace deadline: `stop_requested_at` + grace period.
  absl::Time deadline = absl::InfinitePast();

  std::vector<WorkerOutcome> workers;
  std::vector<HookOutcome> hooks;  // in the order they ran: last added first

  int64_t tasks_accepted = 0;
  int64_t tasks_completed = 0;   // ran to the end, failed or not
  int64_t tasks_failed = 0;
  int64_t tasks_unstarted = 0;   // accepted, never started
  // After a clean shutdown, accepted = completed + unstarted.

  ForcedReason forced = ForcedReason::kNotForced;
  // Open critical sections when the forced exit gave up waiting for them.
  int critical_sections_open = 0;

  // How the process should end; set by the runtime from its options.
  int exit_code_value = 0;
  int die_by_signal = 0;  // nonzero: end by dying of this signal

  // ShutdownReport::signal_to_joined()
  //
  // Time from the stop request (the signal seen) to all workers joined;
  // absl::InfiniteDuration() if they never were.
  // This function is async-signal-safe.
  absl::Duration signal_to_joined() const;

  // ShutdownReport::stragglers()
  //
  // Names of the workers still running.
  // This function is NOT async-signal-safe.
  std::vector<std::string> stragglers() const;

  // ShutdownReport::exit_code()
  //
  // The status to end the process with (see the table above): what
  // `return report.exit_code();` from main should return. For
  // `kDieBySignal` it is the 128+N a shell would show; `ExitProcess()` dies
  // of the signal itself.
  // This function is async-signal-safe.
  int exit_code() const { return exit_code_value; }

  // ShutdownReport::ExitProcess()
  //
  // Ends the process as the report says: flushes stdio, then dies of
  // `die_by_signal` (default action restored, signal unblocked in the
  // calling thread, re-raised; never with a core dump, SIGQUIT included) or
  // calls `std::exit(exit_code())`. It always ends the process.
  // Call it from main after `Runtime::Wait()`. The `Runtime` may still be
  // alive: its threads are parked by then and die with the process (which
  // ThreadSanitizer reports as a thread leak unless `report_thread_leaks=0`;
  // destroy the `Runtime` first where that matters).
  // This function is NOT async-signal-safe.
  [[noreturn]] void ExitProcess() const;

  // ShutdownReport::ToString()
  //
  // A multi-line human-readable summary: cause, sender, timings, stragglers,
  // failures, hooks, tasks, exit status.
  // This function is NOT async-signal-safe.
  std::string ToString() const;

  // ShutdownReport::ToJson()
  //
  // The report as one JSON object on one line, for log pipelines. Field
  // names are stable (new fields may be added; none is renamed or removed):
  //
  //   cause               "none" | "signal" | "requested" | "worker failed"
  //                       | "work done"
  //   error               message of the first failure, or null
  //   signal, signal_name 15, "SIGTERM" (0, null without a signal)
  //   sender_pid, sender_uid, signal_code, extra_stop_signals,
  //   signals_dropped     integers
  //   stop_requested_at, workers_joined_at, finished_at, deadline
  //                       RFC 3339 UTC strings, or null if not reached
  //   signal_to_joined_ms number, or null if the workers were never joined
  //   forced              "none" | "second signal" | "deadline"
  //   critical_sections_open   integer
  //   workers             [{"name", "state": "finished" | "failed" |
  //                       "running" | "refused", "error": string|null,
  //                       "run_ms": number|null}]
  //   stragglers          [names of workers still running]
  //   hooks               [{"name", "state": "finished" | "failed" |
  //                       "running" | "not run", "error": string|null,
  //                       "duration_ms": number|null}]
  //   tasks               {"accepted", "completed", "failed", "unstarted"}
  //   exit_code           integer; die_by_signal: integer (0: none)
  //
  // Strings are escaped as JSON requires; bytes that are not UTF-8 become
  // U+FFFD, so the output is always valid JSON.
  // This function is NOT async-signal-safe.
  std::string ToJson() const;
};

}  // namespace graceful

#endif  // GRACEFUL_SHUTDOWN_REPORT_H_
