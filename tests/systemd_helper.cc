// Copyright 2026 The graceful Authors.
//
// A program that embeds graceful::Runtime with a SystemdNotifier, for
// tests/systemd_test.cc: the test binds the notify socket, starts this helper
// with NOTIFY_SOCKET pointing at it, sends signals and checks the datagrams.
//
// Prints to stdout (unbuffered, one line each):
//   notifier: enabled=0|1 watchdog=<duration> heartbeat=<duration>
//   child env: NOTIFY_SOCKET=... WATCHDOG_USEC=... WATCHDOG_PID=...
//       (what a child it starts with posix_spawn sees; "unset" if unset)
//   READY                   once the workers run and READY=1 was sent
//
// Flags (all optional, --name=value):
//   --workers=N      N workers "worker-1".."worker-N" that return when the
//                    stop is requested, in order: worker-k returns only after
//                    the runtime reported worker-(k-1) finished (so the
//                    STATUS lines come in a known order). Default 2.
//   --hooks=a,b      shutdown hooks, added in this order (they run last
//                    added first)
//   --stubborn       one more worker, "stubborn", that never returns
//   --request_stop   call RequestStop() after READY
//   --extend_ms=N    SystemdOptions::extend_timeout (default: its default)
//   --print_env      only print the "child env:" line for this process
//                    and exit 0 (how the helper runs its own child)

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "graceful/graceful.h"
#include "tests/helper_flags.h"
#include "graceful/systemd.h"

extern char** environ;

namespace {

using ::graceful::testing::Flag;
using ::graceful::testing::HasFlag;
using ::graceful::testing::IntFlag;
using ::graceful::testing::ParseHelperFlags;

void Print(const std::string& line) {
  std::string text = line + "\n";
  fwrite(text.data(), 1, text.size(), stdout);
  fflush(stdout);
}

std::string Env(const char* name) {
  const char* value = getenv(name);
  return value == nullptr ? "unset" : value;
}

std::string EnvLine() {
  return absl::StrCat("child env: NOTIFY_SOCKET=", Env("NOTIFY_SOCKET"),
                      " WATCHDOG_USEC=", Env("WATCHDOG_USEC"),
                      " WATCHDOG_PID=", Env("WATCHDOG_PID"));
}

// Runs this program again with --print_env, the way an application starts a
// child, and waits for it: its line shows what children inherit.
void RunChild() {
  graceful::SpawnAttributes attributes;
  char path[] = "/proc/self/exe";
  char flag[] = "--print_env";
  char* argv[] = {path, flag, nullptr};
  pid_t pid;
  if (posix_spawn(&pid, path, nullptr, attributes.get(), argv, environ) !=
      0) {
    Print("child env: posix_spawn failed");
    return;
  }
  int status;
  while (waitpid(pid, &status, 0) < 0) {
  }
}

// Workers that finished, counted by the event handler (after the notifier
// has sent their datagram).
std::atomic<int> workers_finished{0};

}  // namespace

int main(int argc, char** argv) {
  ParseHelperFlags(argc, argv);
  if (HasFlag("print_env")) {
    Print(EnvLine());
    return 0;
  }

  graceful::SystemdOptions systemd_options;
  if (HasFlag("extend_ms")) {
    systemd_options.extend_timeout = absl::Milliseconds(IntFlag("extend_ms", 0));
  }
  absl::StatusOr<graceful::SystemdNotifier> systemd =
      graceful::SystemdNotifier::FromEnvironment(systemd_options);
  if (!systemd.ok()) {
    Print(absl::StrCat("error: ", systemd.status().ToString()));
    return 3;
  }

  graceful::RuntimeOptions options;
  options.grace_period = absl::Minutes(5);  // the test's watchdog is shorter
  options.signal_thread_priority = graceful::SignalThreadPriority::kInherit;
  options.on_event = [](const graceful::Event& event) {
    if (event.type == graceful::EventType::kWorkerFinished &&
        absl::StartsWith(event.name, "worker-")) {
      workers_finished.fetch_add(1, std::memory_order_release);
      workers_finished.notify_all();
    }
    graceful::LogEventToStderr(event);
  };
  systemd->Install(options);
  Print(absl::StrCat("notifier: enabled=", systemd->enabled(),
                     " watchdog=",
                     absl::FormatDuration(systemd->watchdog_timeout()),
                     " heartbeat=",
                     absl::FormatDuration(options.heartbeat_interval)));

  absl::StatusOr<std::unique_ptr<graceful::Runtime>> runtime =
      graceful::Runtime::Start(options);
  if (!runtime.ok()) {
    Print(absl::StrCat("error: ", runtime.status().ToString()));
    return 2;
  }

  const int workers = IntFlag("workers", 2);
  for (int k = 1; k <= workers; ++k) {
    (*runtime)->Spawn(absl::StrCat("worker-", k), [k](graceful::StopToken token) {
      while (!token.stop_requested()) token.SleepFor(absl::Hours(1));
      for (int seen = workers_finished.load(std::memory_order_acquire);
           seen < k - 1;
           seen = workers_finished.load(std::memory_order_acquire)) {
        workers_finished.wait(seen, std::memory_order_acquire);
      }
    });
  }
  if (HasFlag("stubborn")) {
    (*runtime)->Spawn("stubborn", [](graceful::StopToken) {
      std::atomic<bool> never{false};
      never.wait(false);
    });
  }
  const std::string hooks = Flag("hooks");
  if (!hooks.empty()) {
    for (absl::string_view name : absl::StrSplit(hooks, ',')) {
      (*runtime)->AddShutdownHook(std::string(name), [] {});
    }
  }

  RunChild();
  const int total = workers + (HasFlag("stubborn") ? 1 : 0);
  if (absl::Status ready = systemd->NotifyReady(
          absl::StrCat("running: ", total, total == 1 ? " worker" : " workers"));
      !ready.ok()) {
    Print(absl::StrCat("error: ", ready.ToString()));
  }
  Print("READY");
  if (HasFlag("request_stop")) (*runtime)->RequestStop();

  graceful::ShutdownReport report = (*runtime)->Wait();
  runtime->reset();
  report.ExitProcess();
}
