// Copyright 2026 The graceful Authors.
//
// End-to-end tests of the runtime when the wall clock steps back an hour
// (NTP, an operator, a VM resumed). tests/correctness_helper steps
// CLOCK_REALTIME as the process sees it (its own clock_gettime()); the
// runtime's durations must not move with it.

#include <signal.h>
#include <sys/wait.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "tests/child_process.h"

namespace graceful {
namespace {

using ::graceful::testing::ChildProcess;
using ::graceful::testing::DescribeStatus;

std::unique_ptr<ChildProcess> StartHelper(std::vector<std::string> flags) {
  flags.insert(flags.begin(), "tests/correctness_helper");
  return std::make_unique<ChildProcess>(std::move(flags));
}

// Issue 15: the grace deadline is a duration from the stop: a hook that
// outlives it is cut at 5 s (exit 124), however the wall clock moved.
// (Whether the hook got to say "CLOCK STEPPED" before the cut depends on
// when Abseil resamples the clock; the other tests check the step.)
TEST(ClockStepTest, GraceDeadlineHoldsWhenTheWallClockStepsBack) {
  auto child = StartHelper({"--mode=clock_step_deadline", "--grace_ms=5000"});
  ASSERT_TRUE(child->WaitForOutput("READY")) << child->out();
  child->Signal(SIGTERM);
  const int status = child->WaitStatus(absl::Seconds(30));
  EXPECT_EXITED_WITH(status, 124);
  EXPECT_EQ(child->out().find("HOOK DONE"), std::string::npos) << child->out();
}

// Issue 15: the forced exit waits for open critical sections for at most
// critical_section_limit (5 s) of elapsed time, however the wall clock
// moved meanwhile.
TEST(ClockStepTest, CriticalSectionLimitHoldsWhenTheWallClockStepsBack) {
  auto child = StartHelper({"--mode=clock_step_critical", "--grace_ms=2000",
                            "--critical_limit_ms=5000"});
  ASSERT_TRUE(child->WaitForOutput("READY")) << child->out();
  child->Signal(SIGTERM);
  const int status = child->WaitStatus(absl::Seconds(30));
  EXPECT_EXITED_WITH(status, 124);
}

// Issue 15: StopToken::SleepFor() sleeps for its duration of elapsed time,
// however the wall clock moved during the sleep.
TEST(ClockStepTest, SleepForEndsOnTimeWhenTheWallClockStepsBack) {
  auto child = StartHelper({"--mode=clock_step_sleep"});
  const int status = child->WaitStatus(absl::Seconds(30));
  EXPECT_EXITED_WITH(status, 0);
  EXPECT_NE(child->out().find("CLOCK STEPPED"), std::string::npos)
      << child->out();
  EXPECT_NE(child->out().find("SLEPT 1"), std::string::npos) << child->out();
}

}  // namespace
}  // namespace graceful
