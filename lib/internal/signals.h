// Copyright 2026 The graceful Authors.
//
// Every POSIX/Linux signal call the runtime makes, gathered in one place:
// which signals are blocked, default actions, dispositions, re-raising with
// the default action, the signal file descriptor, listing threads, bounded
// writes to stderr, and the mask saved for child processes.

#ifndef GRACEFUL_LIB_INTERNAL_SIGNALS_H_
#define GRACEFUL_LIB_INTERNAL_SIGNALS_H_

#include <signal.h>
#include <sys/signalfd.h>

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace graceful {
namespace internal {

// Signals the kernel delivers to the faulting thread (SIGSEGV, SIGBUS,
// SIGFPE, SIGILL, SIGTRAP, SIGSYS) plus SIGABRT, which abort() raises
// synchronously. Never blocked.
bool IsSynchronousSignal(int signo);

// Whether `signo` is a signal the runtime blocks and receives: in range,
// not SIGKILL/SIGSTOP, not synchronous, not reserved by the C library.
bool IsReceivable(int signo);

// The set of every receivable signal.
sigset_t ReceivableSignals();

// "SIGTERM", or "signal 40" for a signal without a name.
std::string SignalName(int signo);

enum class DefaultAction { kIgnore, kTerminate, kCoreDump, kStop, kContinue };
DefaultAction DefaultActionOf(int signo);

// The disposition of `signo` right now.
struct sigaction CurrentDisposition(int signo);
bool IsHandler(const struct sigaction& action);

// Re-raises `signo` on the calling thread with its default action: unblocks
// it in this thread, raises it (terminating, dumping core or stopping the
// process), then blocks it again if the process is still there.
void RaiseWithDefaultAction(int signo);

// Calls an application's handler the way the kernel would have, but on an
// ordinary thread.
void CallHandler(const struct sigaction& action, int signo, siginfo_t& info);

siginfo_t ToSiginfo(const signalfd_siginfo& info);

// "12345 (name)" for every live thread of this process other than the
// caller (in ThreadSanitizer builds, other than those that block every
// receivable signal), read from /proc/self/task; empty when there are none.
absl::StatusOr<std::vector<std::string>> ThreadsThatCanReceiveSignals();

// Writes `text` to `fd`, waiting at most `limit` (which may be zero) for
// the descriptor to take more; never blocks longer, whatever `fd` is: a full
// pipe nobody reads, a stopped terminal or a closed descriptor just cut the
// output short. Leaves the descriptor's flags alone (stderr's file
// description is shared with other processes).
void WriteBounded(int fd, std::string_view text, absl::Duration limit);

// The signal state child processes must get back (see spawn.h). Saved by
// Runtime::Start(); read in children and by SpawnAttributes.
void SaveStateForChildren(const sigset_t& original_mask,
                          const sigset_t& reset_to_default);
// False until a runtime was started.
bool SavedStateForChildren(sigset_t* original_mask,
                           sigset_t* reset_to_default);

}  // namespace internal
}  // namespace graceful

#endif  // GRACEFUL_LIB_INTERNAL_SIGNALS_H_
