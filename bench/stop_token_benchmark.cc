// Copyright 2026 The graceful Authors.
//
// What polling the stop flag costs, side by side with every flag a user
// would otherwise poll: `std::atomic<bool>` (relaxed, acquire, seq_cst
// loads), `volatile std::sig_atomic_t`, C++20 `std::stop_token`,
// `absl::Notification::HasBeenNotified()`, and an empty loop.
//
//   BM_Poll_<Flag>                 the bare poll in a loop
//   BM_PollInWork_<Flag>           the poll between work units, a serial
//                                  hash chain of `mix_rounds` rounds (3 is
//                                  about 12 ns, 20 about 80 ns here)
//   BM_PollContended_<Case>        one thread polls while another writes:
//                                  a counter on another cache line, the
//                                  runtime's own busiest state (a task
//                                  queue kept full), the flag's own cache
//                                  line, or the token's shared state by
//                                  copying tokens
//   BM_TokenCopy_<Token>           what passing a token by value costs
//
// Every poll variant runs the same loop skeleton (RunPollLoop /
// RunWorkLoop), so the variants differ only in the poll. The compiler
// cannot hoist a poll out of the loop: every flag is an atomic or volatile
// object, whose loads it must perform each time; `asm volatile("")` keeps
// the loop (and so each iteration) even when the poll is a constant.
//
// bench/run.sh runs this with -c opt; bench/README.md has the numbers.

#include <sched.h>

#include <chrono>
#include <algorithm>
#include <csignal>
#include <cstdint>
#include <memory>
#include <stop_token>
#include <thread>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "benchmark/benchmark.h"
#include "graceful/runtime.h"
#include "graceful/stop_token.h"

namespace {

// Keeps a loop iteration alive without touching memory, identically in
// every variant.
inline void KeepIteration() { asm volatile(""); }

// The fastest repetition, reported beside Google Benchmark's mean and
// median: on a shared machine a 0.3 ns loop runs up to twice as slow
// whenever the other CPU is busy, and the minimum of repetitions
// interleaved at random with the other variants
// (--benchmark_enable_random_interleaving) is each variant's cost
// undisturbed.
double MinOf(const std::vector<double>& values) {
  return *std::min_element(values.begin(), values.end());
}

// One round of a 64-bit mixer (the finaliser of MurmurHash3): two
// multiplications and three xor-shifts, each depending on the one before.
inline uint64_t MixRound(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

// A work unit: `rounds` rounds in a serial chain (no round can start before
// the one before it ends, so the CPU cannot overlap them).
inline uint64_t WorkUnit(uint64_t x, int rounds) {
  for (int i = 0; i < rounds; ++i) x = MixRound(x);
  return x;
}

// The flags the variants poll, each on a cache line of its own. None is
// ever set: a poll that saw a stop would be a bug in the benchmark.
struct alignas(64) AtomicBoolFlag {
  std::atomic<bool> value{false};
};
AtomicBoolFlag atomic_flag;
alignas(64) volatile std::sig_atomic_t sig_atomic_flag = 0;

// What a loop does when its poll sees a stop: a call the compiler cannot
// see into, as a real loop would leave the loop and unwind. It keeps the
// poll a load and a branch (without it GCC turns `if (poll()) ++stops` into
// branch-free arithmetic, which no real loop looks like). Never called.
ABSL_ATTRIBUTE_NOINLINE void StopSeen(benchmark::State& state) {
  state.SkipWithError("a poll saw a stop");
}

// The same loop for every variant: poll, react to a stop (never happens),
// keep the iteration.
template <typename Poll>
void RunPollLoop(benchmark::State& state, Poll poll) {
  for (auto _ : state) {
    if (ABSL_PREDICT_FALSE(poll())) StopSeen(state);
    KeepIteration();
  }
}

// Poll, then one work unit whose result feeds the next.
template <typename Poll>
void RunWorkLoop(benchmark::State& state, Poll poll) {
  const int rounds = static_cast<int>(state.range(0));
  uint64_t hash = 0x9e3779b97f4a7c15ULL;
  for (auto _ : state) {
    if (ABSL_PREDICT_FALSE(poll())) StopSeen(state);
    hash = WorkUnit(hash, rounds);
    KeepIteration();
  }
  benchmark::DoNotOptimize(hash);
}

// Each flag as a poll, for both loops.
auto NoPoll() {
  return [] { return false; };
}
template <std::memory_order kOrder>
auto AtomicPoll() {
  return [] { return atomic_flag.value.load(kOrder); };
}
auto SigAtomicPoll() {
  return [] { return sig_atomic_flag != 0; };
}

#define GRACEFUL_POLL_BENCHMARKS(Name, setup, poll)                     \
  void BM_Poll_##Name(benchmark::State& state) {                        \
    setup;                                                              \
    RunPollLoop(state, poll);                                           \
  }                                                                     \
  BENCHMARK(BM_Poll_##Name)->ComputeStatistics("min", MinOf);            \
  void BM_PollInWork_##Name(benchmark::State& state) {                  \
    setup;                                                              \
    RunWorkLoop(state, poll);                                           \
  }                                                                     \
  BENCHMARK(BM_PollInWork_##Name)                                       \
      ->ArgName("mix_rounds")                                             \
      ->Arg(3)                                                            \
      ->Arg(20)                                                           \
      ->ComputeStatistics("min", MinOf)

GRACEFUL_POLL_BENCHMARKS(EmptyLoop, , NoPoll());
GRACEFUL_POLL_BENCHMARKS(AtomicBoolRelaxed, ,
                         AtomicPoll<std::memory_order_relaxed>());
GRACEFUL_POLL_BENCHMARKS(AtomicBoolAcquire, ,
                         AtomicPoll<std::memory_order_acquire>());
GRACEFUL_POLL_BENCHMARKS(AtomicBoolSeqCst, ,
                         AtomicPoll<std::memory_order_seq_cst>());
GRACEFUL_POLL_BENCHMARKS(VolatileSigAtomic, , SigAtomicPoll());
GRACEFUL_POLL_BENCHMARKS(
    StdStopToken, std::stop_source source;
    const std::stop_token token = source.get_token(),
    [token] { return token.stop_requested(); });
GRACEFUL_POLL_BENCHMARKS(AbslNotification,
                         auto notification =
                             std::make_unique<absl::Notification>(),
                         [n = notification.get()] {
                           return n->HasBeenNotified();
                         });
GRACEFUL_POLL_BENCHMARKS(StopToken, graceful::StopSource source;
                         const graceful::StopToken token = source.token(),
                         [token] { return token.stop_requested(); });

#undef GRACEFUL_POLL_BENCHMARKS

// --- Contention -----------------------------------------------------------

// The contended cases measure what the writer's stores do to the poller's
// cache, not how the scheduler shares two CPUs among three threads: the
// poller runs on the first CPU this process may use, every writer on the
// second (when there are two).
class ScopedCpuPin {
 public:
  // Pins the calling thread to the `index`-th CPU of the process's
  // affinity mask at construction (if it has that many), and restores the
  // mask when destroyed.
  explicit ScopedCpuPin(int index) {
    if (sched_getaffinity(0, sizeof(saved_), &saved_) != 0) return;
    int seen = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (!CPU_ISSET(cpu, &saved_) || seen++ != index) continue;
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(cpu, &one);
      pinned_ = sched_setaffinity(0, sizeof(one), &one) == 0;
      return;
    }
  }
  ~ScopedCpuPin() {
    if (pinned_) sched_setaffinity(0, sizeof(saved_), &saved_);
  }
  ScopedCpuPin(const ScopedCpuPin&) = delete;
  ScopedCpuPin& operator=(const ScopedCpuPin&) = delete;

 private:
  cpu_set_t saved_;
  bool pinned_ = false;
};

constexpr int kPollerCpu = 0;
constexpr int kWriterCpu = 1;

// Runs `write` in a loop on another thread while `poll` is benchmarked.
template <typename Poll, typename Write>
void RunContended(benchmark::State& state, Poll poll, Write write) {
  const ScopedCpuPin pin(kPollerCpu);
  std::atomic<bool> done{false};
  std::atomic<bool> writing{false};
  std::atomic<int64_t> writes{0};
  std::thread writer([&] {
    const ScopedCpuPin writer_pin(kWriterCpu);
    writing.store(true);
    int64_t n = 0;
    while (!done.load(std::memory_order_relaxed)) {
      write();
      ++n;
    }
    writes.store(n);
  });
  while (!writing.load()) std::this_thread::yield();
  const auto start = std::chrono::steady_clock::now();
  RunPollLoop(state, poll);
  const double seconds = std::chrono::duration<double>(
                             std::chrono::steady_clock::now() - start)
                             .count();
  done.store(true);
  writer.join();
  // How busy the writer was: its writes per microsecond of the poll loop.
  state.counters["writes_per_us"] =
      static_cast<double>(writes.load()) / (seconds * 1e6);
}

// (a) The writer increments a counter on another cache line.
void BM_PollContended_OtherLine(benchmark::State& state) {
  graceful::StopSource source;
  const graceful::StopToken token = source.token();
  struct alignas(64) Counter {
    std::atomic<uint64_t> value{0};
  };
  auto counter = std::make_unique<Counter>();
  RunContended(
      state, [token] { return token.stop_requested(); },
      [c = counter.get()] {
        // One writer: a plain store, no locked read-modify-write.
        c->value.store(c->value.load(std::memory_order_relaxed) + 1,
                       std::memory_order_relaxed);
      });
}
BENCHMARK(BM_PollContended_OtherLine)->ComputeStatistics("min", MinOf);

// (a') The same, with a locked read-modify-write (fetch_add): what the
// runtime's mutexes and counters execute. It writes another cache line
// too, so any slowdown here is the cost of the other CPU's locked
// instructions, not of sharing.
void BM_PollContended_OtherLineLocked(benchmark::State& state) {
  graceful::StopSource source;
  const graceful::StopToken token = source.token();
  struct alignas(64) Counter {
    std::atomic<uint64_t> value{0};
  };
  auto counter = std::make_unique<Counter>();
  RunContended(
      state, [token] { return token.stop_requested(); },
      [c = counter.get()] {
        c->value.fetch_add(1, std::memory_order_relaxed);
      });
}
BENCHMARK(BM_PollContended_OtherLineLocked)->ComputeStatistics("min", MinOf);

// (b) The runtime's busiest shared state: one worker keeps `Submit()`ing
// empty tasks and a pool thread keeps running them, so the task queue's
// mutex, indices and condition variables and the runtime's task counters
// are written all the time, while this thread polls the runtime's token.
void BM_PollContended_RuntimeState(benchmark::State& state) {
  graceful::RuntimeOptions options;
  options.pool_threads = 1;
  options.queue_capacity = 64;
  absl::StatusOr<std::unique_ptr<graceful::Runtime>> runtime =
      graceful::Runtime::Start(options);
  if (!runtime.ok()) {
    state.SkipWithError(std::string(runtime.status().message()).c_str());
    for (auto _ : state) {
    }
    return;
  }
  graceful::Runtime& rt = **runtime;
  const ScopedCpuPin pin(kPollerCpu);
  std::atomic<int64_t> submitted{0};
  rt.Spawn("submitter", [&rt, &submitted](graceful::StopToken token) {
    const ScopedCpuPin writer_pin(kWriterCpu);
    while (!token.stop_requested()) {
      const auto task = [](graceful::StopToken) {
        thread_local ScopedCpuPin pool_pin(kWriterCpu);
      };
      if (rt.Submit(task).ok()) {
        submitted.fetch_add(1, std::memory_order_relaxed);
      }
    }
  });
  while (submitted.load() < 1000) std::this_thread::yield();
  const int64_t before = submitted.load();
  const graceful::StopToken token = rt.token();
  const auto start = std::chrono::steady_clock::now();
  RunPollLoop(state, [token] { return token.stop_requested(); });
  const double seconds = std::chrono::duration<double>(
                             std::chrono::steady_clock::now() - start)
                             .count();
  // Tasks submitted and run per microsecond of the poll loop.
  state.counters["tasks_per_us"] =
      static_cast<double>(submitted.load() - before) / (seconds * 1e6);
  runtime->reset();  // requests the stop and joins
}
BENCHMARK(BM_PollContended_RuntimeState)->ComputeStatistics("min", MinOf);

// (c) What the runtime avoids: a counter on the flag's own cache line
// (false sharing).
void BM_PollContended_SameLine(benchmark::State& state) {
  struct alignas(64) Line {
    std::atomic<bool> flag{false};
    std::atomic<uint64_t> counter{0};
  };
  auto line = std::make_unique<Line>();
  RunContended(
      state,
      [l = line.get()] { return l->flag.load(std::memory_order_relaxed); },
      [l = line.get()] {
        l->counter.store(l->counter.load(std::memory_order_relaxed) + 1,
                         std::memory_order_relaxed);
      });
}
BENCHMARK(BM_PollContended_SameLine)->ComputeStatistics("min", MinOf);

// (d) Another thread hands out copies of the token (as passing it to every
// task does). A std::stop_token copy increments and decrements a reference
// count next to the stop flag; a graceful::StopToken copy writes nothing.
void BM_PollContended_TokenCopies_StopToken(benchmark::State& state) {
  graceful::StopSource source;
  const graceful::StopToken token = source.token();
  RunContended(
      state, [token] { return token.stop_requested(); },
      [&token] {
        graceful::StopToken copy = token;
        benchmark::DoNotOptimize(copy);
      });
}
BENCHMARK(BM_PollContended_TokenCopies_StopToken)->ComputeStatistics("min", MinOf);

void BM_PollContended_TokenCopies_StdStopToken(benchmark::State& state) {
  std::stop_source source;
  const std::stop_token token = source.get_token();
  RunContended(
      state, [token] { return token.stop_requested(); },
      [&token] {
        std::stop_token copy = token;
        benchmark::DoNotOptimize(copy);
      });
}
BENCHMARK(BM_PollContended_TokenCopies_StdStopToken)->ComputeStatistics("min", MinOf);

// --- Copies -----------------------------------------------------------------

void BM_TokenCopy_StopToken(benchmark::State& state) {
  graceful::StopSource source;
  const graceful::StopToken token = source.token();
  for (auto _ : state) {
    graceful::StopToken copy = token;
    benchmark::DoNotOptimize(copy);
  }
}
BENCHMARK(BM_TokenCopy_StopToken)->ComputeStatistics("min", MinOf);

void BM_TokenCopy_StdStopToken(benchmark::State& state) {
  std::stop_source source;
  const std::stop_token token = source.get_token();
  for (auto _ : state) {
    std::stop_token copy = token;
    benchmark::DoNotOptimize(copy);
  }
}
BENCHMARK(BM_TokenCopy_StdStopToken)->ComputeStatistics("min", MinOf);

}  // namespace

BENCHMARK_MAIN();
