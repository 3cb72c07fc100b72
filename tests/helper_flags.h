// Copyright 2026 The graceful Authors.
//
// Test support for the helper programs the end-to-end tests run
// (signal_helper, stress_helper, systemd_helper): their `--name=value`
// flags, the runtime options they share, and one-line output that never
// interleaves.

#ifndef GRACEFUL_TESTS_HELPER_FLAGS_H_
#define GRACEFUL_TESTS_HELPER_FLAGS_H_

#include <cstdint>
#include <string>

#include "graceful/runtime_options.h"

namespace graceful {
namespace testing {

// Reads every `--name=value` (or `--name`) argument; others are ignored.
// Call once, first thing in main(). The flags are never destroyed, so they
// stay usable from atexit handlers and from threads still running at exit.
void ParseHelperFlags(int argc, char** argv);

bool HasFlag(const std::string& name);
std::string Flag(const std::string& name, std::string fallback = "");
// `fallback` when the flag is missing or not a number.
int64_t IntFlag(const std::string& name, int64_t fallback);

// RuntimeOptions from the flags every helper shares: --grace_ms,
// --critical_limit_ms, --second_signal=ignore, --exit_style=zero|128,
// --stop_signals=N,M (signal numbers; a number that does not parse is kept
// as 0, which Start() refuses).
graceful::RuntimeOptions CommonRuntimeOptions();

// Writes `line` and a newline to stdout with one write(2): lines from
// several threads never interleave, and no stdio buffer is left unflushed
// by _exit(). This function is async-signal-safe in practice (one string
// allocation aside) and NOT guaranteed to be.
void Say(const std::string& line);

}  // namespace testing
}  // namespace graceful

#endif  // GRACEFUL_TESTS_HELPER_FLAGS_H_
