// Copyright 2026 The graceful Authors.
//
// -----------------------------------------------------------------------------
// File: batch_worker_report.h
// -----------------------------------------------------------------------------
//
// What the batch worker demo tells its user and its supervisor about a run:
// the runtime's `graceful::ShutdownReport` (cause, sender, time from the
// signal to the workers joined, stragglers) joined with the job's own
// numbers (records done this run, records left), rendered as
//
//   * `RunReport::Summary()`: the final lines on stderr;
//   * `RunReport::ToJson()`: one JSON object, for `--report_json`;
//   * `ProgressLine()`: the live line on a terminal.
//
// Thread safety: plain values and functions.

#ifndef GRACEFUL_EXAMPLES_BATCH_WORKER_REPORT_H_
#define GRACEFUL_EXAMPLES_BATCH_WORKER_REPORT_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "graceful/shutdown_report.h"

namespace batch_worker {

// Exit statuses of the demo, besides the runtime's forced-exit status
// (`graceful::kExitForced`, 124).
inline constexpr int kExitAllDone = 0;
inline constexpr int kExitUsage = 2;     // bad flag, unreadable input, ...
inline constexpr int kExitResume = 75;   // EX_TEMPFAIL: stopped; rerun

struct RunReport {
  enum class State {
    kRunning,   // written at start: the run has not ended (yet)
    kStopping,  // a stop signal arrived; the graceful stop is under way
    kFinished,  // the run ended; `exit_code` is how
    kForced,    // the run was cut short by a forced exit
  };

  State state = State::kRunning;
  int exit_code = -1;  // -1 until known

  // From the runtime's report, or from the stop signal while stopping.
  graceful::StopCause cause = graceful::StopCause::kNone;
  int signal = 0;
  pid_t sender_pid = 0;
  uid_t sender_uid = 0;
  int signal_code = 0;
  int extra_stop_signals = 0;
  graceful::ForcedReason forced = graceful::ForcedReason::kNotForced;
  std::string error;  // a failed worker's error (e.g. the output is full)
  absl::Duration signal_to_joined = absl::InfiniteDuration();
  std::vector<std::string> stragglers;

  // The job.
  int workers = 0;
  absl::Duration grace;
  int64_t work_us = 0;
  uint64_t records_total = 0;
  uint64_t records_done_before = 0;    // found in the output at start
  uint64_t records_done_this_run = 0;  // written by this run
  uint64_t torn_bytes_cut = 0;         // torn last line cut at start
  absl::Duration elapsed;              // since the start of main()

  // Copies the runtime's side of the report.
  void SetShutdownReport(const graceful::ShutdownReport& report);

  uint64_t records_done() const {
    return records_done_before + records_done_this_run;
  }
  uint64_t records_left() const { return records_total - records_done(); }

  // One JSON object on one line, ending in '\n'. Keys: state, exit_code
  // (null until known), cause, signal (e.g. "SIGTERM", or null),
  // signal_number, sender_pid, sender_uid, signal_code, extra_stop_signals,
  // forced (null, "second signal" or "deadline"), error (null or text),
  // signal_to_joined_ms (null if the workers were never joined), stragglers,
  // workers, grace_ms, work_us, records_total, records_done_before,
  // records_done_this_run, records_done, records_left, torn_bytes_cut,
  // elapsed_ms, records_per_second.
  std::string ToJson() const;

  // The final summary for stderr, each line starting "batch_worker: " and
  // ending in '\n': a first line saying what happened and what to do, and
  // for clean ends a second line with the shutdown report.
  std::string Summary() const;
};

// "SIGTERM" for 15, "signal 40" for a signal without a name.
std::string SignalName(int signo);

// ProgressLine()
//
// "batch_worker: 5123/100000 records (5.1%), 2040 records/s, ETA 46s",
// without a newline.
std::string ProgressLine(uint64_t done, uint64_t total,
                         uint64_t done_this_run, absl::Duration elapsed);

// WriteFileReplacing()
//
// Replaces the contents of `path` with `contents`: for a regular file (or
// none yet) by writing a temporary file beside it and renaming it over
// `path`, so that a reader sees the old or the new contents, never a mix;
// for anything else (a pipe, /dev/stdout) by writing to it.
absl::Status WriteFileReplacing(const std::string& path,
                                absl::string_view contents);

}  // namespace batch_worker

#endif  // GRACEFUL_EXAMPLES_BATCH_WORKER_REPORT_H_
