// Copyright 2026 The graceful Authors.
//
// stopwatch measuring graceful's own batch worker (examples/batch_worker):
// stopped by SIGTERM in the middle of a long job, every run must be clean.
// The worker exits 75 ("stopped early, run me again") once its runtime is
// up; a SIGTERM that beats Runtime::Start() on a slow machine kills it at
// once, which is clean too. Nothing about its speed is asserted.

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tools/stopwatch_testing.h"

namespace graceful {
namespace stopwatch {
namespace {

using ::graceful::stopwatch::testing::RunStopwatch;
using ::graceful::stopwatch::testing::StopwatchResult;
using ::graceful::stopwatch::testing::TempPath;

TEST(StopwatchBatchWorkerTest, EveryStopOfALongJobIsClean) {
  const StopwatchResult result = RunStopwatch(
      {"--runs=3", "--warmup=300ms", "--grace=30s", "--",
       "examples/batch_worker", "--items=10000000", "--workers=2",
       "--work_us=100", absl::StrCat("--output=", TempPath("batch.out"))});
  ASSERT_TRUE(result.json.ok()) << result.json.status() << result.Describe();
  EXPECT_TRUE(result.ExitedWith(0)) << result.Describe();
  const nlohmann::json& doc = *result.json;
  EXPECT_EQ(doc.at("summary").at("clean"), 3) << result.Describe();
  for (const nlohmann::json& run : doc.at("runs")) {
    EXPECT_EQ(run.at("outcome"), "clean");
    EXPECT_TRUE(run.at("status") == "exit 75" || run.at("status") == "SIGTERM")
        << run.at("status");
    EXPECT_GE(run.at("exit_ms").get<double>(), 0);
    EXPECT_EQ(run.at("leftover_processes"), 0);
  }
  EXPECT_TRUE(absl::StrContains(result.out, "3 clean, 0 forced, 0 killed"))
      << result.out;
}

}  // namespace
}  // namespace stopwatch
}  // namespace graceful
