// Copyright 2026 The graceful Authors.
//
// End-to-end tests: each runs tests/signal_helper in a fresh process, sends
// it real signals with kill(2), and checks its output and exit status.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/child_process.h"

namespace graceful {
namespace {

using ::graceful::testing::ChildOptions;
using ::graceful::testing::ChildProcess;
using ::graceful::testing::CountOf;
using ::graceful::testing::DescribeStatus;

std::unique_ptr<ChildProcess> StartHelper(std::vector<std::string> flags,
                                          ChildOptions options = {}) {
  flags.insert(flags.begin(), "tests/signal_helper");
  auto child = std::make_unique<ChildProcess>(std::move(flags), options);
  EXPECT_TRUE(child->WaitForOutput("READY"))
      << "stdout: " << child->out() << "\nstderr: " << child->err();
  return child;
}

// The test process's own identity, as the helper should report the sender.
std::string SenderFields() {
  return absl::StrCat("sender_pid=", getpid(), " sender_uid=", getuid());
}


TEST(RuntimeSignalsTest, StartBlocksAsyncSignalsInEveryThreadButFaults) {
  auto child = StartHelper({"--print_mask", "--workers=1"});
  ASSERT_TRUE(child->WaitForOutput("MASK worker"));
  child->Signal(SIGTERM);
  const int status = child->WaitStatus();
  EXPECT_KILLED_BY(status, SIGTERM);
  for (const char* who : {"main", "worker"}) {
    EXPECT_NE(child->out().find(absl::StrCat(
                  "MASK ", who, " SIGTERM=1 SIGUSR1=1 SIGSEGV=0 SIGABRT=0")),
              std::string::npos)
        << child->out();
  }
}

struct StopCase {
  int signo;
  int workers;
};

class StopSignalTest : public ::testing::TestWithParam<StopCase> {};

TEST_P(StopSignalTest, StopsGracefullyRunsHooksLifoAndDiesOfTheSignal) {
  const StopCase param = GetParam();
  auto child = StartHelper(
      {absl::StrCat("--workers=", param.workers), "--hooks=first,second"});
  child->Signal(param.signo);
  const int status = child->WaitStatus();
  EXPECT_KILLED_BY(status, param.signo);
  const std::string& out = child->out();
  for (int i = 0; i < param.workers; ++i) {
    EXPECT_NE(out.find(absl::StrCat("worker-", i, " done")), std::string::npos)
        << out;
  }
  EXPECT_EQ(CountOf(out, "hook second"), 1u) << out;
  EXPECT_EQ(CountOf(out, "hook first"), 1u) << out;
  EXPECT_LT(out.find("hook second"), out.find("hook first")) << out;
  EXPECT_NE(out.find(absl::StrCat("REPORT cause=signal signal=", param.signo,
                                  " ", SenderFields())),
            std::string::npos)
      << out;
  // Hooks run after every worker was joined.
  EXPECT_LT(out.find(absl::StrCat("worker-", param.workers - 1, " done")),
            out.find("hook second"));
}

INSTANTIATE_TEST_SUITE_P(
    SignalsAndWorkerCounts, StopSignalTest,
    ::testing::Values(StopCase{SIGTERM, 1}, StopCase{SIGTERM, 8},
                      StopCase{SIGTERM, 64}, StopCase{SIGINT, 1},
                      StopCase{SIGINT, 8}),
    [](const ::testing::TestParamInfo<StopCase>& info) {
      return absl::StrCat(info.param.signo == SIGTERM ? "SIGTERM" : "SIGINT",
                          "_", info.param.workers, "workers");
    });

TEST(RuntimeSignalsTest, ExitStyleZeroExitsZero) {
  auto child = StartHelper({"--workers=2", "--exit_style=zero"});
  child->Signal(SIGTERM);
  const int status = child->WaitStatus();
  EXPECT_EXITED_WITH(status, 0);
}

TEST(RuntimeSignalsTest, ExitStyle128PlusSignalExits143) {
  auto child = StartHelper({"--workers=2", "--exit_style=128"});
  child->Signal(SIGTERM);
  const int status = child->WaitStatus();
  EXPECT_EXITED_WITH(status, 128 + SIGTERM);
}

TEST(RuntimeSignalsTest, RequestStopTakesTheSamePathAndIsIdempotent) {
  auto child = StartHelper({"--workers=2", "--hooks=h", "--request_stop"});
  const int status = child->WaitStatus();
  EXPECT_EXITED_WITH(status, 0);
  EXPECT_NE(child->out().find("REQUEST first=1 again=0"), std::string::npos);
  EXPECT_NE(child->out().find("REPORT cause=requested"), std::string::npos);
  EXPECT_NE(child->out().find("hook h"), std::string::npos);
}

TEST(RuntimeSignalsTest, HookRunsWhenTheProgramEndsNormally) {
  auto child = StartHelper({"--workers=2", "--work_done", "--hooks=atexit"});
  const int status = child->WaitStatus();
  EXPECT_EXITED_WITH(status, 0);
  EXPECT_NE(child->out().find("REPORT cause=work done"), std::string::npos);
  EXPECT_EQ(CountOf(child->out(), "hook atexit"), 1u);
}

TEST(RuntimeSignalsTest, ThrowingWorkerStopsEveryoneWithFailureStatus) {
  auto child = StartHelper({"--workers=3", "--fail=throw"});
  const int status = child->WaitStatus();
  EXPECT_EXITED_WITH(status, 1);
  EXPECT_NE(child->out().find("REPORT cause=worker failed"),
            std::string::npos);
  EXPECT_NE(child->out().find("worker exploded"), std::string::npos);
  for (int i = 0; i < 3; ++i) {
    EXPECT_NE(child->out().find(absl::StrCat("worker-", i, " done")),
              std::string::npos);
  }
}

TEST(RuntimeSignalsTest, WorkerReturningErrorStopsEveryoneWithFailureStatus) {
  auto child = StartHelper({"--workers=2", "--fail=status"});
  const int status = child->WaitStatus();
  EXPECT_EXITED_WITH(status, 1);
  EXPECT_NE(child->out().find("disk on fire"), std::string::npos);
}

TEST(RuntimeSignalsTest, ThrowingHookIsReportedAndTheNextHookStillRuns) {
  // "thrower" is added after "a", so it runs first.
  auto child = StartHelper({"--workers=1", "--hooks=a", "--throw_hook"});
  child->Signal(SIGTERM);
  const int status = child->WaitStatus();
  EXPECT_EXITED_WITH(status, 1);
  EXPECT_NE(child->out().find("hook a"), std::string::npos);
  EXPECT_NE(child->err().find("thrower: FAILED"), std::string::npos);
  EXPECT_NE(child->err().find("hook boom"), std::string::npos);
}

TEST(RuntimeSignalsTest, SecondSignalWhileJoiningForcesExitNamingStragglers) {
  auto child = StartHelper({"--workers=2", "--stubborn"});
  child->Signal(SIGTERM);
  ASSERT_TRUE(child->WaitForOutput("STUBBORN SAW STOP"));
  child->SignalAgain(SIGTERM);
  const int status = child->WaitStatus();
  EXPECT_EXITED_WITH(status, 124);
  EXPECT_NE(child->err().find("FORCED: a second stop signal"),
            std::string::npos);
  // Named as a straggler (the polite workers may be still finishing too).
  EXPECT_NE(child->err().find("stubborn: RUNNING"), std::string::npos)
      << child->err();
}

TEST(RuntimeSignalsTest, SecondSignalWhileHooksRunForcesExit) {
  auto child = StartHelper({"--workers=1", "--hang_hook"});
  child->Signal(SIGINT);
  ASSERT_TRUE(child->WaitForOutput("HOOK HANGING"));
  child->SignalAgain(SIGINT);
  const int status = child->WaitStatus();
  EXPECT_EXITED_WITH(status, 124);
  EXPECT_NE(child->err().find("hanging: RUNNING"), std::string::npos)
      << child->err();
}

TEST(RuntimeSignalsTest, SameSignalDeliveredTwiceAtOnceIsOneRequest) {
  // As coreutils' timeout does: to the process, then to its group.
  auto child = StartHelper({"--workers=2", "--hooks=h"});
  child->Signal(SIGTERM);
  child->Signal(SIGTERM);
  const int status = child->WaitStatus();
  EXPECT_KILLED_BY(status, SIGTERM);
  EXPECT_NE(child->out().find("hook h"), std::string::npos);
}

TEST(RuntimeSignalsTest, SecondSignalIsCountedNotForcedWhenPolicyIsOff) {
  auto child = StartHelper(
      {"--stubborn", "--second_signal=ignore", "--term_callback"});
  child->Signal(SIGTERM);
  ASSERT_TRUE(child->WaitForOutput("STUBBORN SAW STOP"));
  ASSERT_TRUE(child->WaitForOutput("TERM SEEN"));
  child->Signal(SIGTERM);
  // The callback thread runs the second one's callback only after the
  // signal thread handled it.
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (CountOf(child->out(), "TERM SEEN") < 2 && absl::Now() < give_up) {
    child->WaitForOutput("never printed", absl::Milliseconds(50));
  }
  child->Signal(SIGUSR2);  // releases the stubborn worker
  const int status = child->WaitStatus();
  EXPECT_KILLED_BY(status, SIGTERM);
  EXPECT_NE(child->out().find("STUBBORN RELEASED"), std::string::npos);
  EXPECT_NE(child->out().find("extra=1"), std::string::npos);
}

TEST(RuntimeSignalsTest, DeadlineForcesExitNamingStragglers) {
  auto child = StartHelper({"--workers=2", "--stubborn", "--grace_ms=300"});
  child->Signal(SIGTERM);
  const int status = child->WaitStatus();
  EXPECT_EXITED_WITH(status, 124);
  EXPECT_NE(child->err().find("FORCED: the grace period ran out"),
            std::string::npos);
  EXPECT_NE(child->err().find("stragglers: stubborn\n"), std::string::npos)
      << child->err();
  EXPECT_NE(child->err().find("worker-0: finished"), std::string::npos);
}

class ForcedExitStderrTest
    : public ::testing::TestWithParam<ChildOptions::Stderr> {};

TEST_P(ForcedExitStderrTest, ForcedExitDoesNotHangOnAClosedOrFullStderr) {
  ChildOptions options;
  options.stderr_mode = GetParam();
  auto child = StartHelper({"--stubborn", "--grace_ms=100"}, options);
  child->Signal(SIGTERM);
  const int status = child->WaitStatus(absl::Seconds(20));
  EXPECT_EXITED_WITH(status, 124);
}

INSTANTIATE_TEST_SUITE_P(ClosedAndFull, ForcedExitStderrTest,
                         ::testing::Values(ChildOptions::Stderr::kClosed,
                                           ChildOptions::Stderr::kFullPipe));

TEST(RuntimeSignalsTest, OpenCriticalSectionHoldsForcedExitBack) {
  // Grace 100 ms, but the stubborn worker holds a critical section for
  // 600 ms after it sees the stop: the forced exit waits for it.
  auto child = StartHelper(
      {"--stubborn", "--grace_ms=100", "--critical_ms=600"});
  child->Signal(SIGTERM);
  const int status = child->WaitStatus();
  EXPECT_EXITED_WITH(status, 124);
  EXPECT_NE(child->out().find("CRITICAL DONE"), std::string::npos);
}

TEST(RuntimeSignalsTest, CriticalSectionHoldsForcedExitOnlyUpToTheLimit) {
  auto child = StartHelper({"--stubborn", "--grace_ms=100", "--critical_ms=-1",
                            "--critical_limit_ms=300"});
  child->Signal(SIGTERM);
  const int status = child->WaitStatus();
  EXPECT_EXITED_WITH(status, 124);
  EXPECT_NE(child->out().find("IN CRITICAL"), std::string::npos);
  EXPECT_NE(child->err().find("critical sections still open: 1"),
            std::string::npos);
}

TEST(RuntimeSignalsTest, OnSignalCallbackReceivesTheSender) {
  auto child = StartHelper({"--on_hup"});
  child->Signal(SIGHUP);
  ASSERT_TRUE(child->WaitForOutput(absl::StrCat("HUP from ", getpid())));
  child->Signal(SIGHUP);
  child->Signal(SIGTERM);
  const int status = child->WaitStatus();
  EXPECT_KILLED_BY(status, SIGTERM);
}

TEST(RuntimeSignalsTest, BlockedCallbackDoesNotDelayAStopSignal) {
  auto child = StartHelper({"--workers=1", "--block_usr1"});
  child->Signal(SIGUSR1);
  ASSERT_TRUE(child->WaitForOutput("USR1 BLOCKING"));
  child->Signal(SIGTERM);
  // The callback sleeps 60 s; the stop must not wait for it.
  const int status = child->WaitStatus(absl::Seconds(30));
  EXPECT_KILLED_BY(status, SIGTERM);
}

class UnregisteredSignalTest : public ::testing::TestWithParam<int> {};

TEST_P(UnregisteredSignalTest, KeepsItsDefaultTerminatingEffect) {
  auto child = StartHelper({"--workers=1"});
  child->Signal(GetParam());
  const int status = child->WaitStatus(absl::Seconds(20));
  EXPECT_KILLED_BY(status, GetParam());
  EXPECT_EQ(child->out().find("REPORT"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Signals, UnregisteredSignalTest,
                         ::testing::Values(SIGUSR1, SIGUSR2, SIGQUIT, SIGHUP,
                                           SIGPIPE, SIGALRM),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::string(sigabbrev_np(info.param));
                         });

TEST(RuntimeSignalsTest, UnregisteredIgnoredByDefaultSignalsStayIgnored) {
  auto child = StartHelper({"--workers=1"});
  child->Signal(SIGCHLD);
  child->Signal(SIGWINCH);
  child->Signal(SIGURG);
  child->Signal(SIGTERM);
  const int status = child->WaitStatus();
  EXPECT_KILLED_BY(status, SIGTERM);
  EXPECT_NE(child->out().find("REPORT cause=signal signal=15"),
            std::string::npos);
}

TEST(RuntimeSignalsTest, UnregisteredSigtstpStillStopsTheProcess) {
  auto child = StartHelper({"--workers=1"});
  child->Signal(SIGTSTP);
  const int stopped = child->WaitStatus();
  EXPECT_TRUE(WIFSTOPPED(stopped) && WSTOPSIG(stopped) == SIGTSTP)
      << DescribeStatus(stopped);
  child->Signal(SIGCONT);
  child->Signal(SIGTERM);
  const int status = child->WaitStatus();
  EXPECT_KILLED_BY(status, SIGTERM);
}

class ChildProcessTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ChildProcessTest, ChildStartsWithTheOriginalMaskAndDiesOnSigterm) {
  auto child = StartHelper({absl::StrCat("--child=", GetParam())});
  // The helper writes each line with one write(2).
  ASSERT_TRUE(child->WaitForOutput("CHILD "));
  EXPECT_NE(child->out().find(absl::StrCat("CHILD ", GetParam(),
                                           " killed by ", SIGTERM)),
            std::string::npos)
      << child->out();
  child->Signal(SIGTERM);
  child->WaitStatus();
}

INSTANTIATE_TEST_SUITE_P(ForkAndPosixSpawn, ChildProcessTest,
                         ::testing::Values("fork", "spawn"));

TEST(RuntimeSignalsTest, ExistingHandlerIsRefusedByDefault) {
  auto child = std::make_unique<ChildProcess>(
      std::vector<std::string>{"tests/signal_helper", "--handler=1"});
  const int status = child->WaitStatus();
  EXPECT_EXITED_WITH(status, 3);
  EXPECT_NE(child->out().find("START FAILED FAILED_PRECONDITION"),
            std::string::npos);
  EXPECT_NE(child->out().find("SIGTERM already has a handler"),
            std::string::npos);
}

TEST(RuntimeSignalsTest, ChainPolicyRunsOursThenTheOldHandler) {
  auto child = StartHelper({"--handler=1", "--policy=chain", "--workers=1"});
  child->Signal(SIGTERM);
  const int status = child->WaitStatus();
  EXPECT_KILLED_BY(status, SIGTERM);
  EXPECT_NE(child->out().find("OLD HANDLER stop_requested=1"),
            std::string::npos);
  EXPECT_NE(child->out().find("REPORT cause=signal"), std::string::npos);
}

TEST(RuntimeSignalsTest, OverridePolicyNeverCallsTheOldHandler) {
  auto child =
      StartHelper({"--handler=1", "--policy=override", "--workers=1"});
  child->Signal(SIGTERM);
  const int status = child->WaitStatus();
  EXPECT_KILLED_BY(status, SIGTERM);
  EXPECT_EQ(child->out().find("OLD HANDLER"), std::string::npos);
  EXPECT_NE(child->out().find("REPORT cause=signal"), std::string::npos);
}

TEST(RuntimeSignalsTest, SecondRuntimeIsRefused) {
  auto child = StartHelper({"--second_runtime"});
  EXPECT_NE(child->out().find("SECOND START FAILED_PRECONDITION"),
            std::string::npos);
  EXPECT_NE(child->out().find("another graceful::Runtime is alive"),
            std::string::npos);
  child->Signal(SIGTERM);
  child->WaitStatus();
}

TEST(RuntimeSignalsTest, InheritedIgnoredSigintStaysIgnored) {
  ChildOptions options;
  options.ignored_signals = {SIGINT};
  auto child = StartHelper({"--workers=1"}, options);
  // Pending signals are taken lowest number first, so SIGINT (2) is
  // handled before SIGTERM (15).
  child->Signal(SIGINT);
  child->Signal(SIGTERM);
  const int status = child->WaitStatus();
  EXPECT_KILLED_BY(status, SIGTERM);
  EXPECT_NE(child->out().find("REPORT cause=signal signal=15"),
            std::string::npos);
}

TEST(RuntimeSignalsTest, InheritedIgnoredSigintStopsWhenConfigured) {
  ChildOptions options;
  options.ignored_signals = {SIGINT};
  auto child = StartHelper({"--workers=1", "--keep_ignored=0"}, options);
  child->Signal(SIGINT);
  const int status = child->WaitStatus();
  EXPECT_KILLED_BY(status, SIGINT);
  EXPECT_NE(child->out().find("REPORT cause=signal signal=2"),
            std::string::npos);
}

}  // namespace
}  // namespace graceful
