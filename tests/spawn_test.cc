// Copyright 2026 The graceful Authors.
//
// With a runtime, children get the original mask: runtime_signals_test.cc
// (ChildProcessTest) forks and posix_spawns `sleep 60` from a runtime and
// checks that SIGTERM kills it. Here: the helpers without a runtime.

#include "graceful/spawn.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include "gtest/gtest.h"

extern char** environ;

namespace graceful {
namespace {

TEST(SpawnAttributesTest, WithoutARuntimeUsesTheCurrentMask) {
  sigset_t current;
  pthread_sigmask(SIG_SETMASK, nullptr, &current);
  SpawnAttributes attributes;
  short flags = 0;
  posix_spawnattr_getflags(attributes.get(), &flags);
  EXPECT_TRUE(flags & POSIX_SPAWN_SETSIGMASK);
  sigset_t mask;
  posix_spawnattr_getsigmask(attributes.get(), &mask);
  for (int signo = 1; signo < SIGRTMIN; ++signo) {
    EXPECT_EQ(sigismember(&mask, signo), sigismember(&current, signo))
        << signo;
  }
}

TEST(SpawnAttributesTest, SpawnedChildRunsAndIsReaped) {
  SpawnAttributes attributes;
  char arg0[] = "true";
  char* argv[] = {arg0, nullptr};
  pid_t pid;
  ASSERT_EQ(posix_spawnp(&pid, "true", nullptr, attributes.get(), argv,
                         environ),
            0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(RestoreSignalsForChildTest, IsHarmlessWithoutARuntime) {
  sigset_t before;
  pthread_sigmask(SIG_SETMASK, nullptr, &before);
  RestoreSignalsForChild();
  sigset_t after;
  pthread_sigmask(SIG_SETMASK, nullptr, &after);
  for (int signo = 1; signo < SIGRTMIN; ++signo) {
    EXPECT_EQ(sigismember(&after, signo), sigismember(&before, signo));
  }
}

}  // namespace
}  // namespace graceful
