// Copyright 2026 The graceful Authors.

#include "examples/batch_worker_flags.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string>
#include <thread>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace {
int DefaultWorkers() {
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}
}  // namespace

ABSL_FLAG(std::string, input, "",
          "Records to process, one per line of FILE (the line without its "
          "'\\n', any bytes); the id of a record is its 0-based line number. "
          "Without it, --items records \"item-<i>\".");
ABSL_FLAG(int64_t, items, 100000,
          "Number of records of the embedded workload, when there is no "
          "--input.");
ABSL_FLAG(std::string, output, "batch_worker.out",
          "File the \"<id>\\t<FNV-1a 64 hex>\\n\" lines are appended to. "
          "Records already in it are skipped, a torn last line is cut.");
ABSL_FLAG(int, workers, DefaultWorkers(),
          "Number of worker threads (default: the hardware concurrency).");
ABSL_FLAG(absl::Duration, grace, absl::Seconds(25),
          "Grace period after SIGTERM/SIGINT: records in progress must be "
          "done by then, or the exit is forced (status 124). Keep it below "
          "the supervisor's (Kubernetes: terminationGracePeriodSeconds).");
ABSL_FLAG(int64_t, work_us, 100,
          "Extra CPU work per record, in microseconds of busy loop.");
ABSL_FLAG(std::string, report_json, "",
          "Also write the run's report to FILE as one JSON object: "
          "\"running\" at start, \"stopping\" on a stop signal, the final "
          "report at the end.");

namespace batch_worker {
namespace {

constexpr absl::string_view kFlagNames[] = {
    "input", "items", "output", "workers", "grace", "work_us", "report_json"};

// `text` on one line: control characters escaped as \xNN.
std::string OneLine(absl::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      absl::StrAppend(&out, "\\x", absl::Hex(byte, absl::kZeroPad2));
    } else {
      out += c;
    }
  }
  return out;
}

// What a flag's value must look like, for messages.
const char* ExpectedValue(absl::string_view name) {
  if (name == "grace") return "a positive duration such as 25s or 500ms";
  if (name == "input" || name == "output" || name == "report_json") {
    return "a file name";
  }
  return "an integer";
}

// `text` wrapped at 78 columns, each line indented by `indent` spaces.
std::string Wrap(absl::string_view text, int indent) {
  std::string out;
  size_t column = 0;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    if (column > 0 && column + 1 + word.size() > 78) {
      out += '\n';
      column = 0;
    }
    if (column == 0) {
      out.append(static_cast<size_t>(indent), ' ');
      column = static_cast<size_t>(indent);
    } else {
      out += ' ';
      ++column;
    }
    absl::StrAppend(&out, word);
    column += word.size();
  }
  return absl::StrCat(out, "\n");
}

}  // namespace

std::string Usage() {
  std::string text = absl::StrCat(
      "Usage: batch_worker [--input=FILE] [--items=N] [--output=FILE] "
      "[--workers=N]\n"
      "                    [--grace=DURATION] [--work_us=N] "
      "[--report_json=FILE]\n\n",
      Wrap("Hashes records with FNV-1a 64 on N worker threads, appending one "
           "\"<id>\\t<hash>\" line per record to --output. Stops cleanly on "
           "SIGTERM or Ctrl+C and resumes where it stopped when run again.",
           0),
      "\nFlags (--name=value or --name value):\n");
  for (absl::string_view name : kFlagNames) {
    const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    const std::string default_value = flag->DefaultValue();
    absl::StrAppend(&text, "  --", name, " (default: ",
                    default_value.empty() ? "none" : default_value, ")\n",
                    Wrap(flag->Help(), 6));
  }
  absl::StrAppend(
      &text, "\n",
      Wrap("Exit status: 0 all records done; 75 stopped before the end (run "
           "again to resume); 124 forced exit (a second stop signal, or a "
           "record outlasted --grace); 2 usage error.",
           0));
  return text;
}

absl::StatusOr<Config> ParseFlags(int argc, char** argv) {
  // Back to the defaults: a second call (in tests) starts afresh.
  for (absl::string_view name : kFlagNames) {
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    std::string ignored;
    flag->ParseFrom(flag->DefaultValue(), &ignored);
  }
  auto usage_error = [](absl::string_view message) {
    return absl::InvalidArgumentError(message);
  };
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--help" || arg == "-help" || arg == "-h" ||
        arg == "--helpfull") {
      Config help;
      help.help = true;
      return help;
    }
    if (arg.size() < 2 || arg[0] != '-' || arg == "--") {
      return usage_error(absl::StrCat("unexpected argument '", OneLine(arg),
                                      "'; batch_worker takes only flags "
                                      "(see --help)"));
    }
    absl::string_view body = arg.substr(arg[1] == '-' ? 2 : 1);
    const size_t equals = body.find('=');
    const absl::string_view name = body.substr(0, equals);
    if (std::find(std::begin(kFlagNames), std::end(kFlagNames), name) ==
        std::end(kFlagNames)) {
      return usage_error(
          absl::StrCat("unknown flag --", OneLine(name), " (see --help)"));
    }
    absl::string_view value;
    if (equals != absl::string_view::npos) {
      value = body.substr(equals + 1);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return usage_error(absl::StrCat("flag --", name, " needs a value"));
    }
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return usage_error(absl::StrCat("--", name, "=", OneLine(value),
                                      ": not ", ExpectedValue(name)));
    }
  }
  Config config;
  config.input = absl::GetFlag(FLAGS_input);
  config.items = absl::GetFlag(FLAGS_items);
  config.output = absl::GetFlag(FLAGS_output);
  config.workers = absl::GetFlag(FLAGS_workers);
  config.grace = absl::GetFlag(FLAGS_grace);
  config.work_us = absl::GetFlag(FLAGS_work_us);
  config.report_json = absl::GetFlag(FLAGS_report_json);
  if (config.workers < 1) {
    return usage_error(absl::StrCat("--workers=", config.workers,
                                    ": need at least 1 worker"));
  }
  if (config.grace <= absl::ZeroDuration()) {
    return usage_error(absl::StrCat(
        "--grace=", absl::FormatDuration(config.grace),
        ": the grace period must be positive, e.g. 25s"));
  }
  if (config.items < 0) {
    return usage_error(
        absl::StrCat("--items=", config.items, ": must not be negative"));
  }
  if (config.work_us < 0) {
    return usage_error(
        absl::StrCat("--work_us=", config.work_us, ": must not be negative"));
  }
  if (config.output.empty()) {
    return usage_error("--output is empty: name the output file");
  }
  return config;
}

}  // namespace batch_worker
