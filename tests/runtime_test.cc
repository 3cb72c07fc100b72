// Copyright 2026 The graceful Authors.
//
// In-process tests of the runtime's API: option validation, workers, the
// pool, hooks, stop callbacks and the report. Signals are tested in child
// processes in runtime_signals_test.cc. Each test starts and destroys its
// own runtime in the test's main thread.

#include "graceful/runtime.h"

#include <algorithm>
#include <atomic>
#include <latch>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace graceful {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::unique_ptr<Runtime> StartOrDie(RuntimeOptions options = {}) {
  absl::StatusOr<std::unique_ptr<Runtime>> runtime =
      Runtime::Start(std::move(options));
  EXPECT_TRUE(runtime.ok()) << runtime.status();
  return runtime.ok() ? std::move(*runtime) : nullptr;
}

absl::Status StartStatus(RuntimeOptions options) {
  return Runtime::Start(std::move(options)).status();
}

TEST(RuntimeStartTest, RejectsInvalidStopSignalsAndGracePeriods) {
  for (int bad : {SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP,
                  SIGSYS, SIGABRT, 0, 999}) {
    RuntimeOptions options;
    options.stop_signals = {SIGTERM, bad};
    const absl::Status status = StartStatus(options);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(status.message(), HasSubstr("stop_signals")) << bad;
  }
  RuntimeOptions empty;
  empty.stop_signals.clear();
  EXPECT_EQ(StartStatus(empty).code(), absl::StatusCode::kInvalidArgument);
  for (absl::Duration grace : {absl::ZeroDuration(), absl::Seconds(-1)}) {
    RuntimeOptions options;
    options.grace_period = grace;
    const absl::Status status = StartStatus(options);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr("grace_period"));
  }
}

TEST(RuntimeStartTest, RefusesWhenOtherThreadsExistAndSaysHowMany) {
  std::latch started(1);
  std::latch release(1);
  std::thread other([&] {
    started.count_down();  // running: its signal mask is set up
    release.wait();
  });
  started.wait();
  const absl::Status status = StartStatus({});
  release.count_down();
  other.join();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("found 2 threads"));
}

TEST(RuntimeStartTest, RefusesASecondLiveRuntimeAndAllowsOneAfterIt) {
  auto first = StartOrDie();
  const absl::Status second = StartStatus({});
  EXPECT_EQ(second.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.message(), HasSubstr("another graceful::Runtime"));
  first.reset();
  EXPECT_NE(StartOrDie(), nullptr);
}

TEST(RuntimeStartTest, RestoresTheSignalMaskWhenDestroyed) {
  sigset_t before;
  pthread_sigmask(SIG_SETMASK, nullptr, &before);
  ASSERT_EQ(sigismember(&before, SIGTERM), 0);
  auto runtime = StartOrDie();
  sigset_t during;
  pthread_sigmask(SIG_SETMASK, nullptr, &during);
  EXPECT_EQ(sigismember(&during, SIGTERM), 1);
  runtime.reset();
  sigset_t after;
  pthread_sigmask(SIG_SETMASK, nullptr, &after);
  EXPECT_EQ(sigismember(&after, SIGTERM), 0);
}

class WorkersTest : public ::testing::TestWithParam<int> {};

TEST_P(WorkersTest, RequestStopJoinsEveryWorkerAndReportsThem) {
  auto runtime = StartOrDie();
  std::atomic<int> finished{0};
  for (int i = 0; i < GetParam(); ++i) {
    runtime->Spawn(absl::StrCat("w", i), [&](StopToken token) {
      while (token.SleepFor(absl::Milliseconds(1))) {
      }
      ++finished;
    });
  }
  EXPECT_TRUE(runtime->RequestStop());
  EXPECT_FALSE(runtime->RequestStop());
  const ShutdownReport report = runtime->Wait();
  EXPECT_EQ(finished.load(), GetParam());
  EXPECT_EQ(report.cause, StopCause::kRequested);
  EXPECT_EQ(report.exit_code(), 0);
  ASSERT_EQ(report.workers.size(), static_cast<size_t>(GetParam()));
  for (int i = 0; i < GetParam(); ++i) {
    EXPECT_EQ(report.workers[i].name, absl::StrCat("w", i));
    EXPECT_EQ(report.workers[i].state, WorkerOutcome::State::kFinished);
  }
  EXPECT_TRUE(report.stragglers().empty());
  EXPECT_LT(report.signal_to_joined(), absl::InfiniteDuration());
  // Wait() again returns the same report.
  EXPECT_EQ(runtime->Wait().finished_at, report.finished_at);
}

INSTANTIATE_TEST_SUITE_P(WorkerCounts, WorkersTest,
                         ::testing::Values(1, 4, 32));

TEST(RuntimeTest, WaitStopsByItselfWhenAllWorkIsDone) {
  auto runtime = StartOrDie();
  for (int i = 0; i < 3; ++i) runtime->Spawn("short", [](StopToken) {});
  const ShutdownReport report = runtime->Wait();
  EXPECT_EQ(report.cause, StopCause::kWorkDone);
  EXPECT_EQ(report.exit_code(), 0);
}

TEST(RuntimeTest, ThrowingWorkerStopsTheRuntimeWithItsError) {
  auto runtime = StartOrDie();
  runtime->Spawn("steady", [](StopToken token) {
    token.SleepUntil(absl::InfiniteFuture());
  });
  runtime->Spawn("bad", [](StopToken) -> void {
    throw std::runtime_error("kaput");
  });
  const ShutdownReport report = runtime->Wait();
  EXPECT_EQ(report.cause, StopCause::kWorkerFailed);
  EXPECT_THAT(std::string(report.error.message()), HasSubstr("kaput"));
  EXPECT_THAT(std::string(report.error.message()), HasSubstr("'bad'"));
  EXPECT_EQ(report.exit_code(), kExitWorkerFailed);
  EXPECT_EQ(report.workers[1].state, WorkerOutcome::State::kFailed);
}

TEST(RuntimeTest, WorkerReturningErrorStopsTheRuntimeWithThatStatus) {
  auto runtime = StartOrDie();
  runtime->SpawnWithStatus("bad", [](StopToken) {
    return absl::UnavailableError("backend gone");
  });
  const ShutdownReport report = runtime->Wait();
  EXPECT_EQ(report.cause, StopCause::kWorkerFailed);
  EXPECT_EQ(report.error, absl::UnavailableError("backend gone"));
  EXPECT_EQ(report.exit_code(), 1);
}

TEST(RuntimeTest, SpawnAfterStopIsRefusedAndReported) {
  auto runtime = StartOrDie();
  std::latch spawned(1);
  // Holds phase 4 (and so the report) until the late Spawn() has happened.
  runtime->AddShutdownHook("gate", [&] { spawned.wait(); });
  runtime->RequestStop();
  bool ran = false;
  runtime->Spawn("late", [&](StopToken) { ran = true; });
  spawned.count_down();
  const ShutdownReport report = runtime->Wait();
  EXPECT_FALSE(ran);
  ASSERT_EQ(report.workers.size(), 1u);
  EXPECT_EQ(report.workers[0].state, WorkerOutcome::State::kRefused);
}

TEST(RuntimeTest, HooksRunLastAddedFirstExactlyOnceAfterWorkers) {
  auto runtime = StartOrDie();
  std::vector<std::string> order;
  std::atomic<bool> worker_done{false};
  runtime->Spawn("w", [&](StopToken token) {
    token.SleepUntil(absl::InfiniteFuture());
    worker_done = true;
  });
  for (const char* name : {"a", "b", "c"}) {
    runtime->AddShutdownHook(name, [&, name] {
      EXPECT_TRUE(worker_done.load());
      order.push_back(name);
    });
  }
  runtime->RequestStop();
  const ShutdownReport report = runtime->Wait();
  EXPECT_THAT(order, ElementsAre("c", "b", "a"));
  ASSERT_EQ(report.hooks.size(), 3u);
  EXPECT_EQ(report.hooks[0].name, "c");
  for (const HookOutcome& hook : report.hooks) {
    EXPECT_EQ(hook.state, HookOutcome::State::kFinished);
  }
  runtime.reset();  // hooks do not run again
  EXPECT_EQ(order.size(), 3u);
}

TEST(RuntimeTest, ThrowingHookIsRecordedAndTheNextHookRuns) {
  auto runtime = StartOrDie();
  bool next_ran = false;
  runtime->AddShutdownHook("next", [&] { next_ran = true; });
  runtime->AddShutdownHook("thrower", []() -> void {
    throw std::runtime_error("hook broke");
  });
  runtime->RequestStop();
  const ShutdownReport report = runtime->Wait();
  EXPECT_TRUE(next_ran);
  EXPECT_EQ(report.hooks[0].state, HookOutcome::State::kFailed);
  EXPECT_EQ(report.hooks[0].error, "hook broke");
  EXPECT_EQ(report.exit_code(), kExitWorkerFailed);
}

TEST(RuntimeTest, HookSeesTheGraceDeadline) {
  RuntimeOptions options;
  options.grace_period = absl::Seconds(7);
  auto runtime = StartOrDie(options);
  absl::Time seen = absl::InfinitePast();
  runtime->AddShutdownHook("deadline",
                           [&](absl::Time deadline) { seen = deadline; });
  runtime->RequestStop();
  const ShutdownReport report = runtime->Wait();
  EXPECT_EQ(seen, report.deadline);
  EXPECT_EQ(report.deadline - report.stop_requested_at, absl::Seconds(7));
}

TEST(RuntimeTest, StopCallbacksRunOnTheShutdownThreadNotTheRequester) {
  auto runtime = StartOrDie();
  std::thread::id ran_on;
  StopCallback callback(runtime->token(),
                        [&] { ran_on = std::this_thread::get_id(); });
  runtime->RequestStop();
  runtime->Wait();
  EXPECT_NE(ran_on, std::thread::id());
  EXPECT_NE(ran_on, std::this_thread::get_id());
}

TEST(RuntimeTest, DestroyingWithoutWaitRunsTheShutdownSequence) {
  bool hook_ran = false;
  std::atomic<bool> worker_stopped{false};
  {
    auto runtime = StartOrDie();
    runtime->Spawn("w", [&](StopToken token) {
      token.SleepUntil(absl::InfiniteFuture());
      worker_stopped = true;
    });
    runtime->AddShutdownHook("h", [&] { hook_ran = true; });
  }
  EXPECT_TRUE(worker_stopped.load());
  EXPECT_TRUE(hook_ran);
}

struct PoolCase {
  int threads;
  int tasks;
};

class PoolTest : public ::testing::TestWithParam<PoolCase> {};

TEST_P(PoolTest, RunsEverySubmittedTaskThenStopsWhenWorkIsDone) {
  RuntimeOptions options;
  options.pool_threads = GetParam().threads;
  options.queue_capacity = 4;
  auto runtime = StartOrDie(options);
  std::atomic<int> ran{0};
  for (int i = 0; i < GetParam().tasks; ++i) {
    ASSERT_TRUE(runtime->Submit([&](StopToken) { ++ran; }).ok());
  }
  const ShutdownReport report = runtime->Wait();
  EXPECT_EQ(report.cause, StopCause::kWorkDone);
  EXPECT_EQ(ran.load(), GetParam().tasks);
  EXPECT_EQ(report.tasks_accepted, GetParam().tasks);
  EXPECT_EQ(report.tasks_completed, GetParam().tasks);
  EXPECT_EQ(report.tasks_unstarted, 0);
  EXPECT_EQ(report.workers.size(), static_cast<size_t>(GetParam().threads));
}

INSTANTIATE_TEST_SUITE_P(ThreadsAndTasks, PoolTest,
                         ::testing::Values(PoolCase{1, 10}, PoolCase{2, 100},
                                           PoolCase{8, 1000}));

TEST(PoolTest, SubmitBlocksWhileFullAndFailsOnceStopped) {
  RuntimeOptions options;
  options.pool_threads = 1;
  options.queue_capacity = 1;
  options.unstarted_tasks = UnstartedTaskPolicy::kLeave;
  auto runtime = StartOrDie(options);
  std::latch running(1);
  ASSERT_TRUE(runtime
                  ->Submit([&](StopToken token) {
                    running.count_down();
                    token.SleepUntil(absl::InfiniteFuture());
                  })
                  .ok());
  running.wait();
  ASSERT_TRUE(runtime->Submit([](StopToken) {}).ok());  // fills the queue
  std::atomic<bool> blocked_submit_returned{false};
  absl::Status blocked_status;
  std::thread submitter([&] {
    blocked_status = runtime->Submit([](StopToken) {});
    blocked_submit_returned = true;
  });
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_FALSE(blocked_submit_returned.load());  // still blocked: queue full
  runtime->RequestStop();
  submitter.join();
  EXPECT_EQ(blocked_status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(runtime->Submit([](StopToken) {}).code(),
            absl::StatusCode::kFailedPrecondition);
  const ShutdownReport report = runtime->Wait();
  EXPECT_EQ(report.tasks_accepted, 2);
  EXPECT_EQ(report.tasks_completed, 1);
  EXPECT_EQ(report.tasks_unstarted, 1);
}

class UnstartedPolicyTest
    : public ::testing::TestWithParam<UnstartedTaskPolicy> {};

TEST_P(UnstartedPolicyTest, AcceptedEqualsCompletedPlusUnstarted) {
  RuntimeOptions options;
  options.pool_threads = 2;
  options.queue_capacity = 1000;
  options.unstarted_tasks = GetParam();
  auto runtime = StartOrDie(options);
  std::latch first_started(1);
  std::atomic<int> ran{0};
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(runtime
                    ->Submit([&, i](StopToken) {
                      if (i == 0) first_started.count_down();
                      ++ran;
                    })
                    .ok());
  }
  first_started.wait();
  runtime->RequestStop();
  const ShutdownReport report = runtime->Wait();
  EXPECT_EQ(report.tasks_accepted, 500);
  EXPECT_EQ(report.tasks_completed + report.tasks_unstarted, 500);
  EXPECT_EQ(report.tasks_completed, ran.load());
  if (GetParam() == UnstartedTaskPolicy::kDrain) {
    EXPECT_EQ(report.tasks_unstarted, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Policies, UnstartedPolicyTest,
                         ::testing::Values(UnstartedTaskPolicy::kDrain,
                                           UnstartedTaskPolicy::kLeave));

TEST(PoolTest, ThrowingTaskStopsTheRuntimeAndIsCounted) {
  RuntimeOptions options;
  options.pool_threads = 2;
  auto runtime = StartOrDie(options);
  ASSERT_TRUE(runtime
                  ->Submit([](StopToken) -> void {
                    throw std::runtime_error("task failed");
                  })
                  .ok());
  const ShutdownReport report = runtime->Wait();
  EXPECT_EQ(report.cause, StopCause::kWorkerFailed);
  EXPECT_EQ(report.tasks_failed, 1);
  EXPECT_THAT(std::string(report.error.message()), HasSubstr("task failed"));
}

// Collects events from any thread.
class EventLog {
 public:
  EventHandler Handler() {
    return [this](const Event& event) {
      std::lock_guard<std::mutex> lock(mu_);
      types_.push_back(event.type);
      if (event.type == EventType::kHeartbeat) heartbeat_.count_down();
    };
  }
  std::vector<EventType> types() {
    std::lock_guard<std::mutex> lock(mu_);
    return types_;
  }
  void WaitForHeartbeat() { heartbeat_.wait(); }

 private:
  std::mutex mu_;
  std::vector<EventType> types_;
  std::latch heartbeat_{1};
};

TEST(RuntimeEventsTest, ReportsEachPhaseInOrder) {
  EventLog log;
  RuntimeOptions options;
  options.on_event = log.Handler();
  auto runtime = StartOrDie(options);
  runtime->Spawn("w", [](StopToken token) {
    token.SleepUntil(absl::InfiniteFuture());
  });
  runtime->AddShutdownHook("h", [] {});
  runtime->RequestStop();
  runtime->Wait();
  std::vector<EventType> types = log.types();
  // kStopRequested comes from the requesting thread, after the stop flag is
  // set, so it may interleave with the worker's event (events.h); the rest
  // come in order from the worker and the shutdown thread.
  EXPECT_EQ(std::count(types.begin(), types.end(), EventType::kStopRequested),
            1);
  types.erase(std::remove(types.begin(), types.end(),
                          EventType::kStopRequested),
              types.end());
  EXPECT_THAT(types, ElementsAre(EventType::kWorkerFinished,
                                 EventType::kWorkersJoined,
                                 EventType::kHookStarted,
                                 EventType::kHookFinished,
                                 EventType::kShutdownComplete));
}

TEST(RuntimeEventsTest, HeartbeatsWhileWorkersRun) {
  EventLog log;
  RuntimeOptions options;
  options.on_event = log.Handler();
  options.heartbeat_interval = absl::Milliseconds(1);
  auto runtime = StartOrDie(options);
  runtime->Spawn("w", [](StopToken token) {
    token.SleepUntil(absl::InfiniteFuture());
  });
  log.WaitForHeartbeat();  // hangs (test timeout) without heartbeats
  runtime->RequestStop();
  runtime->Wait();
}

TEST(RuntimeEventsTest, ThrowingHandlerIsHarmless) {
  RuntimeOptions options;
  options.on_event = [](const Event&) { throw std::runtime_error("no"); };
  auto runtime = StartOrDie(options);
  runtime->RequestStop();
  EXPECT_EQ(runtime->Wait().cause, StopCause::kRequested);
}

TEST(RuntimeStartTest, RejectsANonPositiveHeartbeat) {
  RuntimeOptions options;
  options.heartbeat_interval = absl::ZeroDuration();
  EXPECT_EQ(StartStatus(options).code(), absl::StatusCode::kInvalidArgument);
}

using RuntimeDeathTest = ::testing::Test;

TEST(RuntimeDeathTest, WaitFromAWorkerAbortsWithAMessage) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        auto runtime = StartOrDie();
        Runtime* raw = runtime.get();
        runtime->Spawn("waits", [raw](StopToken) { raw->Wait(); });
        runtime->Wait();
      },
      "would wait for");
}

TEST(RuntimeDeathTest, OnSignalWithAnUnreceivableSignalAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        auto runtime = StartOrDie();
        runtime->OnSignal(SIGKILL, [](const siginfo_t&) {});
      },
      "does not receive this signal");
}

}  // namespace
}  // namespace graceful
