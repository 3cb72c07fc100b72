// Copyright 2026 The graceful Authors.
//
// A program for the end-to-end regression tests resource_limits_test,
// forced_exit_test, signal_info_test and clock_step_test. `--mode=NAME`
// picks a scenario; the helper prints what happens to stdout, one line per
// event, and ends as the runtime's report says.
//
// Modes:
//   spawn_at_limit      as an unprivileged user at its RLIMIT_NPROC, Spawn()
//                       a worker; prints "SPAWNING", "SPAWN RETURNED" and
//                       the report (cause, exit status, the worker's state
//                       and error)
//   submit_at_limit     the same with Submit() (--attempts times, with
//                       --pool_threads); prints "SUBMIT <code>" of the last
//   failed_start_pending  a Start() that fails with signals pending; prints
//                       them afterwards (see FailedStartWithPendingSignals)
//   start_at_limit      --threads=N: RLIMIT_NPROC lets Start() create N
//                       threads; prints "START <code>"
//   terminal_full       stderr is a terminal nobody reads: runs a worker
//                       that ignores the stop, fills the terminal, prints
//                       "FILLED"
//   nested_critical     on stop a worker opens a section, prints "IN OUTER",
//                       and once the forced exit waits for it opens a nested
//                       one: "INNER DONE" when that one closed
//   rt_queue            OnSignal(SIGUSR1) prints "USR1 BLOCKING" and reads a
//                       line from stdin; OnSignal(SIGRTMIN+1) prints
//                       "RT <si_value>"
//   siginfo             --baseline: without a Runtime (sigwaitinfo); else
//                       through OnSignal: receives a SIGCHLD, a POSIX timer's
//                       signal, a sigqueue()d SIGUSR1 and a pipe's SIGIO
//                       signal, printing each as a normalized "SIG..." line
//   clock_step_deadline a hook steps the wall clock back an hour, then
//                       sleeps 12 s
//   clock_step_critical a worker holds a CriticalSection forever and steps
//                       the wall clock back an hour once the forced exit
//                       waits for it
//   clock_step_sleep    a worker sleeps 5 s on its token; main steps the
//                       wall clock back an hour meanwhile; "SLEPT <result>"
// Common flags: --grace_ms, --critical_limit_ms (helper_flags.h).
//
// The wall clock: this program defines clock_gettime(), which interposes on
// the C library's for every caller in the process (absl::Now() included), so
// that a mode can step CLOCK_REALTIME as seen by the process without
// touching the machine's clock. The kernel's own clock (futex and timer
// deadlines on CLOCK_REALTIME) does not move.

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "graceful/graceful.h"
#include "tests/child_process.h"
#include "tests/helper_flags.h"

// Most modes end through ShutdownReport::ExitProcess() or the forced exit
// with the Runtime alive (threads parked or stuck on purpose).
// ThreadSanitizer would report those unjoined threads as leaked.
extern "C" const char* __tsan_default_options() {
  return "report_thread_leaks=0";
}

namespace {

// Added to CLOCK_REALTIME as the process sees it.
std::atomic<int64_t> wall_clock_offset_ns{0};

}  // namespace

extern "C" int clock_gettime(clockid_t clock, struct timespec* ts) noexcept {
  const int result = static_cast<int>(syscall(SYS_clock_gettime, clock, ts));
  const int64_t offset = wall_clock_offset_ns.load(std::memory_order_relaxed);
  if (result == 0 && offset != 0 &&
      (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE)) {
    const int64_t ns =
        ts->tv_sec * int64_t{1'000'000'000} + ts->tv_nsec + offset;
    ts->tv_sec = ns / 1'000'000'000;
    ts->tv_nsec = ns % 1'000'000'000;
  }
  return result;
}

namespace {

using ::graceful::testing::CommonRuntimeOptions;
using ::graceful::testing::Flag;
using ::graceful::testing::HasFlag;
using ::graceful::testing::IntFlag;
using ::graceful::testing::kAnySyscall;
using ::graceful::testing::ParseHelperFlags;
using ::graceful::testing::Say;
using ::graceful::testing::WaitForThreadInSyscall;

[[noreturn]] void Die(const std::string& why) {
  Say(absl::StrCat("HELPER ERROR ", why));
  _exit(3);
}

std::unique_ptr<graceful::Runtime> StartOrDie(
    graceful::RuntimeOptions options) {
  absl::StatusOr<std::unique_ptr<graceful::Runtime>> runtime =
      graceful::Runtime::Start(std::move(options));
  if (!runtime.ok()) Die(runtime.status().ToString());
  return *std::move(runtime);
}

[[noreturn]] void WaitAndExit(graceful::Runtime& runtime) {
  const graceful::ShutdownReport report = runtime.Wait();
  Say(absl::StrCat("REPORT cause=", graceful::StopCauseName(report.cause),
                   " exit=", report.exit_code(),
                   " workers=", report.workers.size()));
  report.ExitProcess();
}

// A sleep on the monotonic clock that never consults the wall clock.
void SleepReal(absl::Duration duration) {
  timespec left = absl::ToTimespec(duration);
  while (clock_nanosleep(CLOCK_MONOTONIC, 0, &left, &left) == EINTR) {
  }
}

// Steps the process's wall clock back an hour, then waits until absl::Now(),
// which the runtime uses, has seen it: Abseil extrapolates from a sample of
// the kernel's clock that it takes again only every ~2 s.
void StepWallClockBack() {
  const absl::Time before = absl::Now();
  wall_clock_offset_ns.fetch_sub(absl::ToInt64Nanoseconds(absl::Hours(1)));
  timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  while (before - absl::Now() < absl::Minutes(59)) {
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - start.tv_sec > 20) {
      Die("absl::Now() never saw the clock step");
    }
    SleepReal(absl::Milliseconds(10));
  }
  Say("CLOCK STEPPED");
}

[[noreturn]] void HoldForever() {
  for (;;) pause();
}

// Blocks until the signal thread, done with the first stop signal, sleeps
// in ppoll until the deadline (before, it may briefly wait for a mutex).
void WaitUntilStopHandled() {
  if (!WaitForThreadInSyscall(getpid(), "graceful-signal", SYS_ppoll)) {
    Die("the signal thread never went back to waiting for signals");
  }
}

// After WaitUntilStopHandled(): blocks until the forced exit waits for open
// critical sections, the only futex the signal thread sleeps in from then.
void WaitUntilForcedExitWaits() {
  if (!WaitForThreadInSyscall(getpid(), "graceful-signal", SYS_futex)) {
    Die("the forced exit never waited for critical sections");
  }
}

// --- RLIMIT_NPROC -----------------------------------------------------------

// Becomes a user nobody else is (root ignores RLIMIT_NPROC). The uid comes
// from the pid, since several copies of a test may run at once.
void BecomeUnprivileged() {
  const uid_t id = 100000 + getpid() % 50000;
  if (setgroups(0, nullptr) != 0 || setgid(id) != 0 || setuid(id) != 0) {
    Die("cannot become an unprivileged user (the test runs as root)");
  }
}

// Threads of this process that count against this user's RLIMIT_NPROC:
// those with its real uid (ThreadSanitizer's own thread, created without
// the C library, keeps the old one).
int ThreadsOfThisUser() {
  int count = 0;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream status(task.path() / "status");
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("Uid:", 0) == 0) {
        if (std::strtoul(line.c_str() + 4, nullptr, 10) == getuid()) ++count;
        break;
      }
    }
  }
  return count;
}

// Lifts the soft RLIMIT_NPROC back to the hard one, for what runs at exit
// (LeakSanitizer's check creates a thread).
void LiftThreadLimit() {
  rlimit limit;
  getrlimit(RLIMIT_NPROC, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NPROC, &limit);
}

// Sets the soft RLIMIT_NPROC, the one the kernel enforces, so that exactly
// `more` further threads can be created, until the process exits.
void AllowThreads(int more) {
  rlimit limit;
  getrlimit(RLIMIT_NPROC, &limit);
  limit.rlim_cur = static_cast<rlim_t>(ThreadsOfThisUser() + more);
  if (setrlimit(RLIMIT_NPROC, &limit) != 0) Die("setrlimit(RLIMIT_NPROC)");
  std::atexit(&LiftThreadLimit);
}

[[noreturn]] void SpawnAtLimit() {
  BecomeUnprivileged();
  std::unique_ptr<graceful::Runtime> runtime =
      StartOrDie(CommonRuntimeOptions());
  AllowThreads(0);
  Say("SPAWNING");
  runtime->Spawn("w", [](graceful::StopToken) { Say("WORKER RAN"); });
  Say("SPAWN RETURNED");
  const graceful::ShutdownReport report = runtime->Wait();
  for (const graceful::WorkerOutcome& worker : report.workers) {
    Say(absl::StrCat("WORKER ", worker.name, " ",
                     graceful::WorkerStateName(worker.state), ": ",
                     worker.error.message()));
  }
  Say(absl::StrCat("REPORT cause=", graceful::StopCauseName(report.cause),
                   " exit=", report.exit_code()));
  report.ExitProcess();
}

[[noreturn]] void SubmitAtLimit() {
  BecomeUnprivileged();
  graceful::RuntimeOptions options = CommonRuntimeOptions();
  options.pool_threads = static_cast<int>(IntFlag("pool_threads", 1));
  std::unique_ptr<graceful::Runtime> runtime = StartOrDie(std::move(options));
  AllowThreads(0);
  Say("SUBMITTING");
  absl::Status status;
  for (int64_t i = IntFlag("attempts", 1); i > 0; --i) {
    status = runtime->Submit([](graceful::StopToken) { Say("TASK RAN"); });
  }
  Say(absl::StrCat("SUBMIT ", absl::StatusCodeToString(status.code())));
  runtime->RequestStop();
  WaitAndExit(*runtime);
}

// Blocks SIGTERM and SIGRTMIN+1, queues SIGRTMIN+1 with 11, 22, 33 and
// sends SIGTERM to itself, then calls Start() with one free descriptor
// (its eventfd fails). Prints "START <code>", then each signal still
// pending, in the order sigtimedwait() takes them: "PENDING <signo>
// code=<si_code> own=<sent by this process> value=<sival_int>".
int FailedStartWithPendingSignals() {
  const int rt = SIGRTMIN + 1;
  sigset_t both;
  sigemptyset(&both);
  sigaddset(&both, SIGTERM);
  sigaddset(&both, rt);
  pthread_sigmask(SIG_BLOCK, &both, nullptr);
  for (int value : {11, 22, 33}) sigqueue(getpid(), rt, {.sival_int = value});
  kill(getpid(), SIGTERM);
  rlimit files;
  getrlimit(RLIMIT_NOFILE, &files);
  const int lowest_free = dup(0);
  close(lowest_free);
  const rlimit one_more = {static_cast<rlim_t>(lowest_free + 1),
                           files.rlim_max};
  if (setrlimit(RLIMIT_NOFILE, &one_more) != 0) Die("setrlimit");
  absl::StatusOr<std::unique_ptr<graceful::Runtime>> runtime =
      graceful::Runtime::Start(CommonRuntimeOptions());
  setrlimit(RLIMIT_NOFILE, &files);
  Say(absl::StrCat("START ",
                   absl::StatusCodeToString(runtime.status().code())));
  const timespec no_wait = {0, 0};
  siginfo_t info;
  while (sigtimedwait(&both, &info, &no_wait) > 0) {
    Say(absl::StrCat("PENDING ", info.si_signo, " code=", info.si_code,
                     " own=", info.si_pid == getpid(), " value=",
                     info.si_signo == rt ? info.si_value.sival_int : 0));
  }
  return 0;
}

int StartAtLimit() {
  BecomeUnprivileged();
  AllowThreads(static_cast<int>(IntFlag("threads", 1)));
  absl::StatusOr<std::unique_ptr<graceful::Runtime>> runtime =
      graceful::Runtime::Start(CommonRuntimeOptions());
  Say(absl::StrCat("START ",
                   absl::StatusCodeToString(runtime.status().code())));
  if (runtime.ok()) {
    (*runtime)->RequestStop();
    WaitAndExit(**runtime);
  }
  return 0;
}

// --- Terminals, critical sections, queued signals ----------------------------

// Leaves stderr, a pseudo-terminal whose reader stopped reading, with room
// for about 2 KiB more: poll() reports it writable, but a write of 4 KiB
// waits for room that never comes (a terminal write, unlike a pipe's,
// returns only when every byte is in). The master's line discipline takes
// 4095 bytes, its buffer 8 KiB (Linux 6.x): 11000 bytes leave ~2300.
void FillTerminal() {
  const int fd = open("/proc/self/fd/2", O_WRONLY | O_NONBLOCK | O_NOCTTY);
  if (fd < 0 || !isatty(fd)) Die("stderr is not a terminal");
  const std::string block(4096, 'x');
  int full_for_ms = 0;
  for (size_t left = 11000; left > 0;) {
    const ssize_t written =
        write(fd, block.data(), std::min(left, block.size()));
    if (written > 0) {
      left -= static_cast<size_t>(written);
      continue;
    }
    // Full until the line discipline takes what the buffer holds, which
    // wakes no poll(): look again every millisecond.
    if (++full_for_ms > 10'000) Die("the terminal stays full");
    pollfd writable = {fd, POLLOUT, 0};
    poll(&writable, 1, 1);
  }
  close(fd);
}

[[noreturn]] void TerminalFull() {
  graceful::RuntimeOptions options = CommonRuntimeOptions();
  // No line about the signal thread's priority before the terminal is full.
  options.signal_thread_priority = graceful::SignalThreadPriority::kInherit;
  std::unique_ptr<graceful::Runtime> runtime = StartOrDie(std::move(options));
  // Its name makes the forced exit's report longer than the room left.
  runtime->Spawn(absl::StrCat("stubborn-", std::string(4096, 'x')),
                 [](graceful::StopToken) { HoldForever(); });
  FillTerminal();
  Say("FILLED");
  WaitAndExit(*runtime);
}

[[noreturn]] void NestedCritical() {
  std::unique_ptr<graceful::Runtime> runtime =
      StartOrDie(CommonRuntimeOptions());
  runtime->Spawn("stubborn", [](graceful::StopToken token) {
    token.SleepUntil(absl::InfiniteFuture());
    {
      graceful::CriticalSection outer;
      WaitUntilStopHandled();
      Say("IN OUTER");
      WaitUntilForcedExitWaits();
      { graceful::CriticalSection inner; }
      Say("INNER DONE");
    }
    HoldForever();  // ignores the stop; the forced exit ends the process
  });
  Say("READY");
  WaitAndExit(*runtime);
}

[[noreturn]] void RtQueue() {
  std::unique_ptr<graceful::Runtime> runtime =
      StartOrDie(CommonRuntimeOptions());
  runtime->OnSignal(SIGUSR1, [](const siginfo_t&) {
    Say("USR1 BLOCKING");
    char c = 0;
    while (read(STDIN_FILENO, &c, 1) == 1 && c != '\n') {
    }
  });
  runtime->OnSignal(SIGRTMIN + 1, [](const siginfo_t& info) {
    Say(absl::StrCat("RT ", info.si_value.sival_int));
  });
  Say("READY");
  WaitAndExit(*runtime);
}

// --- siginfo_t --------------------------------------------------------------

// What the signal sources below created, for the normalized lines.
std::atomic<pid_t> child_pid{0};
std::atomic<int> timer_id{-1};
std::atomic<int> pipe_fd{-1};

// The fields the kernel reports for each source's signal and si_code,
// with process-specific values reduced to whether they match.
std::string Describe(const siginfo_t& info) {
  const std::string common =
      absl::StrCat(" code=", info.si_code, " errno=", info.si_errno);
  if (info.si_signo == SIGCHLD) {
    return absl::StrCat("SIGCHLD", common, " status=", info.si_status,
                        " pid_is_child=", info.si_pid == child_pid.load(),
                        " uid=", info.si_uid,
                        " utime_positive=", info.si_utime > 0,
                        " stime_nonnegative=", info.si_stime >= 0);
  }
  if (info.si_signo == SIGRTMIN + 2) {
    return absl::StrCat("SIGTIMER", common,
                        " timerid_matches=", info.si_timerid == timer_id.load(),
                        " overrun=", info.si_overrun,
                        " value=", info.si_value.sival_int);
  }
  if (info.si_signo == SIGUSR1) {
    return absl::StrCat(
        "SIGQUEUED", common, " pid_is_self=", info.si_pid == getpid(),
        " uid=", info.si_uid, " value=", info.si_value.sival_int);
  }
  return absl::StrCat("SIGPOLL signo_offset=", info.si_signo - SIGRTMIN, common,
                      " band=", info.si_band,
                      " fd_is_pipe=", info.si_fd == pipe_fd.load());
}

struct SignalSource {
  int signo;
  std::function<void()> send;
};

// A child that uses >= 200 ms of user CPU, then exits 7.
void StartBusyChild() {
  const pid_t pid = fork();
  if (pid == 0) {
    for (;;) {
      rusage usage;
      getrusage(RUSAGE_SELF, &usage);
      if (usage.ru_utime.tv_sec > 0 || usage.ru_utime.tv_usec >= 200'000) {
        _exit(7);
      }
    }
  }
  if (pid < 0) Die("fork");
  child_pid = pid;
}

// A one-shot POSIX timer that signals SIGRTMIN+2 with value 42. It is the
// process's second timer, so that its id is not 0, as a field never copied
// would read.
void StartTimer() {
  sigevent event = {};
  event.sigev_notify = SIGEV_SIGNAL;
  event.sigev_signo = SIGRTMIN + 2;
  event.sigev_value.sival_int = 42;
  timer_t unused;
  timer_t timer;
  if (timer_create(CLOCK_MONOTONIC, &event, &unused) != 0 ||
      timer_create(CLOCK_MONOTONIC, &event, &timer) != 0) {
    Die("timer_create");
  }
  timer_id = static_cast<int>(reinterpret_cast<intptr_t>(timer));
  itimerspec once = {};
  once.it_value.tv_nsec = 10'000'000;
  if (timer_settime(timer, 0, &once, nullptr) != 0) Die("timer_settime");
}

void QueueSignal() {
  sigval value;
  value.sival_int = 4242;
  if (sigqueue(getpid(), SIGUSR1, value) != 0) Die("sigqueue");
}

// A pipe whose read end signals SIGRTMIN+3 (F_SETSIG) when data arrives.
void MakePipeReadable() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0 || fcntl(fds[0], F_SETOWN, getpid()) != 0 ||
      fcntl(fds[0], F_SETSIG, SIGRTMIN + 3) != 0 ||
      fcntl(fds[0], F_SETFL, O_ASYNC | O_NONBLOCK) != 0) {
    Die("pipe with O_ASYNC");
  }
  pipe_fd = fds[0];
  if (write(fds[1], "x", 1) != 1) Die("write to the pipe");
}

std::vector<SignalSource> SignalSources() {
  return {{SIGCHLD, &StartBusyChild},
          {SIGRTMIN + 2, &StartTimer},
          {SIGUSR1, &QueueSignal},
          {SIGRTMIN + 3, &MakePipeReadable}};
}

// Each source's signal, one after the other, printed by an OnSignal
// callback or, with --baseline, as sigwaitinfo() returns it.
int SignalInfo() {
  const std::vector<SignalSource> sources = SignalSources();
  if (HasFlag("baseline")) {
    sigset_t all;
    sigemptyset(&all);
    for (const SignalSource& source : sources) sigaddset(&all, source.signo);
    sigprocmask(SIG_BLOCK, &all, nullptr);
    for (const SignalSource& source : sources) {
      sigset_t one;
      sigemptyset(&one);
      sigaddset(&one, source.signo);
      source.send();
      siginfo_t info;
      if (sigwaitinfo(&one, &info) != source.signo) Die("sigwaitinfo");
      Say(Describe(info));
    }
  } else {
    std::vector<absl::Notification> seen(sources.size());
    std::unique_ptr<graceful::Runtime> runtime =
        StartOrDie(CommonRuntimeOptions());
    for (size_t i = 0; i < sources.size(); ++i) {
      runtime->OnSignal(sources[i].signo, [&seen, i](const siginfo_t& info) {
        Say(Describe(info));
        seen[i].Notify();
      });
    }
    for (size_t i = 0; i < sources.size(); ++i) {
      sources[i].send();
      seen[i].WaitForNotification();
    }
    runtime->RequestStop();
    runtime->Wait();
  }
  waitpid(child_pid, nullptr, 0);
  return 0;
}

// --- Wall clock steps -------------------------------------------------------

[[noreturn]] void ClockStepDeadline() {
  std::unique_ptr<graceful::Runtime> runtime =
      StartOrDie(CommonRuntimeOptions());
  runtime->AddShutdownHook("step", [] {
    StepWallClockBack();
    SleepReal(absl::Seconds(12));
    Say("HOOK DONE");
  });
  Say("READY");
  WaitAndExit(*runtime);
}

[[noreturn]] void ClockStepCritical() {
  std::unique_ptr<graceful::Runtime> runtime =
      StartOrDie(CommonRuntimeOptions());
  runtime->Spawn("stubborn", [](graceful::StopToken token) {
    token.SleepUntil(absl::InfiniteFuture());
    graceful::CriticalSection section;
    WaitUntilStopHandled();
    WaitUntilForcedExitWaits();
    StepWallClockBack();
    HoldForever();
  });
  Say("READY");
  WaitAndExit(*runtime);
}

[[noreturn]] void ClockStepSleep() {
  std::unique_ptr<graceful::Runtime> runtime =
      StartOrDie(CommonRuntimeOptions());
  runtime->Spawn("sleeper", [](graceful::StopToken token) {
    const bool slept = token.SleepFor(absl::Seconds(5));
    Say(absl::StrCat("SLEPT ", slept));
  });
  // Blocked: in SleepFor()'s wait, nothing else blocks before it.
  if (!WaitForThreadInSyscall(getpid(), "sleeper", kAnySyscall)) {
    Die("the sleeper never slept");
  }
  StepWallClockBack();
  WaitAndExit(*runtime);
}

}  // namespace

int main(int argc, char** argv) {
  ParseHelperFlags(argc, argv);
  pthread_setname_np(pthread_self(), "helper-main");
  const std::string mode = Flag("mode");
  if (mode == "spawn_at_limit") SpawnAtLimit();
  if (mode == "submit_at_limit") SubmitAtLimit();
  if (mode == "start_at_limit") return StartAtLimit();
  if (mode == "failed_start_pending") return FailedStartWithPendingSignals();
  if (mode == "terminal_full") TerminalFull();
  if (mode == "nested_critical") NestedCritical();
  if (mode == "rt_queue") RtQueue();
  if (mode == "siginfo") return SignalInfo();
  if (mode == "clock_step_deadline") ClockStepDeadline();
  if (mode == "clock_step_critical") ClockStepCritical();
  if (mode == "clock_step_sleep") ClockStepSleep();
  Die(absl::StrCat("unknown --mode=", mode));
}
