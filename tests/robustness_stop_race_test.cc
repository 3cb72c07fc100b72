// Copyright 2026 The graceful Authors.
//
// Stop races (docs/guarantees.md, "One stop"): everything that can begin a
// stop begins it at the same moment, many times over, in this process:
// RequestStop() from many threads, a real SIGTERM (kill(2) to this
// process), a worker that fails; StopCallbacks registered and destroyed
// while the stop runs; tasks submitted by threads the runtime does not own
// while the stop closes the queue; and the two endings of a stop, graceful
// and forced, racing each other. One cause must win and be the one
// reported; no callback may run twice or after its destructor returned; the
// task counts must add up exactly; the process must end one way only.
// Nothing here measures time.
//
// Each round starts and destroys its own Runtime from the test's main
// thread (Start() refuses while other threads exist, so every helper thread
// is joined before the round ends).

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <barrier>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "graceful/graceful.h"
#include "tests/child_process.h"

namespace graceful {
namespace {

using ::testing::HasSubstr;

// Rounds are scaled down where sanitizers make each one ~10x slower; the
// StopCallback race keeps its full 100,000 rounds everywhere.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int kStopRaceRounds = 100;
constexpr int kSubmitRaceRounds = 100;
#else
constexpr int kStopRaceRounds = 500;
constexpr int kSubmitRaceRounds = 400;
#endif
constexpr int kCallbackRaceRounds = 100'000;

RuntimeOptions QuietOptions() {
  RuntimeOptions options;
  options.on_event = nullptr;  // hundreds of stops: no stderr lines
  return options;
}

// Waits (bounded: a watchdog, not a measurement) until `done()`.
template <typename Done>
bool WaitUntil(std::mutex& mu, std::condition_variable& cv, Done done) {
  std::unique_lock<std::mutex> lock(mu);
  return cv.wait_for(lock, std::chrono::seconds(60), done);
}

// Takes a SIGTERM pending for the calling thread (which blocks it), if any.
bool TakePendingSigterm() {
  sigset_t sigterm;
  sigemptyset(&sigterm);
  sigaddset(&sigterm, SIGTERM);
  const timespec no_wait = {0, 0};
  return sigtimedwait(&sigterm, nullptr, &no_wait) == SIGTERM;
}

// A StopCallback's observable life: how often it ran, and whether it ran
// after its destructor returned.
struct Probe {
  std::atomic<int> runs{0};
  std::atomic<bool> destroyed{false};
  std::atomic<int> late{0};

  absl::AnyInvocable<void()> Callback() {
    return [this] {
      if (destroyed.load(std::memory_order_acquire)) late.fetch_add(1);
      runs.fetch_add(1, std::memory_order_acq_rel);
    };
  }
  void Reset() {
    runs.store(0);
    destroyed.store(false);
    late.store(0);
  }
};

TEST(StopRaceTest, RequestStopSigtermAndWorkerFailureRaceAndOneCauseWins) {
  constexpr int kRequesters = 8;
  std::map<StopCause, int> winners_by_cause;
  for (int round = 0; round < kStopRaceRounds; ++round) {
    RuntimeOptions options = QuietOptions();
    // The SIGTERM often comes second: count it rather than force the exit
    // of this test process.
    options.second_signal_forces_exit = false;
    absl::StatusOr<std::unique_ptr<Runtime>> started = Runtime::Start(options);
    ASSERT_TRUE(started.ok()) << "round " << round << ": " << started.status();
    std::unique_ptr<Runtime> runtime = std::move(*started);

    // The SIGTERM is received by the runtime (the callback counts it), or,
    // when it comes after the report was made, stays pending; the test then
    // takes it before the runtime is destroyed (once the mask is restored it
    // would kill this process).
    std::mutex mu;
    std::condition_variable cv;
    int sigterms_seen = 0;
    runtime->OnSignal(SIGTERM, [&](const siginfo_t&) {
      std::lock_guard<std::mutex> lock(mu);
      ++sigterms_seen;
      cv.notify_all();
    });
    std::atomic<int> hook_runs{0};
    runtime->AddShutdownHook("count", [&] { hook_runs.fetch_add(1); });
    Probe kept;  // registered before the race, destroyed after Wait()
    auto kept_callback =
        std::make_unique<StopCallback>(runtime->token(), kept.Callback());

    std::latch ready(kRequesters + 2);  // requesters, killer, failing worker
    std::latch go(1);
    runtime->Spawn("steady", [](StopToken token) {
      token.SleepUntil(absl::InfiniteFuture());
    });
    runtime->SpawnWithStatus("failing", [&, round](StopToken) {
      ready.count_down();
      go.wait();
      for (int k = 0; k < (round % 3) * 25; ++k) std::this_thread::yield();
      return absl::InternalError("boom");
    });
    std::atomic<int> winners{0};
    std::vector<Probe> quick(kRequesters);
    std::vector<std::thread> threads;
    for (int i = 0; i < kRequesters; ++i) {
      threads.emplace_back([&, i, round] {
        ready.count_down();
        go.wait();
        // Vary who tends to win: in some rounds the requesters (and, in
        // others, the failing worker) give the others a head start.
        for (int k = 0; k < (round % 4) * 25; ++k) std::this_thread::yield();
        // Registered and destroyed while the stop runs.
        {
          StopCallback callback(runtime->token(), quick[i].Callback());
          if (runtime->RequestStop()) winners.fetch_add(1);
        }
        quick[i].destroyed.store(true, std::memory_order_release);
      });
    }
    threads.emplace_back([&] {
      ready.count_down();
      go.wait();
      kill(getpid(), SIGTERM);
    });
    ready.wait();
    go.count_down();
    for (std::thread& thread : threads) thread.join();
    const ShutdownReport report = runtime->Wait();
    ASSERT_TRUE(WaitUntil(
        mu, cv, [&] { return sigterms_seen >= 1 || TakePendingSigterm(); }))
        << "round " << round
        << ": the SIGTERM was neither received nor left "
           "pending";
    kept_callback.reset();
    kept.destroyed.store(true);
    runtime.reset();

    SCOPED_TRACE(absl::StrCat("round ", round, "\n", report.ToString()));
    // Exactly one cause won, and it is the one reported.
    ASSERT_LE(winners.load(), 1);
    EXPECT_EQ(report.cause == StopCause::kRequested, winners.load() == 1);
    switch (report.cause) {
      case StopCause::kSignal:
        EXPECT_EQ(report.signal, SIGTERM);
        EXPECT_EQ(report.sender_pid, getpid());
        break;
      case StopCause::kRequested:
        EXPECT_EQ(report.signal, 0);
        break;
      case StopCause::kWorkerFailed:
        EXPECT_EQ(report.signal, 0);
        break;
      default:
        ADD_FAILURE() << "unexpected cause " << StopCauseName(report.cause);
    }
    // The failure is recorded whoever won, and it sets the exit status.
    EXPECT_EQ(report.error, absl::InternalError("boom"));
    EXPECT_EQ(report.exit_code(), kExitWorkerFailed);
    EXPECT_LE(report.extra_stop_signals, 1);
    EXPECT_EQ(report.forced, ForcedReason::kNotForced);
    ASSERT_EQ(report.workers.size(), 2u);
    EXPECT_EQ(report.workers[0].state, WorkerOutcome::State::kFinished);
    EXPECT_EQ(report.workers[1].state, WorkerOutcome::State::kFailed);
    // One stop: its hook and its callbacks ran once; none ran late.
    EXPECT_EQ(hook_runs.load(), 1);
    EXPECT_EQ(kept.runs.load(), 1);
    EXPECT_EQ(kept.late.load(), 0);
    for (const Probe& probe : quick) {
      EXPECT_LE(probe.runs.load(), 1);
      EXPECT_EQ(probe.late.load(), 0);
    }
    ++winners_by_cause[report.cause];
    if (HasFailure()) break;
  }
  printf("%d rounds of %d RequestStop() + 1 SIGTERM + 1 failing worker; "
         "winners: signal %d, requested %d, worker failed %d\n",
         kStopRaceRounds, kRequesters, winners_by_cause[StopCause::kSignal],
         winners_by_cause[StopCause::kRequested],
         winners_by_cause[StopCause::kWorkerFailed]);
}

// StopCallbacks registered and destroyed on two threads while a third
// (the test's main thread) requests the stop, 100,000 times. A callback alive from before the stop
// until after RequestStop() returned runs exactly once; one destroyed
// during the stop runs at most once and never after its destructor
// returned (a late run would also touch a dead StopCallback: asan's
// stack-use-after-scope, tsan's race report).
TEST(StopRaceTest, StopCallbacksRacingTheStopNeverRunTwiceOrLate) {
  constexpr int kRegistrars = 2;
  std::unique_ptr<StopSource> source;
  std::atomic<bool> stop_returned{false};
  std::atomic<bool> finish{false};
  Probe quick[kRegistrars];
  Probe kept[kRegistrars];
  Probe witness;
  std::barrier round_barrier(kRegistrars + 1);  // + main, the stopper

  std::vector<std::thread> threads;
  for (int i = 0; i < kRegistrars; ++i) {
    threads.emplace_back([&, i] {
      for (;;) {
        round_barrier.arrive_and_wait();  // round begins
        if (finish.load()) return;
        const StopToken token = source->token();
        {
          StopCallback held(token, kept[i].Callback());
          {
            StopCallback brief(token, quick[i].Callback());
          }
          quick[i].destroyed.store(true, std::memory_order_release);
          stop_returned.wait(false);
        }
        kept[i].destroyed.store(true, std::memory_order_release);
        round_barrier.arrive_and_wait();  // round ends
      }
    });
  }

  int64_t runs = 0;
  for (int round = 0; round < kCallbackRaceRounds; ++round) {
    source = std::make_unique<StopSource>();
    stop_returned.store(false);
    for (Probe& probe : quick) probe.Reset();
    for (Probe& probe : kept) probe.Reset();
    witness.Reset();
    auto witness_callback =
        std::make_unique<StopCallback>(source->token(), witness.Callback());
    round_barrier.arrive_and_wait();  // the registrars start
    source->RequestStop();
    stop_returned.store(true);
    stop_returned.notify_all();
    round_barrier.arrive_and_wait();  // and are done
    witness_callback.reset();
    bool ok = witness.runs.load() == 1;
    for (int i = 0; i < kRegistrars; ++i) {
      ok = ok && quick[i].runs.load() <= 1 && quick[i].late.load() == 0 &&
           kept[i].runs.load() == 1 && kept[i].late.load() == 0;
      runs += quick[i].runs.load() + kept[i].runs.load();
    }
    if (!ok) {
      ADD_FAILURE() << "round " << round << ": witness ran "
                    << witness.runs.load() << "; quick ran "
                    << quick[0].runs.load() << "/" << quick[1].runs.load()
                    << " (late " << quick[0].late.load() << "/"
                    << quick[1].late.load() << "); kept ran "
                    << kept[0].runs.load() << "/" << kept[1].runs.load();
      break;
    }
  }
  finish.store(true);
  round_barrier.arrive_and_wait();
  for (std::thread& thread : threads) thread.join();
  printf("%d rounds, %d StopCallbacks each racing RequestStop(); %lld "
         "callback runs, none twice, none late\n",
         kCallbackRaceRounds, 2 * kRegistrars + 1,
         static_cast<long long>(runs + kCallbackRaceRounds));
}

// Threads the runtime does not own (so phase 3 does not join them) submit
// tasks while the stop closes the queue, with CPU-bound threads around to
// preempt them anywhere, between a successful push and its bookkeeping
// included. Every Submit() that returned OK is counted as accepted, and
// every accepted task ran or is counted as unstarted. (Regression test: the
// accepted count used to be taken after the push, outside the queue's lock,
// and phase 5 could miss a preempted submitter's task that a pool thread
// had already run: "265 accepted, 268 completed, 0 unstarted".)
class SubmitRaceTest : public ::testing::TestWithParam<UnstartedTaskPolicy> {};

TEST_P(SubmitRaceTest, TasksAcceptedFromUnownedThreadsAddUpExactly) {
  constexpr int kSubmitters = 4;
  constexpr int kHogs = 4;
  int64_t accepted_total = 0;
  int64_t unstarted_total = 0;
  for (int round = 0; round < kSubmitRaceRounds; ++round) {
    RuntimeOptions options = QuietOptions();
    options.pool_threads = 2;
    options.queue_capacity = 16;
    options.unstarted_tasks = GetParam();
    absl::StatusOr<std::unique_ptr<Runtime>> started = Runtime::Start(options);
    ASSERT_TRUE(started.ok()) << started.status();
    std::unique_ptr<Runtime> runtime = std::move(*started);
    std::atomic<bool> hogs_stop{false};
    std::vector<std::thread> threads;
    for (int i = 0; i < kHogs; ++i) {
      threads.emplace_back([&] {
        while (!hogs_stop.load(std::memory_order_relaxed)) {
        }
      });
    }
    std::atomic<int64_t> ok{0};
    std::atomic<int64_t> ran{0};
    for (int i = 0; i < kSubmitters; ++i) {
      threads.emplace_back([&] {
        while (runtime
                   ->Submit([&](StopToken) {
                     ran.fetch_add(1, std::memory_order_relaxed);
                   })
                   .ok()) {
          ok.fetch_add(1, std::memory_order_relaxed);
        }
      });
    }
    while (ok.load() < 50) std::this_thread::yield();
    runtime->RequestStop();
    const ShutdownReport report = runtime->Wait();
    hogs_stop.store(true);
    for (std::thread& thread : threads) thread.join();
    runtime.reset();
    ASSERT_EQ(report.tasks_completed + report.tasks_unstarted,
              report.tasks_accepted)
        << "round " << round << ": " << ok.load()
        << " Submit() calls returned OK, " << ran.load() << " tasks ran\n"
        << report.ToString();
    ASSERT_EQ(report.tasks_accepted, ok.load()) << "round " << round;
    ASSERT_EQ(report.tasks_completed, ran.load()) << "round " << round;
    accepted_total += report.tasks_accepted;
    unstarted_total += report.tasks_unstarted;
  }
  printf("%d rounds: %lld tasks accepted from 4 unowned submitters = "
         "completed + %lld unstarted, exactly, in every round\n",
         kSubmitRaceRounds, static_cast<long long>(accepted_total),
         static_cast<long long>(unstarted_total));
}

INSTANTIATE_TEST_SUITE_P(Policies, SubmitRaceTest,
                         ::testing::Values(UnstartedTaskPolicy::kDrain,
                                           UnstartedTaskPolicy::kLeave),
                         [](const ::testing::TestParamInfo<
                             UnstartedTaskPolicy>& info) {
                           return info.param == UnstartedTaskPolicy::kDrain
                                      ? "Drain"
                                      : "Leave";
                         });

// The two endings of a stop race: the deadline forces the exit while a
// worker holds a CriticalSection, which holds the forced exit back; then the
// section closes, the worker returns, and the graceful path could finish
// (hooks, report, Wait() returning) while the forced exit writes its report
// to a full stderr pipe (up to 200 ms). The ending is decided once: the
// forced exit, with status 124, and no hook starts after it began.
// (Regression test: the graceful path used to win and the process died of
// SIGTERM after announcing "forced exit with status 124".) Runs
// tests/stress_helper in a child process.
TEST(EndingRaceTest, ForcedExitIsNotOvertakenByTheGracefulPath) {
  graceful::testing::ChildOptions options;
  options.stderr_mode = graceful::testing::ChildOptions::Stderr::kFullPipe;
  graceful::testing::ChildProcess child(
      {"tests/stress_helper", "--critical_worker_ms=300", "--grace_ms=100",
       "--hooks=h", "--no_stderr_report"},
      options);
  ASSERT_TRUE(child.WaitForOutput("READY")) << child.out();
  child.Signal(SIGTERM);
  const int status = child.WaitStatus(absl::Seconds(60));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == kExitForced)
      << graceful::testing::DescribeStatus(status) << "\n" << child.out();
  EXPECT_THAT(child.out(), HasSubstr("CRITICAL SECTION CLOSING"));
  EXPECT_THAT(child.out(), ::testing::Not(HasSubstr("HOOK h")));
  EXPECT_THAT(child.out(), ::testing::Not(HasSubstr("REPORT")));
}

}  // namespace
}  // namespace graceful
