// Copyright 2026 The graceful Authors.
//
// Hostile environments (docs/guarantees.md, "Environment"): the process
// starts with stop signals ignored (nohup, a shell's background job) or
// blocked (a parent's mask), with a stop signal already pending, as PID 1
// of a new PID namespace (a container's init), or with stderr a pipe whose
// reader is gone. SIGTERM must still lead to a graceful stop. Each case
// runs tests/stress_helper in a child process; a watchdog bounds every
// wait and nothing measures time.
//
// Covered elsewhere (and listed in docs/guarantees.md): forced exit with
// stderr closed or a full pipe (RuntimeSignalsTest.ForcedExitDoesNotHang
// OnAClosedOrFullStderr), SIGINT inherited as ignored (RuntimeSignalsTest.
// InheritedIgnoredSigint*), Start() from a program that already has threads
// (RuntimeStartTest.RefusesWhenOtherThreadsExistAndSaysHowMany).

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/child_process.h"

namespace graceful {
namespace {

using ::graceful::testing::ChildOptions;
using ::graceful::testing::ChildProcess;
using ::graceful::testing::DescribeStatus;
using ::testing::HasSubstr;

constexpr absl::Duration kWatchdog = absl::Seconds(60);

std::unique_ptr<ChildProcess> StartHelper(std::vector<std::string> flags,
                                          ChildOptions options = {}) {
  flags.insert(flags.begin(), "tests/stress_helper");
  auto child = std::make_unique<ChildProcess>(std::move(flags), options);
  EXPECT_TRUE(child->WaitForOutput("READY"))
      << "stdout: " << child->out() << "\nstderr: " << child->err();
  return child;
}

bool KilledBy(int status, int signo) {
  return WIFSIGNALED(status) && WTERMSIG(status) == signo;
}

#define DESCRIBE(child, status)                                        \
  DescribeStatus(status) << "\nstdout:\n"                              \
                         << (child)->out() << "\nstderr:\n"            \
                         << (child)->err()

// nohup ignores SIGHUP; a shell ignores SIGINT in background jobs. Both
// stay ignored (not stop signals, not killing), SIGTERM still stops.
TEST(EnvironmentTest, UnderNohupSighupAndSigintStayIgnoredAndSigtermStops) {
  ChildOptions options;
  options.ignored_signals = {SIGHUP, SIGINT};
  auto child = StartHelper({"--workers=2", "--hooks=h"}, options);
  // Pending standard signals are taken lowest number first: SIGHUP (1) and
  // SIGINT (2) are handled before SIGTERM (15).
  child->Signal(SIGHUP);
  child->Signal(SIGINT);
  child->Signal(SIGTERM);
  const int status = child->WaitStatus(kWatchdog);
  ASSERT_TRUE(KilledBy(status, SIGTERM)) << DESCRIBE(child, status);
  EXPECT_THAT(child->out(), HasSubstr("REPORT cause=signal signal=15"));
  EXPECT_THAT(child->out(), HasSubstr("extra=0"));
  EXPECT_THAT(child->out(), HasSubstr("HOOK h"));
}

// An application that registers a callback for a signal it inherited as
// ignored gets the callback, as it would with its own sigaction().
TEST(EnvironmentTest, InheritedIgnoredSighupWithACallbackRunsTheCallback) {
  ChildOptions options;
  options.ignored_signals = {SIGHUP};
  auto child = StartHelper({"--workers=1", "--on_hup"}, options);
  child->Signal(SIGHUP);
  ASSERT_TRUE(child->WaitForOutput(absl::StrCat("HUP from ", getpid())))
      << child->out();
  child->Signal(SIGTERM);
  const int status = child->WaitStatus(kWatchdog);
  EXPECT_TRUE(KilledBy(status, SIGTERM)) << DESCRIBE(child, status);
}

// A parent that leaves SIGTERM blocked in its children (a classic bug the
// runtime's own children avoid) does not stop the runtime from getting it.
TEST(EnvironmentTest, StartedWithStopSignalsBlockedStillStopsOnSigterm) {
  ChildOptions options;
  options.blocked_signals = {SIGTERM, SIGINT, SIGHUP};
  auto child = StartHelper({"--workers=2", "--hooks=h"}, options);
  child->Signal(SIGTERM);
  const int status = child->WaitStatus(kWatchdog);
  ASSERT_TRUE(KilledBy(status, SIGTERM)) << DESCRIBE(child, status);
  EXPECT_THAT(child->out(), HasSubstr("REPORT cause=signal signal=15"));
  EXPECT_THAT(child->out(), HasSubstr("HOOK h"));
}

// A SIGTERM that arrived while it was blocked, before Start(), is received
// once the runtime starts: sent to the process (kill(2)), or to the thread
// that then calls Start() (raise(); regression test: it used to stay
// pending on that thread, where the signal thread's signalfd never sees it).
class PendingBeforeStartTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PendingBeforeStartTest, StopSignalPendingBeforeStartIsNotLost) {
  // The stop begins as soon as the runtime starts, before the helper adds
  // hooks or workers; its StopCallback, registered after the stop, runs at
  // once in its constructor.
  auto child = std::make_unique<ChildProcess>(std::vector<std::string>{
      "tests/stress_helper",
      absl::StrCat("--pending_before_start=", GetParam())});
  const int status = child->WaitStatus(kWatchdog);
  ASSERT_TRUE(KilledBy(status, SIGTERM)) << DESCRIBE(child, status);
  EXPECT_THAT(child->out(),
              HasSubstr(absl::StrCat("REPORT cause=signal signal=15 "
                                     "sender_pid=",
                                     child->pid(), " extra=0")));
  EXPECT_THAT(child->out(), HasSubstr("stop_callbacks=1"));
}

INSTANTIATE_TEST_SUITE_P(ToProcessAndToThread, PendingBeforeStartTest,
                         ::testing::Values("kill", "raise"));

// stderr is a pipe whose reader is gone (`prog 2>&1 | head`, a log
// collector that died): every write to it fails with EPIPE and raises
// SIGPIPE in the writing thread. The runtime writes event lines to stderr
// from its signal thread, whose signalfd sees that thread's own signals: the
// SIGPIPE must be taken for the write error it is, not for a signal that
// kills. (Regression tests: the process used to die of SIGPIPE in the middle
// of the stop, no hook run; and, where SCHED_FIFO is refused, right at
// start, from the signal thread's one-line warning.)
TEST(BrokenStderrTest, BrokenStderrPipeDoesNotTurnAStopIntoDeathBySigpipe) {
  ChildOptions options;
  options.stderr_mode = ChildOptions::Stderr::kBrokenPipe;
  auto child = StartHelper({"--workers=2", "--hooks=flush"}, options);
  child->Signal(SIGTERM);
  const int status = child->WaitStatus(kWatchdog);
  ASSERT_TRUE(KilledBy(status, SIGTERM)) << DESCRIBE(child, status);
  EXPECT_THAT(child->out(), HasSubstr("HOOK flush"));
  EXPECT_THAT(child->out(), HasSubstr("REPORT cause=signal signal=15"));
}

TEST(BrokenStderrTest, BrokenStderrPipeAtStartDoesNotKillTheProcess) {
  ChildOptions options;
  options.stderr_mode = ChildOptions::Stderr::kBrokenPipe;
  // No event lines: the only write to stderr before the stop is the
  // start-up warning, where SCHED_FIFO is refused (Bazel's sandbox).
  auto child = StartHelper({"--workers=2", "--hooks=flush", "--on_hup",
                            "--signal_priority=realtime", "--quiet_events"},
                           options);
  // A SIGHUP answered proves the process outlived its start-up.
  child->Signal(SIGHUP);
  ASSERT_TRUE(child->WaitForOutput("HUP from")) << child->out();
  child->Signal(SIGTERM);
  const int status = child->WaitStatus(kWatchdog);
  ASSERT_TRUE(KilledBy(status, SIGTERM)) << DESCRIBE(child, status);
  EXPECT_THAT(child->out(), HasSubstr("HOOK flush"));
}

// The forced exit writes its report to a stderr whose reader is gone and
// exits 124. (Closed and full stderr: RuntimeSignalsTest.ForcedExitDoesNot
// HangOnAClosedOrFullStderr.)
TEST(BrokenStderrTest, ForcedExitWithABrokenStderrPipeStillExits124) {
  ChildOptions options;
  options.stderr_mode = ChildOptions::Stderr::kBrokenPipe;
  auto child = StartHelper({"--stubborn=1", "--grace_ms=300"}, options);
  child->Signal(SIGTERM);
  const int status = child->WaitStatus(kWatchdog);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 124)
      << DESCRIBE(child, status);
}

// The pid of a child of `parent`, from /proc; 0 if none appears in time.
pid_t ChildOf(pid_t parent) {
  const absl::Time give_up = absl::Now() + kWatchdog;
  while (absl::Now() < give_up) {
    DIR* proc = opendir("/proc");
    if (proc == nullptr) return 0;
    pid_t found = 0;
    while (const dirent* entry = readdir(proc)) {
      pid_t pid = 0;
      if (!absl::SimpleAtoi(entry->d_name, &pid)) continue;
      std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
      std::string text((std::istreambuf_iterator<char>(stat)),
                       std::istreambuf_iterator<char>());
      // "pid (comm) state ppid ...": comm may hold spaces; parse after ')'.
      const size_t close = text.rfind(')');
      if (close == std::string::npos) continue;
      std::istringstream rest(text.substr(close + 1));
      std::string state;
      pid_t ppid = 0;
      rest >> state >> ppid;
      if (ppid == parent) {
        found = pid;
        break;
      }
    }
    closedir(proc);
    if (found != 0) return found;
    usleep(10'000);
  }
  return 0;
}

// As PID 1 of a new PID namespace (a container's init), the kernel drops
// signals whose action is the default; the runtime's blocked and received
// stop signals still arrive from outside and stop the process gracefully.
// Dying of the signal is impossible for PID 1 (the kernel drops its own
// re-raise too), so ExitProcess() falls back to exit(128 + N). With
// --mount-proc the namespace has its own /proc; without it, /proc shows the
// parent namespace's ids (regression test: Start() used to take its own
// thread for another one there, and refused to start).
struct PidNamespaceCase {
  int signo;
  bool mount_proc;
};

class PidNamespaceTest : public ::testing::TestWithParam<PidNamespaceCase> {};

TEST_P(PidNamespaceTest, Pid1OfANewPidNamespaceStopsGracefully) {
  const int signo = GetParam().signo;
  if (access("/usr/bin/unshare", X_OK) != 0) {
    GTEST_SKIP() << "skipped: /usr/bin/unshare is not installed";
  }
  std::vector<std::string> argv = {"/usr/bin/unshare", "--pid", "--fork"};
  if (GetParam().mount_proc) argv.push_back("--mount-proc");
  argv.insert(argv.end(), {"tests/stress_helper", "--workers=2", "--hooks=h"});
  auto unshare = std::make_unique<ChildProcess>(argv);
  if (!unshare->WaitForOutput("READY", kWatchdog)) {
    const int status = unshare->WaitStatus(kWatchdog);
    if (unshare->out().empty() &&
        unshare->err().find("unshare") != std::string::npos) {
      GTEST_SKIP() << "skipped: this machine does not allow a new PID "
                      "namespace here ("
                   << DescribeStatus(status) << "): " << unshare->err();
    }
    FAIL() << DESCRIBE(unshare, status);
  }
  EXPECT_THAT(unshare->out(), HasSubstr("READY pid=1"));
  // unshare --fork waits for its child and ignores SIGINT/SIGTERM itself:
  // signal the helper, PID 1 inside, by its pid outside.
  const pid_t helper = ChildOf(unshare->pid());
  ASSERT_GT(helper, 0) << "cannot find unshare's child";
  ASSERT_EQ(kill(helper, signo), 0);
  const int status = unshare->WaitStatus(kWatchdog);
  // unshare exits with its child's status, or dies of its child's signal.
  EXPECT_TRUE((WIFEXITED(status) && WEXITSTATUS(status) == 128 + signo) ||
              KilledBy(status, signo))
      << DESCRIBE(unshare, status);
  // Sent from outside the namespace: the sender has no pid inside it.
  EXPECT_THAT(unshare->out(),
              HasSubstr(absl::StrCat("REPORT cause=signal signal=", signo,
                                     " sender_pid=0")));
  EXPECT_THAT(unshare->out(), HasSubstr("finished=2"));
  EXPECT_THAT(unshare->out(), HasSubstr("HOOK h"));
  printf("PID 1 (%s) stopped by SIG%s: unshare %s\n",
         GetParam().mount_proc ? "own /proc" : "parent's /proc",
         sigabbrev_np(signo), DescribeStatus(status).c_str());
}

INSTANTIATE_TEST_SUITE_P(
    StopSignalsAndProcMounts, PidNamespaceTest,
    ::testing::Values(PidNamespaceCase{SIGTERM, true},
                      PidNamespaceCase{SIGINT, true},
                      PidNamespaceCase{SIGTERM, false}),
    [](const ::testing::TestParamInfo<PidNamespaceCase>& info) {
      return absl::StrCat(sigabbrev_np(info.param.signo),
                          info.param.mount_proc ? "_OwnProc"
                                                : "_ParentsProc");
    });

}  // namespace
}  // namespace graceful
