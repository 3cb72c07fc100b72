// Copyright 2026 The graceful Authors.
//
// The robustness tests' helper: a program that embeds graceful::Runtime and,
// as its flags say, loads it (many workers, many pool tasks), floods it with
// non-stop signals, or misbehaves in user code (hooks that hang, throw or
// call exit(), callbacks that block, workers that ignore the token). It
// prints one line per event to stdout (one write(2) each) and, when Wait()
// returns, one machine-readable REPORT line; then it ends as the report says.
// tests/robustness_*_test.cc run it, send it real signals and check what it
// printed and how it ended.
//
// Flags (all optional, --name=value):
//   --workers=N             N workers "worker-i" that sleep on the token in
//                           steps of --step_ms (default 50) until the stop
//   --stubborn=N            N workers "stubborn-i" that ignore the token
//   --tasks=N               --submitters=K (default 1) workers
//                           "submitter-i" submit N tasks in all, each
//                           counting itself; "HALF" is printed once N/2 were
//                           accepted; a submitter returns when all N were
//                           claimed or Submit() refuses
//   --hang_task             submit one pool task that ignores the token
//   --pool_threads=N, --queue=N, --unstarted=drain|leave
//   --storm                 OnSignal(SIGHUP, SIGUSR1, SIGUSR2): count calls,
//                           and count calls that overlapped another one;
//                           OnSignal(SIGWINCH) prints "WINCH" (the signal
//                           thread takes pending signals lowest number
//                           first, so once it ran, every SIGTERM sent before
//                           the SIGWINCH was handled)
//   --critical_worker_ms=N  a worker "critical" that, once the stop is
//                           requested, holds a CriticalSection for N ms and
//                           then returns
//   --no_stderr_report      do not write the report to stderr
//   --gate_stdin            a hook "gate" (added last, so it runs first)
//                           that blocks until stdin reaches EOF
//   --hooks=a,b             hooks that print "HOOK a"
//   --hang_hook             a hook "hanging" that never returns
//   --throw_hook            a hook "thrower" that throws
//   --hook_exit=N           a hook "exiter" that calls exit(N)
//   --hook_request_stop     a hook that calls RequestStop() and prints what
//                           it returned
//   --worker_exit=N         a worker "exiter" that calls exit(N) after READY
//   --hang_atexit           an atexit handler that never returns
//   --block_stop_callback   a StopCallback on the runtime's token that never
//                           returns
//   --on_hup                OnSignal(SIGHUP) prints "HUP"
//   --block_hup             OnSignal(SIGHUP) never returns
//   --throw_hup             OnSignal(SIGHUP) throws
//   --pending_before_start=kill|raise
//                           block SIGTERM, send it to this process (kill)
//                           or this thread (raise), then Start()
//   --grace_ms=N, --critical_limit_ms=N, --second_signal=force|ignore,
//   --exit_style=die|zero|128
//   --quiet_events          RuntimeOptions::on_event = nullptr (the default
//                           handler writes a few lines to stderr)
//   --signal_priority=inherit|realtime (default: the library's default)
//   --end=exit|destroy      exit (default): report.ExitProcess() with the
//                           Runtime alive; destroy: destroy the Runtime
//                           first (every thread joined: leak checkers see a
//                           quiet process), then report.ExitProcess()
//
// Every object a runtime thread may touch is trivially destructible or
// leaked, so exit() from a hook or worker cannot destroy it under them.

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "graceful/graceful.h"
#include "tests/helper_flags.h"

// The helper usually ends through ShutdownReport::ExitProcess() with the
// Runtime alive (its threads parked, a callback maybe blocked), as a program
// that must not wait for them does; ThreadSanitizer would report those
// threads as leaked.
extern "C" const char* __tsan_default_options() {
  return "report_thread_leaks=0";
}

namespace {

using ::graceful::testing::CommonRuntimeOptions;
using ::graceful::testing::Flag;
using ::graceful::testing::IntFlag;
using ::graceful::testing::ParseHelperFlags;
using ::graceful::testing::Say;

bool Has(const std::string& name) {
  return ::graceful::testing::HasFlag(name);
}

[[noreturn]] void SpinForever() {
  for (;;) usleep(10'000);
}

graceful::Runtime* runtime = nullptr;  // set once Start() succeeded
std::atomic<bool> ready{false};

// Pool task accounting, as the application sees it.
std::atomic<int64_t> tasks_claimed{0};
std::atomic<int64_t> submitted_ok{0};
std::atomic<int64_t> tasks_ran{0};
std::atomic<bool> stop_seen_by_submitter{false};

// Signal storm accounting.
std::atomic<int64_t> storm_calls[3] = {0, 0, 0};  // SIGHUP, SIGUSR1, SIGUSR2
std::atomic<int> storm_in_callback{0};
std::atomic<int64_t> storm_overlaps{0};

std::atomic<int> stop_callback_runs{0};

graceful::RuntimeOptions OptionsFromFlags() {
  graceful::RuntimeOptions options = CommonRuntimeOptions();
  options.pool_threads = static_cast<int>(IntFlag("pool_threads", 2));
  options.queue_capacity = static_cast<size_t>(IntFlag("queue", 1024));
  if (Flag("unstarted") == "leave") {
    options.unstarted_tasks = graceful::UnstartedTaskPolicy::kLeave;
  }
  if (Has("quiet_events")) options.on_event = nullptr;
  if (Flag("signal_priority") == "inherit") {
    options.signal_thread_priority = graceful::SignalThreadPriority::kInherit;
  } else if (Flag("signal_priority") == "realtime") {
    options.signal_thread_priority = graceful::SignalThreadPriority::kRealtime;
  }
  return options;
}

void StormCallback(int index) {
  if (storm_in_callback.fetch_add(1, std::memory_order_acq_rel) != 0) {
    storm_overlaps.fetch_add(1, std::memory_order_relaxed);
  }
  storm_calls[index].fetch_add(1, std::memory_order_relaxed);
  storm_in_callback.fetch_sub(1, std::memory_order_acq_rel);
}

void Submitter(graceful::StopToken token, int64_t total) {
  for (;;) {
    if (tasks_claimed.fetch_add(1, std::memory_order_relaxed) >= total) {
      return;
    }
    const absl::Status status = runtime->Submit([](graceful::StopToken) {
      tasks_ran.fetch_add(1, std::memory_order_relaxed);
    });
    if (!status.ok()) {
      if (token.stop_requested()) stop_seen_by_submitter.store(true);
      return;
    }
    if (submitted_ok.fetch_add(1, std::memory_order_relaxed) + 1 ==
        total / 2) {
      Say("HALF");
    }
  }
}

const char* HookState(graceful::HookOutcome::State state) {
  switch (state) {
    case graceful::HookOutcome::State::kFinished:
      return "finished";
    case graceful::HookOutcome::State::kFailed:
      return "failed";
    case graceful::HookOutcome::State::kRunning:
      return "running";
    case graceful::HookOutcome::State::kNotRun:
      return "notrun";
  }
  return "?";
}

std::string ReportLine(const graceful::ShutdownReport& report) {
  std::map<std::string, int> worker_states;
  for (const graceful::WorkerOutcome& worker : report.workers) {
    ++worker_states[graceful::WorkerStateName(worker.state)];
  }
  std::string hooks;
  for (const graceful::HookOutcome& hook : report.hooks) {
    absl::StrAppend(&hooks, hooks.empty() ? "" : ",", hook.name, ":",
                    HookState(hook.state));
  }
  return absl::StrCat(
      "REPORT cause=", absl::StrReplaceAll(graceful::StopCauseName(report.cause),
                                           {{" ", "_"}}),
      " signal=", report.signal, " sender_pid=", report.sender_pid,
      " extra=", report.extra_stop_signals, " exit=", report.exit_code(),
      " die=", report.die_by_signal,
      " forced=", static_cast<int>(report.forced),
      " workers=", report.workers.size(),
      " finished=", worker_states["finished"],
      " running=", worker_states["running"],
      " failed=", worker_states["failed"],
      " refused=", worker_states["refused"],
      " joined=", report.signal_to_joined() != absl::InfiniteDuration(),
      " tasks_accepted=", report.tasks_accepted,
      " tasks_completed=", report.tasks_completed,
      " tasks_unstarted=", report.tasks_unstarted,
      " tasks_failed=", report.tasks_failed,
      " submitted_ok=", submitted_ok.load(), " tasks_ran=", tasks_ran.load(),
      " submit_refused=", stop_seen_by_submitter.load(),
      " storm_hup=", storm_calls[0].load(),
      " storm_usr1=", storm_calls[1].load(),
      " storm_usr2=", storm_calls[2].load(),
      " overlaps=", storm_overlaps.load(),
      " stop_callbacks=", stop_callback_runs.load(), " hooks=", hooks);
}

void AddHooks() {
  // Added first, so run last.
  if (!Flag("hooks").empty()) {
    for (absl::string_view name : absl::StrSplit(Flag("hooks"), ',')) {
      runtime->AddShutdownHook(std::string(name), [name = std::string(name)] {
        Say(absl::StrCat("HOOK ", name));
      });
    }
  }
  if (Has("throw_hook")) {
    runtime->AddShutdownHook("thrower", []() -> void {
      Say("HOOK thrower");
      throw std::runtime_error("hook boom");
    });
  }
  if (Has("hook_request_stop")) {
    runtime->AddShutdownHook("requester", [] {
      const bool first = runtime->RequestStop();
      Say(absl::StrCat("HOOK requester RequestStop=", first,
                       " stop_requested=", runtime->token().stop_requested()));
    });
  }
  if (Has("hang_hook")) {
    runtime->AddShutdownHook("hanging", [] {
      Say("HOOK hanging");
      SpinForever();
    });
  }
  if (Has("hook_exit")) {
    const int code = static_cast<int>(IntFlag("hook_exit", 0));
    runtime->AddShutdownHook("exiter", [code] {
      Say(absl::StrCat("HOOK exiter calls exit(", code, ")"));
      std::exit(code);
    });
  }
  if (Has("gate_stdin")) {
    runtime->AddShutdownHook("gate", [] {
      Say("HOOK gate");
      char buffer[256];
      while (read(STDIN_FILENO, buffer, sizeof(buffer)) > 0) {
      }
      Say("GATE OPEN");
    });
  }
}

void RegisterSignalCallbacks() {
  if (Has("storm")) {
    runtime->OnSignal(SIGHUP, [](const siginfo_t&) { StormCallback(0); });
    runtime->OnSignal(SIGUSR1, [](const siginfo_t&) { StormCallback(1); });
    runtime->OnSignal(SIGUSR2, [](const siginfo_t&) { StormCallback(2); });
    runtime->OnSignal(SIGWINCH, [](const siginfo_t&) { Say("WINCH"); });
  }
  if (Has("on_hup")) {
    runtime->OnSignal(SIGHUP, [](const siginfo_t& info) {
      Say(absl::StrCat("HUP from ", info.si_pid));
    });
  }
  if (Has("block_hup")) {
    runtime->OnSignal(SIGHUP, [](const siginfo_t&) {
      Say("HUP BLOCKING");
      SpinForever();
    });
  }
  if (Has("throw_hup")) {
    runtime->OnSignal(SIGHUP, [](const siginfo_t&) -> void {
      Say("HUP THROWING");
      throw std::runtime_error("reload failed");
    });
  }
}

void SpawnWorkers() {
  const int64_t workers = IntFlag("workers", 0);
  const absl::Duration step = absl::Milliseconds(IntFlag("step_ms", 50));
  for (int64_t i = 0; i < workers; ++i) {
    runtime->Spawn(absl::StrCat("worker-", i), [step](graceful::StopToken t) {
      while (t.SleepFor(step)) {
      }
    });
  }
  for (int64_t i = 0; i < IntFlag("stubborn", 0); ++i) {
    runtime->Spawn(absl::StrCat("stubborn-", i),
                   [](graceful::StopToken) { SpinForever(); });
  }
  if (Has("critical_worker_ms")) {
    const int64_t ms = IntFlag("critical_worker_ms", 0);
    runtime->Spawn("critical", [ms](graceful::StopToken token) {
      token.SleepUntil(absl::InfiniteFuture());
      graceful::CriticalSection section;
      Say("CRITICAL SECTION OPEN");
      absl::SleepFor(absl::Milliseconds(ms));
      Say("CRITICAL SECTION CLOSING");
    });
  }
  if (Has("worker_exit")) {
    const int code = static_cast<int>(IntFlag("worker_exit", 0));
    runtime->Spawn("exiter", [code](graceful::StopToken) {
      ready.wait(false);
      Say(absl::StrCat("WORKER exiter calls exit(", code, ")"));
      std::exit(code);
    });
  }
  if (Has("hang_task")) {
    const absl::Status status = runtime->Submit([](graceful::StopToken) {
      Say("TASK HANGING");
      SpinForever();
    });
    if (!status.ok()) Say(absl::StrCat("SUBMIT FAILED ", status.ToString()));
  }
  const int64_t tasks = IntFlag("tasks", 0);
  if (tasks > 0) {
    for (int64_t i = 0; i < IntFlag("submitters", 1); ++i) {
      runtime->Spawn(absl::StrCat("submitter-", i),
                     [tasks](graceful::StopToken token) {
                       ready.wait(false);
                       Submitter(token, tasks);
                     });
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  ParseHelperFlags(argc, argv);
  if (Has("hang_atexit")) {
    std::atexit([] {
      Say("ATEXIT HANGING");
      SpinForever();
    });
  }
  if (Has("pending_before_start")) {
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigprocmask(SIG_BLOCK, &term, nullptr);
    if (Flag("pending_before_start") == "raise") {
      raise(SIGTERM);  // thread-directed: pending on this thread only
    } else {
      kill(getpid(), SIGTERM);  // process-directed
    }
    Say("SIGTERM PENDING BEFORE START");
  }

  absl::StatusOr<std::unique_ptr<graceful::Runtime>> started =
      graceful::Runtime::Start(OptionsFromFlags());
  if (!started.ok()) {
    Say(absl::StrCat("START FAILED ", started.status().ToString()));
    return 3;
  }
  std::unique_ptr<graceful::Runtime> owner = std::move(*started);
  runtime = owner.get();

  // One StopCallback that counts its runs; phase 2 must run it once.
  auto count_stop = std::make_unique<graceful::StopCallback>(
      runtime->token(), [] {
        stop_callback_runs.fetch_add(1);
        Say("STOP CALLBACK");
      });
  std::unique_ptr<graceful::StopCallback> blocking_stop;
  if (Has("block_stop_callback")) {
    blocking_stop = std::make_unique<graceful::StopCallback>(
        runtime->token(), [] {
          Say("STOP CALLBACK BLOCKING");
          SpinForever();
        });
  }
  RegisterSignalCallbacks();
  AddHooks();
  SpawnWorkers();

  Say(absl::StrCat("READY pid=", getpid()));
  ready.store(true);
  ready.notify_all();

  graceful::ShutdownReport report = runtime->Wait();
  Say(ReportLine(report));
  if (!Has("no_stderr_report")) fputs(report.ToString().c_str(), stderr);
  if (Flag("end") == "destroy") {
    runtime = nullptr;
    blocking_stop.reset();
    count_stop.reset();  // callbacks go before their source
    owner.reset();
    Say("DESTROYED");
  }
  report.ExitProcess();
}
