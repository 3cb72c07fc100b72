// Copyright 2026 The graceful Authors.
//
// The signal thread (phase 1 and escalation) and the callback thread.

#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <exception>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "graceful/runtime.h"
#include "lib/internal/critical_sections.h"
#include "lib/internal/runtime_impl.h"
#include "lib/internal/scheduling.h"
#include "lib/internal/signals.h"
#include "lib/internal/thread_role.h"

namespace graceful {

void Runtime::Impl::WakeSignalThread() {
  const uint64_t one = 1;
  // Nonblocking: a counter that is already nonzero wakes the thread anyway.
  [[maybe_unused]] ssize_t ignored = write(wake_fd, &one, sizeof(one));
}

void Runtime::Impl::SignalThreadMain() {
  internal::BecomeSignalThread(options.signal_thread_priority);
  internal::EnterRuntimeThread("graceful-signal");
  absl::Time deadline = absl::InfiniteFuture();
  absl::Time next_heartbeat = absl::Now() + options.heartbeat_interval;
  for (const siginfo_t& info : pending_at_start) DispatchSignal(info);
  for (;;) {
    pollfd fds[2] = {{signal_fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
    timespec timeout;
    const timespec* timeout_ptr = nullptr;
    const absl::Time wake_at = std::min(deadline, next_heartbeat);
    if (wake_at != absl::InfiniteFuture()) {
      timeout = absl::ToTimespec(
          std::max(wake_at - absl::Now(), absl::ZeroDuration()));
      timeout_ptr = &timeout;
    }
    if (ppoll(fds, 2, timeout_ptr, nullptr) < 0 && errno != EINTR) continue;
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo infos[16];
      const ssize_t got = read(signal_fd, infos, sizeof(infos));
      for (ssize_t i = 0; i < got / static_cast<ssize_t>(sizeof(infos[0]));
           ++i) {
        DispatchSignal(internal::ToSiginfo(infos[i]));
      }
    }
    if (fds[1].revents & POLLIN) {
      uint64_t count;
      [[maybe_unused]] ssize_t ignored = read(wake_fd, &count, sizeof(count));
    }
    if (signal_thread_exit.load(std::memory_order_acquire)) return;
    if (const absl::Time now = absl::Now(); now >= next_heartbeat) {
      next_heartbeat = now + options.heartbeat_interval;
      const int running = live_threads.load(std::memory_order_relaxed);
      if (running > 0 && !shutdown_complete.load(std::memory_order_acquire)) {
        Emit({.type = EventType::kHeartbeat, .workers_running = running});
      }
    }
    if (shutdown_complete.load(std::memory_order_acquire)) {
      deadline = absl::InfiniteFuture();
    } else if (stop.stop_requested()) {
      deadline = stop_record.deadline;
      if (absl::Now() >= deadline) ForceExit(ForcedReason::kDeadline);
    }
  }
}

void Runtime::Impl::DispatchSignal(siginfo_t info) {
  const int signo = info.si_signo;
  // TRICKY: the signalfd also returns signals pending on this thread alone.
  // A write of this thread's (an event handler's line to a stderr whose
  // reader is gone) that fails with EPIPE queues a SIGPIPE here, which the
  // kernel records as sent by this process: it is the write's error, not a
  // signal to act on (in any other thread it just stays pending, blocked).
  if (signo == SIGPIPE && info.si_code == SI_USER && info.si_pid == getpid()) {
    return;
  }
  const bool registered =
      (registered_signals.load(std::memory_order_acquire) >> (signo - 1)) & 1;
  if (IsActiveStopSignal(signo)) {
    Emit({.type = EventType::kSignalReceived,
          .signal = signo,
          .sender_pid = info.si_pid,
          .sender_uid = info.si_uid});
    const bool first = BeginStop({.cause = StopCause::kSignal,
                                  .siginfo = info,
                                  .signal = signo,
                                  .sender_pid = info.si_pid,
                                  .sender_uid = info.si_uid,
                                  .signal_code = info.si_code});
    if (!first) {
      extra_stop_signals.fetch_add(1, std::memory_order_relaxed);
      if (options.second_signal_forces_exit && !IsRepeatOfFirst(info) &&
          !shutdown_complete.load(std::memory_order_acquire)) {
        ForceExit(ForcedReason::kSecondSignal);
      }
    }
    // The first one's chained handler runs in phase 2; later ones' here.
    if (registered || (!first && chained_handlers[signo].has_value())) {
      PostToCallbackThread(signo, info);
    }
    return;
  }
  if (registered) {
    PostToCallbackThread(signo, info);
    return;
  }
  // Neither a stop signal nor registered: give it its usual effect.
  const struct sigaction action = internal::CurrentDisposition(signo);
  if (internal::IsHandler(action)) {
    PostToCallbackThread(signo, info);
    return;
  }
  if (action.sa_handler == SIG_IGN) return;
  switch (internal::DefaultActionOf(signo)) {
    case internal::DefaultAction::kIgnore:
    case internal::DefaultAction::kContinue:  // the kernel already resumed us
      return;
    case internal::DefaultAction::kTerminate:
    case internal::DefaultAction::kCoreDump:
    case internal::DefaultAction::kStop:
      internal::RaiseWithDefaultAction(signo);
      return;
  }
}

bool Runtime::Impl::IsRepeatOfFirst(const siginfo_t& info) const {
  // coreutils' timeout, and supervisors like it, send one SIGTERM to the
  // process and again to its process group: two deliveries, one request.
  constexpr absl::Duration kSameRequest = absl::Milliseconds(100);
  return stop_record.cause == StopCause::kSignal &&
         info.si_signo == stop_record.signal &&
         info.si_code == stop_record.signal_code &&
         info.si_pid == stop_record.sender_pid &&
         absl::Now() - stop_record.at < kSameRequest;
}

bool Runtime::Impl::DecideEnding(Ending way) {
  Ending undecided = Ending::kUndecided;
  return ending.compare_exchange_strong(undecided, way,
                                        std::memory_order_acq_rel) ||
         undecided == way;
}

void Runtime::Impl::ParkForever() {
  for (;;) absl::SleepFor(absl::Hours(24));
}

void Runtime::Impl::ForceExit(ForcedReason reason) {
  if (!DecideEnding(Ending::kForced)) return;  // phase 5 came first
  Emit({.type = EventType::kEscalation,
        .workers_running = live_threads.load(std::memory_order_relaxed),
        .forced = reason,
        .exit_code = options.forced_exit_code});
  const int still_open = internal::WaitForCriticalSections(
      absl::Now() + options.critical_section_limit);
  ShutdownReport report = Snapshot(reason);
  report.critical_sections_open = still_open;
  internal::WriteBounded(
      STDERR_FILENO,
      absl::StrCat("graceful: forced exit with status ",
                   options.forced_exit_code, "\n", report.ToString()),
      absl::Milliseconds(200));
  _exit(options.forced_exit_code);
}

void Runtime::Impl::PostToCallbackThread(int signo, const siginfo_t& info) {
  {
    std::lock_guard<std::mutex> lock(callbacks_mu);
    pending[signo] = info;  // coalesces with an earlier one not yet run
  }
  callbacks_cv.notify_one();
}

void Runtime::Impl::CallbackThreadMain() {
  internal::EnterRuntimeThread("graceful-cb");
  std::unique_lock<std::mutex> lock(callbacks_mu);
  for (;;) {
    int signo = 0;
    callbacks_cv.wait(lock, [&] {
      for (int s = 1; s < NSIG; ++s) {
        if (pending[s].has_value()) {
          signo = s;
          return true;
        }
      }
      return callback_thread_exit;
    });
    if (signo == 0) return;
    siginfo_t info = *pending[signo];
    pending[signo].reset();
    std::shared_ptr<SignalCallback> callback = callbacks[signo];
    lock.unlock();
    if (callback != nullptr) {
      try {
        (*callback)(info);
      } catch (const std::exception& e) {
        Fail(absl::InternalError(
            absl::StrCat("OnSignal(", internal::SignalName(signo),
                         ") callback threw ", e.what())));
      } catch (...) {
        Fail(absl::InternalError(
            absl::StrCat("OnSignal(", internal::SignalName(signo),
                         ") callback threw a non-std::exception")));
      }
    }
    if (IsActiveStopSignal(signo)) {
      if (chained_handlers[signo].has_value()) {
        internal::CallHandler(*chained_handlers[signo], signo, info);
      }
    } else if (callback == nullptr) {
      // An application handler for a signal the runtime does not manage.
      const struct sigaction action = internal::CurrentDisposition(signo);
      if (internal::IsHandler(action)) {
        internal::CallHandler(action, signo, info);
      }
    }
    callback = nullptr;
    lock.lock();
  }
}

}  // namespace graceful
