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
// Whether the default action of `signo` ends the process (kTerminate or
// kCoreDump).
bool DefaultActionEnds(int signo);

// The disposition of `signo` right now.
struct sigaction CurrentDisposition(int signo);
bool IsHandler(const struct sigaction& action);

// Re-raises `signo` on the calling thread with its default action: unblocks
// it in this thread, raises it (terminating, dumping core or stopping the
// process), then blocks it again if the process is still there.
void RaiseWithDefaultAction(int signo);

// Ends the process by `signo` with its default action restored, as a clean
// ending: a signal whose default action dumps core (SIGQUIT) ends it without
// a core dump. Returns only when that action does not end the process.
void DieOfSignal(int signo);

// Whether `info` is the signal the kernel sends a thread for its own failed
// write: SIGPIPE (EPIPE: a pipe or socket without a reader) or SIGXFSZ
// (EFBIG: past RLIMIT_FSIZE), recorded as sent by this very process. Such a
// signal reports the write's error; acting on it would kill the process
// for an error the writer already sees.
bool IsOwnWriteErrorSignal(const siginfo_t& info);

// Makes `info` pending for the process again, exactly as it was (sender,
// si_code, value: a process may queue any siginfo_t to itself); falls back to
// kill() when the kernel's queue is full.
void QueueToSelf(const siginfo_t& info);

// For the thread that called Start(), before its mask is restored: takes
// back a SIGPIPE or SIGXFSZ that a failed write of its own left pending
// (IsOwnWriteErrorSignal), which the restored mask would deliver; any other
// pending SIGPIPE or SIGXFSZ is queued to the process again, as it was.
void DiscardOwnWriteErrorSignals();

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
// pipe nobody reads, a terminal nobody reads, a full socket or a closed
// descriptor just cut the output short. Leaves the descriptor's flags alone
// (stderr's file description is shared with other processes): terminals and
// pipes are written through a nonblocking descriptor of its own, opened on
// /proc/self/fd/N; where that open fails, a terminal is written 64 bytes at
// a time, each once poll() reports room.
void WriteBounded(int fd, std::string_view text, absl::Duration limit);

// The signal state child processes must get back (see spawn.h). Saved by
// Runtime::Start(); read in children and by SpawnAttributes.
void SaveStateForChildren(const sigset_t& original_mask,
                          const sigset_t& reset_to_default);
// Called by ~Runtime(): from then on children follow the current mask.
void ForgetStateForChildren();
// False unless a runtime is alive (saved and not yet forgotten).
bool SavedStateForChildren(sigset_t* original_mask,
                           sigset_t* reset_to_default);

}  // namespace internal
}  // namespace graceful

#endif  // GRACEFUL_LIB_INTERNAL_SIGNALS_H_
