// Copyright 2026 The graceful Authors.
//
// -----------------------------------------------------------------------------
// File: systemd.h
// -----------------------------------------------------------------------------
//
// `SystemdNotifier` tells systemd what a `graceful::Runtime` is doing,
// through the sd_notify(3) protocol of a `Type=notify` service: ready,
// stopping, how far the stop has got, and that the process is still alive.
// It is built on the runtime's events (events.h) and lives in its own target,
// `//:graceful_systemd` (from another workspace `@graceful//:graceful_systemd`),
// which links libsystemd; `//:graceful` itself does not.
//
// Example:
//
//   int main() {
//     // First, before Runtime::Start() and before any thread exists.
//     absl::StatusOr<graceful::SystemdNotifier> systemd =
//         graceful::SystemdNotifier::FromEnvironment();
//     if (!systemd.ok()) { std::cerr << systemd.status() << "\n"; return 2; }
//     graceful::RuntimeOptions options;
//     systemd->Install(options);            // after setting on_event, if any
//     auto runtime = graceful::Runtime::Start(options);
//     ...
//     (*runtime)->Spawn(...);               // the workers
//     systemd->NotifyReady();               // READY=1: workers are running
//     graceful::ShutdownReport report = (*runtime)->Wait();
//     report.ExitProcess();
//   }
//
// Outside systemd (no NOTIFY_SOCKET in the environment) the notifier is
// disabled: `Install()` leaves the options as they are and every call is a
// no-op, so the same program runs unchanged from a shell or a container.
//
// What is sent, one datagram per line of this table (a datagram holds
// several newline-separated assignments, which systemd applies together):
//
//   | when                                  | datagram                      |
//   |---------------------------------------|-------------------------------|
//   | `NotifyReady(status)`                 | READY=1, STATUS=<status>      |
//   | a worker returned, before any stop    | STATUS=running: N workers     |
//   | the stop began (kStopRequested)       | STOPPING=1,                   |
//   |                                       | STATUS=stopping (<cause>),    |
//   |                                       | EXTEND_TIMEOUT_USEC=<window>  |
//   | a worker returned during the stop     | STATUS=stopping (<c>): N      |
//   |                                       | workers left, EXTEND_...      |
//   | a hook started                        | STATUS=stopping (<c>): 0      |
//   |                                       | workers left, N hooks left    |
//   |                                       | (running '<hook>'), EXTEND_...|
//   | a hook finished                       | STATUS=stopping (<c>): 0      |
//   |                                       | workers left, N hooks left,   |
//   |                                       | EXTEND_...                    |
//   | the shutdown completed                | STATUS=stopped (<c>): exit    |
//   |                                       | status N                      |
//   | the exit is forced (escalation)       | STATUS=forcing exit (<why>):  |
//   |                                       | N workers still running       |
//   | heartbeat, if systemd set a watchdog  | WATCHDOG=1                    |
//
// <cause> is "SIGTERM from pid P uid U" in the first STATUS of a stop and
// "SIGTERM" after it; for the other causes "requested", "work done" or
// "worker failed: <message>" (then "worker failed"). "N hooks left" counts
// the hook that is running. STOPPING=1 is always the first message of a
// stop: events the runtime reports before its kStopRequested (a worker
// that saw the stop flag and returned first) are held back until it.
//
// EXTEND_TIMEOUT_USEC. Each message of the stop that shows progress (the
// stop itself, a worker returning, a hook starting or finishing) carries
// EXTEND_TIMEOUT_USEC=`SystemdOptions::extend_timeout`. systemd then does
// not kill the service before the later of `TimeoutStopSec=` and the last
// progress plus that window: a drain longer than `TimeoutStopSec=` that
// keeps making progress is not killed, one that stalls is. The runtime's own
// bound still applies: it forces the exit once `grace_period` has passed
// (docs/systemd.md explains how the two budgets relate).
//
// Watchdog. When systemd sets WATCHDOG_USEC for this process (the unit has
// `WatchdogSec=`), `Install()` sets `RuntimeOptions::heartbeat_interval` to
// half of it (or keeps a shorter one already set) and each heartbeat sends
// WATCHDOG=1. The runtime's signal thread sends the heartbeat only while at
// least one worker or pool thread is alive, so a process whose workers are
// stuck is still pinged (the watchdog guards the runtime, not the work),
// and a process with no live workers, before it spawns them or after they
// all returned, is not: call `NotifyReady()` after spawning, and a program
// that lives on without workers must send WATCHDOG=1 itself (`Notify`).
// systemd enforces the watchdog only while the unit is running; it stops
// doing so at STOPPING=1.
//
// Children. `FromEnvironment()` reads NOTIFY_SOCKET, WATCHDOG_USEC and
// WATCHDOG_PID once and removes them from the environment, so no child
// process the program starts later sees them (a child that found
// NOTIFY_SOCKET could send READY=1 or STOPPING=1 on the parent's behalf, and
// one that found WATCHDOG_USEC could believe it is watched). The notifier
// keeps the socket address. libsystemd's own senders, sd_notify(3) and
// sd_pid_notify(3), read NOTIFY_SOCKET from the environment on every call,
// so the notifier sends its datagrams itself, the way they do (sendto(2) on
// an AF_UNIX datagram socket, path or abstract address), and uses
// libsystemd's sd_watchdog_enabled(3) to read the watchdog variables.
//
// Sending never blocks: the socket is non-blocking, and a datagram systemd
// cannot take at once (its queue is full, or it is gone) is dropped, since
// the runtime's event handlers must not block (events.h).
//
// Lifetime: `SystemdNotifier` is a cheap, copyable handle to shared state;
// the handler `Install()` adds holds a copy, so the notifier may be
// destroyed before the runtime.
//
// Memory ordering: messages are sent under one mutex, in the order their
// events reached the notifier: if one event handler returns before another
// starts, its datagram is sent first.

#ifndef GRACEFUL_SYSTEMD_H_
#define GRACEFUL_SYSTEMD_H_

#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "graceful/runtime_options.h"

namespace graceful {

struct SystemdOptions {
  // The EXTEND_TIMEOUT_USEC window each sign of progress during a stop asks
  // for (see the file comment). Zero: never send EXTEND_TIMEOUT_USEC.
  // Must not be negative.
  // Default: 30 s.
  absl::Duration extend_timeout = absl::Seconds(30);

  // Whether to ping systemd's watchdog (WATCHDOG=1 on each heartbeat) when
  // systemd set WATCHDOG_USEC for this process. The watchdog variables are
  // removed from the environment either way.
  // Default: true.
  bool watchdog = true;
};

// SystemdNotifier
//
// Thread safety: all member functions may be called from any thread,
// concurrently, except `FromEnvironment()` (see there).
class SystemdNotifier {
 public:
  // A disabled notifier: every call is a no-op.
  SystemdNotifier() = default;

  // SystemdNotifier::FromEnvironment()
  //
  // Reads NOTIFY_SOCKET (an absolute path, or "@name" for an abstract
  // socket), WATCHDOG_USEC and WATCHDOG_PID, then removes all three from the
  // environment (in every case, errors included). Returns a disabled
  // notifier when NOTIFY_SOCKET is unset or empty; `InvalidArgument` when
  // `options.extend_timeout` is negative, or NOTIFY_SOCKET is set and it,
  // WATCHDOG_USEC or WATCHDOG_PID is malformed; `Unavailable` when no
  // socket could be created. The watchdog is on when WATCHDOG_USEC is set,
  // WATCHDOG_PID is unset or this process's pid, and `options.watchdog`.
  //
  // Call it first in main(), before `Runtime::Start()` and before any other
  // thread exists: it changes the environment, which is not thread-safe.
  // A second call finds the variables gone and returns a disabled notifier.
  // This function is NOT async-signal-safe.
  static absl::StatusOr<SystemdNotifier> FromEnvironment(
      SystemdOptions options = {});

  // SystemdNotifier::enabled()
  //
  // Whether NOTIFY_SOCKET was set: whether anything is ever sent.
  // This function is async-signal-safe.
  bool enabled() const { return state_ != nullptr; }

  // SystemdNotifier::watchdog_timeout()
  //
  // WATCHDOG_USEC, when the watchdog is on; else absl::InfiniteDuration().
  // This function is async-signal-safe.
  absl::Duration watchdog_timeout() const;

  // SystemdNotifier::Install()
  //
  // Chains the notifier onto `options.on_event`: the new handler sends the
  // message for the event (see the table above), then calls the handler
  // `options.on_event` held (by default `LogEventToStderr`), so call it
  // after setting your own. With the watchdog on, also sets
  // `options.heartbeat_interval` to half of WATCHDOG_USEC unless it is
  // already shorter. Does nothing when the notifier is disabled. A service
  // stops once: a later runtime's stop sends no STOPPING=1, and its STATUS
  // lines name the first stop's cause; install it for the process's one
  // runtime.
  // This function is NOT async-signal-safe.
  void Install(RuntimeOptions& options) const;

  // SystemdNotifier::NotifyReady()
  //
  // Sends READY=1 and STATUS=`status` (nothing more when `status` is
  // empty): call it once the workers are running and the service is doing
  // its job. systemd holds `systemctl start` until READY=1 arrives (for at
  // most `TimeoutStartSec=`), and starts the watchdog then. Does nothing
  // once STOPPING=1 was sent (systemd is past READY then) and when
  // disabled.
  // Returns `Unavailable` if the datagram could not be sent.
  // This function is NOT async-signal-safe.
  absl::Status NotifyReady(absl::string_view status = "running") const;

  // SystemdNotifier::Notify()
  //
  // Sends `state` as it is: one or more newline-separated assignments from
  // sd_notify(3), such as "STATUS=loaded 10000 records" or "WATCHDOG=1".
  // Returns `Unavailable` if the datagram could not be sent; OK, sending
  // nothing, when disabled.
  // This function is NOT async-signal-safe.
  absl::Status Notify(absl::string_view state) const;

 private:
  struct State;
  explicit SystemdNotifier(std::shared_ptr<State> state)
      : state_(std::move(state)) {}

  std::shared_ptr<State> state_;  // null: disabled
};

}  // namespace graceful

#endif  // GRACEFUL_SYSTEMD_H_
