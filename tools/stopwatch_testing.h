// Copyright 2026 The graceful Authors.
//
// Test support for stopwatch's end-to-end tests: runs tools/stopwatch (from
// the test's runfiles) as a child process with stdout and stderr captured,
// lets a test wait for a line of its stderr and signal it, and reads the
// JSON it wrote. A watchdog budget SIGKILLs a stopwatch that outlives it, so
// that a broken tool fails a test instead of hanging it; the budgets are
// generous and never part of an assertion.

#ifndef GRACEFUL_TOOLS_STOPWATCH_TESTING_H_
#define GRACEFUL_TOOLS_STOPWATCH_TESTING_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace graceful {
namespace stopwatch {
namespace testing {

// A file name under $TEST_TMPDIR, unique within the test binary.
std::string TempPath(absl::string_view name);

class StopwatchProcess {
 public:
  // Starts `tools/stopwatch args...`. Aborts the test binary on failure.
  explicit StopwatchProcess(const std::vector<std::string>& args);
  // SIGKILLs and reaps stopwatch if it is still running.
  ~StopwatchProcess();

  StopwatchProcess(const StopwatchProcess&) = delete;
  StopwatchProcess& operator=(const StopwatchProcess&) = delete;

  pid_t pid() const { return pid_; }

  // Reads output until stderr contains `text` (true), or until stopwatch
  // closes it or `budget` runs out (false).
  bool WaitForStderr(absl::string_view text,
                     absl::Duration budget = absl::Seconds(60));

  // Reads the rest of the output, reaps stopwatch and returns its wait
  // status; past `budget`, SIGKILLs it first.
  int Wait(absl::Duration budget = absl::Seconds(120));

  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  // Reads whatever is available within `timeout`; false once both pipes
  // are closed.
  bool Pump(absl::Duration timeout);

  pid_t pid_ = -1;
  bool reaped_ = false;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::string err_;
};

struct StopwatchResult {
  int wait_status = 0;
  std::string out;
  std::string err;
  absl::StatusOr<nlohmann::json> json;  // what --json wrote: ReadJsonFile()

  // WIFEXITED with `code`.
  bool ExitedWith(int code) const;
  // For failure messages: status, stdout, stderr.
  std::string Describe() const;
};

// The JSON in the file at `path`, parsed strictly (RFC 8259) by
// nlohmann::json. NotFound if there is no such file; InvalidArgument, naming
// the file and the parse error, if its text is not valid JSON.
absl::StatusOr<nlohmann::json> ReadJsonFile(const std::string& path);

// Runs `tools/stopwatch --json=<temp file> args...` to the end.
StopwatchResult RunStopwatch(std::vector<std::string> args);

}  // namespace testing
}  // namespace stopwatch
}  // namespace graceful

#endif  // GRACEFUL_TOOLS_STOPWATCH_TESTING_H_
