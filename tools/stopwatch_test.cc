// Copyright 2026 The graceful Authors.
//
// End-to-end tests of tools/stopwatch: each runs the real binary on
// tools/stop_helper, a program whose stop behaviour is known exactly, and
// checks that the JSON and the summary say what the helper did. Times are
// only checked from below (a helper that sleeps 200 ms after SIGTERM cannot
// be measured faster than that); nothing assumes how fast the machine is.
//
// With --ready=notify the helper sends READY=1 only once its signal
// handling is set up, so the stop signal never arrives too early; the tests
// that depend on the helper's handling use it.

#include <errno.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <string>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tools/stopwatch_testing.h"

namespace graceful {
namespace stopwatch {
namespace {

using ::graceful::stopwatch::testing::RunStopwatch;
using ::graceful::stopwatch::testing::StopwatchProcess;
using ::graceful::stopwatch::testing::StopwatchResult;

constexpr char kHelper[] = "tools/stop_helper";

// stopwatch flags, "--", the helper and its flags.
std::vector<std::string> Command(std::vector<std::string> stopwatch_flags,
                                 std::vector<std::string> helper_flags) {
  stopwatch_flags.push_back("--");
  stopwatch_flags.push_back(kHelper);
  stopwatch_flags.insert(stopwatch_flags.end(), helper_flags.begin(),
                         helper_flags.end());
  return stopwatch_flags;
}

// True if no process is left in process group `pgid`.
bool GroupIsGone(pid_t pgid) { return kill(-pgid, 0) != 0 && errno == ESRCH; }

#define ASSERT_JSON(result)                                         \
  ASSERT_TRUE((result).json.ok()) << (result).json.status() << "\n" \
                                  << (result).Describe()

TEST(StopwatchTest, ProgramThatDiesOfSigtermAtOnceIsClean) {
  const StopwatchResult result =
      RunStopwatch(Command({"--runs=3", "--warmup=20ms"}, {}));
  ASSERT_JSON(result);
  EXPECT_TRUE(result.ExitedWith(0)) << result.Describe();
  const nlohmann::json& doc = *result.json;
  EXPECT_EQ(doc.at("summary").at("clean"), 3) << result.Describe();
  ASSERT_EQ(doc.at("runs").size(), 3u);
  for (const nlohmann::json& run : doc.at("runs")) {
    EXPECT_EQ(run.at("outcome"), "clean");
    EXPECT_EQ(run.at("status"), "SIGTERM");
    EXPECT_GE(run.at("exit_ms").get<double>(), 0);
    EXPECT_FALSE(run.at("ready_ms").is_null());  // time to exec
    EXPECT_TRUE(run.at("stopping_ms").is_null());
    EXPECT_TRUE(GroupIsGone(run.at("pid").get<pid_t>()));
  }
  EXPECT_EQ(doc.at("summary").at("statuses").at("SIGTERM"), 3);
  EXPECT_EQ(doc.at("summary").at("exit_ms").at("count"), 3);
  EXPECT_TRUE(absl::StrContains(result.out, "3 clean, 0 forced, 0 killed"))
      << result.out;
  EXPECT_TRUE(absl::StrContains(result.out, "time to exit      p50 "))
      << result.out;
}

TEST(StopwatchTest, FixedStopDelayIsCleanAndNeverMeasuredShorter) {
  const StopwatchResult result = RunStopwatch(
      Command({"--runs=3", "--ready=notify", "--warmup=0"},
              {"--on_term=exit", "--notify", "--stop_delay=200ms"}));
  ASSERT_JSON(result);
  EXPECT_TRUE(result.ExitedWith(0)) << result.Describe();
  const nlohmann::json& doc = *result.json;
  ASSERT_EQ(doc.at("runs").size(), 3u);
  for (const nlohmann::json& run : doc.at("runs")) {
    EXPECT_EQ(run.at("outcome"), "clean");
    EXPECT_EQ(run.at("status"), "exit 0");
    EXPECT_GE(run.at("exit_ms").get<double>(), 200) << result.Describe();
  }
  EXPECT_GE(doc.at("summary").at("exit_ms").at("min").get<double>(), 200);
  EXPECT_GE(doc.at("summary").at("exit_ms").at("p50").get<double>(),
            doc.at("summary").at("exit_ms").at("min").get<double>());
  EXPECT_GE(doc.at("summary").at("exit_ms").at("max").get<double>(),
            doc.at("summary").at("exit_ms").at("p99").get<double>());
}

TEST(StopwatchTest, ProgramIgnoringSigtermIsKilledAtTheGraceDeadline) {
  const StopwatchResult result = RunStopwatch(
      Command({"--runs=2", "--ready=notify", "--warmup=0", "--grace=300ms"},
              {"--on_term=ignore", "--notify"}));
  ASSERT_JSON(result);
  EXPECT_TRUE(result.ExitedWith(1)) << result.Describe();
  const nlohmann::json& doc = *result.json;
  EXPECT_EQ(doc.at("summary").at("killed"), 2) << result.Describe();
  EXPECT_EQ(doc.at("summary").at("clean"), 0);
  for (const nlohmann::json& run : doc.at("runs")) {
    EXPECT_EQ(run.at("outcome"), "killed");
    EXPECT_EQ(run.at("killed"), true);
    EXPECT_EQ(run.at("status"), "SIGKILL");
    EXPECT_GE(run.at("exit_ms").get<double>(), 300);
    EXPECT_TRUE(GroupIsGone(run.at("pid").get<pid_t>()));
  }
  EXPECT_TRUE(absl::StrContains(result.out, "0 clean, 0 forced, 2 killed"))
      << result.out;
  EXPECT_TRUE(absl::StrContains(result.out, "run 1 killed")) << result.out;
}

TEST(StopwatchTest, NotifyTimesReadyAndStoppingBeforeTheExit) {
  const StopwatchResult result = RunStopwatch(Command(
      {"--runs=3", "--ready=notify", "--warmup=10ms"},
      {"--on_term=exit", "--notify", "--stop_delay=100ms", "--exit_code=75"}));
  ASSERT_JSON(result);
  EXPECT_TRUE(result.ExitedWith(0)) << result.Describe();
  const nlohmann::json& doc = *result.json;
  EXPECT_EQ(doc.at("settings").at("ready"), "notify");
  ASSERT_EQ(doc.at("runs").size(), 3u);
  for (const nlohmann::json& run : doc.at("runs")) {
    EXPECT_EQ(run.at("outcome"), "clean");
    EXPECT_EQ(run.at("exit_code"), 75);
    ASSERT_FALSE(run.at("ready_ms").is_null()) << result.Describe();
    ASSERT_FALSE(run.at("stopping_ms").is_null()) << result.Describe();
    EXPECT_GE(run.at("stopping_ms").get<double>(), 0);
    EXPECT_LE(run.at("stopping_ms").get<double>(),
              run.at("exit_ms").get<double>());
    EXPECT_GE(run.at("exit_ms").get<double>(), 100);
  }
  EXPECT_EQ(doc.at("summary").at("stopping_ms").at("count"), 3);
  EXPECT_TRUE(absl::StrContains(result.out, "time to STOPPING")) << result.out;
  EXPECT_TRUE(absl::StrContains(result.out, "time to READY")) << result.out;
}

TEST(StopwatchTest, ExitCodeIsCleanForcedOrFailedAsConfigured) {
  const std::vector<std::string> notify = {"--ready=notify", "--warmup=0",
                                           "--runs=1"};
  struct Case {
    std::vector<std::string> extra_flags;
    int exit_code;
    const char* outcome;
  };
  for (const Case& c : std::vector<Case>{{{}, 75, "clean"},
                                         {{}, 143, "clean"},  // 128 + SIGTERM
                                         {{}, 124, "forced"},
                                         {{}, 3, "failed"},
                                         {{"--clean_codes=3"}, 3, "clean"},
                                         {{"--forced_code=3"}, 3, "forced"},
                                         {{"--clean_codes="}, 0, "failed"}}) {
    std::vector<std::string> flags = notify;
    flags.insert(flags.end(), c.extra_flags.begin(), c.extra_flags.end());
    const StopwatchResult result = RunStopwatch(
        Command(flags, {"--on_term=exit", "--notify",
                        absl::StrCat("--exit_code=", c.exit_code)}));
    ASSERT_JSON(result);
    const nlohmann::json& run = result.json->at("runs").at(0);
    EXPECT_EQ(run.at("outcome"), c.outcome) << "exit " << c.exit_code << "\n"
                                            << result.Describe();
    EXPECT_EQ(run.at("exit_code"), c.exit_code);
    EXPECT_TRUE(result.ExitedWith(std::string(c.outcome) == "clean" ? 0 : 1))
        << result.Describe();
  }
}

TEST(StopwatchTest, ProgramEndingBeforeTheStopSignalFails) {
  const StopwatchResult result =
      RunStopwatch(Command({"--runs=2", "--warmup=30s"}, {"--exit_after=0s"}));
  ASSERT_JSON(result);
  EXPECT_TRUE(result.ExitedWith(1)) << result.Describe();
  const nlohmann::json& doc = *result.json;
  EXPECT_EQ(doc.at("summary").at("failed"), 2);
  for (const nlohmann::json& run : doc.at("runs")) {
    EXPECT_EQ(run.at("outcome"), "failed");
    EXPECT_TRUE(run.at("exit_ms").is_null());
    EXPECT_TRUE(
        absl::StrContains(run.at("reason").get<std::string>(), "warm-up"))
        << run.at("reason");
  }
  EXPECT_TRUE(doc.at("summary").at("exit_ms").is_null());
}

TEST(StopwatchTest, ProgramThatNeverSendsReadyFailsAndIsKilled) {
  const StopwatchResult result = RunStopwatch(
      Command({"--runs=1", "--ready=notify", "--ready_timeout=200ms"}, {}));
  ASSERT_JSON(result);
  EXPECT_TRUE(result.ExitedWith(1)) << result.Describe();
  const nlohmann::json& run = result.json->at("runs").at(0);
  EXPECT_EQ(run.at("outcome"), "failed");
  EXPECT_TRUE(absl::StrContains(run.at("reason").get<std::string>(), "READY=1"))
      << run.at("reason");
  EXPECT_EQ(run.at("status"), "SIGKILL");
  EXPECT_TRUE(GroupIsGone(run.at("pid").get<pid_t>()));
}

TEST(StopwatchTest, ProcessesLeftInTheGroupAreCountedKilledAndReaped) {
  const StopwatchResult result =
      RunStopwatch(Command({"--runs=2", "--ready=notify", "--warmup=0"},
                           {"--notify", "--children=2"}));
  ASSERT_JSON(result);
  EXPECT_TRUE(result.ExitedWith(0)) << result.Describe();
  for (const nlohmann::json& run : result.json->at("runs")) {
    EXPECT_EQ(run.at("outcome"), "clean");  // the program itself was
    EXPECT_EQ(run.at("leftover_processes"), 2) << result.Describe();
    EXPECT_TRUE(GroupIsGone(run.at("pid").get<pid_t>()));
  }
  EXPECT_TRUE(absl::StrContains(result.out, "left processes")) << result.out;
}

TEST(StopwatchTest, KillModeGroupSignalsTheWholeGroup) {
  const StopwatchResult result = RunStopwatch(
      Command({"--runs=1", "--ready=notify", "--warmup=0", "--kill_mode=group"},
              {"--notify", "--children=2"}));
  ASSERT_JSON(result);
  EXPECT_TRUE(result.ExitedWith(0)) << result.Describe();
  const nlohmann::json& run = result.json->at("runs").at(0);
  EXPECT_EQ(run.at("outcome"), "clean");
  // The children died of the SIGTERM too, not of the final SIGKILL.
  EXPECT_EQ(run.at("leftover_processes"), 0) << result.Describe();
  EXPECT_TRUE(GroupIsGone(run.at("pid").get<pid_t>()));
}

TEST(StopwatchTest, LogsAreKeptOnRequestAndShownForRunsNotClean) {
  const std::string logs = testing::TempPath("logs");
  const StopwatchResult result = RunStopwatch(
      Command({"--runs=1", "--ready=notify", absl::StrCat("--logs=", logs)},
              {"--bad_flag"}));
  ASSERT_JSON(result);
  const nlohmann::json& run = result.json->at("runs").at(0);
  EXPECT_EQ(run.at("log"), logs + "/run-1.log");
  // The helper rejects the flag on stderr and exits 2 before READY=1.
  EXPECT_EQ(run.at("outcome"), "failed") << result.Describe();
  EXPECT_TRUE(absl::StrContains(run.at("reason").get<std::string>(),
                                "before sending READY"))
      << run.at("reason");
  EXPECT_TRUE(absl::StrContains(result.out, "bad argument '--bad_flag'"))
      << result.out;
}

// SIGTERM or SIGINT to stopwatch while the program runs: stopwatch kills
// and reaps the program's whole process group, writes what it has, and
// dies of the same signal.
class StopwatchInterruptTest
    : public ::testing::TestWithParam<std::tuple<int, const char*>> {};

TEST_P(StopwatchInterruptTest, LeavesNoProcessBehind) {
  const auto [signo, phase] = GetParam();
  const std::string json = testing::TempPath("interrupted.json");
  // Only SIGKILL to the group ends the helper and its two children in time:
  // "warmup" interrupts before the stop signal (a helper that ignores it),
  // "stopping" after (a helper that takes 10 minutes to stop, and says
  // STOPPING=1 when it starts to).
  const bool during_warmup = std::string(phase) == "warmup";
  StopwatchProcess stopwatch(
      Command({"--runs=3", "--verbose", "--ready=notify",
               during_warmup ? "--warmup=10m" : "--warmup=0", "--grace=10m",
               absl::StrCat("--json=", json)},
              {during_warmup ? "--on_term=ignore" : "--on_term=exit",
               "--stop_delay=10m", "--notify", "--children=2"}));
  ASSERT_TRUE(stopwatch.WaitForStderr(during_warmup ? "READY=1" : "STOPPING=1"))
      << stopwatch.err();
  const std::string& err = stopwatch.err();
  const size_t at = err.find("process group ");
  ASSERT_NE(at, std::string::npos) << err;
  pid_t pgid = 0;
  ASSERT_TRUE(absl::SimpleAtoi(
      absl::string_view(err).substr(at + 14, err.find(')', at) - at - 14),
      &pgid))
      << err;
  ASSERT_EQ(kill(-pgid, 0), 0) << "the program's group should exist now";

  kill(stopwatch.pid(), signo);
  const int status = stopwatch.Wait();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == signo)
      << "status " << status << "\n"
      << stopwatch.out() << stopwatch.err();
  EXPECT_TRUE(GroupIsGone(pgid)) << "process group " << pgid << " survived";
  EXPECT_TRUE(absl::StrContains(stopwatch.out(), "interrupted after 0 of 3"))
      << stopwatch.out();
  // What it had, it wrote.
  absl::StatusOr<nlohmann::json> doc = testing::ReadJsonFile(json);
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->at("summary").at("interrupted"), true);
  EXPECT_EQ(doc->at("summary").at("runs_completed"), 0);
  ASSERT_EQ(doc->at("runs").size(), 1u);
  EXPECT_EQ(doc->at("runs").at(0).at("outcome"), "interrupted");
  EXPECT_EQ(doc->at("runs").at(0).at("pid"), pgid);
}

INSTANTIATE_TEST_SUITE_P(SignalsAndPhases, StopwatchInterruptTest,
                         ::testing::Combine(::testing::Values(SIGTERM, SIGINT),
                                            ::testing::Values("warmup",
                                                              "stopping")),
                         [](const auto& info) {
                           return absl::StrCat(
                               std::get<0>(info.param) == SIGTERM ? "Sigterm"
                                                                  : "Sigint",
                               "During", std::get<1>(info.param));
                         });

TEST(StopwatchUsageTest, BadInvocationsExitTwoWithTheFix) {
  struct Case {
    std::vector<std::string> args;
    const char* message;
  };
  for (const Case& c : std::vector<Case>{
           {{"--runs=3", kHelper}, "put the program after '--'"},
           {{"--runs=3", "--"}, "no program to measure"},
           {{"--signal=FOO", "--", kHelper}, "unknown signal 'FOO'"},
           {{"--runs=0", "--", kHelper}, "need at least 1 run"},
           {{"--grace=0s", "--", kHelper}, "must be positive"},
           {{"--ready=later", "--", kHelper}, "'start' or 'notify'"},
           {{"--kill_mode=tree", "--", kHelper}, "'process' or 'group'"},
           {{"--clean_codes=0,124", "--", kHelper}, "both forced"},
           {{"--frobnicate", "--", kHelper}, "unknown flag --frobnicate"},
           {{"--", "no_such_program_here"}, "cannot find no_such_program"},
           {{"--", "./tools/no_such_file"}, "No such file"}}) {
    StopwatchProcess stopwatch(c.args);
    const int status = stopwatch.Wait();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2)
        << c.message << ": status " << status << "\n"
        << stopwatch.err();
    EXPECT_TRUE(absl::StrContains(stopwatch.err(), c.message))
        << "expected '" << c.message << "' in:\n"
        << stopwatch.err();
  }
}

TEST(StopwatchUsageTest, HelpDescribesEveryFlag) {
  StopwatchProcess stopwatch({"--help"});
  const int status = stopwatch.Wait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  for (const char* flag :
       {"--runs", "--signal", "--grace", "--warmup", "--ready",
        "--ready_timeout", "--kill_mode", "--clean_codes", "--forced_code",
        "--json", "--logs", "--verbose"}) {
    EXPECT_TRUE(absl::StrContains(stopwatch.out(), flag)) << flag;
  }
}

}  // namespace
}  // namespace stopwatch
}  // namespace graceful
