// Copyright 2026 The graceful Authors.
//
// End-to-end tests of the runtime at the thread limit: tests/
// correctness_helper becomes an unprivileged user (root ignores
// RLIMIT_NPROC) and sets RLIMIT_NPROC to the threads it has, or a few more,
// so that creating the next thread fails with EAGAIN.

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/child_process.h"

namespace graceful {
namespace {

using ::graceful::testing::ChildProcess;
using ::graceful::testing::DescribeStatus;
using ::graceful::testing::WaitForThreadInSyscall;

std::unique_ptr<ChildProcess> StartHelper(std::vector<std::string> flags) {
  flags.insert(flags.begin(), "tests/correctness_helper");
  return std::make_unique<ChildProcess>(std::move(flags));
}

// Issue 2: a worker whose thread cannot be created is reported as refused
// with the limit named, and the runtime stops as for a failed worker.
TEST(ResourceLimitsTest, SpawnAtTheThreadLimitReturnsAndStopsAsFailedWorker) {
  auto child = StartHelper({"--mode=spawn_at_limit"});
  const int status = child->WaitStatus(absl::Seconds(30));
  EXPECT_EXITED_WITH(status, 1);
  const std::string& out = child->out();
  EXPECT_NE(out.find("SPAWN RETURNED"), std::string::npos) << out;
  EXPECT_EQ(out.find("WORKER RAN"), std::string::npos) << out;
  const size_t worker = out.find("WORKER w refused: ");
  ASSERT_NE(worker, std::string::npos) << out;
  EXPECT_NE(
      out.substr(worker, out.find('\n', worker) - worker).find("RLIMIT_NPROC"),
      std::string::npos)
      << out;
  EXPECT_NE(out.find("REPORT cause=worker failed exit=1"), std::string::npos)
      << out;
}

// Issue 2: a stop signal still ends a process whose Spawn() hit the thread
// limit (sent once the main thread is blocked in Spawn() or, fixed, in
// Wait()).
TEST(ResourceLimitsTest, StopSignalEndsAProcessWhoseSpawnHitTheThreadLimit) {
  auto child = StartHelper({"--mode=spawn_at_limit"});
  ASSERT_TRUE(child->WaitForOutput("SPAWNING")) << child->out();
  WaitForThreadInSyscall(child->pid(), "helper-main", SYS_futex);
  child->Signal(SIGTERM);
  const int status = child->WaitStatus(absl::Seconds(30));
  // Ended by itself (worker failed), by the stop, or forced by it.
  EXPECT_TRUE(WIFEXITED(status) ||
              (WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM))
      << DescribeStatus(status) << "\nstdout:\n"
      << child->out() << "\nstderr:\n"
      << child->err();
}

// Issue 14a: Submit() says ResourceExhausted when no pool thread could be
// created.
TEST(ResourceLimitsTest, SubmitAtTheThreadLimitReturnsResourceExhausted) {
  auto child = StartHelper({"--mode=submit_at_limit"});
  const int status = child->WaitStatus(absl::Seconds(30));
  EXPECT_TRUE(WIFEXITED(status)) << DescribeStatus(status);
  EXPECT_NE(child->out().find("SUBMIT RESOURCE_EXHAUSTED"), std::string::npos)
      << child->out();
  EXPECT_EQ(child->out().find("TASK RAN"), std::string::npos) << child->out();
}

// A producer that retries Submit() while no pool thread can be created adds
// nothing to the report per attempt (found by the hostile review: 20,000
// attempts left 160,000 refused pool records, a 46 MB report).
TEST(ResourceLimitsTest, SubmitRetriedAtTheThreadLimitRecordsNoPoolThreads) {
  auto child = StartHelper(
      {"--mode=submit_at_limit", "--attempts=100", "--pool_threads=4"});
  const int status = child->WaitStatus(absl::Seconds(30));
  EXPECT_TRUE(WIFEXITED(status)) << DescribeStatus(status);
  EXPECT_NE(child->out().find("SUBMIT RESOURCE_EXHAUSTED"), std::string::npos)
      << child->out();
  EXPECT_NE(child->out().find(" workers=0"), std::string::npos) << child->out();
}

// A Start() that fails changes nothing: the signals it took from the
// pending sets are pending again as they were, sender, si_code and sigqueue
// values included (found by the hostile review: they came back raise()d,
// values lost).
TEST(FailedStartTest, PendingSignalsAreGivenBackAsTheyWere) {
  auto child = StartHelper({"--mode=failed_start_pending"});
  const int status = child->WaitStatus(absl::Seconds(30));
  EXPECT_EXITED_WITH(status, 0);
  const int rt = SIGRTMIN + 1;
  EXPECT_NE(child->out().find(absl::StrCat(
                "START RESOURCE_EXHAUSTED\n", "PENDING ", SIGTERM,
                " code=", SI_USER, " own=1 value=0\n", "PENDING ", rt,
                " code=", SI_QUEUE, " own=1 value=11\n", "PENDING ", rt,
                " code=", SI_QUEUE, " own=1 value=22\n", "PENDING ", rt,
                " code=", SI_QUEUE, " own=1 value=33\n")),
            std::string::npos)
      << child->out();
}

class StartAtTheThreadLimitTest : public ::testing::TestWithParam<int> {};

// Issue 14b: a Start() that cannot create its threads returns
// ResourceExhausted and, never having begun a stop, logs none.
TEST_P(StartAtTheThreadLimitTest, FailsWithResourceExhaustedAndLogsNoStop) {
  auto child = StartHelper(
      {"--mode=start_at_limit", absl::StrCat("--threads=", GetParam())});
  const int status = child->WaitStatus(absl::Seconds(30));
  EXPECT_EXITED_WITH(status, 0);
  EXPECT_NE(child->out().find("START RESOURCE_EXHAUSTED"), std::string::npos)
      << child->out();
  EXPECT_EQ(child->err().find("graceful: stopping"), std::string::npos)
      << child->err();
}

INSTANTIATE_TEST_SUITE_P(ThreadsThatCanStart, StartAtTheThreadLimitTest,
                         ::testing::Values(1, 2),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return absl::StrCat(info.param, "ThreadsStart");
                         });

}  // namespace
}  // namespace graceful
