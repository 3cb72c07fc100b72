// Copyright 2026 The graceful Authors.
//
// The Kubernetes contract, emulated with coreutils: a pod is sent SIGTERM,
// then SIGKILL when terminationGracePeriodSeconds runs out.
//
//   timeout --preserve-status --signal=TERM --kill-after=GRACE+1s DURATION
//       batch_worker --grace=GRACE ...
//
// The worker must always exit by itself before the SIGKILL: with 75 (or 0)
// normally, with the forced status 124 when a record outlasts the grace
// period; never 137 (killed). timeout(1) also happens to deliver its
// SIGTERM twice (to the pid, then to the process group), which must count
// as one request.

#include <signal.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "examples/batch_worker_testing.h"
#include "gtest/gtest.h"

namespace batch_worker_testing {
namespace {

constexpr int kExitAllDone = 0;
constexpr int kExitResume = 75;
constexpr int kExitForced = 124;
constexpr char kTimeout[] = "/usr/bin/timeout";

// Runs batch_worker under timeout(1): SIGTERM after `duration`, SIGKILL
// `kill_after` later. Sets `*started` to whether the worker had started its
// runtime (it writes its --report_json then): a SIGTERM that comes before
// that, on a machine so loaded that start-up takes longer than `duration`,
// kills it as it would kill any program, and says nothing about the
// contract.
Outcome RunUnderTimeout(const std::string& duration,
                        const std::string& kill_after,
                        const std::vector<std::string>& worker_args,
                        const std::string& dir, std::string* err,
                        bool* started) {
  const std::string report_json = dir + "/report.json";
  unlink(report_json.c_str());
  std::vector<std::string> argv = {kTimeout,
                                   "--preserve-status",
                                   "--signal=TERM",
                                   "--kill-after=" + kill_after,
                                   duration,
                                   WorkerBinary(),
                                   "--report_json=" + report_json};
  argv.insert(argv.end(), worker_args.begin(), worker_args.end());
  Child child(argv, dir + "/stderr");
  const Outcome outcome = child.Wait(absl::Seconds(60));
  *err = child.Stderr();
  *started = absl::StartsWith(ReadFileIfExists(report_json), "{\"state\":");
  return outcome;
}

TEST(BatchWorkerKubernetesTest, ExitsByItselfBeforeTheKill) {
  const std::string dir = NewTempDir();
  const std::string out = dir + "/out";
  const std::vector<std::string> args = {"--items=40000", "--work_us=100",
                                         "--workers=2", "--grace=1s",
                                         "--output=" + out};
  const std::vector<std::string> records = EmbeddedRecords(40000);
  const char* durations[] = {"0.3s", "0.5s", "0.35s", "0.7s", "0.4s", "0.6s"};
  int checked = 0;
  for (const char* duration : durations) {
    SCOPED_TRACE(absl::StrCat("timeout ", duration));
    std::string err;
    bool started = false;
    const Outcome outcome =
        RunUnderTimeout(duration, "2s", args, dir, &err, &started);
    ASSERT_FALSE(outcome.timed_out) << err;
    ASSERT_FALSE(outcome.ExitedWith(128 + SIGKILL) || outcome.KilledBy(SIGKILL))
        << "killed by timeout's SIGKILL:\n" << err;
    if (!started && outcome.KilledBy(SIGTERM)) continue;  // see above
    ++checked;
    ASSERT_TRUE(outcome.ExitedWith(kExitResume) ||
                outcome.ExitedWith(kExitAllDone))
        << outcome.ToString() << "\n" << err;
    ASSERT_TRUE(CheckOutput(ReadFileOrDie(out), records,
                            /*allow_torn_tail=*/false,
                            /*require_complete=*/false));
    if (outcome.ExitedWith(kExitAllDone)) break;
  }
  EXPECT_GT(checked, 0) << "every SIGTERM came before start-up ended";
  Child last({WorkerBinary(), "--items=40000", "--work_us=0", "--output=" + out},
             dir + "/stderr");
  ASSERT_TRUE(last.Wait().ExitedWith(kExitAllDone)) << last.Stderr();
  EXPECT_TRUE(CheckOutput(ReadFileOrDie(out), records,
                          /*allow_torn_tail=*/false,
                          /*require_complete=*/true));
}

TEST(BatchWorkerKubernetesTest, SlowRecordIsForcedOutBeforeTheKill) {
  const std::string dir = NewTempDir();
  const std::string out = dir + "/out";
  // Records of an hour each: the grace period (1s) runs out; the runtime
  // forces the exit (124) before timeout's SIGKILL (1s later). Longer
  // timeouts only if start-up was slower than the shorter ones.
  for (const char* duration : {"0.5s", "2s", "5s"}) {
    SCOPED_TRACE(absl::StrCat("timeout ", duration));
    std::string err;
    bool started = false;
    const Outcome outcome = RunUnderTimeout(
        duration, "2s",
        {"--items=100", "--work_us=3600000000", "--workers=2", "--grace=1s",
         "--output=" + out},
        dir, &err, &started);
    ASSERT_FALSE(outcome.timed_out) << err;
    if (!started && outcome.KilledBy(SIGTERM)) continue;  // see above
    ASSERT_TRUE(outcome.ExitedWith(kExitForced))
        << outcome.ToString() << "\n" << err;
    EXPECT_TRUE(CheckOutput(ReadFileOrDie(out), EmbeddedRecords(100),
                            /*allow_torn_tail=*/false,
                            /*require_complete=*/false));
    return;
  }
  FAIL() << "every SIGTERM came before start-up ended";
}

}  // namespace
}  // namespace batch_worker_testing
