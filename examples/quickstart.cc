// Copyright 2026 The graceful Authors.
//
// The README's usage example: four workers that stop cleanly on SIGTERM or
// Ctrl+C, a shutdown hook, and an exit status that tells the supervisor
// what happened. Run it, press Ctrl+C, and read the report.

#include <cstdio>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "graceful/graceful.h"

int main() {
  // First thing in main(), before any thread exists.
  absl::StatusOr<std::unique_ptr<graceful::Runtime>> runtime =
      graceful::Runtime::Start();
  if (!runtime.ok()) {
    std::cerr << runtime.status() << "\n";
    return 2;
  }
  for (int i = 0; i < 4; ++i) {
    (*runtime)->Spawn(absl::StrCat("worker-", i), [i](graceful::StopToken token) {
      int steps = 0;
      // Each step runs to its end; the token is checked between steps.
      while (token.SleepFor(absl::Milliseconds(500))) ++steps;
      std::printf("worker-%d finished after %d steps\n", i, steps);
    });
  }
  (*runtime)->AddShutdownHook("flush", [] { std::fflush(stdout); });
  std::printf("running; press Ctrl+C or send SIGTERM to pid %d\n",
              static_cast<int>(getpid()));
  std::fflush(stdout);

  graceful::ShutdownReport report = (*runtime)->Wait();
  std::cerr << report.ToString();
  report.ExitProcess();  // by default: dies of the signal it received
}
