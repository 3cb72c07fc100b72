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
//   --block_usr1          OnSignal(SIGUSR1) blocks (for 60 s)
//   --handler=1           install a SIGTERM handler before Start()
//   --policy=refuse|chain|override
//   --keep_ignored=0|1
//   --child=fork|spawn    start `sleep 60`, SIGTERM it, report how it ended
//   --print_mask          print whether main and a worker block signals
//   --request_stop        call RequestStop() after READY
//   --second_runtime      try to start a second runtime, print the status

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
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

void OldTermHandler(int) {
  const char* text = global_token != nullptr && global_token->stop_requested()
                         ? "OLD HANDLER stop_requested=1\n"
                         : "OLD HANDLER stop_requested=0\n";
  [[maybe_unused]] ssize_t ignored = write(STDOUT_FILENO, text, strlen(text));
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

}  // namespace

int main(int argc, char** argv) {
  ParseHelperFlags(argc, argv);
  if (Flag("handler") == "1") signal(SIGTERM, &OldTermHandler);

  absl::StatusOr<std::unique_ptr<graceful::Runtime>> started =
      graceful::Runtime::Start(OptionsFromFlags());
  if (!started.ok()) {
    Say(absl::StrCat("START FAILED ", started.status().ToString()));
    return 3;
  }
  graceful::Runtime& runtime = **started;
  graceful::StopToken token = runtime.token();
  global_token = &token;

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
    });
  }
  if (HasFlag("term_callback")) {
    runtime.OnSignal(SIGTERM, [](const siginfo_t&) { Say("TERM SEEN"); });
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
  report.ExitProcess();
}
