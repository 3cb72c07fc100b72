// Copyright 2026 The graceful Authors.
//
// -----------------------------------------------------------------------------
// File: tools/supervisor.h
// -----------------------------------------------------------------------------
//
// `Supervisor` runs a program the way a kubelet or systemd runs a service,
// once per `Run()`, and times how it stops:
//
//   1. Start. fork + execve of the program in a process group of its own,
//      with no signal blocked or ignored (as systemd starts a service),
//      stdin from /dev/null, stdout and stderr appended to the run's log
//      file, and NOTIFY_SOCKET set to the supervisor's socket with
//      `ReadyMode::kNotify` (removed from the environment otherwise, so that
//      a stopwatch run under systemd never notifies systemd for its child).
//      The child also gets PR_SET_PDEATHSIG = SIGKILL: should the supervisor
//      die without cleaning up (SIGKILL), the kernel kills the program.
//   2. Ready. `kStart`: when execve succeeded. `kNotify`: when READY=1
//      arrives, within `ready_timeout`. Then `warmup` more.
//   3. Stop. The stop signal goes to the process (`KillMode::kProcess`) or
//      its process group (`kGroup`), timed from just before kill(2).
//   4. Wait. Until the program's process ends (its pidfd turns readable: no
//      sleep quantises the time), or the grace period runs out: then
//      SIGKILL to the whole process group, and the run counts as killed.
//   5. Clean up. Every process still in the group is SIGKILLed and reaped
//      (the supervisor is a child subreaper, so orphans of the group become
//      its children) and counted as leftovers.
//
// Interruption. When the interrupt fd turns readable (stopwatch was asked
// to stop), a run in phases 1 to 4 SIGKILLs the process group at once, reaps
// it, and is reported as interrupted. A run never returns with a process of
// its group still there, except one that left the group itself (setsid,
// setpgid), which stopwatch cannot track, as a process that leaves its
// cgroup would escape systemd.
//
// Notify protocol (sd_notify(3)): datagrams of newline-separated
// VARIABLE=VALUE lines on an AF_UNIX SOCK_DGRAM socket; the supervisor
// timestamps the first READY=1 of a run and the first STOPPING=1 after the
// stop signal when it receives them, and ignores everything else.
//
// Thread safety: one thread at a time; `Create()` makes the calling process
// a child subreaper (PR_SET_CHILD_SUBREAPER), and the program is forked from
// the thread that calls `Run()`, which must live until the run returns (the
// death signal follows the forking thread).

#ifndef GRACEFUL_TOOLS_SUPERVISOR_H_
#define GRACEFUL_TOOLS_SUPERVISOR_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "tools/stopwatch_report.h"

namespace graceful {
namespace stopwatch {

struct SupervisorOptions {
  // The program's argv; argv[0] as the user wrote it.
  std::vector<std::string> argv;
  // The file execve() runs: argv[0], looked up in PATH if it has no '/'.
  std::string program;
  int signal = 15;
  // Time from the stop signal to SIGKILL; absl::InfiniteDuration(): never.
  absl::Duration grace = absl::Seconds(30);
  ReadyMode ready = ReadyMode::kStart;
  absl::Duration warmup = absl::Seconds(1);
  absl::Duration ready_timeout = absl::Seconds(30);
  KillMode kill_mode = KillMode::kProcess;
  // Where the notify socket goes (as `socket_dir`/notify; the full path must
  // fit in sockaddr_un, 107 bytes) and where each run's log goes (as
  // `log_dir`/run-N.log). Both must exist.
  std::string socket_dir;
  std::string log_dir;
  // Readable once the supervisor must stop (an eventfd or a pipe); never
  // read by the supervisor.
  int interrupt_fd = -1;
};

// What a run is doing, for progress lines.
enum class Phase {
  kStarting,         // fork + execve
  kWaitingForReady,  // kNotify: waiting for READY=1
  kWarmingUp,        // ready, before the stop signal
  kStopping,         // the stop signal sent, waiting for the exit
  kKilling,          // SIGKILL sent, waiting for the exit
};

// "starting", "waiting for READY=1", "warming up", "stopping", "killing".
const char* PhaseName(Phase phase);

struct Progress {
  int run = 0;
  Phase phase = Phase::kStarting;
  absl::Duration in_phase;  // time since the phase began
};

class Supervisor {
 public:
  // Supervisor::Create()
  //
  // Checks that the kernel has pidfd_open (Linux 5.3 or later), makes the
  // process a child subreaper, and with `ReadyMode::kNotify` binds the
  // notify socket. Fails with a status naming the problem and the fix.
  static absl::StatusOr<std::unique_ptr<Supervisor>> Create(
      SupervisorOptions options);

  // Closes and removes the notify socket.
  ~Supervisor();

  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Called with one line ("run 3: sending SIGTERM to process 1234") as
  // each thing happens, on the thread in `Run()`.
  void set_event_callback(absl::AnyInvocable<void(absl::string_view)> cb) {
    on_event_ = std::move(cb);
  }

  // Called on the thread in `Run()` as each phase begins and every 100 ms
  // while one lasts.
  void set_progress_callback(absl::AnyInvocable<void(const Progress&)> cb) {
    on_progress_ = std::move(cb);
  }

  // Supervisor::Run()
  //
  // Runs the program once, phases 1 to 5, and returns the record of the run
  // with `outcome` not set yet (see `Classifier`). Blocks until the program
  // and its process group are gone: at most ready time + warmup + grace +
  // the time SIGKILLed processes take to die. Returns at once, with
  // `interrupted` set, if the interrupt fd is already readable.
  RunRecord Run(int index);

 private:
  struct Child;
  enum class Wake { kReady, kExited, kDeadline, kInterrupted };

  explicit Supervisor(SupervisorOptions options);

  // Phase 1: sets `child`, or returns why the program could not start.
  absl::Status Start(const std::string& log_path, Child& child);
  // Waits for the first of: the child's exit, READY=1 if `until_ready`,
  // `deadline` (monotonic), the interrupt fd if `interruptible`.
  Wake WaitFor(Child& child, absl::Duration deadline, bool until_ready,
               bool interruptible, Phase phase);
  // Reads every pending notify datagram, stamping READY=1/STOPPING=1 with
  // `now`.
  void ReadNotifications(Child& child, absl::Duration now);
  // Drops pending datagrams: left from an earlier run, all of whose
  // processes are gone, they must not count for the next one.
  void DiscardNotifications();
  // Reaps the child's process, then SIGKILLs and reaps its group; returns
  // how many of the group were still running.
  int Reap(Child& child);
  void Event(const Child& child, absl::string_view text);

  const SupervisorOptions options_;
  std::string socket_path_;  // empty unless kNotify
  int notify_fd_ = -1;
  int dev_null_fd_ = -1;
  // The program's environment, and pointers into it for execve().
  std::vector<std::string> environment_;
  absl::AnyInvocable<void(absl::string_view)> on_event_;
  absl::AnyInvocable<void(const Progress&)> on_progress_;
};

// CLOCK_MONOTONIC as a duration since an arbitrary origin (absl::Now() is
// the wall clock, which NTP may step).
absl::Duration MonotonicNow();

// The file execve() should run for `name`: `name` itself if it contains a
// '/', else the first executable `name` in $PATH. NotFound or
// PermissionDenied naming the fix otherwise.
absl::StatusOr<std::string> FindProgram(const std::string& name);

}  // namespace stopwatch
}  // namespace graceful

#endif  // GRACEFUL_TOOLS_SUPERVISOR_H_
