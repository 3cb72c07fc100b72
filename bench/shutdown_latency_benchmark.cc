// Copyright 2026 The graceful Authors.
//
// BM_Shutdown_Latency: the time from `kill(getpid(), SIGTERM)` (timestamp
// taken just before the call) until every worker is joined, for graceful's
// Runtime and for the alternatives a user would otherwise write, all in
// this one binary, with one trial harness, trials interleaved so that every
// mechanism sees the same machine load.
//
// Per trial it records three times, all measured from just before kill():
//   seen     the receiving thread has the signal and is about to request
//            the stop (graceful: `ShutdownReport::stop_requested_at`)
//   last     the last worker saw the stop and returned (graceful: the
//            latest `WorkerOutcome::finished`)
//   joined   `Runtime::Wait()` returned / the last worker was joined
//
// Mechanisms (--mechanisms):
//   graceful              Runtime with default options (the signal thread
//                         runs SCHED_FIFO when permitted)
//   graceful_inherit      signal_thread_priority = kInherit: what graceful
//                         does without the privilege
//   graceful_idle_workers kInherit plus worker_priority = kIdle: the
//                         unprivileged opt-in
//   sigwait_cv            a sigwaitinfo thread sets a flag under a mutex,
//                         std::condition_variable::notify_all
//   sigwait_futex         a sigwaitinfo thread sets a std::atomic, C++20
//                         atomic notify_all (a futex wake)
//   signalfd_epoll        a thread epoll_waits on a signalfd, then wakes
//                         workers through an eventfd they poll
//   self_pipe             a handler writes a byte to a pipe, a thread
//                         polls the pipe, then a flag + notify_all
//   jthread_stop_token    std::jthread workers, a sigwaitinfo thread calls
//                         std::stop_source::request_stop(), workers wait in
//                         std::condition_variable_any::wait(lock, token, ..)
//   naive_sleep_poll      a handler sets a flag (no signal blocked, so it
//                         runs in any thread); workers sleep 10 ms and
//                         check it
//   floor                 only a sigwaitinfo thread, no workers: the time
//                         the kernel takes to run the receiving thread
//
// Worker styles (--styles):
//   sleep    idle, sleeping on the stop (graceful: StopToken::SleepFor)
//   queue    idle, waiting on an empty task queue (graceful: pool threads in
//            Runtime::Submit's queue, plus one producer worker sleeping on
//            the token, as a program whose input is idle has)
//   compute  compute-bound: a ~50 us serial hash chain, then a poll
//
// Idle trials start the clock only once every thread of the process sleeps
// (from /proc/self/task), compute trials once every worker was released.
//
// Flags: --trials=N (200) --workers=1,8,64,256 --styles=sleep,queue,compute
//   --mechanisms=all|name,name --samples_out=FILE (CSV, one row per trial)
//   --floor_trials=N (same as --trials)
//
// bench/run.sh runs it with -c opt and turns the CSV into bench/README.md's
// tables and plot. It asserts nothing about time.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <dirent.h>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "graceful/runtime.h"

namespace {

// --- Time and work -----------------------------------------------------------

// CLOCK_REALTIME in nanoseconds: the clock absl::Now() (and so the
// ShutdownReport) reads, and async-signal-safe.
int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

void RecordMax(std::atomic<int64_t>& slot, int64_t value) {
  int64_t seen = slot.load(std::memory_order_relaxed);
  while (value > seen &&
         !slot.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
}

inline uint64_t MixRound(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

// Rounds of MixRound in one ~50 us compute step; set by Calibrate().
int step_rounds = 10000;
std::atomic<uint64_t> work_sink{0};

void Calibrate() {
  uint64_t x = 1;
  const int64_t start = NowNs();
  constexpr int kRounds = 2000000;
  for (int i = 0; i < kRounds; ++i) x = MixRound(x);
  const int64_t elapsed = std::max<int64_t>(NowNs() - start, 1);
  work_sink += x;
  step_rounds = static_cast<int>(int64_t{kRounds} * 50000 / elapsed);
}

// One compute step (~50 us), a serial chain the CPU cannot shorten.
uint64_t ComputeStep(uint64_t x) {
  for (int i = 0; i < step_rounds; ++i) x = MixRound(x);
  return x;
}

// --- Threads ---------------------------------------------------------------

// Blocks until every thread of this process but the caller is asleep
// (state S or D in /proc/self/task/*/stat), so an idle trial starts with
// its workers parked, not still on their way to the wait.
void WaitUntilOtherThreadsSleep() {
  const pid_t self = static_cast<pid_t>(gettid());
  for (int attempt = 0; attempt < 20000; ++attempt) {
    bool all_asleep = true;
    DIR* dir = opendir("/proc/self/task");
    if (dir == nullptr) return;
    while (dirent* entry = readdir(dir)) {
      if (entry->d_name[0] == '.') continue;
      if (atoi(entry->d_name) == self) continue;
      const std::string path =
          absl::StrCat("/proc/self/task/", entry->d_name, "/stat");
      const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;  // exited meanwhile
      char buf[512];
      const ssize_t got = read(fd, buf, sizeof(buf) - 1);
      close(fd);
      if (got <= 0) continue;
      buf[got] = '\0';
      const char* paren = strrchr(buf, ')');
      if (paren == nullptr || paren[1] == '\0') continue;
      const char state = paren[2];
      if (state != 'S' && state != 'D') {
        all_asleep = false;
        break;
      }
    }
    closedir(dir);
    if (all_asleep) return;
    usleep(200);
  }
}

// A one-shot gate that compute workers wait at until all are created.
class Gate {
 public:
  void Wait() {
    while (!open_.load(std::memory_order_acquire)) open_.wait(false);
  }
  void Open() {
    open_.store(true, std::memory_order_release);
    open_.notify_all();
  }

 private:
  std::atomic<bool> open_{false};
};

// Compute trials: give the released workers time to spread over the CPUs.
void LetComputeWorkersRun() { usleep(3000); }

enum class Style { kSleep, kQueue, kCompute, kNone };

const char* StyleName(Style style) {
  switch (style) {
    case Style::kSleep:
      return "sleep";
    case Style::kQueue:
      return "queue";
    case Style::kCompute:
      return "compute";
    case Style::kNone:
      return "none";
  }
  return "?";
}

// Queue trials have, besides the `workers` idle pool threads, one producer
// thread sleeping on the stop (graceful: a spawned worker in SleepFor) whose
// input is idle; it is what keeps a graceful runtime from stopping by itself
// with "all work done" while its pool is idle, and every mechanism gets it.
int ThreadCount(Style style, int workers) {
  return style == Style::kQueue ? workers + 1 : workers;
}
Style RoleOf(Style style, int index) {
  return style == Style::kQueue && index == 0 ? Style::kSleep : style;
}

struct Sample {
  int64_t seen_ns = -1;
  int64_t last_ns = -1;
  int64_t joined_ns = -1;
};

// What every alternative's trial shares: the clock's start, the signal's
// arrival, the last worker's exit.
struct TrialClock {
  int64_t kill_at = 0;
  std::atomic<int64_t> seen_at{0};
  std::atomic<int64_t> last_worker_at{0};

  Sample Finish() const {
    Sample s;
    const int64_t joined = NowNs();
    s.seen_ns = seen_at.load() - kill_at;
    s.last_ns = last_worker_at.load() == 0 ? -1
                                           : last_worker_at.load() - kill_at;
    s.joined_ns = joined - kill_at;
    return s;
  }
};

void SendSigterm(TrialClock& clock) {
  clock.kill_at = NowNs();
  kill(getpid(), SIGTERM);
}

sigset_t SigtermSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  return set;
}

// Receives SIGTERM with sigwaitinfo (the process keeps it blocked).
void SigwaitTerm() {
  const sigset_t set = SigtermSet();
  siginfo_t info;
  while (sigwaitinfo(&set, &info) < 0 && errno == EINTR) {
  }
}

// --- Alternative: a std::mutex + std::condition_variable task queue ---------

// The pool queue a user writes: idle workers block in Pop(); Close() wakes
// them all.
class CvQueue {
 public:
  // Returns false once closed (there are never tasks in these trials).
  bool Pop() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return closed_ || !tasks_.empty(); });
    if (tasks_.empty()) return false;
    tasks_.pop_front();
    return true;
  }
  // Waits at most `timeout` for a task; for the naive pool.
  void PopFor(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return closed_ || !tasks_.empty(); });
  }
  void Close() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<int> tasks_;
  bool closed_ = false;
};

// --- Alternative: sigwaitinfo + flag + condition_variable ------------------

Sample RunSigwaitCv(Style style, int workers) {
  TrialClock clock;
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;                 // guarded by mu
  std::atomic<bool> stop_flag{false};  // for compute workers
  CvQueue queue;
  Gate gate;
  std::thread receiver([&] {
    SigwaitTerm();
    clock.seen_at = NowNs();
    {
      std::lock_guard<std::mutex> lock(mu);
      stop = true;
      stop_flag.store(true, std::memory_order_relaxed);
    }
    cv.notify_all();
    queue.Close();
  });
  std::vector<std::thread> threads;
  for (int i = 0; i < ThreadCount(style, workers); ++i) {
    threads.emplace_back([&, i] {
      switch (RoleOf(style, i)) {
        case Style::kSleep: {
          std::unique_lock<std::mutex> lock(mu);
          while (!cv.wait_for(lock, std::chrono::seconds(10),
                              [&] { return stop; })) {
          }
          break;
        }
        case Style::kQueue:
          while (queue.Pop()) {
          }
          break;
        default: {
          gate.Wait();
          uint64_t x = 1;
          while (!stop_flag.load(std::memory_order_relaxed)) {
            x = ComputeStep(x);
          }
          work_sink += x;
        }
      }
      RecordMax(clock.last_worker_at, NowNs());
    });
  }
  if (style == Style::kCompute) {
    gate.Open();
    LetComputeWorkersRun();
  } else {
    WaitUntilOtherThreadsSleep();
  }
  SendSigterm(clock);
  receiver.join();
  for (std::thread& t : threads) t.join();
  return clock.Finish();
}

// --- Alternative: sigwaitinfo + C++20 atomic wait/notify (futex) ------------

// A queue whose idle workers sleep on a futex (std::atomic::wait).
class FutexQueue {
 public:
  bool Pop() {
    for (;;) {
      uint32_t version;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (!tasks_.empty()) {
          tasks_.pop_front();
          return true;
        }
        if (closed_) return false;
        version = version_.load(std::memory_order_relaxed);
      }
      version_.wait(version);
    }
  }
  void Close() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = true;
      version_.fetch_add(1, std::memory_order_relaxed);
    }
    version_.notify_all();
  }

 private:
  std::mutex mu_;
  std::atomic<uint32_t> version_{0};
  std::deque<int> tasks_;
  bool closed_ = false;
};

Sample RunSigwaitFutex(Style style, int workers) {
  TrialClock clock;
  std::atomic<bool> stop{false};
  FutexQueue queue;
  Gate gate;
  std::thread receiver([&] {
    SigwaitTerm();
    clock.seen_at = NowNs();
    stop.store(true, std::memory_order_release);
    stop.notify_all();
    queue.Close();
  });
  std::vector<std::thread> threads;
  for (int i = 0; i < ThreadCount(style, workers); ++i) {
    threads.emplace_back([&, i] {
      switch (RoleOf(style, i)) {
        case Style::kSleep:
          while (!stop.load(std::memory_order_acquire)) stop.wait(false);
          break;
        case Style::kQueue:
          while (queue.Pop()) {
          }
          break;
        default: {
          gate.Wait();
          uint64_t x = 1;
          while (!stop.load(std::memory_order_relaxed)) x = ComputeStep(x);
          work_sink += x;
        }
      }
      RecordMax(clock.last_worker_at, NowNs());
    });
  }
  if (style == Style::kCompute) {
    gate.Open();
    LetComputeWorkersRun();
  } else {
    WaitUntilOtherThreadsSleep();
  }
  SendSigterm(clock);
  receiver.join();
  for (std::thread& t : threads) t.join();
  return clock.Finish();
}

// --- Alternative: signalfd + epoll -----------------------------------------

Sample RunSignalfdEpoll(Style style, int workers) {
  TrialClock clock;
  const sigset_t set = SigtermSet();
  const int sfd = signalfd(-1, &set, SFD_CLOEXEC);
  const int efd = epoll_create1(EPOLL_CLOEXEC);
  const int stop_fd = eventfd(0, EFD_CLOEXEC);  // readable once stopping
  epoll_event event = {};
  event.events = EPOLLIN;
  epoll_ctl(efd, EPOLL_CTL_ADD, sfd, &event);
  std::atomic<bool> stop{false};
  CvQueue queue;
  Gate gate;
  std::thread receiver([&] {
    epoll_event ready;
    while (epoll_wait(efd, &ready, 1, -1) < 1) {
    }
    signalfd_siginfo info;
    [[maybe_unused]] ssize_t got = read(sfd, &info, sizeof(info));
    clock.seen_at = NowNs();
    stop.store(true, std::memory_order_release);
    const uint64_t one = 1;
    got = write(stop_fd, &one, sizeof(one));
    queue.Close();
  });
  std::vector<std::thread> threads;
  for (int i = 0; i < ThreadCount(style, workers); ++i) {
    threads.emplace_back([&, i] {
      switch (RoleOf(style, i)) {
        case Style::kSleep: {
          // The event-loop worker: sleeps in poll() on the stop eventfd
          // (never read, so it stays readable for every worker).
          pollfd fd = {stop_fd, POLLIN, 0};
          while (!stop.load(std::memory_order_acquire)) poll(&fd, 1, 10000);
          break;
        }
        case Style::kQueue:
          while (queue.Pop()) {
          }
          break;
        default: {
          gate.Wait();
          uint64_t x = 1;
          while (!stop.load(std::memory_order_relaxed)) x = ComputeStep(x);
          work_sink += x;
        }
      }
      RecordMax(clock.last_worker_at, NowNs());
    });
  }
  if (style == Style::kCompute) {
    gate.Open();
    LetComputeWorkersRun();
  } else {
    WaitUntilOtherThreadsSleep();
  }
  SendSigterm(clock);
  receiver.join();
  for (std::thread& t : threads) t.join();
  Sample sample = clock.Finish();
  close(sfd);
  close(efd);
  close(stop_fd);
  return sample;
}

// --- Alternative: the self-pipe trick ---------------------------------------

int self_pipe_write_fd = -1;

void SelfPipeHandler(int) {
  const int saved_errno = errno;
  const char byte = 1;
  [[maybe_unused]] ssize_t ignored = write(self_pipe_write_fd, &byte, 1);
  errno = saved_errno;
}

Sample RunSelfPipe(Style style, int workers) {
  TrialClock clock;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return {};
  self_pipe_write_fd = fds[1];
  struct sigaction action = {};
  struct sigaction old_action;
  action.sa_handler = &SelfPipeHandler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, &old_action);
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;  // guarded by mu
  std::atomic<bool> stop_flag{false};
  CvQueue queue;
  Gate gate;
  std::atomic<bool> receiver_ready{false};
  std::thread receiver([&] {
    // Only this thread takes the signal: the handler runs here, writes the
    // byte, and the poll below wakes.
    const sigset_t set = SigtermSet();
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    receiver_ready = true;
    pollfd fd = {fds[0], POLLIN, 0};
    while (poll(&fd, 1, -1) < 1) {
    }
    char byte;
    [[maybe_unused]] ssize_t got = read(fds[0], &byte, 1);
    clock.seen_at = NowNs();
    {
      std::lock_guard<std::mutex> lock(mu);
      stop = true;
      stop_flag.store(true, std::memory_order_relaxed);
    }
    cv.notify_all();
    queue.Close();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
  });
  std::vector<std::thread> threads;
  for (int i = 0; i < ThreadCount(style, workers); ++i) {
    threads.emplace_back([&, i] {
      switch (RoleOf(style, i)) {
        case Style::kSleep: {
          std::unique_lock<std::mutex> lock(mu);
          while (!cv.wait_for(lock, std::chrono::seconds(10),
                              [&] { return stop; })) {
          }
          break;
        }
        case Style::kQueue:
          while (queue.Pop()) {
          }
          break;
        default: {
          gate.Wait();
          uint64_t x = 1;
          while (!stop_flag.load(std::memory_order_relaxed)) {
            x = ComputeStep(x);
          }
          work_sink += x;
        }
      }
      RecordMax(clock.last_worker_at, NowNs());
    });
  }
  while (!receiver_ready) std::this_thread::yield();
  if (style == Style::kCompute) {
    gate.Open();
    LetComputeWorkersRun();
  } else {
    WaitUntilOtherThreadsSleep();
  }
  SendSigterm(clock);
  receiver.join();
  for (std::thread& t : threads) t.join();
  Sample sample = clock.Finish();
  sigaction(SIGTERM, &old_action, nullptr);
  close(fds[0]);
  close(fds[1]);
  return sample;
}

// --- Alternative: std::jthread + std::stop_token ----------------------------

Sample RunJthreadStopToken(Style style, int workers) {
  TrialClock clock;
  std::stop_source source;
  std::mutex mu;
  std::condition_variable_any cv;
  Gate gate;
  std::thread receiver([&] {
    SigwaitTerm();
    clock.seen_at = NowNs();
    source.request_stop();
  });
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < ThreadCount(style, workers); ++i) {
      // Every worker observes the one shared source (with each jthread's
      // own source, request_stop() would have to be called N times).
      threads.emplace_back([&, i, token = source.get_token()] {
        switch (RoleOf(style, i)) {
          case Style::kSleep: {
            std::unique_lock<std::mutex> lock(mu);
            while (!token.stop_requested()) {
              cv.wait_for(lock, token, std::chrono::seconds(10),
                          [] { return false; });
            }
            break;
          }
          case Style::kQueue: {
            std::deque<int> tasks;  // a queue that stays empty
            std::unique_lock<std::mutex> lock(mu);
            while (cv.wait(lock, token, [&] { return !tasks.empty(); })) {
            }
            break;
          }
          default: {
            gate.Wait();
            uint64_t x = 1;
            while (!token.stop_requested()) x = ComputeStep(x);
            work_sink += x;
          }
        }
        RecordMax(clock.last_worker_at, NowNs());
      });
    }
    if (style == Style::kCompute) {
      gate.Open();
      LetComputeWorkersRun();
    } else {
      WaitUntilOtherThreadsSleep();
    }
    SendSigterm(clock);
    receiver.join();
  }  // ~jthread joins
  return clock.Finish();
}

// --- Alternative: handler sets a flag, workers sleep 10 ms and check --------

// The naive flag. Not `volatile std::sig_atomic_t`: that is only safe for a
// handler and the code of the thread it interrupted, and between threads
// it is a data race (ThreadSanitizer reports it). A lock-free atomic is
// just as cheap and may be stored from a handler.
std::atomic<bool> naive_stop{false};
std::atomic<int64_t> naive_seen_at{0};

void NaiveHandler(int) {
  naive_stop.store(true, std::memory_order_relaxed);
  naive_seen_at.store(NowNs(), std::memory_order_relaxed);
}

Sample RunNaive(Style style, int workers) {
  TrialClock clock;
  naive_stop = false;
  naive_seen_at = 0;
  struct sigaction action = {};
  struct sigaction old_action;
  action.sa_handler = &NaiveHandler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, &old_action);
  // The naive program blocks nothing: the handler runs in whichever thread
  // the kernel picks.
  const sigset_t set = SigtermSet();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  CvQueue queue;  // never closed: the naive pool checks the flag
  Gate gate;
  std::vector<std::thread> threads;
  for (int i = 0; i < ThreadCount(style, workers); ++i) {
    threads.emplace_back([&, i] {
      switch (RoleOf(style, i)) {
        case Style::kSleep:
          while (!naive_stop.load(std::memory_order_relaxed)) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
          }
          break;
        case Style::kQueue:
          while (!naive_stop.load(std::memory_order_relaxed)) {
            queue.PopFor(std::chrono::milliseconds(10));
          }
          break;
        default: {
          gate.Wait();
          uint64_t x = 1;
          while (!naive_stop.load(std::memory_order_relaxed)) {
            x = ComputeStep(x);
          }
          work_sink += x;
        }
      }
      RecordMax(clock.last_worker_at, NowNs());
    });
  }
  if (style == Style::kCompute) {
    gate.Open();
    LetComputeWorkersRun();
  } else {
    WaitUntilOtherThreadsSleep();
  }
  SendSigterm(clock);
  for (std::thread& t : threads) t.join();
  clock.seen_at = naive_seen_at.load();
  Sample sample = clock.Finish();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  sigaction(SIGTERM, &old_action, nullptr);
  return sample;
}

// --- The floor: a sigwaitinfo thread, no workers ------------------------------

Sample RunFloor(Style, int) {
  TrialClock clock;
  std::thread receiver([&] {
    SigwaitTerm();
    clock.seen_at = NowNs();
  });
  WaitUntilOtherThreadsSleep();
  SendSigterm(clock);
  receiver.join();
  Sample sample = clock.Finish();
  sample.last_ns = sample.seen_ns;
  return sample;
}

// --- graceful ----------------------------------------------------------------

// Benchmarks measure the stop, not the log: if this version of the runtime
// reports events (RuntimeOptions::on_event), turn them off, as the
// alternatives write nothing either.
template <typename Options>
void TurnOffEvents(Options& options) {
  if constexpr (requires { options.on_event = nullptr; }) {
    options.on_event = nullptr;
  }
}

Sample RunGraceful(Style style, int workers,
                   graceful::SignalThreadPriority signal_priority,
                   graceful::WorkerPriority worker_priority) {
  graceful::RuntimeOptions options;
  options.stop_signals = {SIGTERM};
  options.grace_period = absl::Seconds(60);
  options.signal_thread_priority = signal_priority;
  options.worker_priority = worker_priority;
  options.pool_threads = std::max(workers, 1);
  TurnOffEvents(options);
  absl::StatusOr<std::unique_ptr<graceful::Runtime>> runtime =
      graceful::Runtime::Start(options);
  if (!runtime.ok()) {
    fprintf(stderr, "graceful: %s\n",
            std::string(runtime.status().message()).c_str());
    exit(1);
  }
  graceful::Runtime& rt = **runtime;
  Gate gate;
  switch (style) {
    case Style::kSleep:
      for (int i = 0; i < workers; ++i) {
        rt.Spawn(absl::StrCat("sleeper-", i), [](graceful::StopToken token) {
          while (token.SleepFor(absl::Seconds(10))) {
          }
        });
      }
      break;
    case Style::kQueue:
      // The producer whose input is idle; it also keeps Wait() from
      // seeing "all work done" while the pool is idle.
      rt.Spawn("producer", [](graceful::StopToken token) {
        while (token.SleepFor(absl::Seconds(10))) {
        }
      });
      if (workers > 0) {
        // Starts the `workers` pool threads; they go idle on the queue.
        rt.Submit([](graceful::StopToken) {}).IgnoreError();
      }
      break;
    case Style::kCompute:
      for (int i = 0; i < workers; ++i) {
        rt.Spawn(absl::StrCat("compute-", i),
                 [&gate](graceful::StopToken token) {
                   gate.Wait();
                   uint64_t x = 1;
                   while (!token.stop_requested()) x = ComputeStep(x);
                   work_sink += x;
                 });
      }
      break;
    case Style::kNone:
      break;
  }
  if (style == Style::kCompute) {
    gate.Open();
    LetComputeWorkersRun();
  } else {
    WaitUntilOtherThreadsSleep();
  }
  const int64_t kill_at = NowNs();
  kill(getpid(), SIGTERM);
  const graceful::ShutdownReport report = rt.Wait();
  const int64_t joined_at = NowNs();
  Sample sample;
  sample.joined_ns = joined_at - kill_at;
  if (report.cause != graceful::StopCause::kSignal) {
    fprintf(stderr, "graceful: stopped by %s, not by the signal\n",
            graceful::StopCauseName(report.cause));
    exit(1);
  }
  sample.seen_ns = absl::ToUnixNanos(report.stop_requested_at) - kill_at;
  int64_t last = 0;
  for (const graceful::WorkerOutcome& worker : report.workers) {
    last = std::max(last, absl::ToUnixNanos(worker.finished));
  }
  sample.last_ns = last == 0 ? sample.seen_ns : last - kill_at;
  runtime->reset();
  return sample;
}

// --- Harness -------------------------------------------------------------------

struct Mechanism {
  std::string name;
  std::function<Sample(Style, int)> run;
};

std::vector<Mechanism> AllMechanisms() {
  using graceful::SignalThreadPriority;
  using graceful::WorkerPriority;
  return {
      {"graceful",
       [](Style s, int n) {
         return RunGraceful(s, n, SignalThreadPriority::kRealtime,
                            WorkerPriority::kInherit);
       }},
      {"graceful_inherit",
       [](Style s, int n) {
         return RunGraceful(s, n, SignalThreadPriority::kInherit,
                            WorkerPriority::kInherit);
       }},
      {"graceful_idle_workers",
       [](Style s, int n) {
         return RunGraceful(s, n, SignalThreadPriority::kInherit,
                            WorkerPriority::kIdle);
       }},
      {"sigwait_cv", &RunSigwaitCv},
      {"sigwait_futex", &RunSigwaitFutex},
      {"signalfd_epoll", &RunSignalfdEpoll},
      {"self_pipe", &RunSelfPipe},
      {"jthread_stop_token", &RunJthreadStopToken},
      {"naive_sleep_poll", &RunNaive},
  };
}

double Percentile(std::vector<int64_t> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t index = std::min(
      values.size() - 1,
      static_cast<size_t>(p / 100.0 * static_cast<double>(values.size())));
  return static_cast<double>(values[index]) / 1000.0;
}

struct Point {
  std::vector<int64_t> seen, last, joined;
};

void PrintPoint(const std::string& mechanism, Style style, int workers,
                const Point& point) {
  printf(
      "BM_Shutdown_Latency/%s/%s/workers:%-4d joined p50 %9.1f p90 %9.1f "
      "p99 %9.1f max %9.1f us | seen p50 %8.1f p99 %8.1f | last p50 %9.1f "
      "p99 %9.1f  (%zu trials)\n",
      mechanism.c_str(), StyleName(style), workers,
      Percentile(point.joined, 50), Percentile(point.joined, 90),
      Percentile(point.joined, 99), Percentile(point.joined, 100),
      Percentile(point.seen, 50), Percentile(point.seen, 99),
      Percentile(point.last, 50), Percentile(point.last, 99),
      point.joined.size());
  fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  int trials = 200;
  int floor_trials = -1;
  std::vector<int> worker_counts = {1, 8, 64, 256};
  std::vector<Style> styles = {Style::kSleep, Style::kQueue, Style::kCompute};
  std::string mechanisms_flag = "all";
  std::string samples_out;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* name) -> const char* {
      const std::string prefix = absl::StrCat("--", name, "=");
      return arg.rfind(prefix, 0) == 0 ? argv[i] + prefix.size() : nullptr;
    };
    if (const char* v = value("trials")) {
      trials = atoi(v);
    } else if (const char* v = value("floor_trials")) {
      floor_trials = atoi(v);
    } else if (const char* v = value("workers")) {
      worker_counts.clear();
      for (absl::string_view n : absl::StrSplit(v, ',')) {
        int count;
        if (!absl::SimpleAtoi(n, &count)) {
          fprintf(stderr, "bad --workers\n");
          return 2;
        }
        worker_counts.push_back(count);
      }
    } else if (const char* v = value("styles")) {
      styles.clear();
      for (absl::string_view s : absl::StrSplit(v, ',')) {
        if (s == "sleep") styles.push_back(Style::kSleep);
        else if (s == "queue") styles.push_back(Style::kQueue);
        else if (s == "compute") styles.push_back(Style::kCompute);
        else {
          fprintf(stderr, "bad --styles\n");
          return 2;
        }
      }
    } else if (const char* v = value("mechanisms")) {
      mechanisms_flag = v;
    } else if (const char* v = value("samples_out")) {
      samples_out = v;
    } else {
      fprintf(stderr,
              "usage: %s [--trials=N] [--floor_trials=N] [--workers=1,8,...] "
              "[--styles=sleep,queue,compute] [--mechanisms=all|a,b] "
              "[--samples_out=FILE]\n",
              argv[0]);
      return 2;
    }
  }
  if (floor_trials < 0) floor_trials = trials;

  std::vector<Mechanism> mechanisms;
  bool want_floor = mechanisms_flag == "all";
  for (Mechanism& m : AllMechanisms()) {
    if (mechanisms_flag == "all") {
      mechanisms.push_back(std::move(m));
      continue;
    }
    for (absl::string_view name : absl::StrSplit(mechanisms_flag, ',')) {
      if (name == m.name) mechanisms.push_back(m);
    }
  }
  for (absl::string_view name : absl::StrSplit(mechanisms_flag, ',')) {
    if (name == "floor") want_floor = true;
  }

  // Every trial's signal is received by a thread that waits for it; the
  // process keeps SIGTERM blocked in between (graceful's runtime blocks
  // every signal while it is alive and restores this mask).
  const sigset_t term = SigtermSet();
  pthread_sigmask(SIG_BLOCK, &term, nullptr);
  Calibrate();

  FILE* out = nullptr;
  if (!samples_out.empty()) {
    out = fopen(samples_out.c_str(), "w");
    if (out == nullptr) {
      perror(samples_out.c_str());
      return 1;
    }
    fprintf(out, "mechanism,style,workers,trial,seen_us,last_us,joined_us\n");
  }
  auto record = [&](const std::string& mechanism, Style style, int workers,
                    int trial, const Sample& s, Point& point) {
    point.seen.push_back(s.seen_ns);
    point.last.push_back(s.last_ns);
    point.joined.push_back(s.joined_ns);
    if (out != nullptr) {
      fprintf(out, "%s,%s,%d,%d,%.3f,%.3f,%.3f\n", mechanism.c_str(),
              StyleName(style), workers, trial, s.seen_ns / 1000.0,
              s.last_ns / 1000.0, s.joined_ns / 1000.0);
    }
  };

  printf("compute step: %d mixer rounds (~50 us)\n", step_rounds);
  if (want_floor) {
    Point floor;
    for (int t = 0; t < floor_trials; ++t) {
      record("floor", Style::kNone, 0, t, RunFloor(Style::kNone, 0), floor);
    }
    PrintPoint("floor", Style::kNone, 0, floor);
  }
  for (Style style : styles) {
    for (int workers : worker_counts) {
      // Trials interleaved across mechanisms: each sees the same load.
      std::map<std::string, Point> points;
      for (int t = 0; t < trials; ++t) {
        for (const Mechanism& m : mechanisms) {
          record(m.name, style, workers, t, m.run(style, workers),
                 points[m.name]);
        }
      }
      for (const Mechanism& m : mechanisms) {
        PrintPoint(m.name, style, workers, points[m.name]);
      }
      if (out != nullptr) fflush(out);
    }
  }
  if (out != nullptr) fclose(out);
  return 0;
}
