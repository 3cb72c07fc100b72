// Copyright 2026 The graceful Authors.

#include "graceful/systemd.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "graceful/events.h"
#include "graceful/runtime_options.h"
#include "graceful/shutdown_report.h"

namespace graceful {
namespace {

// The environment variables systemd sets for a notify service.
constexpr char kNotifySocket[] = "NOTIFY_SOCKET";

std::string ErrnoText(int error) {
  char buffer[128];
  // GNU strerror_r: returns the message, in `buffer` or a static string.
  return absl::StrCat(strerror_r(error, buffer, sizeof(buffer)), " (errno ",
                      error, ")");
}

// "SIGTERM", or "signal 40" for a signal without a name.
std::string SignalName(int signo) {
  const char* abbrev = sigabbrev_np(signo);
  if (abbrev == nullptr) return absl::StrCat("signal ", signo);
  return absl::StrCat("SIG", abbrev);
}

// STATUS= takes one line: names and messages come from the application.
std::string OneLine(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"\n", " "}, {"\r", " "}});
}

std::string Plural(int n, absl::string_view noun) {
  return absl::StrCat(n, " ", noun, n == 1 ? "" : "s");
}

// The notify socket address: "/path" or "@abstract" (sd_notify(3)).
absl::Status ParseAddress(absl::string_view text, sockaddr_un& address,
                          socklen_t& length) {
  address = {};
  address.sun_family = AF_UNIX;
  if (text.size() >= 2 && (text[0] == '/' || text[0] == '@') &&
      text.size() < sizeof(address.sun_path) &&
      text.find('\0') == absl::string_view::npos) {
    memcpy(address.sun_path, text.data(), text.size());
    if (text[0] == '@') address.sun_path[0] = '\0';  // abstract namespace
    // A path is counted with its terminating NUL; an abstract name is not
    // NUL-terminated (its length is the address length).
    length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) +
                                    text.size() + (text[0] == '/' ? 1 : 0));
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "graceful::SystemdNotifier: NOTIFY_SOCKET must be an absolute path or "
      "an abstract socket name starting with '@', shorter than ",
      sizeof(address.sun_path), " bytes; got \"", OneLine(text), "\""));
}

}  // namespace

struct SystemdNotifier::State {
  // Set by FromEnvironment(), then immutable.
  int fd = -1;  // AF_UNIX, SOCK_DGRAM, non-blocking, close-on-exec
  sockaddr_un address = {};
  socklen_t address_length = 0;
  absl::Duration watchdog = absl::InfiniteDuration();
  SystemdOptions options;

  // A stop-phase event that arrived before kStopRequested, kept until it.
  struct Held {
    EventType type;
    int workers_running;
    int hooks_left;
    std::string name;
    int exit_code;
  };

  // Taken around every send, so datagrams leave in the order the events
  // reached the notifier.
  std::mutex mu;
  bool stop_announced = false;    // guarded by mu
  std::string cause;              // guarded by mu: "SIGTERM", "requested"
  int workers_left = INT_MAX;     // guarded by mu: fewest seen in the stop
  std::vector<Held> held;         // guarded by mu

  State() = default;
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  ~State() {
    if (fd >= 0) close(fd);
  }

  // Sends one datagram without blocking. Requires mu (for ordering only).
  absl::Status Send(absl::string_view message) const;

  void OnEvent(const Event& event);

 private:
  // "\nEXTEND_TIMEOUT_USEC=...", or "" when disabled.
  std::string Extend() const;
  std::string Stopping(absl::string_view progress) const;
  void Announce(const Event& event);     // requires mu
  void HandleStopEvent(const Held& h);   // requires mu
};

absl::Status SystemdNotifier::State::Send(absl::string_view message) const {
  for (;;) {
    const ssize_t sent =
        sendto(fd, message.data(), message.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
               reinterpret_cast<const sockaddr*>(&address), address_length);
    if (sent >= 0) return absl::OkStatus();
    if (errno == EINTR) continue;
    return absl::UnavailableError(absl::StrCat(
        "graceful::SystemdNotifier: sendto(NOTIFY_SOCKET) failed: ",
        ErrnoText(errno)));
  }
}

std::string SystemdNotifier::State::Extend() const {
  if (options.extend_timeout <= absl::ZeroDuration()) return "";
  return absl::StrCat("\nEXTEND_TIMEOUT_USEC=",
                      absl::ToInt64Microseconds(options.extend_timeout));
}

std::string SystemdNotifier::State::Stopping(
    absl::string_view progress) const {
  return absl::StrCat("STATUS=stopping (", cause, "): ", progress, Extend());
}

void SystemdNotifier::State::Announce(const Event& event) {
  std::string detail;
  switch (event.cause) {
    case StopCause::kSignal:
      cause = SignalName(event.signal);
      detail = absl::StrCat(cause, " from pid ", event.sender_pid, " uid ",
                            event.sender_uid);
      break;
    case StopCause::kWorkerFailed:
      cause = "worker failed";
      detail = event.status.ok()
                   ? cause
                   : absl::StrCat(cause, ": ", OneLine(event.status.message()));
      break;
    default:
      cause = StopCauseName(event.cause);
      detail = cause;
      break;
  }
  stop_announced = true;
  Send(absl::StrCat("STOPPING=1\nSTATUS=stopping (", detail, ")", Extend()))
      .IgnoreError();  // dropped: see the file comment of systemd.h
}

void SystemdNotifier::State::HandleStopEvent(const Held& h) {
  switch (h.type) {
    case EventType::kWorkerFinished:
      workers_left = std::min(workers_left, h.workers_running);
      Send(Stopping(absl::StrCat(Plural(workers_left, "worker"), " left")))
          .IgnoreError();
      return;
    case EventType::kWorkersJoined:
      workers_left = 0;
      return;
    case EventType::kHookStarted:
      Send(Stopping(absl::StrCat("0 workers left, ",
                                 Plural(h.hooks_left + 1, "hook"),
                                 " left (running '", h.name, "')")))
          .IgnoreError();
      return;
    case EventType::kHookFinished:
      Send(Stopping(absl::StrCat("0 workers left, ",
                                 Plural(h.hooks_left, "hook"), " left")))
          .IgnoreError();
      return;
    case EventType::kShutdownComplete:
      Send(absl::StrCat("STATUS=stopped (", cause, "): exit status ",
                        h.exit_code))
          .IgnoreError();
      return;
    default:
      return;
  }
}

void SystemdNotifier::State::OnEvent(const Event& event) {
  std::lock_guard<std::mutex> lock(mu);
  switch (event.type) {
    case EventType::kHeartbeat:
      if (watchdog != absl::InfiniteDuration()) {
        Send("WATCHDOG=1").IgnoreError();
      }
      return;
    case EventType::kSignalReceived:
      return;
    case EventType::kStopRequested:
      if (stop_announced) return;
      Announce(event);
      for (const Held& h : held) HandleStopEvent(h);
      held.clear();
      return;
    case EventType::kEscalation:
      Send(absl::StrCat(stop_announced ? "" : "STOPPING=1\n",
                        "STATUS=forcing exit (",
                        event.forced == ForcedReason::kSecondSignal
                            ? "second stop signal"
                            : "grace period ran out",
                        "): ", Plural(event.workers_running, "worker"),
                        " still running"))
          .IgnoreError();
      stop_announced = true;
      return;
    case EventType::kWorkerFinished:
      if (event.stop_requested_at == absl::InfinitePast()) {
        Send(absl::StrCat("STATUS=running: ",
                          Plural(event.workers_running, "worker")))
            .IgnoreError();
        return;
      }
      break;
    case EventType::kWorkersJoined:
    case EventType::kHookStarted:
    case EventType::kHookFinished:
    case EventType::kShutdownComplete:
      break;
  }
  Held h{.type = event.type,
         .workers_running = event.workers_running,
         .hooks_left = event.hooks_left,
         .name = OneLine(event.name),
         .exit_code = event.exit_code};
  // TRICKY: the runtime sets the stop flag before it reports
  // kStopRequested, so a worker that sees the flag may report that it
  // returned (and, in theory, the shutdown thread may report more) first.
  // STOPPING=1 must lead: hold such events until kStopRequested arrives.
  if (!stop_announced) {
    held.push_back(std::move(h));
    return;
  }
  HandleStopEvent(h);
}

absl::StatusOr<SystemdNotifier> SystemdNotifier::FromEnvironment(
    SystemdOptions options) {
  const char* raw_socket = getenv(kNotifySocket);
  const bool has_socket = raw_socket != nullptr && raw_socket[0] != '\0';
  const std::string socket_text = has_socket ? raw_socket : "";
  unsetenv(kNotifySocket);
  // Reads WATCHDOG_USEC and WATCHDOG_PID and, with a nonzero first
  // argument, unsets both whatever it returns.
  uint64_t watchdog_usec = 0;
  const int watchdog = sd_watchdog_enabled(/*unset_environment=*/1,
                                           &watchdog_usec);
  if (options.extend_timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "graceful::SystemdNotifier: SystemdOptions::extend_timeout must not "
        "be negative");
  }
  if (!has_socket) return SystemdNotifier();
  if (watchdog < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "graceful::SystemdNotifier: WATCHDOG_USEC or WATCHDOG_PID is "
        "malformed: ",
        ErrnoText(-watchdog)));
  }

  auto state = std::make_shared<State>();
  state->options = options;
  if (absl::Status parsed = ParseAddress(socket_text, state->address,
                                         state->address_length);
      !parsed.ok()) {
    return parsed;
  }
  if (watchdog > 0 && options.watchdog && watchdog_usec > 0) {
    state->watchdog = absl::Microseconds(static_cast<int64_t>(
        std::min<uint64_t>(watchdog_usec, INT64_MAX)));
  }
  state->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (state->fd < 0) {
    return absl::UnavailableError(absl::StrCat(
        "graceful::SystemdNotifier: socket(AF_UNIX, SOCK_DGRAM) failed: ",
        ErrnoText(errno)));
  }
  return SystemdNotifier(std::move(state));
}

absl::Duration SystemdNotifier::watchdog_timeout() const {
  return state_ ? state_->watchdog : absl::InfiniteDuration();
}

void SystemdNotifier::Install(RuntimeOptions& options) const {
  if (!state_) return;
  if (state_->watchdog != absl::InfiniteDuration()) {
    options.heartbeat_interval =
        std::min(options.heartbeat_interval, state_->watchdog / 2);
  }
  options.on_event = [state = state_, previous = std::move(options.on_event)](
                         const Event& event) {
    try {
      state->OnEvent(event);
    } catch (...) {
      // Out of memory while formatting: the message is dropped, the
      // previous handler still runs.
    }
    if (previous) previous(event);
  };
}

absl::Status SystemdNotifier::NotifyReady(absl::string_view status) const {
  if (!state_) return absl::OkStatus();
  std::lock_guard<std::mutex> lock(state_->mu);
  if (state_->stop_announced) return absl::OkStatus();
  if (status.empty()) return state_->Send("READY=1");
  return state_->Send(absl::StrCat("READY=1\nSTATUS=", OneLine(status)));
}

absl::Status SystemdNotifier::Notify(absl::string_view state) const {
  if (!state_) return absl::OkStatus();
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->Send(state);
}

}  // namespace graceful
