// Copyright 2026 The graceful Authors.

#include "tests/child_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace graceful {
namespace testing {

ChildProcess::ChildProcess(std::vector<std::string> argv,
                           ChildOptions options) {
  int out_pipe[2];
  int err_pipe[2];
  int in_pipe[2] = {-1, -1};
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0 ||
      (options.stdin_pipe && pipe2(in_pipe, O_CLOEXEC) != 0)) {
    perror("pipe2");
    abort();
  }
  std::vector<char*> args;
  for (std::string& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  int terminal = -1;  // kTerminal: the master, read as the child's stderr
  std::string terminal_slave;
  if (options.stderr_mode == ChildOptions::Stderr::kTerminal) {
    terminal = posix_openpt(O_RDWR | O_NOCTTY);
    if (terminal < 0 || grantpt(terminal) != 0 || unlockpt(terminal) != 0 ||
        ptsname(terminal) == nullptr) {
      perror("posix_openpt");
      abort();
    }
    fcntl(terminal, F_SETFD, FD_CLOEXEC);
    terminal_slave = ptsname(terminal);
  }
  pid_ = fork();
  if (pid_ < 0) {
    perror("fork");
    abort();
  }
  if (pid_ == 0) {
    // The child starts from a clean signal state, whatever the test did.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int signo = 1; signo < NSIG; ++signo) signal(signo, SIG_DFL);
    for (int signo : options.ignored_signals) signal(signo, SIG_IGN);
    if (!options.blocked_signals.empty()) {
      sigset_t blocked;
      sigemptyset(&blocked);
      for (int signo : options.blocked_signals) sigaddset(&blocked, signo);
      sigprocmask(SIG_SETMASK, &blocked, nullptr);
    }
    if (options.stdin_pipe) dup2(in_pipe[0], STDIN_FILENO);
    const rlimit no_core = {0, 0};  // SIGQUIT tests: no core files
    setrlimit(RLIMIT_CORE, &no_core);
    dup2(out_pipe[1], STDOUT_FILENO);
    switch (options.stderr_mode) {
      case ChildOptions::Stderr::kCaptured:
        dup2(err_pipe[1], STDERR_FILENO);
        break;
      case ChildOptions::Stderr::kClosed:
        close(STDERR_FILENO);
        break;
      case ChildOptions::Stderr::kFullPipe: {
        int full[2];
        if (pipe2(full, O_NONBLOCK) != 0) _exit(126);
        const char block[4096] = {};
        while (write(full[1], block, sizeof(block)) > 0) {
        }
        dup2(full[1], STDERR_FILENO);  // blocking again: F_SETFL is shared
        fcntl(STDERR_FILENO, F_SETFL, 0);
        break;  // full[0] stays open, unread, in the child
      }
      case ChildOptions::Stderr::kUnreadTerminal: {
        const int master = posix_openpt(O_RDWR | O_NOCTTY);
        if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
          _exit(126);
        }
        const char* slave_name = ptsname(master);
        const int slave =
            slave_name == nullptr ? -1 : open(slave_name, O_RDWR | O_NOCTTY);
        if (slave < 0) _exit(126);
        dup2(slave, STDERR_FILENO);
        close(slave);
        break;  // master stays open, unread, in the child
      }
      case ChildOptions::Stderr::kTerminal: {
        const int slave = open(terminal_slave.c_str(), O_RDWR | O_NOCTTY);
        if (slave < 0) _exit(126);
        dup2(slave, STDERR_FILENO);
        close(slave);
        break;
      }
      case ChildOptions::Stderr::kBrokenPipe: {
        int broken[2];
        if (pipe(broken) != 0) _exit(126);
        close(broken[0]);
        dup2(broken[1], STDERR_FILENO);
        close(broken[1]);
        break;
      }
    }
    execv(args[0], args.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  out_fd_ = out_pipe[0];
  err_fd_ = err_pipe[0];
  if (terminal >= 0) {
    close(err_fd_);
    err_fd_ = terminal;  // EIO once the child closed its side: like EOF
  }
  if (options.stdin_pipe) {
    close(in_pipe[0]);
    in_fd_ = in_pipe[1];
  }
}

ChildProcess::~ChildProcess() {
  if (!reaped_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (out_fd_ >= 0) close(out_fd_);
  if (err_fd_ >= 0) close(err_fd_);
  if (in_fd_ >= 0) close(in_fd_);
}

bool ChildProcess::Pump(absl::Duration timeout) {
  pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
  const int n = (out_fd_ >= 0) + (err_fd_ >= 0);
  if (n == 0) return false;
  if (out_fd_ < 0) fds[0].fd = -1;
  if (err_fd_ < 0) fds[1].fd = -1;
  if (poll(fds, 2, static_cast<int>(absl::ToInt64Milliseconds(timeout))) <=
      0) {
    return true;
  }
  int* fd_of[2] = {&out_fd_, &err_fd_};
  std::string* buffer_of[2] = {&out_, &err_};
  for (int i = 0; i < 2; ++i) {
    if (fds[i].fd < 0 || fds[i].revents == 0) continue;
    char buffer[4096];
    const ssize_t got = read(*fd_of[i], buffer, sizeof(buffer));
    if (got > 0) {
      buffer_of[i]->append(buffer, static_cast<size_t>(got));
    } else {
      close(*fd_of[i]);
      *fd_of[i] = -1;
    }
  }
  return true;
}

bool ChildProcess::WaitForOutput(std::string_view text,
                                 absl::Duration budget) {
  const absl::Time deadline = absl::Now() + budget;
  while (out_.find(text) == std::string::npos) {
    if (absl::Now() >= deadline || out_fd_ < 0) return false;
    Pump(absl::Milliseconds(100));
  }
  return true;
}

void ChildProcess::Signal(int signo) { kill(pid_, signo); }

void ChildProcess::SignalAgain(int signo) {
  absl::SleepFor(absl::Milliseconds(150));
  Signal(signo);
}

void ChildProcess::WriteStdin(std::string_view text) {
  // The child may have died: a write to its stdin must not kill the test.
  sigset_t pipe_signal, old_mask;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_signal, &old_mask);
  while (in_fd_ >= 0 && !text.empty()) {
    const ssize_t written = write(in_fd_, text.data(), text.size());
    if (written <= 0) {
      if (written < 0 && errno == EINTR) continue;
      break;
    }
    text.remove_prefix(static_cast<size_t>(written));
  }
  // Consume a SIGPIPE this write raised, then restore the mask.
  const timespec zero = {0, 0};
  while (sigtimedwait(&pipe_signal, nullptr, &zero) == SIGPIPE) {
  }
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
}

void ChildProcess::CloseStdin() {
  if (in_fd_ >= 0) close(in_fd_);
  in_fd_ = -1;
}

int ChildProcess::WaitStatus(absl::Duration budget) {
  const absl::Time deadline = absl::Now() + budget;
  int status = 0;
  for (;;) {
    const pid_t got = waitpid(pid_, &status, WNOHANG | WUNTRACED);
    if (got == pid_) break;
    if (absl::Now() >= deadline) {
      fprintf(stderr, "watchdog: child %d still running after %s; killing\n",
              pid_, absl::FormatDuration(budget).c_str());
      DumpThreads();
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    Pump(absl::Milliseconds(20));
  }
  if (WIFEXITED(status) || WIFSIGNALED(status)) {
    reaped_ = true;
    // Descendants may hold the pipes open; read for a bounded time.
    const absl::Time drain_until = absl::Now() + absl::Seconds(5);
    while (absl::Now() < drain_until && Pump(absl::Milliseconds(100))) {
    }
  }
  return status;
}

void ChildProcess::DumpThreads() const {
  const std::string task_dir = absl::StrCat("/proc/", pid_, "/task");
  DIR* dir = opendir(task_dir.c_str());
  if (dir == nullptr) return;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    std::string line = absl::StrCat("watchdog:   thread ", entry->d_name);
    for (const char* file : {"comm", "wchan", "syscall"}) {
      std::ifstream in(absl::StrCat(task_dir, "/", entry->d_name, "/", file));
      std::string value;
      std::getline(in, value);
      absl::StrAppend(&line, " ", file, "=", value);
    }
    fprintf(stderr, "%s\n", line.c_str());
  }
  closedir(dir);
}

bool ThreadInSyscall(pid_t pid, std::string_view thread_name, long syscall_nr) {
  const std::string task_dir = absl::StrCat("/proc/", pid, "/task");
  DIR* dir = opendir(task_dir.c_str());
  if (dir == nullptr) return false;
  bool found = false;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    const std::string thread = absl::StrCat(task_dir, "/", entry->d_name);
    std::string name;
    std::getline(std::ifstream(absl::StrCat(thread, "/comm")), name);
    if (name != thread_name) continue;
    // "202 0x7f... ..." while blocked in a call, "running" otherwise.
    long number = -1;
    if (std::ifstream(absl::StrCat(thread, "/syscall")) >> number &&
        (syscall_nr == kAnySyscall || number == syscall_nr)) {
      found = true;
    }
  }
  closedir(dir);
  return found;
}

namespace {

// Whether `pid` exists and has not exited (a zombie has).
bool Alive(pid_t pid) {
  // "PID (comm) S ...": the state follows the last ')'.
  std::string stat;
  std::getline(std::ifstream(absl::StrCat("/proc/", pid, "/stat")), stat);
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() &&
         stat[paren + 2] != 'Z' && stat[paren + 2] != 'X';
}

}  // namespace

bool WaitForThreadInSyscall(pid_t pid, std::string_view thread_name,
                            long syscall_nr, absl::Duration budget) {
  const absl::Time deadline = absl::Now() + budget;
  while (!ThreadInSyscall(pid, thread_name, syscall_nr)) {
    if (absl::Now() >= deadline || !Alive(pid)) return false;
    usleep(1000);
  }
  return true;
}

size_t CountOf(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

std::string DescribeStatus(int status) {
  if (WIFEXITED(status)) return absl::StrCat("exited ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return absl::StrCat("killed by signal ", WTERMSIG(status));
  }
  if (WIFSTOPPED(status)) {
    return absl::StrCat("stopped by signal ", WSTOPSIG(status));
  }
  return absl::StrCat("status ", status);
}

}  // namespace testing
}  // namespace graceful
