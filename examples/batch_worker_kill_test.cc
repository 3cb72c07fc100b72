// Copyright 2026 The graceful Authors.
//
// //examples:batch_worker interrupted at random moments: SIGTERM, SIGINT,
// SIGKILL and double signals in a loop, restarting it until it finishes,
// then its output checked record by record: every record exactly once,
// with the right hash. The seed is printed; rerun with
// BATCH_WORKER_TEST_SEED=<seed> to replay the same choices (the moments
// themselves depend on the machine).

#include <signal.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "examples/batch_worker_testing.h"
#include "gtest/gtest.h"

namespace batch_worker_testing {
namespace {

constexpr int kExitAllDone = 0;
constexpr int kExitResume = 75;
constexpr int kExitForced = 124;

uint64_t Seed() {
  if (const char* env = std::getenv("BATCH_WORKER_TEST_SEED")) {
    return std::strtoull(env, nullptr, 10);
  }
  return std::random_device()();
}

enum class Interruption {
  kTerm,        // SIGTERM once Start() has run
  kInt,         // SIGINT likewise
  kKill,        // SIGKILL at a random moment while it works
  kKillEarly,   // SIGKILL at once, maybe before main()
  kDouble,      // SIGTERM, then SIGTERM or SIGINT again a little later
};

const char* Name(Interruption what) {
  switch (what) {
    case Interruption::kTerm:
      return "SIGTERM";
    case Interruption::kInt:
      return "SIGINT";
    case Interruption::kKill:
      return "SIGKILL";
    case Interruption::kKillEarly:
      return "early SIGKILL";
    case Interruption::kDouble:
      return "two stop signals";
  }
  return "?";
}

Interruption Pick(std::mt19937_64& rng) {
  const int roll = static_cast<int>(rng() % 100);
  if (roll < 30) return Interruption::kTerm;
  if (roll < 45) return Interruption::kInt;
  if (roll < 75) return Interruption::kKill;
  if (roll < 85) return Interruption::kKillEarly;
  return Interruption::kDouble;
}

absl::Duration UniformMillis(std::mt19937_64& rng, int lo, int hi) {
  return absl::Milliseconds(lo + static_cast<int>(rng() % (hi - lo + 1)));
}

// Runs batch_worker with `args` (plus --output=`out`), interrupting it at
// random moments, until it finishes by itself; then checks the output
// against `records`.
void InterruptUntilDone(const std::vector<std::string>& args,
                        const std::vector<std::string>& records,
                        const std::string& out, int max_rounds,
                        int max_delay_ms) {
  const uint64_t seed = Seed();
  std::cout << "BATCH_WORKER_TEST_SEED=" << seed << std::endl;
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  std::mt19937_64 rng(seed);
  const std::string dir = NewTempDir();

  std::vector<std::string> argv = {WorkerBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--output=" + out);
  const std::string report_json = dir + "/report.json";
  argv.push_back("--report_json=" + report_json);

  int interrupted = 0;
  bool done = false;
  for (int round = 0; round < max_rounds && !done; ++round) {
    const Interruption what = Pick(rng);
    SCOPED_TRACE(absl::StrCat("round ", round, ": ", Name(what)));
    unlink(report_json.c_str());
    Child child(argv, absl::StrCat(dir, "/stderr"));
    if (what == Interruption::kKillEarly) {
      absl::SleepFor(UniformMillis(rng, 0, 5));
      child.Signal(SIGKILL);
    } else if (child.WaitUntilReportWritten(report_json, absl::Seconds(60))) {
      absl::SleepFor(UniformMillis(rng, 0, max_delay_ms));
      switch (what) {
        case Interruption::kTerm:
          child.Signal(SIGTERM);
          break;
        case Interruption::kInt:
          child.Signal(SIGINT);
          break;
        case Interruption::kKill:
        case Interruption::kKillEarly:
          child.Signal(SIGKILL);
          break;
        case Interruption::kDouble:
          child.Signal(SIGTERM);
          absl::SleepFor(UniformMillis(rng, 60, 150));
          child.Signal(rng() % 2 == 0 ? SIGTERM : SIGINT);
          break;
      }
    }
    const Outcome outcome = child.Wait();
    ASSERT_FALSE(outcome.timed_out) << child.Stderr();
    bool allow_torn_tail = false;
    switch (what) {
      case Interruption::kTerm:
      case Interruption::kInt:
        // Clean stop: status 75, or 0 if it was done anyway.
        ASSERT_TRUE(outcome.ExitedWith(kExitResume) ||
                    outcome.ExitedWith(kExitAllDone))
            << outcome.ToString() << "\n" << child.Stderr();
        break;
      case Interruption::kKill:
      case Interruption::kKillEarly:
        ASSERT_TRUE(outcome.KilledBy(SIGKILL) ||
                    outcome.ExitedWith(kExitAllDone))
            << outcome.ToString() << "\n" << child.Stderr();
        allow_torn_tail = true;
        break;
      case Interruption::kDouble:
        ASSERT_TRUE(outcome.ExitedWith(kExitResume) ||
                    outcome.ExitedWith(kExitAllDone) ||
                    outcome.ExitedWith(kExitForced))
            << outcome.ToString() << "\n" << child.Stderr();
        // A forced exit waits for writes in progress, but one that starts
        // in the instant before _exit() may be cut; a restart repairs it.
        allow_torn_tail = outcome.ExitedWith(kExitForced);
        break;
    }
    if (outcome.ExitedWith(kExitAllDone)) {
      done = true;
    } else {
      ++interrupted;
    }
    // Whatever happened, what is there is right: no wrong line, nothing
    // twice, at most a torn last line after a kill.
    ASSERT_TRUE(CheckOutput(ReadFileIfExists(out), records, allow_torn_tail,
                            /*require_complete=*/false));
  }
  std::cout << interrupted << " interrupted runs" << std::endl;

  // Restart until it finishes (once more is enough).
  Child last(argv, absl::StrCat(dir, "/stderr"));
  const Outcome outcome = last.Wait();
  ASSERT_TRUE(outcome.ExitedWith(kExitAllDone))
      << outcome.ToString() << "\n" << last.Stderr();
  EXPECT_TRUE(CheckOutput(ReadFileOrDie(out), records,
                          /*allow_torn_tail=*/false,
                          /*require_complete=*/true));
}

TEST(BatchWorkerKillTest, RandomInterruptionsLoseNothing) {
  const std::string out = NewTempDir() + "/out";
  InterruptUntilDone({"--items=60000", "--work_us=50", "--workers=3",
                      "--grace=10s"},
                     EmbeddedRecords(60000), out, /*max_rounds=*/30,
                     /*max_delay_ms=*/300);
}

TEST(BatchWorkerKillTest, RandomInterruptionsOnAwkwardInput) {
  // Random bytes (NUL, CR, tabs, invalid UTF-8), empty lines, a few long
  // lines, no '\n' at the end.
  std::mt19937_64 rng(42);
  std::string input;
  for (int i = 0; i < 4000; ++i) {
    const size_t length =
        i % 997 == 0 ? (1 << 20) : static_cast<size_t>(rng() % 120);
    for (size_t j = 0; j < length; ++j) {
      char c = static_cast<char>(rng() % 256);
      input += c == '\n' ? '\r' : c;
    }
    input += '\n';
  }
  input += "the end";
  const std::string dir = NewTempDir();
  WriteFileOrDie(dir + "/input", input);
  InterruptUntilDone({"--input=" + dir + "/input", "--work_us=600",
                      "--workers=2", "--grace=10s"},
                     SplitRecords(input), dir + "/out", /*max_rounds=*/20,
                     /*max_delay_ms=*/250);
}

}  // namespace
}  // namespace batch_worker_testing
