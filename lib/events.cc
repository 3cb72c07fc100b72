// Copyright 2026 The graceful Authors.

#include "graceful/events.h"

#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "lib/internal/signals.h"

namespace graceful {
namespace {

std::string DescribeCause(const Event& event) {
  if (event.cause == StopCause::kSignal) {
    return absl::StrCat(internal::SignalName(event.signal), " from pid ",
                        event.sender_pid, " uid ", event.sender_uid);
  }
  if (event.cause == StopCause::kWorkerFailed && !event.status.ok()) {
    return absl::StrCat("worker failed: ", event.status.message());
  }
  return StopCauseName(event.cause);
}

// "20s", "1.234ms", "56us": to the microsecond below a second, to the
// millisecond above.
std::string Rounded(absl::Duration duration) {
  return absl::FormatDuration(absl::Trunc(
      duration, duration < absl::Seconds(1) ? absl::Microseconds(1)
                                            : absl::Milliseconds(1)));
}

std::string SinceStop(const Event& event) {
  return absl::StrCat(Rounded(event.time - event.stop_requested_at),
                      " after the stop");
}

}  // namespace

const char* EventTypeName(EventType type) {
  switch (type) {
    case EventType::kSignalReceived:
      return "signal received";
    case EventType::kStopRequested:
      return "stop requested";
    case EventType::kWorkerFinished:
      return "worker finished";
    case EventType::kWorkersJoined:
      return "workers joined";
    case EventType::kHookStarted:
      return "hook started";
    case EventType::kHookFinished:
      return "hook finished";
    case EventType::kShutdownComplete:
      return "shutdown complete";
    case EventType::kEscalation:
      return "escalation";
    case EventType::kHeartbeat:
      return "heartbeat";
  }
  return "?";
}

void LogEventToStderr(const Event& event) {
  std::string line;
  switch (event.type) {
    case EventType::kStopRequested:
      // A program that simply finished its work is not news.
      if (event.cause == StopCause::kWorkDone) return;
      line = absl::StrCat("graceful: stopping: ", DescribeCause(event),
                          "; grace period ends in ",
                          Rounded(event.deadline - event.time));
      break;
    case EventType::kWorkerFinished:
      if (event.status.ok()) return;
      line = absl::StrCat("graceful: worker '", event.name,
                          "' failed: ", event.status.message());
      break;
    case EventType::kWorkersJoined:
      if (event.cause == StopCause::kWorkDone) return;
      line = absl::StrCat("graceful: workers joined ", SinceStop(event));
      break;
    case EventType::kHookFinished:
      if (event.status.ok()) return;
      line = absl::StrCat("graceful: hook '", event.name,
                          "' failed: ", event.status.message());
      break;
    case EventType::kShutdownComplete:
      if (event.cause == StopCause::kWorkDone) return;
      line = absl::StrCat("graceful: shutdown complete ", SinceStop(event),
                          "; exit status ", event.exit_code);
      break;
    case EventType::kEscalation:
      line = absl::StrCat("graceful: forcing exit (",
                          event.forced == ForcedReason::kSecondSignal
                              ? "second stop signal"
                              : "grace period ran out",
                          ") with ", event.workers_running,
                          " worker(s) still running");
      break;
    case EventType::kSignalReceived:
    case EventType::kHookStarted:
    case EventType::kHeartbeat:
      return;
  }
  line += "\n";
  internal::WriteBounded(STDERR_FILENO, line, absl::ZeroDuration());
}

}  // namespace graceful
