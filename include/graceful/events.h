// Copyright 2026 The graceful Authors.
//
// -----------------------------------------------------------------------------
// File: events.h
// -----------------------------------------------------------------------------
//
// The runtime reports what it does as it does it: a stop signal arrived, the
// stop began, a worker finished, the workers were joined, a hook started or
// finished, the shutdown completed, the exit is being forced; and, on
// request, a periodic heartbeat while workers run. Route these events to
// your own logging, metrics or supervisor protocol (graceful's systemd
// support is built on them) with `RuntimeOptions::on_event`. The default
// handler, `LogEventToStderr`, writes one concise line to stderr for the
// events a person wants to see when a process stops.
//
// Example:
//
//   graceful::RuntimeOptions options;
//   options.on_event = [](const graceful::Event& event) {
//     if (event.type == graceful::EventType::kStopRequested) {
//       metrics::Increment("stops");
//     }
//     graceful::LogEventToStderr(event);  // keep the default lines too
//   };
//
// Handlers run on runtime threads, the signal thread included (for
// kSignalReceived, kStopRequested when a signal began it, kEscalation and
// kHeartbeat; at real-time priority where the runtime could raise the
// signal thread, see RuntimeOptions::signal_thread_priority), possibly on
// several threads at once: a handler must be
// thread-safe, quick, and must never block (a blocked handler on the signal
// thread would hold back the deadline and the forced exit). Exceptions
// thrown by a handler are caught and discarded. `Event::name` views memory
// that is valid only during the call.
//
// Ordering: events from one thread arrive in the order that thread sent
// them; events from different threads may interleave. In particular the
// stop flag is set before kStopRequested is sent (its handler is kept off
// the path from signal to stop), so a worker that saw the stop may report
// kWorkerFinished before kStopRequested arrives, and concurrent
// kWorkerFinished events may arrive with `workers_running` out of order.

#ifndef GRACEFUL_EVENTS_H_
#define GRACEFUL_EVENTS_H_

#include <sys/types.h>

#include <functional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "graceful/shutdown_report.h"

namespace graceful {

enum class EventType {
  kSignalReceived,     // a stop signal arrived: `signal`, `sender_*`
  kStopRequested,      // phase 1: `cause`, `signal`, `sender_*`, `deadline`,
                       // `workers_running`, `hooks_left` (hooks to run)
  kWorkerFinished,     // a worker or pool thread returned: `name`, `status`,
                       // `workers_running` (left after it)
  kWorkersJoined,      // phase 3 done
  kHookStarted,        // `name`, `hooks_left` (after this one)
  kHookFinished,       // `name`, `status`, `hooks_left`
  kShutdownComplete,   // phase 5: `exit_code`
  kEscalation,         // the exit is being forced: `forced`, `exit_code`,
                       // `workers_running`
  kHeartbeat,          // every `RuntimeOptions::heartbeat_interval` while
                       // workers run (from the signal thread)
};

// "signal received", "stop requested", ... (the enumerator in words).
// This function is async-signal-safe.
const char* EventTypeName(EventType type);

struct Event {
  EventType type = EventType::kHeartbeat;
  absl::Time time = absl::InfinitePast();
  StopCause cause = StopCause::kNone;  // once stopping, on every event
  int signal = 0;
  pid_t sender_pid = 0;
  uid_t sender_uid = 0;
  absl::string_view name = {};
  absl::Status status = absl::OkStatus();
  int workers_running = 0;
  int hooks_left = 0;
  absl::Time stop_requested_at = absl::InfinitePast();  // once stopping
  absl::Time deadline = absl::InfinitePast();           // once stopping
  ForcedReason forced = ForcedReason::kNotForced;
  int exit_code = 0;
};

using EventHandler = std::function<void(const Event&)>;

// LogEventToStderr()
//
// The default `RuntimeOptions::on_event`: one line, written with a single
// write(2) and only if stderr can take it without blocking (dropped when
// stderr is a full pipe), for kStopRequested, a failed worker or hook,
// kWorkersJoined, kShutdownComplete and kEscalation; nothing for the others,
// and nothing about a stop whose cause is kWorkDone. Example:
//
//   graceful: stopping: SIGTERM from pid 1 uid 0; grace period ends in 20s
//   graceful: workers joined 1.21ms after the stop
//   graceful: shutdown complete 1.4ms after the stop; exit status 143
//
// This function is NOT async-signal-safe.
void LogEventToStderr(const Event& event);

}  // namespace graceful

#endif  // GRACEFUL_EVENTS_H_
