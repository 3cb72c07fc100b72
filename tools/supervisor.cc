// Copyright 2026 The graceful Authors.

#include "tools/supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "tools/stopwatch_report.h"

extern char** environ;

namespace graceful {
namespace stopwatch {
namespace {

// Progress callbacks come this often while a phase lasts.
constexpr absl::Duration kProgressPeriod = absl::Milliseconds(100);

std::string ErrnoText(int error) { return strerror(error); }

int PidfdOpen(pid_t pid) {
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
}

// waitpid() that retries on EINTR. Returns the pid or -1 (errno set).
pid_t WaitPid(pid_t pid, int* status, int flags) {
  pid_t got;
  do {
    got = waitpid(pid, status, flags);
  } while (got < 0 && errno == EINTR);
  return got;
}

// In the forked child, before execve: async-signal-safe calls only.
[[noreturn]] void ExecChild(pid_t parent, int dev_null_fd, int log_fd,
                            int error_fd, const char* program,
                            char* const* argv, char* const* envp) {
  setpgid(0, 0);
  // If the supervisor is already gone, do not start at all.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);
  // A clean signal state, as systemd gives a service: nothing ignored,
  // nothing blocked (the supervisor's threads block everything).
  struct sigaction default_action = {};
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  for (int signo = 1; signo < NSIG; ++signo) {
    if (signo == SIGKILL || signo == SIGSTOP) continue;
    sigaction(signo, &default_action, nullptr);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (dup2(dev_null_fd, STDIN_FILENO) < 0 || dup2(log_fd, STDOUT_FILENO) < 0 ||
      dup2(log_fd, STDERR_FILENO) < 0) {
    const int error = errno;
    [[maybe_unused]] ssize_t ignored = write(error_fd, &error, sizeof(error));
    _exit(127);
  }
  execve(program, argv, envp);
  const int error = errno;
  [[maybe_unused]] ssize_t ignored = write(error_fd, &error, sizeof(error));
  _exit(127);
}

}  // namespace

// The program of one run, and what has been seen of it. Stamps are
// MonotonicNow() values.
struct Supervisor::Child {
  int index = 0;
  pid_t pid = -1;  // also its process group id
  int pidfd = -1;
  bool reaped = false;
  int wait_status = 0;
  absl::Duration started;  // just before fork
  std::optional<absl::Duration> ready_at;
  std::optional<absl::Duration> signaled_at;
  std::optional<absl::Duration> stopping_at;
  std::optional<absl::Duration> exited_at;

  ~Child() {
    if (pidfd >= 0) close(pidfd);
  }
};

const char* PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kStarting:
      return "starting";
    case Phase::kWaitingForReady:
      return "waiting for READY=1";
    case Phase::kWarmingUp:
      return "warming up";
    case Phase::kStopping:
      return "stopping";
    case Phase::kKilling:
      return "killing";
  }
  return "running";
}

absl::Duration MonotonicNow() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return absl::DurationFromTimespec(now);
}

absl::StatusOr<std::string> FindProgram(const std::string& name) {
  if (name.empty()) {
    return absl::InvalidArgumentError(
        "the program name is empty: give the program to run after '--'");
  }
  if (name.find('/') != std::string::npos) {
    if (access(name.c_str(), X_OK) != 0) {
      const int error = errno;
      return absl::ErrnoToStatus(
          error, absl::StrCat("cannot run ", name, ": ", ErrnoText(error)));
    }
    return name;
  }
  const char* path = std::getenv("PATH");
  for (absl::string_view dir :
       absl::StrSplit(path != nullptr ? path : "/usr/bin:/bin", ':')) {
    const std::string candidate =
        absl::StrCat(dir.empty() ? "." : dir, "/", name);
    struct stat info;
    if (stat(candidate.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
        access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return absl::NotFoundError(absl::StrCat("cannot find ", name,
                                          " in $PATH: give its path (./", name,
                                          " for one in this directory)"));
}

Supervisor::Supervisor(SupervisorOptions options)
    : options_(std::move(options)) {}

Supervisor::~Supervisor() {
  if (notify_fd_ >= 0) close(notify_fd_);
  if (!socket_path_.empty()) unlink(socket_path_.c_str());
  if (dev_null_fd_ >= 0) close(dev_null_fd_);
}

absl::StatusOr<std::unique_ptr<Supervisor>> Supervisor::Create(
    SupervisorOptions options) {
  if (options.argv.empty() || options.program.empty()) {
    return absl::InvalidArgumentError(
        "no program: give the program to run after '--'");
  }
  if (options.interrupt_fd < 0) {
    return absl::InvalidArgumentError("Supervisor needs an interrupt fd");
  }
  const int probe = PidfdOpen(getpid());
  if (probe < 0) {
    const int error = errno;
    return absl::ErrnoToStatus(
        error, absl::StrCat("pidfd_open: ", ErrnoText(error),
                            "; stopwatch needs Linux 5.3 or later"));
  }
  close(probe);
  // Orphans of the program's process group become our children, so that
  // cleaning up can reap every one of them.
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    const int error = errno;
    return absl::ErrnoToStatus(
        error,
        absl::StrCat("prctl(PR_SET_CHILD_SUBREAPER): ", ErrnoText(error)));
  }

  std::unique_ptr<Supervisor> supervisor(new Supervisor(std::move(options)));
  const SupervisorOptions& opts = supervisor->options_;
  supervisor->dev_null_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (supervisor->dev_null_fd_ < 0) {
    const int error = errno;
    return absl::ErrnoToStatus(
        error, absl::StrCat("cannot open /dev/null: ", ErrnoText(error)));
  }

  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (!absl::StartsWith(*entry, "NOTIFY_SOCKET=")) {
      supervisor->environment_.emplace_back(*entry);
    }
  }
  if (opts.ready == ReadyMode::kNotify) {
    const std::string path = absl::StrCat(opts.socket_dir, "/notify");
    sockaddr_un address = {};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof(address.sun_path)) {
      return absl::InvalidArgumentError(
          absl::StrCat("the notify socket path ", path, " is ", path.size(),
                       " bytes, more than a Unix socket allows (",
                       sizeof(address.sun_path) - 1,
                       "): set TMPDIR to a shorter directory, such as /tmp"));
    }
    path.copy(address.sun_path, path.size());
    supervisor->notify_fd_ =
        socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (supervisor->notify_fd_ < 0) {
      const int error = errno;
      return absl::ErrnoToStatus(
          error,
          absl::StrCat("cannot create the notify socket: ", ErrnoText(error)));
    }
    unlink(path.c_str());
    if (bind(supervisor->notify_fd_, reinterpret_cast<sockaddr*>(&address),
             sizeof(address)) != 0) {
      const int error = errno;
      return absl::ErrnoToStatus(
          error, absl::StrCat("cannot bind the notify socket ", path, ": ",
                              ErrnoText(error)));
    }
    supervisor->socket_path_ = path;
    supervisor->environment_.push_back(absl::StrCat("NOTIFY_SOCKET=", path));
  }
  return supervisor;
}

void Supervisor::Event(const Child& child, absl::string_view text) {
  if (on_event_) on_event_(absl::StrCat("run ", child.index, ": ", text));
}

absl::Status Supervisor::Start(const std::string& log_path, Child& child) {
  const int log_fd =
      open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    const int error = errno;
    return absl::ErrnoToStatus(
        error, absl::StrCat("cannot create the log ", log_path, ": ",
                            ErrnoText(error)));
  }
  int error_pipe[2];
  if (pipe2(error_pipe, O_CLOEXEC) != 0) {
    const int error = errno;
    close(log_fd);
    return absl::ErrnoToStatus(error,
                               absl::StrCat("pipe2: ", ErrnoText(error)));
  }
  // Everything the child needs, prepared before fork: after it, the child
  // may only make async-signal-safe calls.
  std::vector<char*> argv;
  for (const std::string& arg : options_.argv) {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const std::string& entry : environment_) {
    envp.push_back(const_cast<char*>(entry.c_str()));
  }
  envp.push_back(nullptr);
  const pid_t parent = getpid();

  child.started = MonotonicNow();
  const pid_t pid = fork();
  if (pid == 0) {
    ExecChild(parent, dev_null_fd_, log_fd, error_pipe[1],
              options_.program.c_str(), argv.data(), envp.data());
  }
  const int fork_error = errno;
  close(log_fd);
  close(error_pipe[1]);
  if (pid < 0) {
    close(error_pipe[0]);
    return absl::ErrnoToStatus(fork_error,
                               absl::StrCat("fork: ", ErrnoText(fork_error)));
  }
  child.pid = pid;
  // Also here, so that the group exists whichever of us runs first.
  setpgid(pid, pid);

  // EOF: execve() succeeded (the pipe is close-on-exec); an int: it failed.
  int exec_error = 0;
  ssize_t got;
  do {
    got = read(error_pipe[0], &exec_error, sizeof(exec_error));
  } while (got < 0 && errno == EINTR);
  close(error_pipe[0]);
  if (got > 0) {
    WaitPid(pid, &child.wait_status, 0);
    child.reaped = true;
    return absl::ErrnoToStatus(
        exec_error, absl::StrCat("cannot execute ", options_.program, ": ",
                                 ErrnoText(exec_error)));
  }
  child.pidfd = PidfdOpen(pid);
  if (child.pidfd < 0) {
    const int error = errno;
    kill(-pid, SIGKILL);
    Reap(child);
    return absl::ErrnoToStatus(error,
                               absl::StrCat("pidfd_open: ", ErrnoText(error)));
  }
  if (options_.ready == ReadyMode::kStart) child.ready_at = MonotonicNow();
  Event(child, absl::StrCat("started pid ", pid, " (process group ", pid, ")"));
  return absl::OkStatus();
}

void Supervisor::ReadNotifications(Child& child, absl::Duration now) {
  if (notify_fd_ < 0) return;
  char buffer[4096];
  for (;;) {
    const ssize_t got = recv(notify_fd_, buffer, sizeof(buffer), 0);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return;  // EAGAIN: nothing more
    for (absl::string_view line : absl::StrSplit(
             absl::string_view(buffer, static_cast<size_t>(got)), '\n')) {
      if (line == "READY=1" && !child.ready_at.has_value()) {
        child.ready_at = now;
        Event(child,
              absl::StrCat("READY=1 ", HumanDuration(now - child.started),
                           " after start"));
      } else if (line == "STOPPING=1" && child.signaled_at.has_value() &&
                 !child.stopping_at.has_value()) {
        child.stopping_at = now;
        Event(child, absl::StrCat("STOPPING=1 ",
                                  HumanDuration(now - *child.signaled_at),
                                  " after ", SignalName(options_.signal)));
      }
    }
  }
}

void Supervisor::DiscardNotifications() {
  if (notify_fd_ < 0) return;
  char buffer[4096];
  while (recv(notify_fd_, buffer, sizeof(buffer), 0) >= 0 || errno == EINTR) {
  }
}

Supervisor::Wake Supervisor::WaitFor(Child& child, absl::Duration deadline,
                                     bool until_ready, bool interruptible,
                                     Phase phase) {
  const absl::Duration phase_began = MonotonicNow();
  // The stop signal has just gone out: no terminal write before the first
  // wait, so that nothing delays noticing a quick exit.
  absl::Duration next_progress =
      phase == Phase::kStopping ? phase_began + kProgressPeriod : phase_began;
  for (;;) {
    absl::Duration now = MonotonicNow();
    if (on_progress_ && now >= next_progress) {
      on_progress_(Progress{child.index, phase, now - phase_began});
      next_progress = now + kProgressPeriod;
    }
    absl::Duration wake_at = deadline;
    if (on_progress_) wake_at = std::min(wake_at, next_progress);
    timespec timeout;
    timespec* timeout_ptr = nullptr;
    if (wake_at != absl::InfiniteDuration()) {
      timeout = absl::ToTimespec(std::max(wake_at - now, absl::ZeroDuration()));
      timeout_ptr = &timeout;
    }
    pollfd fds[3] = {{notify_fd_, POLLIN, 0},
                     {child.pidfd, POLLIN, 0},
                     {interruptible ? options_.interrupt_fd : -1, POLLIN, 0}};
    const int ready = ppoll(fds, 3, timeout_ptr, nullptr);
    now = MonotonicNow();
    if (ready < 0 && errno != EINTR) {
      // Cannot happen with valid fds; treat it as an interrupt rather than
      // spinning.
      return Wake::kInterrupted;
    }
    // Notifications first: a STOPPING=1 sent before the exit must be
    // stamped before it.
    if (ready > 0 && fds[0].revents != 0) ReadNotifications(child, now);
    if (ready > 0 && fds[1].revents != 0) {
      child.exited_at = now;
      // A datagram sent just before the exit may have arrived after ppoll
      // looked at the socket.
      ReadNotifications(child, now);
      return Wake::kExited;
    }
    if (until_ready && child.ready_at.has_value()) return Wake::kReady;
    if (ready > 0 && fds[2].revents != 0) return Wake::kInterrupted;
    if (now >= deadline) return Wake::kDeadline;
  }
}

int Supervisor::Reap(Child& child) {
  if (!child.reaped) {
    WaitPid(child.pid, &child.wait_status, 0);
    child.reaped = true;
  }
  // Whatever is left of the group: its orphans are our children by now
  // (PR_SET_CHILD_SUBREAPER), and the orphans of those become ours as they
  // die, so waiting until ECHILD reaps the whole group.
  int leftovers = 0;
  if (kill(-child.pid, SIGKILL) != 0) return 0;  // ESRCH: none left
  int status = 0;
  while (WaitPid(-child.pid, &status, 0) > 0) {
    // A process that had already exited (a zombie its parent never reaped)
    // was not left running.
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) ++leftovers;
  }
  return leftovers;
}

RunRecord Supervisor::Run(int index) {
  RunRecord run;
  run.index = index;
  Child child;
  child.index = index;
  const auto interrupted = [&] {
    pollfd fd = {options_.interrupt_fd, POLLIN, 0};
    return poll(&fd, 1, 0) > 0;
  };
  if (interrupted()) {
    run.interrupted = true;
    return run;
  }
  DiscardNotifications();

  if (on_progress_) on_progress_(Progress{index, Phase::kStarting, {}});
  run.log_path = absl::StrCat(options_.log_dir, "/run-", index, ".log");
  if (absl::Status status = Start(run.log_path, child); !status.ok()) {
    // Start() reaped whatever it had started.
    run.error = std::string(status.message());
    if (child.reaped)
      run.status = ExitStatus::FromWaitStatus(child.wait_status);
    Event(child, run.error);
    return run;
  }
  run.pid = child.pid;

  // Ends a run that did not get to the stop signal: SIGKILL to the group
  // unless the program is gone already, then reap.
  const auto abandon = [&](std::string error) {
    if (!child.exited_at.has_value()) kill(-child.pid, SIGKILL);
    Reap(child);
    run.status = ExitStatus::FromWaitStatus(child.wait_status);
    if (error.empty()) {
      run.interrupted = true;
      Event(child, "interrupted: SIGKILL to the process group");
    } else {
      run.error = std::move(error);
      Event(child, run.error);
    }
    return run;
  };

  // Phase 2: ready, then warm up.
  if (options_.ready == ReadyMode::kNotify) {
    switch (WaitFor(child, child.started + options_.ready_timeout,
                    /*until_ready=*/true, /*interruptible=*/true,
                    Phase::kWaitingForReady)) {
      case Wake::kReady:
        break;
      case Wake::kExited:
        Reap(child);
        return abandon(absl::StrCat(
            "ended (", ExitStatus::FromWaitStatus(child.wait_status).ToString(),
            ") before sending READY=1"));
      case Wake::kDeadline:
        return abandon(
            absl::StrCat("sent no READY=1 within ",
                         absl::FormatDuration(options_.ready_timeout),
                         " (--ready_timeout); does it implement sd_notify?"));
      case Wake::kInterrupted:
        return abandon("");
    }
  }
  run.ready = *child.ready_at - child.started;
  if (options_.warmup > absl::ZeroDuration()) {
    switch (WaitFor(child, *child.ready_at + options_.warmup,
                    /*until_ready=*/false, /*interruptible=*/true,
                    Phase::kWarmingUp)) {
      case Wake::kReady:
      case Wake::kDeadline:
        break;
      case Wake::kExited:
        Reap(child);
        return abandon(absl::StrCat(
            "ended (", ExitStatus::FromWaitStatus(child.wait_status).ToString(),
            ") during the ", absl::FormatDuration(options_.warmup),
            " warm-up, before the stop signal"));
      case Wake::kInterrupted:
        return abandon("");
    }
  } else if (interrupted()) {
    return abandon("");
  }

  // Phase 3: the stop signal.
  const pid_t target =
      options_.kill_mode == KillMode::kGroup ? -child.pid : child.pid;
  // Told before it happens, so that no write delays the wait after it.
  Event(child,
        absl::StrCat("sending ", SignalName(options_.signal), " to ",
                     options_.kill_mode == KillMode::kGroup ? "process group "
                                                            : "process ",
                     child.pid));
  child.signaled_at = MonotonicNow();
  if (kill(target, options_.signal) != 0) {
    return abandon(absl::StrCat("kill(", target, ", ",
                                SignalName(options_.signal),
                                "): ", ErrnoText(errno)));
  }
  run.signaled = true;

  // Phase 4: wait for the exit, SIGKILL at the grace deadline.
  bool interrupted_while_stopping = false;
  switch (WaitFor(child,
                  options_.grace == absl::InfiniteDuration()
                      ? absl::InfiniteDuration()
                      : *child.signaled_at + options_.grace,
                  /*until_ready=*/false, /*interruptible=*/true,
                  Phase::kStopping)) {
    case Wake::kExited:
    case Wake::kReady:
      break;
    case Wake::kInterrupted:
      interrupted_while_stopping = true;
      kill(-child.pid, SIGKILL);
      Event(child, "interrupted: SIGKILL to the process group");
      break;
    case Wake::kDeadline:
      run.killed = true;
      kill(-child.pid, SIGKILL);
      Event(child, absl::StrCat("still running after ",
                                absl::FormatDuration(options_.grace),
                                ": sent SIGKILL to process group ", child.pid));
      break;
  }
  if (!child.exited_at.has_value()) {
    // SIGKILL cannot be refused: wait for it to take effect, whatever else
    // happens, so that nothing is left behind.
    WaitFor(child, absl::InfiniteDuration(), /*until_ready=*/false,
            /*interruptible=*/false, Phase::kKilling);
  }
  if (interrupted_while_stopping) {
    run.interrupted = true;
    Reap(child);
    run.status = ExitStatus::FromWaitStatus(child.wait_status);
    return run;
  }

  // Phase 5: reap, clean up the group.
  const int leftovers = Reap(child);
  run.exit = *child.exited_at - *child.signaled_at;
  if (child.stopping_at.has_value()) {
    run.stopping = *child.stopping_at - *child.signaled_at;
  }
  run.status = ExitStatus::FromWaitStatus(child.wait_status);
  if (!run.killed) run.leftover_processes = leftovers;
  Event(child, absl::StrCat("ended (", run.status->ToString(), ") ",
                            HumanDuration(*run.exit), " after ",
                            SignalName(options_.signal)));
  if (run.leftover_processes > 0) {
    Event(child, absl::StrCat("SIGKILLed ", run.leftover_processes,
                              " process(es) left in its process group"));
  }
  return run;
}

}  // namespace stopwatch
}  // namespace graceful
