// Copyright 2026 The graceful Authors.
//
// A small batch worker built in a workspace of its own against
// @graceful//:graceful (and @graceful//:graceful_systemd): --workers threads
// take items from a shared counter and process each to its end (a short
// sleep stands in for the work). SIGTERM or Ctrl+C stops it cleanly: every
// worker finishes its item, the summary hook runs, the report is printed as
// one JSON line on stdout, and the process ends as the report says (dying
// of the SIGTERM it received, exit 0 when all items are done). Under
// systemd (Type=notify) it also reports readiness and the stop's progress.
//
//   bazel run //:worker -- --items=1000      # runs to the end, exit 0
//   bazel run //:worker                      # runs until Ctrl+C / SIGTERM

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "graceful/graceful.h"
#include "graceful/systemd.h"

ABSL_FLAG(int, workers, 4, "worker threads");
ABSL_FLAG(int64_t, items, 0, "items to process; 0: until stopped");
ABSL_FLAG(absl::Duration, step, absl::Milliseconds(10), "time per item");
ABSL_FLAG(absl::Duration, grace, absl::Seconds(20),
          "grace period: how long a stop may take before the exit is forced");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int workers = absl::GetFlag(FLAGS_workers);
  const int64_t items = absl::GetFlag(FLAGS_items);
  const absl::Duration step = absl::GetFlag(FLAGS_step);

  // Before Runtime::Start() and any thread: takes NOTIFY_SOCKET (if systemd
  // set it) out of the environment. Disabled, and harmless, otherwise.
  absl::StatusOr<graceful::SystemdNotifier> systemd =
      graceful::SystemdNotifier::FromEnvironment();
  if (!systemd.ok()) {
    std::fprintf(stderr, "worker: %s\n", systemd.status().ToString().c_str());
    return 2;
  }
  graceful::RuntimeOptions options;
  options.grace_period = absl::GetFlag(FLAGS_grace);
  systemd->Install(options);

  absl::StatusOr<std::unique_ptr<graceful::Runtime>> runtime =
      graceful::Runtime::Start(options);
  if (!runtime.ok()) {
    std::fprintf(stderr, "worker: %s\n", runtime.status().ToString().c_str());
    return 2;
  }

  std::atomic<int64_t> next_item{0};
  std::atomic<int64_t> processed{0};
  for (int i = 0; i < workers; ++i) {
    (*runtime)->Spawn(absl::StrCat("worker-", i), [&](graceful::StopToken token) {
      while (!token.stop_requested()) {
        const int64_t item = next_item.fetch_add(1, std::memory_order_relaxed);
        if (items > 0 && item >= items) return;  // all taken: work done
        absl::SleepFor(step);  // the item, processed to its end
        processed.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  (*runtime)->AddShutdownHook("summary", [&] {
    std::fprintf(stderr, "worker: processed %lld items\n",
                 static_cast<long long>(processed.load()));
  });

  systemd->NotifyReady(absl::StrCat("running: ", workers, " workers"))
      .IgnoreError();
  std::printf("worker: ready, pid %d\n", static_cast<int>(getpid()));
  std::fflush(stdout);

  graceful::ShutdownReport report = (*runtime)->Wait();
  std::printf("%s\n", report.ToJson().c_str());
  runtime->reset();
  report.ExitProcess();
}
