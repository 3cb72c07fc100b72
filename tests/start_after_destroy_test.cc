// Copyright 2026 The graceful Authors.
//
// A Runtime may be started again once the previous one is destroyed: the
// threads it joined are gone as far as Start()'s "no other threads" check is
// concerned, even while the kernel is still tearing them down on a loaded
// machine.

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graceful/graceful.h"
#include "gtest/gtest.h"

namespace graceful {
namespace {

// Processes that spin on a CPU each until the object is destroyed.
class BusyProcesses {
 public:
  explicit BusyProcesses(int count) {
    for (int i = 0; i < count; ++i) {
      const pid_t pid = fork();
      if (pid == 0) {
        volatile unsigned long spins = 0;
        for (;;) spins = spins + 1;
      }
      if (pid > 0) pids_.push_back(pid);
    }
  }
  ~BusyProcesses() {
    for (pid_t pid : pids_) kill(pid, SIGKILL);
    for (pid_t pid : pids_) waitpid(pid, nullptr, 0);
  }
  BusyProcesses(const BusyProcesses&) = delete;
  BusyProcesses& operator=(const BusyProcesses&) = delete;

  size_t size() const { return pids_.size(); }

 private:
  std::vector<pid_t> pids_;
};

// Start() right after the previous Runtime was destroyed never refuses
// because of that Runtime's threads.
TEST(StartAfterDestroyTest, StartRightAfterDestroyIsNeverRefused) {
  constexpr int kCycles = 1000;
  BusyProcesses busy(2);
  ASSERT_EQ(busy.size(), 2u);
  RuntimeOptions options;
  options.on_event = nullptr;
  int refusals = 0;
  std::string first_refusal;
  for (int i = 0; i < kCycles; ++i) {
    absl::StatusOr<std::unique_ptr<Runtime>> runtime = Runtime::Start(options);
    if (!runtime.ok() && refusals++ == 0) {
      first_refusal = runtime.status().ToString();
    }
  }
  EXPECT_EQ(refusals, 0) << "of " << kCycles
                         << " cycles; the first: " << first_refusal;
}

}  // namespace
}  // namespace graceful
