// Copyright 2026 The graceful Authors.

#include "examples/batch_worker_report.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lib/internal/json.h"

namespace batch_worker {
namespace {

using ::graceful::internal::JsonString;

std::string JsonMillis(absl::Duration d) {
  if (d == absl::InfiniteDuration()) return "null";
  return absl::StrFormat("%.3f", absl::ToDoubleMilliseconds(d));
}

double Rate(uint64_t records, absl::Duration elapsed) {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  return seconds > 0 ? static_cast<double>(records) / seconds : 0;
}

const char* StateName(RunReport::State state) {
  switch (state) {
    case RunReport::State::kRunning:
      return "running";
    case RunReport::State::kStopping:
      return "stopping";
    case RunReport::State::kFinished:
      return "finished";
    case RunReport::State::kForced:
      return "forced";
  }
  return "?";
}

const char* ForcedName(graceful::ForcedReason forced) {
  switch (forced) {
    case graceful::ForcedReason::kNotForced:
      return nullptr;
    case graceful::ForcedReason::kSecondSignal:
      return "second signal";
    case graceful::ForcedReason::kDeadline:
      return "deadline";
  }
  return "?";
}

// Rounded for people: "1.23s", "12.3ms".
std::string Short(absl::Duration d) {
  if (d == absl::InfiniteDuration()) return "never";
  if (d >= absl::Seconds(10)) return absl::FormatDuration(absl::Trunc(d, absl::Milliseconds(100)));
  if (d >= absl::Milliseconds(10)) return absl::FormatDuration(absl::Trunc(d, absl::Milliseconds(1)));
  return absl::FormatDuration(absl::Trunc(d, absl::Microseconds(1)));
}

}  // namespace

std::string SignalName(int signo) {
  const char* abbrev = sigabbrev_np(signo);
  if (abbrev == nullptr) return absl::StrCat("signal ", signo);
  return absl::StrCat("SIG", abbrev);
}

void RunReport::SetShutdownReport(const graceful::ShutdownReport& report) {
  cause = report.cause;
  signal = report.signal;
  sender_pid = report.sender_pid;
  sender_uid = report.sender_uid;
  signal_code = report.signal_code;
  extra_stop_signals = report.extra_stop_signals;
  forced = report.forced;
  error = report.error.ok() ? "" : std::string(report.error.message());
  signal_to_joined = report.signal_to_joined();
  stragglers = report.stragglers();
}

std::string RunReport::ToJson() const {
  std::vector<std::string> quoted_stragglers;
  for (const std::string& name : stragglers) {
    quoted_stragglers.push_back(JsonString(name));
  }
  const char* forced_name = ForcedName(forced);
  return absl::StrCat(
      "{\"state\":", JsonString(StateName(state)),
      ",\"exit_code\":", exit_code < 0 ? "null" : absl::StrCat(exit_code),
      ",\"cause\":", JsonString(graceful::StopCauseName(cause)),
      ",\"signal\":", signal == 0 ? "null" : JsonString(SignalName(signal)),
      ",\"signal_number\":", signal, ",\"sender_pid\":", sender_pid,
      ",\"sender_uid\":", sender_uid, ",\"signal_code\":", signal_code,
      ",\"extra_stop_signals\":", extra_stop_signals,
      ",\"forced\":", forced_name == nullptr ? "null" : JsonString(forced_name),
      ",\"error\":", error.empty() ? "null" : JsonString(error),
      ",\"signal_to_joined_ms\":", JsonMillis(signal_to_joined),
      ",\"stragglers\":[", absl::StrJoin(quoted_stragglers, ","), "]",
      ",\"workers\":", workers, ",\"grace_ms\":", JsonMillis(grace),
      ",\"work_us\":", work_us, ",\"records_total\":", records_total,
      ",\"records_done_before\":", records_done_before,
      ",\"records_done_this_run\":", records_done_this_run,
      ",\"records_done\":", records_done(),
      ",\"records_left\":", records_left(),
      ",\"torn_bytes_cut\":", torn_bytes_cut,
      ",\"elapsed_ms\":", JsonMillis(elapsed), ",\"records_per_second\":",
      absl::StrFormat("%.1f", Rate(records_done_this_run, elapsed)), "}\n");
}

std::string RunReport::Summary() const {
  const std::string sender =
      cause == graceful::StopCause::kSignal
          ? absl::StrCat(SignalName(signal), " from pid ", sender_pid)
          : "";
  const std::string counts =
      absl::StrCat(records_done_this_run, " records done this run, ",
                   records_left(), " of ", records_total, " left");
  std::string first;
  if (state == State::kForced) {
    first = absl::StrCat("forced exit (status ", exit_code, ")",
                         forced == graceful::ForcedReason::kSecondSignal
                             ? " on a second stop signal"
                             : " as the grace period ran out",
                         sender.empty() ? "" : ", after ", sender, ": ",
                         counts, "; run again to resume");
    return absl::StrCat("batch_worker: ", first, "\n");
  }
  if (!error.empty()) {
    // One line: what went wrong, and where the job stands.
    return absl::StrCat("batch_worker: ", error, " (", counts, "; exit ",
                        exit_code, ")\n");
  }
  if (records_left() == 0) {
    first = absl::StrCat("all ", records_total, " records done (",
                         records_done_this_run, " this run, ",
                         records_done_before, " before); exit ", exit_code);
  } else {
    first = absl::StrCat("stopped", sender.empty() ? "" : " by ", sender,
                         ": ", counts, "; run again to resume (exit ",
                         exit_code, ")");
  }
  std::string second = absl::StrCat(
      "shutdown report: cause ", graceful::StopCauseName(cause));
  if (!sender.empty()) {
    absl::StrAppend(&second, " (", sender, ", uid ", sender_uid, ")");
    if (extra_stop_signals > 0) {
      absl::StrAppend(&second, ", ", extra_stop_signals,
                      " more stop signal(s) counted");
    }
    absl::StrAppend(&second, ", signal to workers joined ",
                    Short(signal_to_joined));
  } else {
    absl::StrAppend(&second, ", stop to workers joined ",
                    Short(signal_to_joined));
  }
  if (!stragglers.empty()) {
    absl::StrAppend(&second, ", stragglers: ", absl::StrJoin(stragglers, " "));
  }
  absl::StrAppend(&second, "; ", workers, " workers, grace ",
                  absl::FormatDuration(grace), ", ran ", Short(elapsed), " at ",
                  absl::StrFormat("%.0f", Rate(records_done_this_run, elapsed)),
                  " records/s");
  if (torn_bytes_cut > 0) {
    absl::StrAppend(&second, ", cut a torn last line of ", torn_bytes_cut,
                    " bytes at start");
  }
  return absl::StrCat("batch_worker: ", first, "\nbatch_worker: ", second,
                      "\n");
}

std::string ProgressLine(uint64_t done, uint64_t total,
                         uint64_t done_this_run, absl::Duration elapsed) {
  const double rate = Rate(done_this_run, elapsed);
  const double percent =
      total == 0 ? 100.0
                 : 100.0 * static_cast<double>(done) / static_cast<double>(total);
  const absl::Duration eta =
      done >= total ? absl::ZeroDuration()
      : rate > 0    ? absl::Seconds(std::ceil(
                       static_cast<double>(total - done) / rate))
                    : absl::InfiniteDuration();
  return absl::StrFormat(
      "batch_worker: %d/%d records (%.1f%%), %.0f records/s, ETA %s", done,
      total, percent, rate,
      eta == absl::InfiniteDuration() ? "?" : absl::FormatDuration(eta));
}

absl::Status WriteFileReplacing(const std::string& path,
                                absl::string_view contents) {
  struct stat st;
  const bool replace =
      stat(path.c_str(), &st) != 0 ? errno == ENOENT : S_ISREG(st.st_mode);
  std::string target = path;
  int fd;
  if (replace) {
    target = absl::StrCat(path, ".tmp-", getpid());
    fd = open(target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  } else {
    fd = open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
  }
  if (fd < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot write --report_json=", path, ": ", strerror(errno)));
  }
  const char* p = contents.data();
  size_t left = contents.size();
  int error = 0;
  while (left > 0) {
    const ssize_t wrote = write(fd, p, left);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) {
      error = wrote < 0 ? errno : EIO;
      break;
    }
    p += wrote;
    left -= static_cast<size_t>(wrote);
  }
  if (close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && replace && rename(target.c_str(), path.c_str()) != 0) {
    error = errno;
  }
  if (error != 0) {
    if (replace) unlink(target.c_str());
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot write --report_json=", path, ": ", strerror(error)));
  }
  return absl::OkStatus();
}

}  // namespace batch_worker
