// Copyright 2026 The graceful Authors.
//
// -----------------------------------------------------------------------------
// File: batch_worker_flags.h
// -----------------------------------------------------------------------------
//
// The command line of the batch worker demo, a fixed contract:
//
//   batch_worker [--input=FILE] [--items=N] [--output=FILE] [--workers=N]
//                [--grace=DURATION] [--work_us=N] [--report_json=FILE]
//
// The flags are Abseil flags, but not parsed with absl::ParseCommandLine(),
// which exits with status 1 on an unknown flag or a bad value: here every
// usage error is a status whose message is one line naming the problem,
// and the program exits 2.
//
// Thread safety: `ParseFlags()` sets process-wide flags; call it from one
// thread, before others read them.

#ifndef GRACEFUL_EXAMPLES_BATCH_WORKER_FLAGS_H_
#define GRACEFUL_EXAMPLES_BATCH_WORKER_FLAGS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace batch_worker {

struct Config {
  bool help = false;            // --help: print Usage(), nothing else is set
  std::string input;            // empty: the embedded workload
  int64_t items = 0;            // >= 0
  std::string output;           // not empty
  int workers = 0;              // >= 1
  absl::Duration grace;         // > 0
  int64_t work_us = 0;          // >= 0
  std::string report_json;      // empty: no report file
};

// ParseFlags()
//
// Parses `argv` (`--name=value` or `--name value`) from the defaults. An
// unknown flag, a positional argument, a missing or unparsable value, or a
// value out of range is an `InvalidArgument` status with a one-line
// message, e.g. "unknown flag --bogus (see --help)", "--workers=0: need at
// least 1 worker".
absl::StatusOr<Config> ParseFlags(int argc, char** argv);

// The --help text.
std::string Usage();

}  // namespace batch_worker

#endif  // GRACEFUL_EXAMPLES_BATCH_WORKER_FLAGS_H_
