// Copyright 2026 The graceful Authors.
//
// Load at stop (docs/guarantees.md, "Work accounting"): tests/stress_helper
// runs 1,000 long-running workers while 4 submitter workers push 1,000,000
// small tasks through the pool; SIGTERM arrives once half of them were
// accepted. Every Submit() that returned OK must be counted as accepted,
// and every accepted task must have either run or be counted as unstarted,
// exactly; every worker must be joined, or named as a straggler when the
// grace period runs out. Nothing here measures time: watchdogs only.

#include <signal.h>
#include <sys/wait.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/child_process.h"

namespace graceful {
namespace {

using ::graceful::testing::ChildProcess;
using ::graceful::testing::DescribeStatus;

constexpr int kWorkers = 1000;
constexpr int kSubmitters = 4;
constexpr int kPoolThreads = 4;
// Sanitizers make every task ~10x dearer; the scaled figure keeps the
// target within its CI budget.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int64_t kTasks = 100'000;
#else
constexpr int64_t kTasks = 1'000'000;
#endif

// The integer after "`key`=" on the helper's REPORT line; -1 if absent.
int64_t ReportField(const std::string& out, const std::string& key) {
  const size_t line = out.find("REPORT ");
  if (line == std::string::npos) return -1;
  const std::string report = out.substr(line, out.find('\n', line) - line);
  const size_t at = report.find(" " + key + "=");
  if (at == std::string::npos) return -1;
  const size_t from = at + key.size() + 2;
  int64_t value = -1;
  if (!absl::SimpleAtoi(report.substr(from, report.find(' ', from) - from),
                        &value)) {
    return -1;
  }
  return value;
}

std::vector<std::string> HelperFlags(const std::string& unstarted) {
  return {"tests/stress_helper",
          absl::StrCat("--workers=", kWorkers),
          "--step_ms=1000",
          absl::StrCat("--tasks=", kTasks),
          absl::StrCat("--submitters=", kSubmitters),
          absl::StrCat("--pool_threads=", kPoolThreads),
          "--queue=1024",
          absl::StrCat("--unstarted=", unstarted),
          "--grace_ms=120000"};
}

class LoadAtStopTest : public ::testing::TestWithParam<std::string> {};

TEST_P(LoadAtStopTest, SigtermMidwayLosesNoTaskAndJoinsEveryWorker) {
  const std::string unstarted = GetParam();
  ChildProcess child(HelperFlags(unstarted));
  ASSERT_TRUE(child.WaitForOutput("READY", absl::Seconds(120)))
      << child.err();
  ASSERT_TRUE(child.WaitForOutput("HALF", absl::Seconds(240))) << child.err();
  child.Signal(SIGTERM);
  const int status = child.WaitStatus(absl::Seconds(240));
  const std::string& out = child.out();
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM)
      << DescribeStatus(status) << "\n" << out << "\n" << child.err();

  const int64_t accepted = ReportField(out, "tasks_accepted");
  const int64_t completed = ReportField(out, "tasks_completed");
  const int64_t not_started = ReportField(out, "tasks_unstarted");
  EXPECT_NE(out.find("cause=signal signal=15"), std::string::npos) << out;
  // The application's own count of Submit() calls that returned OK, and of
  // task bodies that ran, against the report.
  EXPECT_EQ(accepted, ReportField(out, "submitted_ok")) << out;
  EXPECT_EQ(completed, ReportField(out, "tasks_ran")) << out;
  EXPECT_EQ(completed + not_started, accepted) << out;
  EXPECT_GE(accepted, kTasks / 2) << out;
  EXPECT_LE(accepted, kTasks) << out;
  if (unstarted == "drain") {
    EXPECT_EQ(not_started, 0) << out;
  }
  // Every worker, submitter and pool thread was joined.
  const int total = kWorkers + kSubmitters + kPoolThreads;
  EXPECT_EQ(ReportField(out, "workers"), total) << out;
  EXPECT_EQ(ReportField(out, "finished"), total) << out;
  EXPECT_EQ(ReportField(out, "running"), 0) << out;
  EXPECT_EQ(ReportField(out, "joined"), 1) << out;
  EXPECT_EQ(ReportField(out, "stop_callbacks"), 1) << out;
  printf("%s: %d workers, %lld tasks offered; at the stop %lld accepted = "
         "%lld completed + %lld unstarted (SIGTERM %s)\n",
         unstarted.c_str(), kWorkers, static_cast<long long>(kTasks),
         static_cast<long long>(accepted), static_cast<long long>(completed),
         static_cast<long long>(not_started),
         accepted < kTasks ? "mid-way through the submissions"
                           : "after every task was accepted");
}

INSTANTIATE_TEST_SUITE_P(UnstartedPolicies, LoadAtStopTest,
                         ::testing::Values("drain", "leave"),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                           return i.param == "drain" ? "Drain" : "Leave";
                         });

// Three workers ignore the token and a pool task never returns: the grace
// period runs out under full load, and the forced report names exactly
// those as stragglers, every other worker as finished.
TEST(LoadAtStopTest, StragglersUnderLoadAreNamedByTheForcedExit) {
  std::vector<std::string> flags = HelperFlags("drain");
  flags.push_back("--stubborn=3");
  flags.push_back("--hang_task");
  flags.push_back("--grace_ms=2000");
  ChildProcess child(flags);
  ASSERT_TRUE(child.WaitForOutput("HALF", absl::Seconds(240))) << child.err();
  child.Signal(SIGTERM);
  const int status = child.WaitStatus(absl::Seconds(240));
  const std::string& err = child.err();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 124)
      << DescribeStatus(status) << "\n" << child.out() << "\n" << err;
  EXPECT_NE(err.find("FORCED: the grace period ran out"), std::string::npos)
      << err;

  const size_t at = err.find("stragglers: ");
  ASSERT_NE(at, std::string::npos) << err;
  const std::string line =
      err.substr(at + 12, err.find('\n', at) - (at + 12));
  std::set<std::string> stragglers = absl::StrSplit(line, ", ");
  std::set<std::string> pool_stragglers;
  for (auto it = stragglers.begin(); it != stragglers.end();) {
    if (absl::StartsWith(*it, "pool-")) {
      pool_stragglers.insert(*it);
      it = stragglers.erase(it);
    } else {
      ++it;
    }
  }
  EXPECT_EQ(stragglers, (std::set<std::string>{"stubborn-0", "stubborn-1",
                                               "stubborn-2"}))
      << line;
  // The pool thread stuck in the hanging task.
  EXPECT_EQ(pool_stragglers.size(), 1u) << line;
  // Every cooperative worker is listed as finished.
  int finished = 0;
  for (absl::string_view report_line : absl::StrSplit(err, '\n')) {
    if (absl::StartsWith(report_line, "    worker-") &&
        absl::StrContains(report_line, ": finished")) {
      ++finished;
    }
  }
  EXPECT_EQ(finished, kWorkers) << err;
  printf("forced exit under load: %d workers finished, stragglers named: %s\n",
         finished, line.c_str());
}

}  // namespace
}  // namespace graceful
