// Copyright 2026 The graceful Authors.

#include "tests/helper_flags.h"

#include <unistd.h>

#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"

namespace graceful {
namespace testing {
namespace {

std::map<std::string, std::string>& Flags() {
  static auto* const flags = new std::map<std::string, std::string>;
  return *flags;
}

}  // namespace

void ParseHelperFlags(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (!absl::ConsumePrefix(&arg, "--")) continue;
    std::pair<std::string, std::string> kv =
        absl::StrSplit(arg, absl::MaxSplits('=', 1));
    Flags()[kv.first] = kv.second;
  }
}

bool HasFlag(const std::string& name) { return Flags().count(name) > 0; }

std::string Flag(const std::string& name, std::string fallback) {
  auto it = Flags().find(name);
  return it == Flags().end() ? fallback : it->second;
}

int64_t IntFlag(const std::string& name, int64_t fallback) {
  int64_t value = fallback;
  auto it = Flags().find(name);
  if (it != Flags().end() && !absl::SimpleAtoi(it->second, &value)) {
    value = fallback;
  }
  return value;
}

graceful::RuntimeOptions CommonRuntimeOptions() {
  graceful::RuntimeOptions options;
  options.grace_period = absl::Milliseconds(IntFlag("grace_ms", 20000));
  options.critical_section_limit =
      absl::Milliseconds(IntFlag("critical_limit_ms", 5000));
  options.second_signal_forces_exit = Flag("second_signal") != "ignore";
  const std::string style = Flag("exit_style", "die");
  if (style == "zero") {
    options.signal_exit_style = graceful::SignalExitStyle::kExitZero;
  } else if (style == "128") {
    options.signal_exit_style = graceful::SignalExitStyle::kExit128PlusSignal;
  }
  if (HasFlag("stop_signals")) {
    options.stop_signals.clear();
    for (absl::string_view number : absl::StrSplit(Flag("stop_signals"), ',')) {
      int signo = 0;
      if (!absl::SimpleAtoi(number, &signo)) signo = 0;
      options.stop_signals.push_back(signo);
    }
  }
  return options;
}

void Say(const std::string& line) {
  const std::string text = line + "\n";
  [[maybe_unused]] ssize_t ignored =
      write(STDOUT_FILENO, text.data(), text.size());
}

}  // namespace testing
}  // namespace graceful
