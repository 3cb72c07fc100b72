// Copyright 2026 The graceful Authors.

#include "tools/stopwatch_report.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "lib/internal/json.h"

namespace graceful {
namespace stopwatch {
namespace {

using ::graceful::internal::JsonString;

// Longest list of runs that were not clean shown in the summary.
constexpr int kMaxNotCleanShown = 10;

// The name without "SIG" of a signal below SIGRTMIN, or nullptr.
const char* ShortName(int signo) {
  if (signo <= 0 || signo >= SIGRTMIN) return nullptr;
  return sigabbrev_np(signo);
}

// Milliseconds with microsecond precision, for JSON.
std::string JsonMillis(absl::Duration d) {
  return absl::StrFormat("%.3f", absl::ToDoubleMilliseconds(d));
}

std::string JsonMillis(const std::optional<absl::Duration>& d) {
  return d.has_value() ? JsonMillis(*d) : "null";
}

std::string JsonDistribution(const std::optional<Distribution>& d) {
  if (!d.has_value()) return "null";
  return absl::StrCat(
      "{\"count\": ", d->count, ", \"min\": ", JsonMillis(d->min),
      ", \"p50\": ", JsonMillis(d->p50), ", \"p90\": ", JsonMillis(d->p90),
      ", \"p99\": ", JsonMillis(d->p99), ", \"max\": ", JsonMillis(d->max),
      ", \"mean\": ", JsonMillis(d->mean), "}");
}

std::string JsonStringList(const std::vector<std::string>& items) {
  std::vector<std::string> quoted;
  quoted.reserve(items.size());
  for (const std::string& item : items) quoted.push_back(JsonString(item));
  return absl::StrCat("[", absl::StrJoin(quoted, ", "), "]");
}

// `arg` as a POSIX shell would need it quoted.
std::string ShellQuote(absl::string_view arg) {
  const bool plain =
      !arg.empty() && std::all_of(arg.begin(), arg.end(), [](char c) {
        return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
               absl::string_view("_-./=:,+@%").find(c) !=
                   absl::string_view::npos;
      });
  if (plain) return std::string(arg);
  return absl::StrCat("'", absl::StrReplaceAll(arg, {{"'", "'\\''"}}), "'");
}

std::string FormatCodes(const std::vector<int>& codes) {
  return absl::StrJoin(codes, ", ");
}

// `text` padded with spaces to `width` characters (not bytes: "µ" is two).
std::string Pad(std::string text, size_t width) {
  const size_t characters =
      static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
      }));
  if (characters < width) text.append(width - characters, ' ');
  return text;
}

std::string DistributionLine(absl::string_view label,
                             const std::optional<Distribution>& d) {
  if (!d.has_value()) return "";
  return absl::StrFormat(
      "  %-17s p50 %s p90 %s p99 %s max %s (%d run%s, min %s, mean %s)\n",
      label, Pad(HumanDuration(d->p50), 9), Pad(HumanDuration(d->p90), 9),
      Pad(HumanDuration(d->p99), 9), Pad(HumanDuration(d->max), 9), d->count,
      d->count == 1 ? "" : "s", HumanDuration(d->min), HumanDuration(d->mean));
}

}  // namespace

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kClean:
      return "clean";
    case Outcome::kForced:
      return "forced";
    case Outcome::kKilled:
      return "killed";
    case Outcome::kFailed:
      return "failed";
    case Outcome::kInterrupted:
      return "interrupted";
  }
  return "failed";
}

absl::StatusOr<int> ParseSignal(absl::string_view text) {
  const auto invalid = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown signal '", text,
        "': give a name such as TERM, SIGINT or HUP (also RTMIN+N), or a "
        "number from 1 to ",
        SIGRTMAX));
  };
  int number = 0;
  if (absl::SimpleAtoi(text, &number)) {
    if (number < 1 || number > SIGRTMAX) return invalid();
    return number;
  }
  std::string name = absl::AsciiStrToUpper(text);
  if (absl::StartsWith(name, "SIG")) name.erase(0, 3);
  for (int signo = 1; signo < SIGRTMIN; ++signo) {
    const char* short_name = ShortName(signo);
    if (short_name != nullptr && name == short_name) return signo;
  }
  // SIGRTMIN+N and SIGRTMAX-N.
  for (const auto& [prefix, base, sign] :
       {std::tuple<absl::string_view, int, int>{"RTMIN", SIGRTMIN, 1},
        std::tuple<absl::string_view, int, int>{"RTMAX", SIGRTMAX, -1}}) {
    absl::string_view rest = name;
    if (!absl::ConsumePrefix(&rest, prefix)) continue;
    int offset = 0;
    if (!rest.empty()) {
      if (!absl::ConsumePrefix(&rest, sign > 0 ? "+" : "-") ||
          !absl::SimpleAtoi(rest, &offset) || offset < 0) {
        return invalid();
      }
    }
    const int signo = base + sign * offset;
    if (signo < SIGRTMIN || signo > SIGRTMAX) return invalid();
    return signo;
  }
  return invalid();
}

std::string SignalName(int signo) {
  if (const char* name = ShortName(signo)) return absl::StrCat("SIG", name);
  if (signo == SIGRTMIN) return "SIGRTMIN";
  if (signo > SIGRTMIN && signo <= SIGRTMAX) {
    return absl::StrCat("SIGRTMIN+", signo - SIGRTMIN);
  }
  return absl::StrCat("signal ", signo);
}

absl::StatusOr<std::vector<int>> ParseExitCodes(absl::string_view text) {
  std::vector<int> codes;
  if (text.empty()) return codes;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    item = absl::StripAsciiWhitespace(item);
    int code = 0;
    if (!absl::SimpleAtoi(item, &code) || code < 0 || code > 255) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", item,
          "' is not an exit code: give comma-separated numbers from 0 to "
          "255, such as 0,75"));
    }
    codes.push_back(code);
  }
  return codes;
}

ExitStatus ExitStatus::FromWaitStatus(int wait_status) {
  ExitStatus status;
  if (WIFEXITED(wait_status)) {
    status.exited = true;
    status.code = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    status.signal = WTERMSIG(wait_status);
  }
  return status;
}

std::string ExitStatus::ToString() const {
  return exited ? absl::StrCat("exit ", code) : SignalName(signal);
}

Outcome Classifier::Classify(const RunRecord& run) const {
  if (run.interrupted) return Outcome::kInterrupted;
  if (!run.error.empty() || !run.signaled || !run.status.has_value()) {
    return Outcome::kFailed;
  }
  if (run.killed) return Outcome::kKilled;
  const ExitStatus& status = *run.status;
  if (!status.exited) {
    return status.signal == stop_signal ? Outcome::kClean : Outcome::kFailed;
  }
  if (status.code == forced_code) return Outcome::kForced;
  if (status.code == 128 + stop_signal ||
      std::find(clean_codes.begin(), clean_codes.end(), status.code) !=
          clean_codes.end()) {
    return Outcome::kClean;
  }
  return Outcome::kFailed;
}

std::string Classifier::Explain(const RunRecord& run) const {
  switch (Classify(run)) {
    case Outcome::kClean:
      return "";
    case Outcome::kInterrupted:
      return "stopwatch was interrupted during this run";
    case Outcome::kKilled:
      return "still running at the grace deadline: SIGKILL";
    case Outcome::kForced:
      return absl::StrCat("exit ", forced_code,
                          ": the program forced its exit (its own grace "
                          "period ran out, or it saw a second signal)");
    case Outcome::kFailed:
      break;
  }
  if (!run.error.empty()) return run.error;
  if (!run.signaled || !run.status.has_value()) {
    return "the stop signal was never sent";
  }
  if (run.status->exited) {
    std::vector<int> clean = clean_codes;
    clean.push_back(128 + stop_signal);
    return absl::StrCat("exit ", run.status->code, " is neither clean (",
                        FormatCodes(clean), ") nor forced (", forced_code, ")");
  }
  return absl::StrCat("died of ", SignalName(run.status->signal),
                      ", not of the stop signal ", SignalName(stop_signal));
}

std::optional<Distribution> Distribute(std::vector<absl::Duration> values) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const int n = static_cast<int>(values.size());
  const auto nearest_rank = [&](int percent) {
    const int rank = std::max(1, (percent * n + 99) / 100);  // ceil
    return values[static_cast<size_t>(rank - 1)];
  };
  Distribution d;
  d.count = n;
  d.min = values.front();
  d.p50 = nearest_rank(50);
  d.p90 = nearest_rank(90);
  d.p99 = nearest_rank(99);
  d.max = values.back();
  absl::Duration sum;
  for (absl::Duration v : values) sum += v;
  d.mean = sum / n;
  return d;
}

Summary Summarize(const std::vector<RunRecord>& runs) {
  Summary summary;
  std::vector<absl::Duration> exits;
  std::vector<absl::Duration> stoppings;
  std::vector<absl::Duration> readies;
  std::map<std::string, int> statuses;
  for (const RunRecord& run : runs) {
    if (run.outcome == Outcome::kInterrupted) {
      summary.interrupted = true;
      continue;
    }
    ++summary.runs_completed;
    switch (run.outcome) {
      case Outcome::kClean:
        ++summary.clean;
        break;
      case Outcome::kForced:
        ++summary.forced;
        break;
      case Outcome::kKilled:
        ++summary.killed;
        break;
      case Outcome::kFailed:
      case Outcome::kInterrupted:
        ++summary.failed;
        break;
    }
    if (run.exit.has_value()) exits.push_back(*run.exit);
    if (run.stopping.has_value()) stoppings.push_back(*run.stopping);
    if (run.ready.has_value()) readies.push_back(*run.ready);
    if (run.status.has_value()) ++statuses[run.status->ToString()];
  }
  summary.exit = Distribute(std::move(exits));
  summary.stopping = Distribute(std::move(stoppings));
  summary.ready = Distribute(std::move(readies));
  summary.statuses.assign(statuses.begin(), statuses.end());
  std::stable_sort(
      summary.statuses.begin(), summary.statuses.end(),
      [](const auto& a, const auto& b) { return a.second > b.second; });
  return summary;
}

std::string HumanDuration(absl::Duration d) {
  if (d == absl::InfiniteDuration()) return "inf";
  if (d < absl::ZeroDuration()) return absl::StrCat("-", HumanDuration(-d));
  if (d < absl::Milliseconds(1)) {
    return absl::StrFormat("%dµs", absl::ToInt64Microseconds(d));
  }
  if (d < absl::Milliseconds(10)) {
    return absl::StrFormat("%.2fms", absl::ToDoubleMilliseconds(d));
  }
  if (d < absl::Seconds(1)) {
    return absl::StrFormat("%.1fms", absl::ToDoubleMilliseconds(d));
  }
  if (d < absl::Seconds(100)) {
    return absl::StrFormat("%.2fs", absl::ToDoubleSeconds(d));
  }
  return absl::StrFormat("%.0fs", absl::ToDoubleSeconds(d));
}

std::string FormatSummary(const Settings& settings,
                          const std::vector<RunRecord>& runs,
                          const Summary& summary) {
  std::vector<std::string> command;
  for (const std::string& arg : settings.command) {
    command.push_back(ShellQuote(arg));
  }
  std::string out = absl::StrCat("stopwatch: ", settings.runs, " run",
                                 settings.runs == 1 ? "" : "s", " of ",
                                 absl::StrJoin(command, " "), "\n");

  const std::string signal = SignalName(settings.signal);
  const std::string after =
      settings.ready == ReadyMode::kNotify
          ? (settings.warmup == absl::ZeroDuration()
                 ? std::string("at READY=1")
                 : absl::StrCat(absl::FormatDuration(settings.warmup),
                                " after READY=1"))
          : absl::StrCat(absl::FormatDuration(settings.warmup),
                         " after it started");
  absl::StrAppend(&out, "  ", signal,
                  settings.kill_mode == KillMode::kProcess
                      ? " to the process "
                      : " to its process group ",
                  after, "; ");
  if (settings.grace == absl::InfiniteDuration()) {
    absl::StrAppend(&out, "never SIGKILL (--grace=inf)\n");
  } else {
    absl::StrAppend(&out, "SIGKILL to its process group ",
                    absl::FormatDuration(settings.grace), " after ", signal,
                    "\n");
  }
  if (summary.interrupted) {
    absl::StrAppend(&out, "  interrupted after ", summary.runs_completed,
                    " of ", settings.runs, " runs\n");
  }
  out += "\n";

  absl::StrAppend(&out, DistributionLine("time to exit", summary.exit));
  absl::StrAppend(&out, DistributionLine("time to STOPPING", summary.stopping));
  absl::StrAppend(&out, DistributionLine(settings.ready == ReadyMode::kNotify
                                             ? "time to READY"
                                             : "time to exec",
                                         summary.ready));
  absl::StrAppendFormat(
      &out, "  %-17s %d clean, %d forced, %d killed, %d failed\n", "outcome",
      summary.clean, summary.forced, summary.killed, summary.failed);
  if (!summary.statuses.empty()) {
    std::vector<std::string> statuses;
    for (const auto& [status, count] : summary.statuses) {
      statuses.push_back(absl::StrCat(status, ": ", count));
    }
    absl::StrAppendFormat(&out, "  %-17s %s\n", "exit status",
                          absl::StrJoin(statuses, ", "));
  }
  int shown = 0;
  int not_clean = 0;
  for (const RunRecord& run : runs) {
    if (run.outcome == Outcome::kClean ||
        run.outcome == Outcome::kInterrupted) {
      continue;
    }
    if (++not_clean > kMaxNotCleanShown) continue;
    absl::StrAppendFormat(
        &out, "  %-17s run %d %s: %s\n", shown++ == 0 ? "not clean" : "",
        run.index, OutcomeName(run.outcome), settings.classifier.Explain(run));
  }
  if (not_clean > kMaxNotCleanShown) {
    absl::StrAppendFormat(&out, "  %-17s ... and %d more\n", "",
                          not_clean - kMaxNotCleanShown);
  }
  int leftovers = 0;
  for (const RunRecord& run : runs) {
    if (run.leftover_processes > 0) ++leftovers;
  }
  if (leftovers > 0) {
    absl::StrAppendFormat(&out,
                          "  %-17s %d run%s left processes in the program's "
                          "process group (SIGKILLed)\n",
                          "leftovers", leftovers, leftovers == 1 ? "" : "s");
  }
  return out;
}

std::string ToJson(const Settings& settings, const std::vector<RunRecord>& runs,
                   const Summary& summary) {
  std::string out = "{\n  \"format\": \"graceful-stopwatch/1\",\n";
  absl::StrAppend(
      &out,
      "  \"settings\": {\n    \"command\": ", JsonStringList(settings.command),
      ",\n    \"runs\": ", settings.runs,
      ",\n    \"signal\": ", JsonString(SignalName(settings.signal)),
      ",\n    \"signo\": ", settings.signal, ",\n    \"grace_ms\": ",
      settings.grace == absl::InfiniteDuration() ? "null"
                                                 : JsonMillis(settings.grace),
      ",\n    \"ready\": ",
      settings.ready == ReadyMode::kNotify ? "\"notify\"" : "\"start\"",
      ",\n    \"warmup_ms\": ", JsonMillis(settings.warmup),
      ",\n    \"ready_timeout_ms\": ", JsonMillis(settings.ready_timeout),
      ",\n    \"kill_mode\": ",
      settings.kill_mode == KillMode::kGroup ? "\"group\"" : "\"process\"",
      ",\n    \"clean_codes\": [",
      absl::StrJoin(settings.classifier.clean_codes, ", "),
      "],\n    \"forced_code\": ", settings.classifier.forced_code,
      "\n  },\n  \"runs\": [");
  for (size_t i = 0; i < runs.size(); ++i) {
    const RunRecord& run = runs[i];
    const std::string explanation = settings.classifier.Explain(run);
    absl::StrAppend(
        &out, i == 0 ? "\n" : ",\n", "    {\"run\": ", run.index,
        ", \"pid\": ", run.pid,
        ", \"outcome\": ", JsonString(OutcomeName(run.outcome)),
        ", \"status\": ",
        run.status.has_value() ? JsonString(run.status->ToString()) : "null",
        ", \"exit_code\": ",
        run.status.has_value() && run.status->exited
            ? absl::StrCat(run.status->code)
            : "null",
        ", \"signal\": ",
        run.status.has_value() && !run.status->exited
            ? JsonString(SignalName(run.status->signal))
            : "null",
        ", \"ready_ms\": ", JsonMillis(run.ready),
        ", \"stopping_ms\": ", JsonMillis(run.stopping),
        ", \"exit_ms\": ", JsonMillis(run.exit),
        ", \"killed\": ", run.killed ? "true" : "false",
        ", \"leftover_processes\": ", run.leftover_processes, ", \"reason\": ",
        explanation.empty() ? "null" : JsonString(explanation),
        ", \"log\": ", run.log_path.empty() ? "null" : JsonString(run.log_path),
        "}");
  }
  absl::StrAppend(&out, runs.empty() ? "],\n" : "\n  ],\n");

  std::vector<std::string> statuses;
  for (const auto& [status, count] : summary.statuses) {
    statuses.push_back(absl::StrCat(JsonString(status), ": ", count));
  }
  absl::StrAppend(
      &out,
      "  \"summary\": {\n    \"runs_completed\": ", summary.runs_completed,
      ",\n    \"interrupted\": ", summary.interrupted ? "true" : "false",
      ",\n    \"all_clean\": ", summary.all_clean() ? "true" : "false",
      ",\n    \"clean\": ", summary.clean,
      ",\n    \"forced\": ", summary.forced,
      ",\n    \"killed\": ", summary.killed,
      ",\n    \"failed\": ", summary.failed,
      ",\n    \"exit_ms\": ", JsonDistribution(summary.exit),
      ",\n    \"stopping_ms\": ", JsonDistribution(summary.stopping),
      ",\n    \"ready_ms\": ", JsonDistribution(summary.ready),
      ",\n    \"statuses\": {", absl::StrJoin(statuses, ", "), "}\n  }\n}\n");
  return out;
}

}  // namespace stopwatch
}  // namespace graceful
