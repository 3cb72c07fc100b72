// Copyright 2026 The graceful Authors.
//
// Misbehaving user code (docs/guarantees.md, "User code"): hooks that hang,
// throw, call exit() or RequestStop(); stop callbacks and signal callbacks
// that block forever or throw; workers that call exit(); user code that
// re-enters the runtime from a hook or callback. Each must be bounded (the
// process ends by the grace deadline plus the documented hard bound, or
// sooner), reported, and must never crash the runtime. End-to-end cases run
// tests/stress_helper in a child process; a watchdog bounds every wait and
// nothing measures time. In-process cases start and destroy their own
// Runtime in the test's main thread.

#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "graceful/graceful.h"
#include "tests/child_process.h"

namespace graceful {
namespace {

using ::graceful::testing::ChildProcess;
using ::graceful::testing::DescribeStatus;
using ::testing::HasSubstr;

// Grace period of the forced cases, and the watchdog that bounds them: the
// documented bound is grace + critical_section_limit (5 s, no section is
// open here so it is not used) + 200 ms of stderr; the watchdog is far
// above it, so only a hang fails the test, never a slow machine.
constexpr int kGraceMs = 500;
constexpr absl::Duration kWatchdog = absl::Seconds(60);

std::unique_ptr<ChildProcess> StartHelper(std::vector<std::string> flags) {
  flags.insert(flags.begin(), "tests/stress_helper");
  auto child = std::make_unique<ChildProcess>(std::move(flags));
  EXPECT_TRUE(child->WaitForOutput("READY"))
      << "stdout: " << child->out() << "\nstderr: " << child->err();
  return child;
}

std::string GraceFlag() { return absl::StrCat("--grace_ms=", kGraceMs); }

// The forced report's line for worker or hook `name`, lower-cased ("" if
// absent), e.g. "    hanging: running".
std::string ReportEntry(const std::string& err, const std::string& name) {
  const std::string key = absl::StrCat("\n    ", name, ": ");
  const size_t at = err.find(key);
  if (at == std::string::npos) return "";
  return absl::AsciiStrToLower(err.substr(at + 1, err.find('\n', at + 1) -
                                                      (at + 1)));
}

bool ExitedWith(int status, int code) {
  return WIFEXITED(status) && WEXITSTATUS(status) == code;
}

bool KilledBy(int status, int signo) {
  return WIFSIGNALED(status) && WTERMSIG(status) == signo;
}

#define DESCRIBE(child, status)                                        \
  DescribeStatus(status) << "\nstdout:\n"                              \
                         << (child)->out() << "\nstderr:\n"            \
                         << (child)->err()

TEST(MisbehavingHookTest, HookThatHangsIsNamedAndTheDeadlineForcesTheExit) {
  auto child = StartHelper(
      {"--workers=2", "--hooks=later", "--hang_hook", GraceFlag()});
  child->Signal(SIGTERM);
  const int status = child->WaitStatus(kWatchdog);
  ASSERT_TRUE(ExitedWith(status, kExitForced)) << DESCRIBE(child, status);
  EXPECT_NE(child->err().find("FORCED: the grace period ran out"),
            std::string::npos);
  EXPECT_THAT(ReportEntry(child->err(), "hanging"), HasSubstr("running"));
  EXPECT_THAT(ReportEntry(child->err(), "later"), HasSubstr("not run"));
  EXPECT_THAT(child->out(), HasSubstr("HOOK hanging"));
  EXPECT_THAT(child->out(), ::testing::Not(HasSubstr("HOOK later")));
}

// Referenced from docs/guarantees.md together with the existing
// RuntimeSignalsTest.ThrowingHookIsReportedAndTheNextHookStillRuns.
TEST(MisbehavingHookTest, HookThatThrowsIsReportedAndTheProcessExitsOne) {
  auto child = StartHelper({"--workers=1", "--hooks=later", "--throw_hook"});
  child->Signal(SIGTERM);
  const int status = child->WaitStatus(kWatchdog);
  ASSERT_TRUE(ExitedWith(status, kExitWorkerFailed))
      << DESCRIBE(child, status);
  EXPECT_THAT(child->out(), HasSubstr("hooks=thrower:failed,later:finished"));
  EXPECT_THAT(child->err(), HasSubstr("hook boom"));
}

// exit() in a hook ends the process there, with that status: the hooks
// after it do not run, Wait() never returns, no report is written. atexit
// handlers and static destructors run on the shutdown thread while the
// signal and callback threads are parked; the runtime keeps no object with
// a non-trivial static destructor, so nothing of it is torn down under
// them.
TEST(MisbehavingHookTest, HookThatCallsExitEndsTheProcessWithThatStatus) {
  auto child =
      StartHelper({"--workers=2", "--hooks=later", "--hook_exit=7"});
  child->Signal(SIGTERM);
  const int status = child->WaitStatus(kWatchdog);
  ASSERT_TRUE(ExitedWith(status, 7)) << DESCRIBE(child, status);
  EXPECT_THAT(child->out(), HasSubstr("HOOK exiter calls exit(7)"));
  EXPECT_THAT(child->out(), ::testing::Not(HasSubstr("HOOK later")));
  EXPECT_THAT(child->out(), ::testing::Not(HasSubstr("REPORT")));
}

// ... and if exit() itself hangs (an atexit handler that never returns),
// the signal thread, still alive, enforces the grace deadline.
TEST(MisbehavingHookTest, HookThatCallsExitIntoAHangingAtexitIsForcedOut) {
  auto child = StartHelper(
      {"--workers=2", "--hook_exit=7", "--hang_atexit", GraceFlag()});
  child->Signal(SIGTERM);
  const int status = child->WaitStatus(kWatchdog);
  ASSERT_TRUE(ExitedWith(status, kExitForced)) << DESCRIBE(child, status);
  EXPECT_THAT(child->out(), HasSubstr("ATEXIT HANGING"));
  EXPECT_THAT(child->err(), HasSubstr("FORCED: the grace period ran out"));
  EXPECT_THAT(ReportEntry(child->err(), "exiter"), HasSubstr("running"));
}

TEST(MisbehavingHookTest, HookThatCallsRequestStopGetsFalseAndNoSecondStop) {
  auto child =
      StartHelper({"--workers=2", "--hooks=later", "--hook_request_stop"});
  child->Signal(SIGTERM);
  const int status = child->WaitStatus(kWatchdog);
  ASSERT_TRUE(KilledBy(status, SIGTERM)) << DESCRIBE(child, status);
  EXPECT_THAT(child->out(),
              HasSubstr("HOOK requester RequestStop=0 stop_requested=1"));
  EXPECT_THAT(child->out(), HasSubstr("HOOK later"));
  EXPECT_THAT(child->out(), HasSubstr("REPORT cause=signal signal=15"));
  EXPECT_THAT(child->out(), HasSubstr("stop_callbacks=1"));
}

TEST(MisbehavingCallbackTest, StopCallbackThatBlocksIsBoundedByTheDeadline) {
  auto child = StartHelper(
      {"--workers=2", "--hooks=h", "--block_stop_callback", GraceFlag()});
  child->Signal(SIGTERM);
  const int status = child->WaitStatus(kWatchdog);
  ASSERT_TRUE(ExitedWith(status, kExitForced)) << DESCRIBE(child, status);
  EXPECT_THAT(child->out(), HasSubstr("STOP CALLBACK BLOCKING"));
  EXPECT_THAT(child->err(), HasSubstr("FORCED: the grace period ran out"));
  EXPECT_THAT(ReportEntry(child->err(), "h"), HasSubstr("not run"));
}

// A blocked OnSignal callback holds back neither a stop nor the exit (see
// also RuntimeSignalsTest.BlockedCallbackDoesNotDelayAStopSignal).
TEST(MisbehavingCallbackTest, SignalCallbackThatBlocksForeverHoldsNothing) {
  auto child = StartHelper({"--workers=2", "--hooks=h", "--block_hup"});
  child->Signal(SIGHUP);
  ASSERT_TRUE(child->WaitForOutput("HUP BLOCKING"));
  child->Signal(SIGHUP);  // queued behind the blocked one: never runs
  child->Signal(SIGTERM);
  const int status = child->WaitStatus(kWatchdog);
  ASSERT_TRUE(KilledBy(status, SIGTERM)) << DESCRIBE(child, status);
  EXPECT_THAT(child->out(), HasSubstr("HOOK h"));
  EXPECT_THAT(child->out(), HasSubstr("REPORT cause=signal signal=15"));
}

TEST(MisbehavingCallbackTest, SignalCallbackThatThrowsStopsAsAFailure) {
  auto child = StartHelper({"--workers=2", "--hooks=h", "--throw_hup"});
  child->Signal(SIGHUP);
  const int status = child->WaitStatus(kWatchdog);
  ASSERT_TRUE(ExitedWith(status, kExitWorkerFailed))
      << DESCRIBE(child, status);
  EXPECT_THAT(child->out(), HasSubstr("REPORT cause=worker_failed"));
  EXPECT_THAT(child->out(), HasSubstr("HOOK h"));
  EXPECT_THAT(child->err(), HasSubstr("reload failed"));
}

// exit() in a worker bypasses the runtime: no hook runs, no report; the
// process ends with that status.
TEST(MisbehavingWorkerTest, WorkerThatCallsExitEndsTheProcessWithThatStatus) {
  auto child = StartHelper({"--workers=2", "--hooks=h", "--worker_exit=5"});
  const int status = child->WaitStatus(kWatchdog);
  ASSERT_TRUE(ExitedWith(status, 5)) << DESCRIBE(child, status);
  EXPECT_THAT(child->out(), HasSubstr("WORKER exiter calls exit(5)"));
  EXPECT_THAT(child->out(), ::testing::Not(HasSubstr("HOOK h")));
}

// A process stuck in exit() (a hanging atexit handler) still obeys
// SIGTERM: the signal thread begins the stop and enforces the deadline, and
// the forced report names the worker stuck in exit().
TEST(MisbehavingWorkerTest, ProcessStuckInExitStillObeysSigtermAndDeadline) {
  auto child = StartHelper(
      {"--workers=2", "--worker_exit=5", "--hang_atexit", GraceFlag()});
  ASSERT_TRUE(child->WaitForOutput("ATEXIT HANGING"));
  child->Signal(SIGTERM);
  const int status = child->WaitStatus(kWatchdog);
  ASSERT_TRUE(ExitedWith(status, kExitForced)) << DESCRIBE(child, status);
  EXPECT_THAT(child->err(), HasSubstr("FORCED: the grace period ran out"));
  EXPECT_THAT(child->err(), HasSubstr("stragglers: exiter"));
  EXPECT_THAT(ReportEntry(child->err(), "worker-0"), HasSubstr("finished"));
}

// Everything at once: a worker that ignores the token, a blocked signal
// callback, a blocked stop callback, hooks that hang and throw. The exit is
// still forced by the deadline.
TEST(MisbehavingWorkerTest, EverythingMisbehavingAtOnceIsStillBounded) {
  auto child = StartHelper({"--workers=4", "--stubborn=2", "--block_hup",
                            "--block_stop_callback", "--hang_hook",
                            "--throw_hook", GraceFlag()});
  child->Signal(SIGHUP);
  ASSERT_TRUE(child->WaitForOutput("HUP BLOCKING"));
  child->Signal(SIGTERM);
  const int status = child->WaitStatus(kWatchdog);
  ASSERT_TRUE(ExitedWith(status, kExitForced)) << DESCRIBE(child, status);
  EXPECT_THAT(child->err(), HasSubstr("FORCED: the grace period ran out"));
}

// ---------------------------------------------------------------------------
// In-process: user code that re-enters the runtime during the stop.

std::unique_ptr<Runtime> StartOrDie(RuntimeOptions options = {}) {
  absl::StatusOr<std::unique_ptr<Runtime>> runtime =
      Runtime::Start(std::move(options));
  EXPECT_TRUE(runtime.ok()) << runtime.status();
  return runtime.ok() ? std::move(*runtime) : nullptr;
}

TEST(ReentrantUserCodeTest, HooksAndStopCallbacksMayCallTheRuntimeSafely) {
  auto runtime = StartOrDie();
  ASSERT_NE(runtime, nullptr);
  Runtime* raw = runtime.get();
  bool callback_request = true;
  absl::Status callback_submit;
  auto callback = std::make_unique<StopCallback>(runtime->token(), [&] {
    callback_request = raw->RequestStop();
    callback_submit = raw->Submit([](StopToken) {});
    raw->Spawn("from-callback", [](StopToken) {});
  });
  bool hook_request = true;
  absl::Status hook_submit;
  std::atomic<bool> late_hook_ran{false};
  runtime->AddShutdownHook("reenter", [&] {
    hook_request = raw->RequestStop();
    hook_submit = raw->Submit([](StopToken) {});
    raw->Spawn("from-hook", [](StopToken) {});
    raw->AddShutdownHook("added-by-hook", [&] { late_hook_ran = true; });
    raw->OnSignal(SIGHUP, [](const siginfo_t&) {});
  });
  EXPECT_TRUE(runtime->RequestStop());
  const ShutdownReport report = runtime->Wait();
  callback.reset();  // before the runtime, whose token it uses
  runtime.reset();

  EXPECT_FALSE(callback_request);
  EXPECT_FALSE(hook_request);
  EXPECT_EQ(callback_submit.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(hook_submit.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(late_hook_ran.load());
  EXPECT_EQ(report.cause, StopCause::kRequested);
  EXPECT_EQ(report.exit_code(), 0);
  ASSERT_EQ(report.workers.size(), 2u);
  for (const WorkerOutcome& worker : report.workers) {
    EXPECT_EQ(worker.state, WorkerOutcome::State::kRefused) << worker.name;
  }
  ASSERT_EQ(report.hooks.size(), 2u);
  for (const HookOutcome& hook : report.hooks) {
    EXPECT_EQ(hook.state, hook.name == "reenter"
                              ? HookOutcome::State::kFinished
                              : HookOutcome::State::kNotRun)
        << hook.name;
  }
}

TEST(ReentrantUserCodeTest, StopCallbackThatThrowsIsDiscardedAndStopGoesOn) {
  auto runtime = StartOrDie();
  ASSERT_NE(runtime, nullptr);
  bool other_ran = false;
  bool hook_ran = false;
  StopCallback other(runtime->token(), [&] { other_ran = true; });
  StopCallback thrower(runtime->token(),
                       []() -> void { throw std::runtime_error("no"); });
  runtime->AddShutdownHook("h", [&] { hook_ran = true; });
  runtime->RequestStop();
  const ShutdownReport report = runtime->Wait();
  EXPECT_TRUE(other_ran);
  EXPECT_TRUE(hook_ran);
  EXPECT_EQ(report.exit_code(), 0);
}

TEST(ReentrantUserCodeTest, WorkerThrowingANonStdExceptionIsReported) {
  auto runtime = StartOrDie();
  ASSERT_NE(runtime, nullptr);
  runtime->Spawn("thrower", [](StopToken) { throw 42; });
  const ShutdownReport report = runtime->Wait();
  EXPECT_EQ(report.cause, StopCause::kWorkerFailed);
  EXPECT_THAT(std::string(report.error.message()),
              HasSubstr("not derived from std::exception"));
  EXPECT_EQ(report.exit_code(), kExitWorkerFailed);
}

TEST(ReentrantUserCodeTest, EventHandlerThatThrowsIsDiscarded) {
  RuntimeOptions options;
  std::atomic<int> events{0};
  options.on_event = [&](const Event&) {
    events.fetch_add(1);
    throw std::runtime_error("logging is down");
  };
  auto runtime = StartOrDie(options);
  ASSERT_NE(runtime, nullptr);
  runtime->Spawn("w", [](StopToken token) {
    token.SleepUntil(absl::InfiniteFuture());
  });
  bool hook_ran = false;
  runtime->AddShutdownHook("h", [&] { hook_ran = true; });
  runtime->RequestStop();
  const ShutdownReport report = runtime->Wait();
  runtime.reset();
  EXPECT_GT(events.load(), 0);
  EXPECT_TRUE(hook_ran);
  EXPECT_EQ(report.exit_code(), 0);
  EXPECT_EQ(report.workers[0].state, WorkerOutcome::State::kFinished);
}

TEST(ReentrantUserCodeDeathTest, HookThatCallsWaitAbortsWithAMessage) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        auto runtime = StartOrDie();
        Runtime* raw = runtime.get();
        runtime->AddShutdownHook("waits", [raw] { raw->Wait(); });
        runtime->RequestStop();
        runtime->Wait();
      },
      "would wait for");
}

}  // namespace
}  // namespace graceful
