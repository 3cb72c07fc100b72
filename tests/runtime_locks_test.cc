// Copyright 2026 The graceful Authors.
//
// The signal thread never waits for a lock that another thread holds across
// user code (lib/internal/runtime_impl.h lists every lock and its order).
// In-process: the test's own process receives the signals it sends itself.

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "graceful/runtime.h"
#include "gtest/gtest.h"

namespace graceful {
namespace {

// A flag a test waits for, with a watchdog bound (never a measurement).
class Flag {
 public:
  void Set() {
    std::lock_guard<std::mutex> lock(mu_);
    set_ = true;
    cv_.notify_all();
  }
  bool WaitFor(std::chrono::seconds bound) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, bound, [&] { return set_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool set_ = false;
};

// Captured by a callback: its destructor (user code) announces itself, then
// blocks until released.
struct BlocksWhenDestroyed {
  Flag* entered;
  Flag* release;
  ~BlocksWhenDestroyed() {
    entered->Set();
    release->WaitFor(std::chrono::seconds(120));
  }
};

TEST(RuntimeLocksTest, ReplacedCallbackIsDestroyedOutsideTheSignalThreadsLock) {
  RuntimeOptions options;
  options.on_event = nullptr;
  absl::StatusOr<std::unique_ptr<Runtime>> started = Runtime::Start(options);
  ASSERT_TRUE(started.ok()) << started.status();
  Runtime& runtime = **started;

  Flag destructor_entered;
  Flag release_destructor;
  auto blocker = std::make_shared<BlocksWhenDestroyed>(&destructor_entered,
                                                       &release_destructor);
  runtime.OnSignal(SIGUSR1, [blocker](const siginfo_t&) {});
  blocker.reset();  // the callback holds the last reference

  Flag new_callback_ran;
  std::thread replacer([&] {
    runtime.OnSignal(SIGUSR1,
                     [&](const siginfo_t&) { new_callback_ran.Set(); });
  });
  ASSERT_TRUE(destructor_entered.WaitFor(std::chrono::seconds(60)));
  // The old callback's destructor is blocked in OnSignal(); the signal
  // thread still hands SIGUSR1 to the callback thread.
  kill(getpid(), SIGUSR1);
  EXPECT_TRUE(new_callback_ran.WaitFor(std::chrono::seconds(30)))
      << "the signal thread is stuck behind OnSignal()'s destruction of the "
         "callback it replaced";
  release_destructor.Set();
  replacer.join();
  runtime.RequestStop();
  runtime.Wait();
}

}  // namespace
}  // namespace graceful
