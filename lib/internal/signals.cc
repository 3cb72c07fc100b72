// Copyright 2026 The graceful Authors.

#include "lib/internal/signals.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>

#include "absl/strings/str_cat.h"
#include "lib/internal/monotonic_clock.h"

namespace graceful {
namespace internal {

bool IsSynchronousSignal(int signo) {
  switch (signo) {
    case SIGSEGV:
    case SIGBUS:
    case SIGFPE:
    case SIGILL:
    case SIGTRAP:
    case SIGSYS:
    case SIGABRT:
      return true;
    default:
      return false;
  }
}

bool IsReceivable(int signo) {
  if (signo <= 0 || signo >= NSIG) return false;
  if (signo == SIGKILL || signo == SIGSTOP || IsSynchronousSignal(signo)) {
    return false;
  }
  // glibc reserves the first real-time signals for itself; sigaddset
  // refuses them.
  sigset_t probe;
  sigemptyset(&probe);
  return sigaddset(&probe, signo) == 0;
}

sigset_t ReceivableSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int signo = 1; signo < NSIG; ++signo) {
    if (IsReceivable(signo)) sigaddset(&set, signo);
  }
  return set;
}

std::string SignalName(int signo) {
  if (const char* abbrev = sigabbrev_np(signo); abbrev != nullptr) {
    return absl::StrCat("SIG", abbrev);
  }
  if (signo >= SIGRTMIN && signo <= SIGRTMAX) {
    return absl::StrCat("SIGRTMIN+", signo - SIGRTMIN);
  }
  return absl::StrCat("signal ", signo);
}

DefaultAction DefaultActionOf(int signo) {
  switch (signo) {
    case SIGCHLD:
    case SIGURG:
    case SIGWINCH:
      return DefaultAction::kIgnore;
    case SIGCONT:
      return DefaultAction::kContinue;
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU:
      return DefaultAction::kStop;
    case SIGQUIT:
    case SIGXCPU:
    case SIGXFSZ:
      return DefaultAction::kCoreDump;
    default:
      return DefaultAction::kTerminate;
  }
}

bool DefaultActionEnds(int signo) {
  const DefaultAction action = DefaultActionOf(signo);
  return action == DefaultAction::kTerminate ||
         action == DefaultAction::kCoreDump;
}

struct sigaction CurrentDisposition(int signo) {
  struct sigaction action;
  memset(&action, 0, sizeof(action));
  sigaction(signo, nullptr, &action);
  return action;
}

bool IsHandler(const struct sigaction& action) {
  if (action.sa_flags & SA_SIGINFO) return action.sa_sigaction != nullptr;
  return action.sa_handler != SIG_DFL && action.sa_handler != SIG_IGN;
}

void RaiseWithDefaultAction(int signo) {
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, signo);
  pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
  raise(signo);
  pthread_sigmask(SIG_BLOCK, &one, nullptr);
}

bool IsOwnWriteErrorSignal(const siginfo_t& info) {
  return (info.si_signo == SIGPIPE || info.si_signo == SIGXFSZ) &&
         info.si_code == SI_USER && info.si_pid == getpid();
}

void QueueToSelf(const siginfo_t& info) {
  siginfo_t copy = info;
  if (syscall(SYS_rt_sigqueueinfo, getpid(), info.si_signo, &copy) != 0) {
    kill(getpid(), info.si_signo);
  }
}

void DiscardOwnWriteErrorSignals() {
  const timespec no_wait = {0, 0};
  for (const int signo : {SIGPIPE, SIGXFSZ}) {
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, signo);
    // At most two: one pending on this thread, one on the process.
    siginfo_t info;
    for (int i = 0; i < 2 && sigtimedwait(&only, &info, &no_wait) == signo;
         ++i) {
      if (!IsOwnWriteErrorSignal(info)) {
        QueueToSelf(info);  // not ours to take: it keeps its effect
        break;
      }
    }
  }
}

void DieOfSignal(int signo) {
  struct sigaction action = {};
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  sigaction(signo, &action, nullptr);
  if (DefaultActionOf(signo) == DefaultAction::kCoreDump) {
    // Not dumpable: no core, whatever kernel.core_pattern (even a pipe to a
    // crash collector) and RLIMIT_CORE say.
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  }
  RaiseWithDefaultAction(signo);
}

void CallHandler(const struct sigaction& action, int signo, siginfo_t& info) {
  if (action.sa_flags & SA_SIGINFO) {
    action.sa_sigaction(signo, &info, nullptr);
  } else {
    action.sa_handler(signo);
  }
}

namespace {

// Which members of siginfo_t's union the kernel filled in, from the signal
// and its si_code: the kernel's own rule (siginfo_layout() in
// kernel/signal.c), which is also what decides what signalfd reports.
enum class SiginfoLayout { kKill, kTimer, kPoll, kFault, kChild, kQueued };

SiginfoLayout LayoutOf(int signo, int code) {
  if (code > SI_USER && code < SI_KERNEL) {
    switch (signo) {
      case SIGCHLD:
        if (code <= CLD_CONTINUED) return SiginfoLayout::kChild;
        break;
      case SIGILL:
      case SIGFPE:
      case SIGSEGV:
      case SIGBUS:
      case SIGTRAP:
        return SiginfoLayout::kFault;
      default:
        break;
    }
    // SIGPOLL, or the signal F_SETSIG chose for I/O readiness.
    if (code <= POLL_HUP) return SiginfoLayout::kPoll;
    return SiginfoLayout::kKill;
  }
  if (code == SI_TIMER) return SiginfoLayout::kTimer;
  if (code == SI_SIGIO) return SiginfoLayout::kPoll;
  if (code < 0) return SiginfoLayout::kQueued;  // SI_QUEUE, SI_TKILL, ...
  return SiginfoLayout::kKill;
}

}  // namespace

siginfo_t ToSiginfo(const signalfd_siginfo& info) {
  siginfo_t result;
  memset(&result, 0, sizeof(result));
  result.si_signo = static_cast<int>(info.ssi_signo);
  result.si_errno = info.ssi_errno;
  result.si_code = info.ssi_code;
  const sigval value = {.sival_ptr = reinterpret_cast<void*>(
                            static_cast<uintptr_t>(info.ssi_ptr))};
  switch (LayoutOf(result.si_signo, result.si_code)) {
    case SiginfoLayout::kKill:
      result.si_pid = static_cast<pid_t>(info.ssi_pid);
      result.si_uid = static_cast<uid_t>(info.ssi_uid);
      break;
    case SiginfoLayout::kQueued:
      result.si_pid = static_cast<pid_t>(info.ssi_pid);
      result.si_uid = static_cast<uid_t>(info.ssi_uid);
      result.si_value = value;
      break;
    case SiginfoLayout::kTimer:
      result.si_timerid = static_cast<int>(info.ssi_tid);
      result.si_overrun = static_cast<int>(info.ssi_overrun);
      result.si_value = value;
      break;
    case SiginfoLayout::kPoll:
      result.si_band = static_cast<long>(info.ssi_band);
      result.si_fd = info.ssi_fd;
      break;
    case SiginfoLayout::kFault:
      result.si_addr =
          reinterpret_cast<void*>(static_cast<uintptr_t>(info.ssi_addr));
      break;
    case SiginfoLayout::kChild:
      result.si_pid = static_cast<pid_t>(info.ssi_pid);
      result.si_uid = static_cast<uid_t>(info.ssi_uid);
      result.si_status = info.ssi_status;
      result.si_utime = static_cast<clock_t>(info.ssi_utime);
      result.si_stime = static_cast<clock_t>(info.ssi_stime);
      break;
  }
  return result;
}

namespace {

// ThreadSanitizer's runtime starts a helper thread of its own, with every
// signal blocked for its whole life, before main() can call Start(). Only in
// such builds are threads that block every receivable signal let through:
// elsewhere that test is not safe, because glibc starts every new thread
// with all signals blocked and sets its real mask a moment later.
#if defined(__SANITIZE_THREAD__)
constexpr bool kToleratesSanitizerThreads = true;
#else
constexpr bool kToleratesSanitizerThreads = false;
#endif

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  return std::string((std::istreambuf_iterator<char>(file)),
                     std::istreambuf_iterator<char>());
}

// What /proc/self/task/TID/stat says of a task: "TID (NAME) STATE PPID PGRP
// SESSION TTY_NR TPGID FLAGS ...", where NAME may hold spaces and ')'.
struct TaskStat {
  std::string name;
  unsigned long flags = 0;
};

// nullopt when the task is gone.
std::optional<TaskStat> ParseTaskStat(const std::string& stat) {
  const size_t name_begin = stat.find('(');
  const size_t name_end = stat.rfind(')');
  if (name_begin == std::string::npos || name_end == std::string::npos ||
      name_end < name_begin) {
    return std::nullopt;
  }
  TaskStat task;
  task.name = stat.substr(name_begin + 1, name_end - name_begin - 1);
  // Skip STATE PPID PGRP SESSION TTY_NR TPGID.
  const char* field = stat.c_str() + name_end + 1;
  for (int skip = 0; skip < 6; ++skip) {
    while (*field == ' ') ++field;
    while (*field != ' ' && *field != '\0') ++field;
  }
  task.flags = std::strtoul(field, nullptr, 10);
  return task;
}

// Whether the "SigBlk:" mask in a /proc/.../status text blocks every
// receivable signal (bit signo-1 of a hex number).
bool BlocksEveryReceivableSignal(const std::string& status) {
  const size_t at = status.find("SigBlk:");
  if (at == std::string::npos) return false;
  const uint64_t blocked =
      std::strtoull(status.c_str() + at + strlen("SigBlk:"), nullptr, 16);
  for (int signo = 1; signo < NSIG && signo <= 64; ++signo) {
    if (IsReceivable(signo) && !(blocked & (uint64_t{1} << (signo - 1)))) {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ThreadsThatCanReceiveSignals() {
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) {
    return absl::UnavailableError(absl::StrCat(
        "cannot list threads: opendir(/proc/self/task): ", strerror(errno),
        "; mount /proc so the runtime can check that it runs first"));
  }
  // The calling thread's id as /proc sees it: in a PID namespace whose /proc
  // was not remounted, gettid() differs. /proc/thread-self is PID/task/TID.
  char link[64] = {};
  std::string self = absl::StrCat(gettid());
  if (const ssize_t n = readlink("/proc/thread-self", link, sizeof(link) - 1);
      n > 0) {
    const std::string_view path(link, static_cast<size_t>(n));
    self = std::string(path.substr(path.rfind('/') + 1));
  }
  std::vector<std::string> threads;
  while (const dirent* entry = readdir(dir)) {
    const std::string tid = entry->d_name;
    if (tid == "." || tid == ".." || tid == self) continue;
    // A thread that was just joined lingers for a while, exiting, as a
    // zombie or dead, or is gone by now. The kernel sets PF_EXITING first
    // thing in a task's exit, before pthread_join() can return, and never
    // delivers a signal to such a task.
    constexpr unsigned long kPfExiting = 0x4;  // include/linux/sched.h
    const std::string task = absl::StrCat("/proc/self/task/", tid);
    const std::optional<TaskStat> stat =
        ParseTaskStat(ReadFile(absl::StrCat(task, "/stat")));
    if (!stat.has_value() || (stat->flags & kPfExiting) != 0) continue;
    if (kToleratesSanitizerThreads &&
        BlocksEveryReceivableSignal(ReadFile(absl::StrCat(task, "/status")))) {
      continue;
    }
    threads.push_back(absl::StrCat(tid, " (", stat->name, ")"));
  }
  closedir(dir);
  return threads;
}

namespace {

// Writes as much of `text` to `fd` as it takes before `deadline`, at most
// `chunk` bytes per call once poll() says it may: with send(MSG_DONTWAIT) on
// a socket, else with write(2). Such a write must not block: `fd` is a
// socket, nonblocking, a pipe (POLLOUT: a free slot, which takes PIPE_BUF
// bytes whole), or a terminal written in chunks smaller than the room
// POLLOUT promises.
void WriteUntil(int fd, std::string_view text, MonotonicTime deadline,
                bool is_socket, size_t chunk = PIPE_BUF) {
  while (!text.empty()) {
    const int wait_ms = static_cast<int>(absl::ToInt64Milliseconds(
        std::max(deadline - MonotonicTime::Now(), absl::ZeroDuration())));
    pollfd pfd = {fd, POLLOUT, 0};
    const int ready = poll(&pfd, 1, wait_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready != 1 || !(pfd.revents & POLLOUT)) return;  // full, or closed
    const size_t size = std::min(text.size(), chunk);
    const ssize_t written =
        is_socket ? send(fd, text.data(), size, MSG_DONTWAIT | MSG_NOSIGNAL)
                  : write(fd, text.data(), size);
    if (written < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (written <= 0) return;
    text.remove_prefix(static_cast<size_t>(written));
  }
}

}  // namespace

void WriteBounded(int fd, std::string_view text, absl::Duration limit) {
  const MonotonicTime deadline = MonotonicTime::Now() + limit;
  struct stat st;
  if (fstat(fd, &st) != 0) return;
  if (S_ISSOCK(st.st_mode)) {
    WriteUntil(fd, text, deadline, /*is_socket=*/true);
    return;
  }
  if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) {
    WriteUntil(fd, text, deadline, /*is_socket=*/false);
    return;
  }
  // A terminal, a pipe or another device. A terminal's write() waits until
  // every byte fits, and O_NONBLOCK belongs to the open file description,
  // which stderr shares with other processes: write through a description
  // of our own, opened nonblocking on the same file.
  const int own = open(absl::StrCat("/proc/self/fd/", fd).c_str(),
                       O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (own >= 0) {
    WriteUntil(own, text, deadline, /*is_socket=*/false);
    close(own);
    return;
  }
  // The reopen failed: no descriptor left (RLIMIT_NOFILE), a terminal the
  // process may write but no longer open (privileges dropped), no /proc, or
  // a pipe without a reader. A pipe's POLLOUT still makes a PIPE_BUF write
  // safe. A terminal's POLLOUT means room in its buffer, which the kernel
  // hands out in 256-byte pieces: a write of at most 64 bytes fits.
  // Anything else is left unwritten rather than risk blocking.
  if (S_ISFIFO(st.st_mode)) {
    WriteUntil(fd, text, deadline, /*is_socket=*/false);
  } else if (isatty(fd)) {
    constexpr size_t kTerminalChunk = 64;
    WriteUntil(fd, text, deadline, /*is_socket=*/false, kTerminalChunk);
  }
}

namespace {

// Written by SaveStateForChildren() while only one thread exists (Start's
// precondition), published by `saved`'s release store; read after its
// acquire load, in children and by SpawnAttributes.
sigset_t saved_original_mask;
sigset_t saved_reset_to_default;
std::atomic<bool> saved{false};

}  // namespace

void SaveStateForChildren(const sigset_t& original_mask,
                          const sigset_t& reset_to_default) {
  saved_original_mask = original_mask;
  saved_reset_to_default = reset_to_default;
  saved.store(true, std::memory_order_release);
}

void ForgetStateForChildren() { saved.store(false, std::memory_order_release); }

bool SavedStateForChildren(sigset_t* original_mask,
                           sigset_t* reset_to_default) {
  if (!saved.load(std::memory_order_acquire)) return false;
  *original_mask = saved_original_mask;
  *reset_to_default = saved_reset_to_default;
  return true;
}

}  // namespace internal
}  // namespace graceful
