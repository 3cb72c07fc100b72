// Copyright 2026 The graceful Authors.

#include "graceful/shutdown_report.h"

#include <signal.h>

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace graceful {
namespace {

using ::testing::HasSubstr;

ShutdownReport SignalReport() {
  ShutdownReport report;
  report.cause = StopCause::kSignal;
  report.signal = SIGTERM;
  report.sender_pid = 4242;
  report.sender_uid = 1000;
  report.stop_requested_at = absl::FromUnixSeconds(100);
  report.workers_joined_at = absl::FromUnixSeconds(100) + absl::Milliseconds(3);
  report.finished_at = absl::FromUnixSeconds(100) + absl::Milliseconds(5);
  WorkerOutcome done;
  done.name = "reader";
  done.state = WorkerOutcome::State::kFinished;
  WorkerOutcome stuck;
  stuck.name = "writer";
  stuck.state = WorkerOutcome::State::kRunning;
  report.workers = {done, stuck};
  HookOutcome hook;
  hook.name = "flush";
  hook.state = HookOutcome::State::kFailed;
  hook.error = "disk full";
  report.hooks = {hook};
  report.tasks_accepted = 10;
  report.tasks_completed = 7;
  report.tasks_unstarted = 3;
  report.exit_code_value = 143;
  report.die_by_signal = SIGTERM;
  return report;
}

TEST(ShutdownReportTest, ToStringNamesCauseSenderStragglersHooksAndTasks) {
  const std::string text = SignalReport().ToString();
  EXPECT_THAT(text, HasSubstr("cause: signal SIGTERM from pid 4242 uid 1000"));
  EXPECT_THAT(text, HasSubstr("stop to workers joined: 3ms"));
  EXPECT_THAT(text, HasSubstr("stragglers: writer"));
  EXPECT_THAT(text, HasSubstr("writer: RUNNING"));
  EXPECT_THAT(text, HasSubstr("flush: FAILED"));
  EXPECT_THAT(text, HasSubstr("disk full"));
  EXPECT_THAT(text, HasSubstr("10 accepted, 7 completed (0 failed), 3 "
                              "unstarted"));
  EXPECT_THAT(text, HasSubstr("dies of SIGTERM (status 143)"));
}

TEST(ShutdownReportTest, DerivedFields) {
  const ShutdownReport report = SignalReport();
  EXPECT_EQ(report.signal_to_joined(), absl::Milliseconds(3));
  EXPECT_EQ(report.stragglers(), std::vector<std::string>{"writer"});
  EXPECT_EQ(report.exit_code(), 143);
  EXPECT_EQ(ShutdownReport().signal_to_joined(), absl::InfiniteDuration());
}

TEST(ShutdownReportTest, ToJsonRoundTripsThroughAJsonParser) {
  ShutdownReport report = SignalReport();
  report.workers[0].name = "quote\" backslash\\ newline\n tab\t bell\a";
  report.workers[0].finished = report.workers[0].started + absl::Seconds(2);
  report.error = absl::DataLossError("disk \"on fire\"");
  const nlohmann::json json = nlohmann::json::parse(report.ToJson());
  EXPECT_EQ(json["cause"], "signal");
  EXPECT_EQ(json["signal"], SIGTERM);
  EXPECT_EQ(json["signal_name"], "SIGTERM");
  EXPECT_EQ(json["sender_pid"], 4242);
  EXPECT_EQ(json["sender_uid"], 1000);
  EXPECT_EQ(json["error"], "disk \"on fire\"");
  EXPECT_EQ(json["forced"], "none");
  EXPECT_EQ(json["stop_requested_at"], "1970-01-01T00:01:40+00:00");
  EXPECT_DOUBLE_EQ(json["signal_to_joined_ms"].get<double>(), 3.0);
  ASSERT_EQ(json["workers"].size(), 2u);
  EXPECT_EQ(json["workers"][0]["name"], report.workers[0].name);
  EXPECT_EQ(json["workers"][0]["state"], "finished");
  EXPECT_DOUBLE_EQ(json["workers"][0]["run_ms"].get<double>(), 2000.0);
  EXPECT_EQ(json["workers"][1]["state"], "running");
  EXPECT_TRUE(json["workers"][1]["run_ms"].is_null());
  EXPECT_EQ(json["stragglers"], nlohmann::json::array({"writer"}));
  EXPECT_EQ(json["hooks"][0]["state"], "failed");
  EXPECT_EQ(json["hooks"][0]["error"], "disk full");
  EXPECT_EQ(json["tasks"]["accepted"], 10);
  EXPECT_EQ(json["tasks"]["unstarted"], 3);
  EXPECT_EQ(json["exit_code"], 143);
  EXPECT_EQ(json["die_by_signal"], SIGTERM);
}

TEST(ShutdownReportTest, ToJsonOfAnEmptyReportUsesNulls) {
  const nlohmann::json json = nlohmann::json::parse(ShutdownReport().ToJson());
  EXPECT_EQ(json["cause"], "none");
  EXPECT_TRUE(json["error"].is_null());
  EXPECT_TRUE(json["signal_name"].is_null());
  EXPECT_TRUE(json["stop_requested_at"].is_null());
  EXPECT_TRUE(json["signal_to_joined_ms"].is_null());
  EXPECT_TRUE(json["workers"].empty());
}

TEST(ShutdownReportTest, CauseNames) {
  EXPECT_STREQ(StopCauseName(StopCause::kSignal), "signal");
  EXPECT_STREQ(StopCauseName(StopCause::kRequested), "requested");
  EXPECT_STREQ(StopCauseName(StopCause::kWorkerFailed), "worker failed");
  EXPECT_STREQ(StopCauseName(StopCause::kWorkDone), "work done");
}

TEST(ShutdownReportDeathTest, ExitProcessDiesOfTheSignal) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  // Even with the signal blocked, as the runtime leaves it in main.
  EXPECT_EXIT(
      {
        sigset_t term;
        sigemptyset(&term);
        sigaddset(&term, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &term, nullptr);
        SignalReport().ExitProcess();
      },
      ::testing::KilledBySignal(SIGTERM), "");
}

TEST(ShutdownReportDeathTest, ExitProcessExitsWithTheCode) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ShutdownReport report;
  report.exit_code_value = 75;
  EXPECT_EXIT(report.ExitProcess(), ::testing::ExitedWithCode(75), "");
}

}  // namespace
}  // namespace graceful
