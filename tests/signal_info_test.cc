// Copyright 2026 The graceful Authors.
//
// End-to-end tests of what OnSignal callbacks receive, with tests/
// correctness_helper.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "tests/child_process.h"

namespace graceful {
namespace {

using ::graceful::testing::ChildOptions;
using ::graceful::testing::ChildProcess;
using ::graceful::testing::CountOf;
using ::graceful::testing::DescribeStatus;

// Whether `signo` is pending for the whole process `pid` (its ShdPnd mask):
// queued and not yet read by the signal thread.
bool PendingForProcess(pid_t pid, int signo) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  for (std::string line; std::getline(status, line);) {
    absl::string_view mask = line;
    if (!absl::ConsumePrefix(&mask, "ShdPnd:")) continue;
    uint64_t bits = 0;
    return absl::SimpleHexAtoi(absl::StripAsciiWhitespace(mask), &bits) &&
           (bits >> (signo - 1)) & 1;
  }
  return false;
}

// Issue 8: each queued real-time signal reaches its OnSignal callback once,
// in order, with its own value, even while the callback thread is busy.
TEST(SignalInfoTest, QueuedRealTimeSignalsEachRunTheCallbackInOrder) {
  ChildOptions options;
  options.stdin_pipe = true;
  auto child = std::make_unique<ChildProcess>(
      std::vector<std::string>{"tests/correctness_helper", "--mode=rt_queue"},
      options);
  ASSERT_TRUE(child->WaitForOutput("READY")) << child->out();
  child->Signal(SIGUSR1);
  ASSERT_TRUE(child->WaitForOutput("USR1 BLOCKING")) << child->out();
  for (int i = 0; i < 10; ++i) {
    sigval value;
    value.sival_int = i;
    ASSERT_EQ(sigqueue(child->pid(), SIGRTMIN + 1, value), 0);
  }
  // All ten reached the runtime while its callback thread was busy.
  for (int waited_ms = 0;
       PendingForProcess(child->pid(), SIGRTMIN + 1) && waited_ms < 30'000;
       ++waited_ms) {
    usleep(1000);
  }
  child->WriteStdin("go\n");
  ASSERT_TRUE(child->WaitForOutput("RT 9")) << child->out();
  child->Signal(SIGTERM);
  const int status = child->WaitStatus();
  EXPECT_KILLED_BY(status, SIGTERM);
  const std::string& out = child->out();
  size_t previous = 0;
  for (int i = 0; i < 10; ++i) {
    const std::string line = absl::StrCat("RT ", i, "\n");
    EXPECT_EQ(CountOf(out, line), 1u) << line << "in:\n" << out;
    const size_t at = out.find(line);
    if (at == std::string::npos) continue;
    EXPECT_GE(at, previous) << line << "out of order in:\n" << out;
    previous = at;
  }
}

// The helper's normalized "SIG..." lines.
std::string SignalLines(const std::string& out) {
  std::string lines;
  size_t at = 0;
  for (size_t end; (end = out.find('\n', at)) != std::string::npos;
       at = end + 1) {
    if (out.compare(at, 3, "SIG") == 0) lines += out.substr(at, end - at + 1);
  }
  return lines;
}

std::string RunSignalInfo(const std::string& extra_flag) {
  std::vector<std::string> argv = {"tests/correctness_helper",
                                   "--mode=siginfo"};
  if (!extra_flag.empty()) argv.push_back(extra_flag);
  ChildProcess child(argv);
  const int status = child.WaitStatus(absl::Seconds(30));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << DescribeStatus(status) << "\n"
      << child.out() << child.err();
  return SignalLines(child.out());
}

// Issue 9: a callback's siginfo_t carries every field the kernel reported
// for the signal and its si_code, as sigwaitinfo() returns them: SIGCHLD's
// status, pid and CPU times; a POSIX timer's id, overrun and value;
// sigqueue()'s sender and value; SIGIO's band and fd.
TEST(SignalInfoTest, CallbacksSeeTheSameFieldsAsSigwaitinfo) {
  const std::string baseline = RunSignalInfo("--baseline");
  ASSERT_EQ(CountOf(baseline, "\n"), 4u) << baseline;
  ASSERT_NE(baseline.find("status=7"), std::string::npos) << baseline;
  ASSERT_NE(baseline.find("utime_positive=1"), std::string::npos) << baseline;
  EXPECT_EQ(RunSignalInfo(""), baseline);
}

}  // namespace
}  // namespace graceful
