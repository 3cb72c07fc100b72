// Copyright 2026 The graceful Authors.
//
// Test support: runs a program as a child process with its stdout and stderr
// captured, lets the test wait for a line of output, send it signals and
// collect its exit status. A watchdog SIGKILLs a child that outlives its
// budget, so a broken runtime fails the test instead of hanging it. The
// budgets are generous and never part of an assertion.

#ifndef GRACEFUL_TESTS_CHILD_PROCESS_H_
#define GRACEFUL_TESTS_CHILD_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"

namespace graceful {
namespace testing {

struct ChildOptions {
  // Signals set to SIG_IGN in the child before exec, as nohup or a shell's
  // background job would.
  std::vector<int> ignored_signals;
  // Where the child's stderr goes: captured (default), closed, or a pipe
  // that is already full and that nobody reads.
  enum class Stderr {
    kCaptured,
    kClosed,
    kFullPipe,
    kBrokenPipe,
    kUnreadTerminal,
    kTerminal,
  };
  // kBrokenPipe: a pipe whose read end is already closed (writes fail with
  // EPIPE and raise SIGPIPE), as after `prog 2>&1 | head -1` ended.
  // kUnreadTerminal: the slave of a new pseudo-terminal (not the child's
  // controlling terminal) whose master stays open in the child and is never
  // read, as a terminal whose user pressed Ctrl+S or a stuck terminal
  // emulator; the child fills it itself.
  Stderr stderr_mode = Stderr::kCaptured;
  // Signals blocked in the child before exec (its inherited mask).
  std::vector<int> blocked_signals;
  // When true, the child's stdin is a pipe the test writes with
  // `WriteStdin()` and closes with `CloseStdin()` (the child then reads
  // EOF); otherwise it inherits the test's stdin.
  bool stdin_pipe = false;
};

class ChildProcess {
 public:
  // Starts `argv` (argv[0] is a path). Aborts the test binary on failure.
  ChildProcess(std::vector<std::string> argv, ChildOptions options = {});
  ~ChildProcess();  // SIGKILLs and reaps the child if still running

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // Reads output until stdout contains `text` (true), or until the child
  // closes stdout or the watchdog budget runs out (false).
  bool WaitForOutput(std::string_view text,
                     absl::Duration budget = absl::Seconds(30));

  void Signal(int signo);

  // Sends `signo` as a new request: first waits out the runtime's 100 ms
  // window in which the same signal from the same sender counts as the
  // first one delivered twice (RuntimeOptions::second_signal_forces_exit).
  // The wait only ever makes the signal later; nothing is assumed about
  // how long anything takes.
  void SignalAgain(int signo);

  // With `ChildOptions::stdin_pipe`: writes `text` to the child's stdin, or
  // closes it. Harmless without it, or when already closed.
  void WriteStdin(std::string_view text);
  void CloseStdin();

  // Waits for the child to change state with waitpid(WUNTRACED) and returns
  // the raw status; reads the rest of its output when it exited.
  int WaitStatus(absl::Duration budget = absl::Seconds(60));

  // stdout and stderr read so far.
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  // Reads whatever is available for up to `timeout`; false on EOF of both.
  bool Pump(absl::Duration timeout);
  // Prints each thread's name, wait channel and syscall to stderr, to show
  // where a child the watchdog is about to kill was stuck.
  void DumpThreads() const;

  pid_t pid_ = -1;
  bool reaped_ = false;
  int out_fd_ = -1;
  int err_fd_ = -1;
  int in_fd_ = -1;
  std::string out_;
  std::string err_;
};

// For ThreadInSyscall(): blocked in any system call.
inline constexpr long kAnySyscall = -1;

// Whether the thread of process `pid` named `thread_name` (its comm, at
// most 15 bytes) is blocked in the system call numbered `syscall_nr`
// (SYS_futex, SYS_ppoll, ..., or kAnySyscall), as /proc/PID/task/TID/syscall
// shows.
bool ThreadInSyscall(pid_t pid, std::string_view thread_name, long syscall_nr);

// Polls ThreadInSyscall() until it holds (true), or until the process is
// gone or `budget` ran out (false).
bool WaitForThreadInSyscall(pid_t pid, std::string_view thread_name,
                            long syscall_nr,
                            absl::Duration budget = absl::Seconds(30));

// Human-readable description of a wait status, for failure messages.
std::string DescribeStatus(int status);

// How many times `needle` occurs in `text` (overlaps included).
size_t CountOf(const std::string& text, const std::string& needle);

}  // namespace testing
}  // namespace graceful

// Expect that the wait status `status` is death by `signo` / exit with
// `code`; on failure, print it and the output of `child`, a pointer to the
// ChildProcess in scope. `DescribeStatus` must be visible unqualified.
#define EXPECT_KILLED_BY(status, signo)                                \
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == (signo))      \
      << DescribeStatus(status) << "\nstdout:\n"                       \
      << child->out() << "\nstderr:\n"                                 \
      << child->err()
#define EXPECT_EXITED_WITH(status, code)                               \
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == (code))      \
      << DescribeStatus(status) << "\nstdout:\n"                       \
      << child->out() << "\nstderr:\n"                                 \
      << child->err()

#endif  // GRACEFUL_TESTS_CHILD_PROCESS_H_
