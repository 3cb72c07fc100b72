// Copyright 2026 The graceful Authors.
//
// Leaks (docs/guarantees.md, "Resources"): after a Runtime is stopped and
// destroyed, the process has the threads and open file descriptors it had
// before Start() (counted in /proc/self/task and /proc/self/fd), and 1,000
// start/stop cycles in one process (the API allows a new Runtime once the
// previous one is destroyed) grow neither threads, descriptors nor heap.
// Each cycle runs workers, pool tasks, a signal callback, a stop callback
// and a hook, and stops in one of the five ways a stop can begin: a
// RequestStop(), a real SIGTERM or SIGINT sent to this process, a failed
// worker, all work done. The asan build checks the same runs for leaked
// allocations (LeakSanitizer at exit); valgrind checks the end-to-end
// helper (robustness_valgrind_test.cc).

#include <dirent.h>
#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "graceful/graceful.h"

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
// Exported by the asan and tsan runtimes (gcc ships no header for it):
// bytes in live heap allocations, without allocator overhead.
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#define GRACEFUL_SANITIZER_HEAP 1
#endif

namespace graceful {
namespace {

constexpr int kCycles = 1000;
constexpr int kWarmUpCycles = 200;
// Heap growth allowed over the measured cycles, per cycle. One leaked
// std::string, thread record or callback per cycle is 32 bytes or more;
// allocator caches are warm after the first cycles (kWarmUpCycles).
constexpr int64_t kHeapBytesPerCycle = 16;

// Threads of this process that are alive: a thread just joined can linger
// in /proc as a zombie or dead task for a moment.
int CountThreads() {
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return -1;
  int count = 0;
  while (const dirent* entry = readdir(dir)) {
    const std::string tid = entry->d_name;
    if (tid == "." || tid == "..") continue;
    std::ifstream file(absl::StrCat("/proc/self/task/", tid, "/stat"));
    std::string stat((std::istreambuf_iterator<char>(file)),
                     std::istreambuf_iterator<char>());
    const size_t close = stat.rfind(')');
    if (close == std::string::npos || close + 2 >= stat.size()) continue;
    const char state = stat[close + 2];
    if (state == 'Z' || state == 'X' || state == 'x') continue;
    ++count;
  }
  closedir(dir);
  return count;
}

int CountFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int count = 0;
  while (const dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") ++count;
  }
  closedir(dir);
  return count - 1;  // the directory's own descriptor
}

int64_t HeapInUse() {
#ifdef GRACEFUL_SANITIZER_HEAP
  return static_cast<int64_t>(__sanitizer_get_current_allocated_bytes());
#else
  const struct mallinfo2 info = mallinfo2();
  return static_cast<int64_t>(info.uordblks + info.hblkhd);
#endif
}

// Threads that exited a moment ago may still be on their way out of the
// kernel: wait (bounded; a watchdog, not a measurement) until at most
// `expected` are left, and return the count.
int ThreadsSettledAt(int expected) {
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  int count = CountThreads();
  while (count > expected && absl::Now() < give_up) {
    usleep(1000);
    count = CountThreads();
  }
  return count;
}

enum class StopWay { kRequest, kSigterm, kSigint, kWorkerFails, kWorkDone };

const char* StopWayName(StopWay way) {
  switch (way) {
    case StopWay::kRequest:
      return "RequestStop";
    case StopWay::kSigterm:
      return "SIGTERM";
    case StopWay::kSigint:
      return "SIGINT";
    case StopWay::kWorkerFails:
      return "WorkerFails";
    case StopWay::kWorkDone:
      return "WorkDone";
  }
  return "?";
}

// One full life of a runtime: start, work, stop `way`, wait, destroy.
void RunOneCycle(StopWay way, int workers, int tasks) {
  RuntimeOptions options;
  std::atomic<int> events{0};
  options.on_event = [&events](const Event&) { events.fetch_add(1); };
  options.pool_threads = 2;
  absl::StatusOr<std::unique_ptr<Runtime>> started = Runtime::Start(options);
  ASSERT_TRUE(started.ok()) << started.status();
  std::unique_ptr<Runtime> runtime = std::move(*started);

  std::mutex mu;
  std::condition_variable cv;
  bool hup_seen = false;
  runtime->OnSignal(SIGHUP, [&](const siginfo_t&) {
    std::lock_guard<std::mutex> lock(mu);
    hup_seen = true;
    cv.notify_all();
  });
  std::atomic<int> stop_callback_runs{0};
  // Destroyed before the runtime: a StopCallback must not outlive the
  // source of its token.
  auto callback = std::make_unique<StopCallback>(
      runtime->token(), [&] { stop_callback_runs.fetch_add(1); });
  std::atomic<int> hook_runs{0};
  runtime->AddShutdownHook("count", [&] { hook_runs.fetch_add(1); });
  std::atomic<int> tasks_ran{0};
  for (int i = 0; i < workers; ++i) {
    runtime->Spawn(absl::StrCat("worker-", i), [way](StopToken token) {
      if (way == StopWay::kWorkDone) return;
      token.SleepUntil(absl::InfiniteFuture());
    });
  }
  for (int i = 0; i < tasks; ++i) {
    ASSERT_TRUE(runtime->Submit([&](StopToken) { tasks_ran.fetch_add(1); })
                    .ok());
  }
  // A non-stop signal, received and handled (waited for: once the runtime
  // is gone, a SIGHUP still pending would end this process).
  kill(getpid(), SIGHUP);
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(60),
                            [&] { return hup_seen; }))
        << "SIGHUP never received";
  }
  StopCause expected = StopCause::kNone;
  switch (way) {
    case StopWay::kRequest:
      ASSERT_TRUE(runtime->RequestStop());
      expected = StopCause::kRequested;
      break;
    case StopWay::kSigterm:
      kill(getpid(), SIGTERM);
      expected = StopCause::kSignal;
      break;
    case StopWay::kSigint:
      kill(getpid(), SIGINT);
      expected = StopCause::kSignal;
      break;
    case StopWay::kWorkerFails:
      runtime->SpawnWithStatus("failing", [](StopToken) {
        return absl::AbortedError("cycle failure");
      });
      expected = StopCause::kWorkerFailed;
      break;
    case StopWay::kWorkDone:
      expected = StopCause::kWorkDone;
      break;
  }
  // Wait() returning cause kSignal means the signal was received, so none
  // is left pending when the destructor restores the mask.
  const ShutdownReport report = runtime->Wait();
  callback.reset();
  runtime.reset();
  EXPECT_EQ(report.cause, expected) << report.ToString();
  EXPECT_EQ(report.forced, ForcedReason::kNotForced);
  EXPECT_EQ(stop_callback_runs.load(), 1);
  EXPECT_EQ(hook_runs.load(), 1);
  EXPECT_EQ(tasks_ran.load(), tasks);
  EXPECT_EQ(report.tasks_completed, tasks);
  EXPECT_TRUE(report.stragglers().empty()) << report.ToString();
  EXPECT_GT(events.load(), 0);
}

class StopWayTest : public ::testing::TestWithParam<StopWay> {};

TEST_P(StopWayTest, ThreadsAndFdsAfterAStopEqualThoseBeforeStart) {
  // Earlier tests' threads may still be leaving the kernel.
  const int threads_before = ThreadsSettledAt(CountThreads());
  const int fds_before = CountFds();
  RunOneCycle(GetParam(), /*workers=*/8, /*tasks=*/100);
  EXPECT_EQ(ThreadsSettledAt(threads_before), threads_before);
  EXPECT_EQ(CountFds(), fds_before);
}

INSTANTIATE_TEST_SUITE_P(
    AllWays, StopWayTest,
    ::testing::Values(StopWay::kRequest, StopWay::kSigterm, StopWay::kSigint,
                      StopWay::kWorkerFails, StopWay::kWorkDone),
    [](const ::testing::TestParamInfo<StopWay>& info) {
      return StopWayName(info.param);
    });

TEST(StartStopCyclesTest, ThousandCyclesInOneProcessGrowNothing) {
  constexpr StopWay kWays[] = {StopWay::kRequest, StopWay::kSigterm,
                               StopWay::kSigint, StopWay::kWorkerFails,
                               StopWay::kWorkDone};
#ifndef GRACEFUL_SANITIZER_HEAP
  // One malloc arena: glibc otherwise creates arenas, each holding some
  // memory for good, whenever threads happen to contend, which blurs the
  // count. (The sanitizers' counter is exact already.)
  mallopt(M_ARENA_MAX, 1);
#endif
  int threads_start = 0;
  int fds_start = 0;
  std::vector<int64_t> heap(kCycles);
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    if (cycle == kWarmUpCycles) {
      threads_start = ThreadsSettledAt(CountThreads());
      fds_start = CountFds();
    }
    RunOneCycle(kWays[cycle % 5], /*workers=*/2, /*tasks=*/8);
    if (HasFailure()) {
      ADD_FAILURE() << "cycle " << cycle << " ("
                    << StopWayName(kWays[cycle % 5]) << ")";
      return;
    }
    heap[cycle] = HeapInUse();
  }
  const int threads_end = ThreadsSettledAt(threads_start);
  const int fds_end = CountFds();
  // Heap in use after a cycle is the retained heap plus a bounded,
  // non-negative noise (in the plain build, chunks the main thread's malloc
  // cache holds count as in use): compare the least values of a window
  // right after the warm-up and of the last window. A leak grows both the
  // least and the most value of each window, cycle after cycle.
  constexpr int kWindow = 100;
  const int64_t heap_early =
      *std::min_element(heap.begin() + kWarmUpCycles,
                        heap.begin() + kWarmUpCycles + kWindow);
  const int64_t heap_late = *std::min_element(heap.end() - kWindow, heap.end());
  const int measured = kCycles - kWindow - kWarmUpCycles;
  EXPECT_EQ(threads_end, threads_start);
  EXPECT_EQ(fds_end, fds_start);
  EXPECT_LE(heap_late - heap_early, kHeapBytesPerCycle * measured)
      << "heap grew from " << heap_early << " to " << heap_late << " bytes";
  printf("%d start/stop cycles (5 ways, 2 workers, 8 tasks, 1 SIGHUP each); "
         "after %d: threads %d -> %d, fds %d -> %d, heap %lld -> %lld bytes "
         "(%+.2f per cycle over %d cycles)\n",
         kCycles, kWarmUpCycles, threads_start, threads_end, fds_start,
         fds_end, static_cast<long long>(heap_early),
         static_cast<long long>(heap_late),
         static_cast<double>(heap_late - heap_early) / measured, measured);
}

}  // namespace
}  // namespace graceful
