// Copyright 2026 The graceful Authors.
//
// Unit tests of stopwatch's pure parts: signal and exit-code parsing, the
// classification rule, percentiles, the summary and the JSON (parsed strictly
// by nlohmann::json).

#include "tools/stopwatch_report.h"

#include <signal.h>
#include <sys/wait.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace graceful {
namespace stopwatch {
namespace {

TEST(ParseSignalTest, AcceptsNamesWithOrWithoutSigAndNumbers) {
  for (const char* text : {"TERM", "SIGTERM", "term", "SigTerm", "15"}) {
    absl::StatusOr<int> signo = ParseSignal(text);
    ASSERT_TRUE(signo.ok()) << text << ": " << signo.status();
    EXPECT_EQ(*signo, SIGTERM) << text;
  }
  EXPECT_EQ(*ParseSignal("INT"), SIGINT);
  EXPECT_EQ(*ParseSignal("SIGHUP"), SIGHUP);
  EXPECT_EQ(*ParseSignal("KILL"), SIGKILL);
  EXPECT_EQ(*ParseSignal("USR1"), SIGUSR1);
  EXPECT_EQ(*ParseSignal("RTMIN"), SIGRTMIN);
  EXPECT_EQ(*ParseSignal("SIGRTMIN+2"), SIGRTMIN + 2);
  EXPECT_EQ(*ParseSignal("RTMAX-1"), SIGRTMAX - 1);
}

TEST(ParseSignalTest, RejectsUnknownNamesAndNumbersOutOfRange) {
  for (const char* text : {"", "FOO", "SIG", "0", "-15", "65", "99999",
                           "RTMIN+999", "RTMIN-1", "TERM2"}) {
    absl::StatusOr<int> signo = ParseSignal(text);
    EXPECT_FALSE(signo.ok()) << text << " parsed as " << *signo;
    if (!signo.ok()) {
      EXPECT_TRUE(absl::StrContains(signo.status().message(), "such as TERM"))
          << signo.status();
    }
  }
}

TEST(SignalNameTest, NamesStandardAndRealtimeSignals) {
  EXPECT_EQ(SignalName(SIGTERM), "SIGTERM");
  EXPECT_EQ(SignalName(SIGKILL), "SIGKILL");
  EXPECT_EQ(SignalName(SIGRTMIN), "SIGRTMIN");
  EXPECT_EQ(SignalName(SIGRTMIN + 3), "SIGRTMIN+3");
  EXPECT_EQ(SignalName(0), "signal 0");
}

TEST(ParseExitCodesTest, ParsesCommaSeparatedCodes) {
  EXPECT_EQ(*ParseExitCodes("0,75"), (std::vector<int>{0, 75}));
  EXPECT_EQ(*ParseExitCodes(" 3 , 4 "), (std::vector<int>{3, 4}));
  EXPECT_EQ(*ParseExitCodes(""), std::vector<int>{});
  for (const char* text : {"x", "256", "-1", "0,,1", "1;2"}) {
    EXPECT_FALSE(ParseExitCodes(text).ok()) << text;
  }
}

TEST(ExitStatusTest, DecodesWaitStatuses) {
  const ExitStatus exited = ExitStatus::FromWaitStatus(W_EXITCODE(75, 0));
  EXPECT_TRUE(exited.exited);
  EXPECT_EQ(exited.code, 75);
  EXPECT_EQ(exited.ToString(), "exit 75");
  const ExitStatus killed = ExitStatus::FromWaitStatus(W_EXITCODE(0, SIGTERM));
  EXPECT_FALSE(killed.exited);
  EXPECT_EQ(killed.signal, SIGTERM);
  EXPECT_EQ(killed.ToString(), "SIGTERM");
}

// A run that was sent the stop signal and ended with `status`.
RunRecord Ended(ExitStatus status) {
  RunRecord run;
  run.index = 1;
  run.signaled = true;
  run.exit = absl::Milliseconds(5);
  run.status = status;
  return run;
}

ExitStatus Code(int code) { return {.exited = true, .code = code}; }
ExitStatus Signal(int signo) { return {.exited = false, .signal = signo}; }

struct ClassifyCase {
  const char* name;
  RunRecord run;
  Outcome expected;
};

class ClassifierTest : public ::testing::TestWithParam<ClassifyCase> {};

TEST_P(ClassifierTest, FollowsTheDocumentedRule) {
  const Classifier classifier;  // SIGTERM; clean 0, 75; forced 124
  EXPECT_EQ(OutcomeName(classifier.Classify(GetParam().run)),
            std::string(OutcomeName(GetParam().expected)));
  EXPECT_EQ(classifier.Explain(GetParam().run).empty(),
            GetParam().expected == Outcome::kClean);
}

RunRecord KilledRun() {
  RunRecord run = Ended(Signal(SIGKILL));
  run.killed = true;
  return run;
}

RunRecord FailedToStart() {
  RunRecord run;
  run.error = "cannot execute ./x: Permission denied";
  return run;
}

RunRecord NotSignaled() {
  RunRecord run;
  run.status = Code(0);  // exited during the warm-up
  run.error = "ended (exit 0) during the 1s warm-up";
  return run;
}

RunRecord Interrupted() {
  RunRecord run = Ended(Signal(SIGKILL));
  run.interrupted = true;
  return run;
}

INSTANTIATE_TEST_SUITE_P(
    Outcomes, ClassifierTest,
    ::testing::Values(
        ClassifyCase{"DiedOfTheStopSignal", Ended(Signal(SIGTERM)),
                     Outcome::kClean},
        ClassifyCase{"Exit128PlusSignal", Ended(Code(143)), Outcome::kClean},
        ClassifyCase{"ExitZero", Ended(Code(0)), Outcome::kClean},
        ClassifyCase{"ExitTempfail", Ended(Code(75)), Outcome::kClean},
        ClassifyCase{"ForcedExit", Ended(Code(124)), Outcome::kForced},
        ClassifyCase{"OtherExitCode", Ended(Code(3)), Outcome::kFailed},
        ClassifyCase{"Exit130IsNotForTerm", Ended(Code(130)), Outcome::kFailed},
        ClassifyCase{"DiedOfAnotherSignal", Ended(Signal(SIGSEGV)),
                     Outcome::kFailed},
        ClassifyCase{"SigkillNotSentByUs", Ended(Signal(SIGKILL)),
                     Outcome::kFailed},
        ClassifyCase{"KilledAtTheDeadline", KilledRun(), Outcome::kKilled},
        ClassifyCase{"FailedToStart", FailedToStart(), Outcome::kFailed},
        ClassifyCase{"EndedBeforeTheSignal", NotSignaled(), Outcome::kFailed},
        ClassifyCase{"Interrupted", Interrupted(), Outcome::kInterrupted}),
    [](const ::testing::TestParamInfo<ClassifyCase>& info) {
      return info.param.name;
    });

TEST(ClassifierTest, CleanAndForcedCodesAreConfigurable) {
  Classifier classifier;
  classifier.stop_signal = SIGINT;
  classifier.clean_codes = {3};
  classifier.forced_code = 9;
  EXPECT_EQ(classifier.Classify(Ended(Code(3))), Outcome::kClean);
  EXPECT_EQ(classifier.Classify(Ended(Code(130))), Outcome::kClean);
  EXPECT_EQ(classifier.Classify(Ended(Code(0))), Outcome::kFailed);
  EXPECT_EQ(classifier.Classify(Ended(Code(143))), Outcome::kFailed);
  EXPECT_EQ(classifier.Classify(Ended(Code(9))), Outcome::kForced);
  EXPECT_EQ(classifier.Classify(Ended(Code(124))), Outcome::kFailed);
  EXPECT_EQ(classifier.Classify(Ended(Signal(SIGINT))), Outcome::kClean);
  EXPECT_EQ(classifier.Classify(Ended(Signal(SIGTERM))), Outcome::kFailed);
  EXPECT_EQ(classifier.Explain(Ended(Code(0))),
            "exit 0 is neither clean (3, 130) nor forced (9)");
}

TEST(DistributeTest, UsesNearestRankPercentiles) {
  std::vector<absl::Duration> values;
  for (int i = 100; i >= 1; --i) values.push_back(absl::Milliseconds(i));
  const std::optional<Distribution> d = Distribute(values);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->count, 100);
  EXPECT_EQ(d->min, absl::Milliseconds(1));
  EXPECT_EQ(d->p50, absl::Milliseconds(50));
  EXPECT_EQ(d->p90, absl::Milliseconds(90));
  EXPECT_EQ(d->p99, absl::Milliseconds(99));
  EXPECT_EQ(d->max, absl::Milliseconds(100));
  EXPECT_EQ(d->mean, absl::Microseconds(50500));
}

TEST(DistributeTest, SmallSamplesTakeTheMaximumForHighPercentiles) {
  const std::optional<Distribution> d = Distribute(
      {absl::Milliseconds(30), absl::Milliseconds(10), absl::Milliseconds(20)});
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->p50, absl::Milliseconds(20));
  EXPECT_EQ(d->p90, absl::Milliseconds(30));
  EXPECT_EQ(d->p99, absl::Milliseconds(30));
  const std::optional<Distribution> one = Distribute({absl::Seconds(2)});
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->p50, absl::Seconds(2));
  EXPECT_EQ(one->min, absl::Seconds(2));
  EXPECT_FALSE(Distribute({}).has_value());
}

std::vector<RunRecord> SampleRuns() {
  const Classifier classifier;
  std::vector<RunRecord> runs;
  const auto add = [&](RunRecord run) {
    run.index = static_cast<int>(runs.size()) + 1;
    run.outcome = classifier.Classify(run);
    runs.push_back(run);
  };
  RunRecord clean = Ended(Code(75));
  clean.exit = absl::Milliseconds(4);
  clean.stopping = absl::Microseconds(50);
  add(clean);
  clean.exit = absl::Milliseconds(6);
  add(clean);
  add(Ended(Signal(SIGTERM)));
  RunRecord killed = KilledRun();
  killed.exit = absl::Seconds(30);
  add(killed);
  add(FailedToStart());
  add(Ended(Code(124)));
  add(Interrupted());
  return runs;
}

TEST(SummarizeTest, CountsOutcomesAndLeavesInterruptedRunsOut) {
  const Summary summary = Summarize(SampleRuns());
  EXPECT_EQ(summary.runs_completed, 6);
  EXPECT_TRUE(summary.interrupted);
  EXPECT_FALSE(summary.all_clean());
  EXPECT_EQ(summary.clean, 3);
  EXPECT_EQ(summary.forced, 1);
  EXPECT_EQ(summary.killed, 1);
  EXPECT_EQ(summary.failed, 1);
  ASSERT_TRUE(summary.exit.has_value());
  EXPECT_EQ(summary.exit->count, 5);  // not the one that never started
  EXPECT_EQ(summary.exit->min, absl::Milliseconds(4));
  EXPECT_EQ(summary.exit->max, absl::Seconds(30));
  ASSERT_TRUE(summary.stopping.has_value());
  EXPECT_EQ(summary.stopping->count, 2);
  ASSERT_FALSE(summary.statuses.empty());
  EXPECT_EQ(summary.statuses[0].first, "exit 75");  // most frequent first
  EXPECT_EQ(summary.statuses[0].second, 2);
}

TEST(SummarizeTest, AllCleanNeedsAtLeastOneRunAndNoInterruption) {
  EXPECT_FALSE(Summarize({}).all_clean());
  RunRecord run = Ended(Code(0));
  run.outcome = Outcome::kClean;
  EXPECT_TRUE(Summarize({run}).all_clean());
}

TEST(HumanDurationTest, KeepsThreeSignificantDigitsOrSo) {
  EXPECT_EQ(HumanDuration(absl::Microseconds(212)), "212µs");
  EXPECT_EQ(HumanDuration(absl::Microseconds(4210)), "4.21ms");
  EXPECT_EQ(HumanDuration(absl::Microseconds(215340)), "215.3ms");
  EXPECT_EQ(HumanDuration(absl::Milliseconds(30004)), "30.00s");
  EXPECT_EQ(HumanDuration(absl::Seconds(300)), "300s");
  EXPECT_EQ(HumanDuration(absl::InfiniteDuration()), "inf");
}

TEST(FormatSummaryTest, ShowsPercentilesOutcomesStatusesAndWhy) {
  Settings settings;
  settings.command = {"./worker", "--flag=a b"};
  settings.runs = 7;
  const std::vector<RunRecord> runs = SampleRuns();
  const std::string text = FormatSummary(settings, runs, Summarize(runs));
  for (const char* expected :
       {"stopwatch: 7 runs of ./worker '--flag=a b'\n",
        "SIGTERM to the process 1s after it started",
        "SIGKILL to its process group 30s after SIGTERM",
        "interrupted after 6 of 7 runs", "time to exit", "p50 5.00ms",
        "max 30.00s", "time to STOPPING",
        "3 clean, 1 forced, 1 killed, 1 failed", "exit 75: 2",
        "run 4 killed: still running at the grace deadline",
        "run 5 failed: cannot execute ./x: Permission denied",
        "run 6 forced: exit 124"}) {
    EXPECT_TRUE(absl::StrContains(text, expected))
        << "missing: " << expected << "\nin:\n"
        << text;
  }
}

TEST(ToJsonTest, IsValidJsonWithEveryRunAndTheSummary) {
  Settings settings;
  settings.command = {"./w", "quote\"back\\slash", "new\nline", "bad\xfe"};
  settings.runs = 7;
  settings.grace = absl::InfiniteDuration();
  settings.ready = ReadyMode::kNotify;
  std::vector<RunRecord> runs = SampleRuns();
  runs[0].log_path = "/tmp/logs/run-1.log";
  const std::string text = ToJson(settings, runs, Summarize(runs));
  ASSERT_TRUE(nlohmann::json::accept(text)) << text;
  const nlohmann::json doc = nlohmann::json::parse(text);

  EXPECT_EQ(doc.at("format"), "graceful-stopwatch/1");
  const nlohmann::json& command = doc.at("settings").at("command");
  ASSERT_EQ(command.size(), 4u);
  EXPECT_EQ(command.at(1), "quote\"back\\slash");
  EXPECT_EQ(command.at(2), "new\nline");
  EXPECT_EQ(command.at(3), "bad\xef\xbf\xbd");  // U+FFFD
  EXPECT_TRUE(doc.at("settings").at("grace_ms").is_null());
  EXPECT_EQ(doc.at("settings").at("ready"), "notify");
  EXPECT_EQ(doc.at("settings").at("signo"), SIGTERM);

  const nlohmann::json& json_runs = doc.at("runs");
  ASSERT_EQ(json_runs.size(), runs.size());
  EXPECT_EQ(json_runs.at(0).at("outcome"), "clean");
  EXPECT_EQ(json_runs.at(0).at("status"), "exit 75");
  EXPECT_EQ(json_runs.at(0).at("exit_code"), 75);
  EXPECT_TRUE(json_runs.at(0).at("signal").is_null());
  EXPECT_EQ(json_runs.at(0).at("exit_ms"), 4);
  EXPECT_EQ(json_runs.at(0).at("stopping_ms"), 0.05);
  EXPECT_EQ(json_runs.at(0).at("log"), "/tmp/logs/run-1.log");
  EXPECT_TRUE(json_runs.at(0).at("reason").is_null());
  EXPECT_EQ(json_runs.at(2).at("signal"), "SIGTERM");
  EXPECT_EQ(json_runs.at(3).at("outcome"), "killed");
  EXPECT_EQ(json_runs.at(3).at("killed"), true);
  EXPECT_EQ(json_runs.at(3).at("exit_ms"), 30000);
  EXPECT_TRUE(json_runs.at(4).at("status").is_null());
  EXPECT_TRUE(json_runs.at(4).at("exit_ms").is_null());
  EXPECT_EQ(json_runs.at(4).at("reason"),
            "cannot execute ./x: Permission denied");
  EXPECT_EQ(json_runs.at(6).at("outcome"), "interrupted");

  const nlohmann::json& summary = doc.at("summary");
  EXPECT_EQ(summary.at("runs_completed"), 6);
  EXPECT_EQ(summary.at("interrupted"), true);
  EXPECT_EQ(summary.at("all_clean"), false);
  EXPECT_EQ(summary.at("clean"), 3);
  EXPECT_EQ(summary.at("exit_ms").at("count"), 5);
  EXPECT_EQ(summary.at("exit_ms").at("min"), 4);
  EXPECT_EQ(summary.at("exit_ms").at("max"), 30000);
  EXPECT_EQ(summary.at("statuses").at("exit 75"), 2);
  EXPECT_EQ(summary.at("statuses").at("SIGKILL"), 1);
}

TEST(ToJsonTest, NoRunsIsStillValid) {
  Settings settings;
  settings.command = {"true"};
  const std::string text = ToJson(settings, {}, Summarize({}));
  ASSERT_TRUE(nlohmann::json::accept(text)) << text;
  const nlohmann::json doc = nlohmann::json::parse(text);
  EXPECT_EQ(doc.at("runs"), nlohmann::json::array());
  EXPECT_TRUE(doc.at("summary").at("exit_ms").is_null());
}

}  // namespace
}  // namespace stopwatch
}  // namespace graceful
