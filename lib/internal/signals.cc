// Copyright 2026 The graceful Authors.

#include "lib/internal/signals.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdlib>
#include <cerrno>
#include <fstream>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

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

void CallHandler(const struct sigaction& action, int signo, siginfo_t& info) {
  if (action.sa_flags & SA_SIGINFO) {
    action.sa_sigaction(signo, &info, nullptr);
  } else {
    action.sa_handler(signo);
  }
}

siginfo_t ToSiginfo(const signalfd_siginfo& info) {
  siginfo_t result;
  memset(&result, 0, sizeof(result));
  result.si_signo = static_cast<int>(info.ssi_signo);
  result.si_errno = info.ssi_errno;
  result.si_code = info.ssi_code;
  result.si_pid = static_cast<pid_t>(info.ssi_pid);
  result.si_uid = static_cast<uid_t>(info.ssi_uid);
  result.si_status = info.ssi_status;
  result.si_value.sival_ptr =
      reinterpret_cast<void*>(static_cast<uintptr_t>(info.ssi_ptr));
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
    // "Name:\tNAME\nUmask...\nState:\tS (sleeping)...". A thread that was
    // just joined can linger as a zombie or dead task, or be gone by now.
    const std::string status =
        ReadFile(absl::StrCat("/proc/self/task/", tid, "/status"));
    const size_t state = status.find("State:\t");
    if (state == std::string::npos) continue;
    const char code = status[state + strlen("State:\t")];
    if (code == 'Z' || code == 'X') continue;
    if (kToleratesSanitizerThreads && BlocksEveryReceivableSignal(status)) {
      continue;
    }
    std::string name = status.substr(strlen("Name:\t"),
                                     status.find('\n') - strlen("Name:\t"));
    threads.push_back(absl::StrCat(tid, " (", name, ")"));
  }
  closedir(dir);
  return threads;
}

void WriteBounded(int fd, std::string_view text, absl::Duration limit) {
  const absl::Time deadline = absl::Now() + limit;
  while (!text.empty()) {
    // POLLOUT on a pipe means a free buffer slot, which takes any write of
    // up to PIPE_BUF bytes whole: such a write never blocks.
    const int wait_ms = static_cast<int>(absl::ToInt64Milliseconds(
        std::max(deadline - absl::Now(), absl::ZeroDuration())));
    pollfd pfd = {fd, POLLOUT, 0};
    const int ready = poll(&pfd, 1, wait_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready != 1 || !(pfd.revents & POLLOUT)) return;  // full, or closed
    const ssize_t written =
        write(fd, text.data(), std::min<size_t>(text.size(), PIPE_BUF));
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return;
    text.remove_prefix(static_cast<size_t>(written));
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

bool SavedStateForChildren(sigset_t* original_mask,
                           sigset_t* reset_to_default) {
  if (!saved.load(std::memory_order_acquire)) return false;
  *original_mask = saved_original_mask;
  *reset_to_default = saved_reset_to_default;
  return true;
}

}  // namespace internal
}  // namespace graceful
