// Copyright 2026 The graceful Authors.
//
// -----------------------------------------------------------------------------
// File: tools/stopwatch_report.h
// -----------------------------------------------------------------------------
//
// What `stopwatch` (tools/stopwatch.cc) measured, and how it tells it: the
// record of one run, the rule that classifies a run as clean, forced, killed
// or failed, the statistics over all runs (nearest-rank percentiles), the
// summary a person reads and the JSON a script reads.
//
// Everything here is a pure function of its arguments: no clock, no process,
// no I/O, so that it is unit-tested on hand-made records
// (tools/stopwatch_report_test.cc).
//
// The classification rule, in order (the first that applies wins):
//
//   interrupted  stopwatch itself was stopped (SIGINT/SIGTERM/SIGHUP) during
//                the run; the run is left out of every statistic.
//   failed       the program could not be started, did not become ready
//                (exited during the warm-up, or sent no READY=1 within the
//                ready timeout), or was never sent the stop signal.
//   killed       still alive at the grace deadline: stopwatch sent SIGKILL
//                to its process group, as a kubelet or systemd would.
//   forced       exited with `forced_code` (graceful's forced exit: 124).
//   clean        died of the stop signal; or exited with 128 + the stop
//                signal's number (the shell's convention); or exited with one
//                of `clean_codes` (default 0 and 75, EX_TEMPFAIL: "stopped
//                early, run me again", what graceful's batch worker exits
//                with when stopped before it finished).
//   failed       anything else: another exit code, or death by another
//                signal (SIGSEGV, SIGABRT, a SIGKILL stopwatch did not send).
//
// Thread safety: plain values and pure functions.

#ifndef GRACEFUL_TOOLS_STOPWATCH_REPORT_H_
#define GRACEFUL_TOOLS_STOPWATCH_REPORT_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace graceful {
namespace stopwatch {

// When a started program counts as ready for the stop signal.
enum class ReadyMode {
  kStart,   // once it has been exec'd (then `warmup` more)
  kNotify,  // once it sent READY=1 to $NOTIFY_SOCKET (then `warmup` more)
};

// Who receives the stop signal. SIGKILL at the grace deadline always goes
// to the whole process group.
enum class KillMode {
  kProcess,  // the program's process only (Kubernetes: the container's PID 1)
  kGroup,    // its whole process group (systemd's KillMode=control-group)
};

enum class Outcome { kClean, kForced, kKilled, kFailed, kInterrupted };

// "clean", "forced", "killed", "failed", "interrupted".
const char* OutcomeName(Outcome outcome);

// ParseSignal()
//
// Parses a signal given as a name with or without "SIG" ("TERM", "SIGTERM",
// "int", "RTMIN+2") or as a number ("15"). Returns InvalidArgument naming
// the accepted forms otherwise.
absl::StatusOr<int> ParseSignal(absl::string_view text);

// "SIGTERM", "SIGRTMIN+2", or "signal 77" for numbers without a name.
std::string SignalName(int signo);

// ParseExitCodes()
//
// Parses a comma-separated list of exit codes, each 0..255 ("0,75"; empty
// for none).
absl::StatusOr<std::vector<int>> ParseExitCodes(absl::string_view text);

// How a process ended, decoded from a wait status.
struct ExitStatus {
  bool exited = false;  // true: exited with `code`; false: died of `signal`
  int code = 0;
  int signal = 0;

  static ExitStatus FromWaitStatus(int wait_status);
  // "exit 75", "SIGTERM".
  std::string ToString() const;
  bool operator==(const ExitStatus& other) const {
    return exited == other.exited && code == other.code &&
           signal == other.signal;
  }
};

// The record of one run. Durations are measured on CLOCK_MONOTONIC.
struct RunRecord {
  int index = 0;  // 1-based
  pid_t pid = 0;  // the program's pid, also its process group
  // Start (just before fork) to exec confirmed, or to READY=1 with
  // ReadyMode::kNotify. Unset if it never became ready.
  std::optional<absl::Duration> ready;
  bool signaled = false;  // the stop signal was sent
  // The stop signal (sent just before kill(2)) to STOPPING=1 received;
  // unset without ReadyMode::kNotify or if it never came.
  std::optional<absl::Duration> stopping;
  // The stop signal to the program's process reaped (its pidfd readable).
  // Unset unless `signaled` and it ended.
  std::optional<absl::Duration> exit;
  bool killed = false;  // SIGKILL sent at the grace deadline
  std::optional<ExitStatus> status;
  // Processes of its process group still there once it had ended; SIGKILLed
  // and reaped by stopwatch.
  int leftover_processes = 0;
  bool interrupted = false;            // stopwatch itself was stopped
  std::string error;                   // why it failed to start or to get ready
  std::string log_path;                // its stdout and stderr, if kept
  Outcome outcome = Outcome::kFailed;  // set by Classifier::Classify()
};

// The classification rule of the file comment.
struct Classifier {
  int stop_signal = 15;
  std::vector<int> clean_codes = {0, 75};
  int forced_code = 124;

  Outcome Classify(const RunRecord& run) const;
  // Why `run` is not clean, for people ("exit 3 is neither clean nor
  // forced"); empty for clean runs.
  std::string Explain(const RunRecord& run) const;
};

// Nearest-rank percentiles: pN is the smallest value with at least N% of
// the values at or below it (so with fewer than 100 values p99 is the
// maximum).
struct Distribution {
  int count = 0;
  absl::Duration min;
  absl::Duration p50;
  absl::Duration p90;
  absl::Duration p99;
  absl::Duration max;
  absl::Duration mean;
};

// Unset for no values.
std::optional<Distribution> Distribute(std::vector<absl::Duration> values);

// What stopwatch was asked to do, echoed in the summary and the JSON.
struct Settings {
  std::vector<std::string> command;  // the program and its arguments
  int runs = 10;
  int signal = 15;
  absl::Duration grace = absl::Seconds(30);  // InfiniteDuration(): no SIGKILL
  ReadyMode ready = ReadyMode::kStart;
  absl::Duration warmup = absl::Seconds(1);
  absl::Duration ready_timeout = absl::Seconds(30);
  KillMode kill_mode = KillMode::kProcess;
  Classifier classifier;
};

struct Summary {
  int runs_completed = 0;  // every run but an interrupted one
  bool interrupted = false;
  int clean = 0;
  int forced = 0;
  int killed = 0;
  int failed = 0;
  // Signal to exit, over completed runs that were sent the stop signal
  // (killed ones included: that is when their supervisor saw them go).
  std::optional<Distribution> exit;
  std::optional<Distribution> stopping;  // signal to STOPPING=1
  std::optional<Distribution> ready;     // start to ready
  // Exit statuses seen, most frequent first, e.g. {"exit 75", 18}.
  std::vector<std::pair<std::string, int>> statuses;

  bool all_clean() const {
    return !interrupted && runs_completed > 0 && clean == runs_completed;
  }
};

// Summarize()
//
// Counts and statistics over `runs`, whose `outcome` is already set.
Summary Summarize(const std::vector<RunRecord>& runs);

// "212µs", "4.21ms", "215.3ms", "30.00s", "inf".
std::string HumanDuration(absl::Duration d);

// FormatSummary()
//
// The summary a person reads: what was run, the percentiles, the outcome
// counts and exit statuses, and which runs were not clean and why. Ends
// with a newline.
std::string FormatSummary(const Settings& settings,
                          const std::vector<RunRecord>& runs,
                          const Summary& summary);

// ToJson()
//
// One JSON object: {"format", "settings", "runs": [...], "summary"}.
// Durations are milliseconds (numbers with microsecond precision), absent
// values are null, strings are escaped (bytes that are not UTF-8 become
// U+FFFD). tools/README.md documents every field.
std::string ToJson(const Settings& settings, const std::vector<RunRecord>& runs,
                   const Summary& summary);

}  // namespace stopwatch
}  // namespace graceful

#endif  // GRACEFUL_TOOLS_STOPWATCH_REPORT_H_
