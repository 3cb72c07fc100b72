// Copyright 2026 The graceful Authors.
//
// A small program that embeds graceful::Runtime in ways the end-to-end tests
// choose with flags, prints what happens to stdout (unbuffered, one line per
// event) and ends as the runtime's report says. The tests run it, send it
// real signals and check its output and exit status.
//
// Flags (all optional, --name=value):
//   --workers=N           N workers that poll the token every 5 ms
//   --work_done           workers return by themselves after 3 steps
//   --stubborn            a worker "stubborn" that ignores the token until
//                         SIGUSR2 arrives (registered with OnSignal)
//   --critical_ms=N       stubborn: on stop, hold a CriticalSection N ms
//                         (-1: forever) before going back to ignoring it
//   --grace_ms=N, --critical_limit_ms=N
//   --second_signal=force|ignore
//   --exit_style=die|zero|128
//   --hooks=a,b           hooks that print "hook a"
//   --hang_hook           a hook (added last, runs first) that never returns
//   --throw_hook          a hook that throws
//   --fail=throw|status   a worker that fails at once
//   --on_hup              OnSignal(SIGHUP) prints the sender
//   --term_callback       OnSignal(SIGTERM) prints "TERM SEEN"
//   --hook_waits_for=term|hup  a hook that prints "HOOK WAITING", then waits
//                         (up to 30 s) until the --term_callback or --on_hup
//                         callback has run and prints "HOOK DONE" (or "HOOK
//                         GAVE UP"); added, with --term_callback, before any
//                         worker starts
//   --block_usr1          OnSignal(SIGUSR1) blocks (for 60 s)
//   --handler=1|slow      install a SIGTERM handler before Start(); "slow"
//                         prints "OLD HANDLER SLEEPING" and sleeps 8 s
//   --policy=refuse|chain|override
//   --keep_ignored=0|1
//   --stop_signals=N,M    the stop signals, by number
//   --core_dir=DIR        before Start(): chdir to DIR and raise RLIMIT_CORE
//                         as far as allowed; prints "CORE LIMIT unlimited"
//                         or "CORE LIMIT <soft limit>"
//   --wait_stdin          before Start(): print "WAITING FOR STDIN", read a
//                         line from stdin
//   --child=fork|spawn    start `sleep 60`, SIGTERM it, report how it ended
//   --print_mask          print whether main and a worker block signals
//   --write_broken_pipe   after READY, main writes to a pipe whose read end
//                         is closed; prints "WRITE EPIPE" if it fails so
//   --signal_self=N       after READY, send signal N to this process
//   --request_stop        call RequestStop() after READY
//   --usr1_at_destroy     after READY: OnSignal(SIGUSR1) prints "USR1
//                         HANDLED"; SIGUSR1 to the process, the Runtime
//                         destroyed at once, "AFTER DESTROY", exit 0
//   --second_runtime      try to start a second runtime, print the status
//   --wait_pending_term   after the report: print "AFTER REPORT", wait (up to
//                         10 s) until SIGTERM is pending, print "TERM
//                         PENDING=1" (or "TERM PENDING=0" if it never was)
//   --destroy             after the report: destroy the Runtime, print
//                         "AFTER DESTROY", exit with the report's exit_code()
//   --children_after_destroy  with --destroy: block SIGHUP, then start a
//                         fork() child and a posix_spawn() child (with
//                         SpawnAttributes) and print "FORK SIGHUP_BLOCKED=B"
//                         and "SPAWN SIGHUP_BLOCKED=B" as each saw its mask
//   --stderr_at_file_size_limit  before Start(): stderr becomes a file in
//                         TEST_TMPDIR already at RLIMIT_FSIZE (4 KiB), so
//                         every write to it fails with EFBIG
//   --exhaust_fds         after READY: RLIMIT_NOFILE 64 and every
//                         descriptor below it taken (a descriptor leak)
//   --exit_sighup_blocked the posix_spawn() child: exits 1 if SIGHUP is
//                         blocked, else 0

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "graceful/graceful.h"
#include "tests/helper_flags.h"

extern char** environ;

// The helper ends through ShutdownReport::ExitProcess() with the Runtime
// still alive (its threads parked; a callback may even be blocked), as a
// program that must not wait for them does. ThreadSanitizer would report
// those unjoined threads as leaked.
extern "C" const char* __tsan_default_options() {
  return "report_thread_leaks=0";
}

namespace {

using ::graceful::testing::CommonRuntimeOptions;
using ::graceful::testing::Flag;
using ::graceful::testing::HasFlag;
using ::graceful::testing::IntFlag;
using ::graceful::testing::ParseHelperFlags;
using ::graceful::testing::Say;

graceful::StopToken* global_token = nullptr;
std::atomic<bool> release_stubborn{false};
std::atomic<bool> term_seen{false};
std::atomic<bool> hup_seen{false};

void OldTermHandler(int) {
  const char* text = global_token != nullptr && global_token->stop_requested()
                         ? "OLD HANDLER stop_requested=1\n"
                         : "OLD HANDLER stop_requested=0\n";
  [[maybe_unused]] ssize_t ignored = write(STDOUT_FILENO, text, strlen(text));
}

void SlowTermHandler(int) {
  const char text[] = "OLD HANDLER SLEEPING\n";
  [[maybe_unused]] ssize_t ignored =
      write(STDOUT_FILENO, text, sizeof(text) - 1);
  sleep(8);
}

bool SignalBlocked(int signo) {
  sigset_t mask;
  pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  return sigismember(&mask, signo) == 1;
}

std::string MaskLine(const std::string& who) {
  return absl::StrCat("MASK ", who, " SIGTERM=", SignalBlocked(SIGTERM),
                      " SIGUSR1=", SignalBlocked(SIGUSR1),
                      " SIGSEGV=", SignalBlocked(SIGSEGV),
                      " SIGABRT=", SignalBlocked(SIGABRT));
}

// Raises the soft RLIMIT_CORE to unlimited (or, without the privilege to
// raise the hard limit, to the hard limit) and reports what it got.
void AllowCoreDumps() {
  rlimit limit = {RLIM_INFINITY, RLIM_INFINITY};
  if (setrlimit(RLIMIT_CORE, &limit) != 0) {
    getrlimit(RLIMIT_CORE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_CORE, &limit);
  }
  getrlimit(RLIMIT_CORE, &limit);
  Say(limit.rlim_cur == RLIM_INFINITY
          ? std::string("CORE LIMIT unlimited")
          : absl::StrCat("CORE LIMIT ", limit.rlim_cur));
}

// Reads stdin up to a newline or EOF.
void ReadStdinLine() {
  char c;
  while (read(STDIN_FILENO, &c, 1) == 1 && c != '\n') {
  }
}

// Writes to a pipe nobody can read, as a program writing to a consumer that
// went away does.
void WriteToBrokenPipe() {
  int fds[2];
  if (pipe(fds) != 0) return;
  close(fds[0]);
  const char byte = 'x';
  if (write(fds[1], &byte, 1) < 0 && errno == EPIPE) Say("WRITE EPIPE");
  close(fds[1]);
}

// Waits up to 10 s for SIGTERM to be pending on this thread or the process.
bool WaitUntilSigtermPending() {
  for (int i = 0; i < 1000; ++i) {
    sigset_t pending;
    sigpending(&pending);
    if (sigismember(&pending, SIGTERM) == 1) return true;
    usleep(10'000);
  }
  return false;
}

// Starts a fork() child and a posix_spawn() child (this program, with
// --exit_sighup_blocked) and prints whether SIGHUP was blocked in each.
void ReportChildMasks(const char* self) {
  const pid_t forked = fork();
  if (forked == 0) _exit(SignalBlocked(SIGHUP) ? 1 : 0);
  int status = 0;
  if (forked > 0 && waitpid(forked, &status, 0) == forked &&
      WIFEXITED(status)) {
    Say(absl::StrCat("FORK SIGHUP_BLOCKED=", WEXITSTATUS(status)));
  }
  std::string arg0 = self;
  std::string arg1 = "--exit_sighup_blocked";
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  graceful::SpawnAttributes attributes;
  pid_t spawned = -1;
  if (posix_spawn(&spawned, "/proc/self/exe", nullptr, attributes.get(), argv,
                  environ) == 0 &&
      waitpid(spawned, &status, 0) == spawned && WIFEXITED(status)) {
    Say(absl::StrCat("SPAWN SIGHUP_BLOCKED=", WEXITSTATUS(status)));
  }
}

// Starts `sleep 60` as a child, sends it SIGTERM and reports how it ended.
void RunChild(const std::string& how) {
  char arg0[] = "sleep";
  char arg1[] = "60";
  char* argv[] = {arg0, arg1, nullptr};
  pid_t pid = -1;
  if (how == "fork") {
    pid = fork();
    if (pid == 0) {
      execvp("sleep", argv);
      _exit(127);
    }
  } else {
    graceful::SpawnAttributes attributes;
    if (posix_spawnp(&pid, "sleep", nullptr, attributes.get(), argv,
                     environ) != 0) {
      pid = -1;
    }
  }
  if (pid < 0) {
    Say("CHILD FAILED TO START");
    return;
  }
  kill(pid, SIGTERM);
  int status = 0;
  for (int i = 0; i < 200; ++i) {  // up to 10 s
    if (waitpid(pid, &status, WNOHANG) == pid) {
      Say(WIFSIGNALED(status)
              ? absl::StrCat("CHILD ", how, " killed by ", WTERMSIG(status))
              : absl::StrCat("CHILD ", how, " exited ", WEXITSTATUS(status)));
      return;
    }
    usleep(50'000);
  }
  Say(absl::StrCat("CHILD ", how, " STILL ALIVE after SIGTERM"));
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
}

graceful::RuntimeOptions OptionsFromFlags() {
  graceful::RuntimeOptions options = CommonRuntimeOptions();
  const std::string policy = Flag("policy", "refuse");
  if (policy == "chain") {
    options.existing_handler_policy = graceful::ExistingHandlerPolicy::kChain;
  } else if (policy == "override") {
    options.existing_handler_policy =
        graceful::ExistingHandlerPolicy::kOverride;
  }
  options.keep_ignored_signals_ignored = IntFlag("keep_ignored", 1) != 0;
  return options;
}

void StubbornWorker(graceful::StopToken token) {
  const int critical_ms = IntFlag("critical_ms", 0);
  bool stop_seen = false;
  while (!release_stubborn.load()) {
    if (token.stop_requested() && !stop_seen) {
      stop_seen = true;
      Say("STUBBORN SAW STOP");
      if (critical_ms != 0) {
        graceful::CriticalSection section;
        Say("IN CRITICAL");
        if (critical_ms < 0) {
          for (;;) usleep(10'000);
        }
        usleep(critical_ms * 1000);
        Say("CRITICAL DONE");
      }
    }
    usleep(5'000);
  }
  Say("STUBBORN RELEASED");
}

void ExhaustDescriptors() {
  const rlimit few = {64, 64};
  if (setrlimit(RLIMIT_NOFILE, &few) != 0) Say("SETRLIMIT FAILED");
  while (open("/dev/null", O_RDONLY) >= 0) {
  }
  Say("NO DESCRIPTOR LEFT");
}

void StderrAtFileSizeLimit() {
  const std::string path = absl::StrCat(
      std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp",
      "/stderr-at-limit-", getpid());
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const std::string full(4096, 'x');
  if (fd < 0 || write(fd, full.data(), full.size()) != 4096 ||
      dup2(fd, STDERR_FILENO) < 0) {
    Say("STDERR SETUP FAILED");
    return;
  }
  close(fd);
  unlink(path.c_str());
  const rlimit at_size = {4096, 4096};
  if (setrlimit(RLIMIT_FSIZE, &at_size) != 0) Say("SETRLIMIT FAILED");
}

}  // namespace

int main(int argc, char** argv) {
  ParseHelperFlags(argc, argv);
  if (HasFlag("exit_sighup_blocked")) return SignalBlocked(SIGHUP) ? 1 : 0;
  if (HasFlag("stderr_at_file_size_limit")) StderrAtFileSizeLimit();
  if (Flag("handler") == "1") signal(SIGTERM, &OldTermHandler);
  if (Flag("handler") == "slow") signal(SIGTERM, &SlowTermHandler);
  if (HasFlag("core_dir")) {
    if (chdir(Flag("core_dir").c_str()) != 0) Say("CHDIR FAILED");
    AllowCoreDumps();
  }
  if (HasFlag("wait_stdin")) {
    Say("WAITING FOR STDIN");
    ReadStdinLine();
  }

  absl::StatusOr<std::unique_ptr<graceful::Runtime>> started =
      graceful::Runtime::Start(OptionsFromFlags());
  if (!started.ok()) {
    Say(absl::StrCat("START FAILED ", started.status().ToString()));
    return 3;
  }
  graceful::Runtime& runtime = **started;
  graceful::StopToken token = runtime.token();
  global_token = &token;

  if (HasFlag("term_callback")) {
    runtime.OnSignal(SIGTERM, [](const siginfo_t&) {
      Say("TERM SEEN");
      term_seen.store(true);
    });
  }
  if (HasFlag("hook_waits_for")) {
    std::atomic<bool>* seen =
        Flag("hook_waits_for") == "hup" ? &hup_seen : &term_seen;
    runtime.AddShutdownHook("waiting", [seen] {
      Say("HOOK WAITING");
      for (int i = 0; i < 3000 && !seen->load(); ++i) usleep(10'000);
      Say(seen->load() ? "HOOK DONE" : "HOOK GAVE UP");
    });
  }
  if (HasFlag("second_runtime")) {
    Say(absl::StrCat("SECOND START ",
                     graceful::Runtime::Start().status().ToString()));
  }
  if (HasFlag("print_mask")) {
    Say(MaskLine("main"));
    runtime.Spawn("mask", [](graceful::StopToken) { Say(MaskLine("worker")); });
  }
  const int workers = IntFlag("workers", 0);
  const bool work_done = HasFlag("work_done") > 0;
  for (int i = 0; i < workers; ++i) {
    runtime.Spawn(absl::StrCat("worker-", i), [i, work_done](
                                                  graceful::StopToken token) {
      for (int step = 0; !work_done || step < 3; ++step) {
        if (!token.SleepFor(absl::Milliseconds(5))) break;
      }
      Say(absl::StrCat("worker-", i, " done"));
    });
  }
  if (HasFlag("stubborn")) {
    runtime.OnSignal(SIGUSR2, [](const siginfo_t&) {
      Say("RELEASE");
      release_stubborn.store(true);
    });
    runtime.Spawn("stubborn", &StubbornWorker);
  }
  if (Flag("fail") == "throw") {
    runtime.Spawn("failing", [](graceful::StopToken) {
      throw std::runtime_error("worker exploded");
    });
  } else if (Flag("fail") == "status") {
    runtime.SpawnWithStatus("failing", [](graceful::StopToken) {
      return absl::DataLossError("disk on fire");
    });
  }
  if (HasFlag("on_hup")) {
    runtime.OnSignal(SIGHUP, [](const siginfo_t& info) {
      Say(absl::StrCat("HUP from ", info.si_pid));
      hup_seen.store(true);
    });
  }
  if (HasFlag("block_usr1")) {
    runtime.OnSignal(SIGUSR1, [](const siginfo_t&) {
      Say("USR1 BLOCKING");
      absl::SleepFor(absl::Seconds(60));
    });
  }
  if (!Flag("hooks").empty()) {
    for (absl::string_view name : absl::StrSplit(Flag("hooks"), ',')) {
      runtime.AddShutdownHook(std::string(name), [name = std::string(name)] {
        Say(absl::StrCat("hook ", name));
      });
    }
  }
  if (HasFlag("throw_hook")) {
    runtime.AddShutdownHook("thrower", []() -> void {
      throw std::runtime_error("hook boom");
    });
  }
  if (HasFlag("hang_hook")) {
    runtime.AddShutdownHook("hanging", [] {
      Say("HOOK HANGING");
      for (;;) usleep(10'000);
    });
  }
  if (!Flag("child").empty()) {
    const std::string how = Flag("child");
    runtime.Spawn("child-starter", [how](graceful::StopToken) {
      RunChild(how);
    });
  }
  Say(absl::StrCat("READY pid=", getpid()));
  if (HasFlag("exhaust_fds")) ExhaustDescriptors();
  if (HasFlag("write_broken_pipe")) WriteToBrokenPipe();
  if (HasFlag("signal_self")) kill(getpid(), IntFlag("signal_self", 0));
  if (HasFlag("usr1_at_destroy")) {
    runtime.OnSignal(SIGUSR1, [](const siginfo_t&) { Say("USR1 HANDLED"); });
    kill(getpid(), SIGUSR1);
    started->reset();
    Say("AFTER DESTROY");
    return 0;
  }
  if (HasFlag("request_stop")) {
    const bool first = runtime.RequestStop();
    const bool again = runtime.RequestStop();
    Say(absl::StrCat("REQUEST first=", first, " again=", again));
  }

  graceful::ShutdownReport report = runtime.Wait();
  std::string hooks_ran;
  for (const graceful::HookOutcome& hook : report.hooks) {
    absl::StrAppend(&hooks_ran, " ", hook.name, "=",
                    static_cast<int>(hook.state));
  }
  Say(absl::StrCat("REPORT cause=", graceful::StopCauseName(report.cause),
                   " signal=", report.signal,
                   " sender_pid=", report.sender_pid,
                   " sender_uid=", report.sender_uid,
                   " extra=", report.extra_stop_signals,
                   " exit=", report.exit_code(),
                   " die=", report.die_by_signal,
                   " error=", report.error.message(),
                   " hooks:", hooks_ran));
  fputs(report.ToString().c_str(), stderr);
  if (HasFlag("wait_pending_term")) {
    Say("AFTER REPORT");
    Say(absl::StrCat("TERM PENDING=", WaitUntilSigtermPending()));
  }
  if (HasFlag("destroy")) {
    started->reset();
    Say("AFTER DESTROY");
    if (HasFlag("children_after_destroy")) {
      sigset_t hup;
      sigemptyset(&hup);
      sigaddset(&hup, SIGHUP);
      pthread_sigmask(SIG_BLOCK, &hup, nullptr);
      ReportChildMasks(argv[0]);
    }
    return report.exit_code();
  }
  report.ExitProcess();
}
