// Copyright 2026 The graceful Authors.
//
// -----------------------------------------------------------------------------
// File: batch_worker_testing.h
// -----------------------------------------------------------------------------
//
// Black-box test helpers for //examples:batch_worker: start the real binary
// (from the test's runfiles) as a child process, signal it, wait for it
// under a watchdog, and check its output file record by record against
// hashes computed here, independently of the program's code.
//
// Thread safety: single-threaded test code.

#ifndef GRACEFUL_EXAMPLES_BATCH_WORKER_TESTING_H_
#define GRACEFUL_EXAMPLES_BATCH_WORKER_TESTING_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace batch_worker_testing {

// The batch_worker binary in the test's runfiles.
std::string WorkerBinary();

// A new empty directory under $TEST_TMPDIR.
std::string NewTempDir();

std::string ReadFileOrDie(const std::string& path);
// The contents of `path`, or "" if it cannot be read.
std::string ReadFileIfExists(const std::string& path);
void WriteFileOrDie(const std::string& path, absl::string_view contents);
bool FileExists(const std::string& path);

// How a child ended.
struct Outcome {
  bool timed_out = false;  // the watchdog had to SIGKILL it
  bool exited = false;
  int exit_code = -1;      // if exited
  int signal = 0;          // if killed by a signal

  bool ExitedWith(int code) const { return exited && exit_code == code; }
  bool KilledBy(int signo) const { return !exited && signal == signo; }
  std::string ToString() const;
};

// A running batch_worker (or any program).
class Child {
 public:
  // Starts `argv[0]` with `argv`, stdin from /dev/null, stdout and stderr
  // to `stderr_path` (or, when `stderr_fd` >= 0, stderr to that descriptor),
  // every signal unblocked and SIGTERM/SIGINT at their default action, and
  // `extra_env` ("NAME=value") added to the environment (and, under
  // ThreadSanitizer, without its one-second sleep at exit). Signals in
  // `ignored` start ignored, as a non-interactive shell starts background
  // jobs with SIGINT ignored.
  Child(std::vector<std::string> argv, std::string stderr_path,
        int stderr_fd = -1, std::vector<std::string> extra_env = {},
        std::vector<int> ignored = {});
  ~Child();  // SIGKILLs and reaps a child still running

  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }

  // Waits until the batch worker has written `report_json` (its
  // --report_json) with a "state": it does so once the runtime has started,
  // so SIGTERM and SIGINT are handled from then on. (Watching the main
  // thread's blocked mask is not enough: glibc's pthread_create blocks every
  // signal for a moment, e.g. while ThreadSanitizer starts its own thread
  // before main.) False if the child ended first or `timeout` passed.
  bool WaitUntilReportWritten(const std::string& report_json,
                              absl::Duration timeout);

  // Waits until `count` threads whose names start with `prefix` (the
  // batch worker names its workers "worker-<i>") have each used `cpu` of
  // CPU time: they are inside a record. False if the child ended first or
  // `timeout` passed.
  bool WaitUntilThreadsBusy(absl::string_view prefix, int count,
                            absl::Duration cpu, absl::Duration timeout);

  void Signal(int signo);

  // Waits for the child to end; after `timeout` SIGKILLs it and reports
  // `timed_out`. Repeat calls return the same outcome.
  Outcome Wait(absl::Duration timeout = absl::Seconds(60));

  // What the child wrote to stderr (if it went to `stderr_path`).
  std::string Stderr() const;

 private:
  bool Ended() const;

  pid_t pid_ = -1;
  std::string stderr_path_;
  bool reaped_ = false;
  Outcome outcome_;
};

// The test's own FNV-1a 64.
uint64_t TestFnv1a64(absl::string_view bytes);

// The records of the embedded workload: "item-0" ... "item-<n-1>".
std::vector<std::string> EmbeddedRecords(uint64_t n);

// The records of an input file: its lines without '\n'; a last line without
// '\n' counts, an empty file has none.
std::vector<std::string> SplitRecords(absl::string_view contents);

// Checks an output file's contents against `records`: every complete line
// is "<id>\t<16 lowercase hex>\n" with id < records.size() and the FNV-1a
// of records[id]; no id appears twice. A last line without '\n' (a torn
// line, left by SIGKILL) is allowed only if `allow_torn_tail`. With
// `require_complete`, every record must be there. `*lines`, if given, gets
// the number of complete lines.
::testing::AssertionResult CheckOutput(absl::string_view contents,
                                       const std::vector<std::string>& records,
                                       bool allow_torn_tail,
                                       bool require_complete,
                                       uint64_t* lines = nullptr);

}  // namespace batch_worker_testing

#endif  // GRACEFUL_EXAMPLES_BATCH_WORKER_TESTING_H_
