// Copyright 2026 The graceful Authors.
//
// End-to-end tests of the forced exit (second stop signal, or the grace
// period ran out) with tests/correctness_helper.

#include <signal.h>
#include <sys/wait.h>

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/child_process.h"

namespace graceful {
namespace {

using ::graceful::testing::ChildOptions;
using ::graceful::testing::ChildProcess;
using ::graceful::testing::DescribeStatus;

// Issue 3: the forced exit, and the event lines before it, never block on
// a stderr that is a terminal nobody reads (poll says writable, a write of
// the report would wait forever): the process exits 124 at the deadline.
TEST(ForcedExitTest, EndsAtTheDeadlineWhenStderrIsAnUnreadTerminal) {
  ChildOptions options;
  options.stderr_mode = ChildOptions::Stderr::kUnreadTerminal;
  auto child = std::make_unique<ChildProcess>(
      std::vector<std::string>{"tests/correctness_helper",
                               "--mode=terminal_full", "--grace_ms=500"},
      options);
  ASSERT_TRUE(child->WaitForOutput("FILLED")) << child->out();
  child->Signal(SIGTERM);
  const int status = child->WaitStatus(absl::Seconds(30));
  EXPECT_EXITED_WITH(status, 124);
}

// Issue 6: once the forced exit waits for open critical sections, a thread
// that holds one may still open nested ones (only new outermost sections
// park), so the outer section completes and the exit follows.
TEST(ForcedExitTest, NestedCriticalSectionOpensWhileTheExitWaitsForTheOuter) {
  auto child = std::make_unique<ChildProcess>(std::vector<std::string>{
      "tests/correctness_helper", "--mode=nested_critical", "--grace_ms=30000",
      "--critical_limit_ms=30000"});
  ASSERT_TRUE(child->WaitForOutput("READY")) << child->out();
  child->Signal(SIGTERM);
  ASSERT_TRUE(child->WaitForOutput("IN OUTER")) << child->out();
  child->SignalAgain(SIGTERM);
  const int status = child->WaitStatus(absl::Seconds(60));
  EXPECT_EXITED_WITH(status, 124);
  EXPECT_NE(child->out().find("INNER DONE"), std::string::npos) << child->out();
}

}  // namespace
}  // namespace graceful
