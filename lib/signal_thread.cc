// Copyright 2026 The graceful Authors.
//
// The signal thread (phase 1 and escalation) and the callback thread.

#include <poll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "graceful/runtime.h"
#include "lib/internal/critical_sections.h"
#include "lib/internal/monotonic_clock.h"
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

bool Runtime::Impl::WaitUntilStarted() {
  for (;;) {
    if (signal_thread_exit.load(std::memory_order_acquire)) return false;
    if (started.load(std::memory_order_acquire)) return true;
    pollfd wake = {wake_fd, POLLIN, 0};
    if (poll(&wake, 1, -1) == 1) {
      uint64_t count;
      [[maybe_unused]] ssize_t ignored = read(wake_fd, &count, sizeof(count));
    }
  }
}

void Runtime::Impl::SignalThreadMain() {
  internal::BecomeSignalThread(options.signal_thread_priority);
  internal::EnterRuntimeThread("graceful-signal");
  if (!WaitUntilStarted()) return;
  using internal::MonotonicTime;
  MonotonicTime next_heartbeat =
      MonotonicTime::Now() + options.heartbeat_interval;
  for (const siginfo_t& info : pending_at_start) DispatchSignal(info);
  for (;;) {
    // The deadline holds from phase 1 until the ending is decided, however
    // the stop began (a signal pending at Start() included).
    const bool deadline_applies =
        stop.stop_requested() &&
        ending.load(std::memory_order_acquire) == Ending::kUndecided;
    if (deadline_applies &&
        MonotonicTime::Now() >= stop_record.monotonic_deadline) {
      ForceExit(ForcedReason::kDeadline);
    }
    MonotonicTime wake_at = next_heartbeat;
    if (deadline_applies) {
      wake_at = std::min(wake_at, stop_record.monotonic_deadline);
    }
    timespec timeout;
    const timespec* timeout_ptr = nullptr;
    if (!wake_at.is_infinite_future()) {
      timeout = absl::ToTimespec(
          std::max(wake_at - MonotonicTime::Now(), absl::ZeroDuration()));
      timeout_ptr = &timeout;
    }
    pollfd fds[2] = {{signal_fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
    if (ppoll(fds, 2, timeout_ptr, nullptr) < 0 && errno != EINTR) continue;
    if (fds[0].revents & POLLIN) {
      // Nonblocking: phase 5 may take the signal that made the descriptor
      // readable out of its mask between the poll and the read.
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
    if (const MonotonicTime now = MonotonicTime::Now(); now >= next_heartbeat) {
      next_heartbeat = now + options.heartbeat_interval;
      const int running = live_threads.load(std::memory_order_relaxed);
      if (running > 0 &&
          ending.load(std::memory_order_acquire) == Ending::kUndecided) {
        Emit({.type = EventType::kHeartbeat, .workers_running = running});
      }
    }
  }
}

void Runtime::Impl::DispatchSignal(siginfo_t info) {
  const int signo = info.si_signo;
  // TRICKY: the signalfd also returns signals pending on this thread alone.
  // A write of this thread's (an event line to a stderr whose reader is
  // gone, or a log file at RLIMIT_FSIZE) that fails queues SIGPIPE or
  // SIGXFSZ here: the write's error, not a signal to act on (in any other
  // thread it just stays pending, blocked).
  if (internal::IsOwnWriteErrorSignal(info)) return;
  const bool registered =
      (registered_signals.load(std::memory_order_acquire) >> (signo - 1)) & 1;
  if (IsActiveStopSignal(signo)) {
    DispatchStopSignal(info, registered);
    return;
  }
  if (registered) {
    PostToCallbackThread(info, /*run_chained_handler=*/false);
    return;
  }
  // Neither a stop signal nor registered: give it its usual effect.
  const struct sigaction action = internal::CurrentDisposition(signo);
  if (internal::IsHandler(action)) {
    PostToCallbackThread(info, /*run_chained_handler=*/false);
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

void Runtime::Impl::DispatchStopSignal(const siginfo_t& info, bool registered) {
  const int signo = info.si_signo;
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
    // Only a second stop *signal* forces the exit: the first one to arrive
    // during a stop begun otherwise (RequestStop, a failure, work done, the
    // destructor) asks for what is already happening.
    if (first_stop_signal.has_value() && options.second_signal_forces_exit &&
        !IsRepeatOfFirst(info)) {
      ForceExit(ForcedReason::kSecondSignal);
    }
  }
  if (!first_stop_signal.has_value()) {
    first_stop_signal =
        internal::ReceivedStopSignal{.signal = signo,
                                     .code = info.si_code,
                                     .sender_pid = info.si_pid,
                                     .at = internal::MonotonicTime::Now()};
  }
  // The handler chained to the signal that began the stop runs in phase 2;
  // for any later one, on the callback thread.
  const bool run_chained = !first && chained_handlers[signo].has_value();
  if (registered || run_chained) PostToCallbackThread(info, run_chained);
}

bool Runtime::Impl::IsRepeatOfFirst(const siginfo_t& info) const {
  // coreutils' timeout, and supervisors like it, send one SIGTERM to the
  // process and again to its process group: two deliveries, one request.
  constexpr absl::Duration kSameRequest = absl::Milliseconds(100);
  return info.si_signo == first_stop_signal->signal &&
         info.si_code == first_stop_signal->code &&
         info.si_pid == first_stop_signal->sender_pid &&
         internal::MonotonicTime::Now() - first_stop_signal->at < kSameRequest;
}

void Runtime::Impl::StopReceivingStopSignals() {
  sigset_t still_received = internal::ReceivableSignals();
  for (int signo = 1; signo < NSIG; ++signo) {
    if (IsActiveStopSignal(signo)) sigdelset(&still_received, signo);
  }
  // Safe while the signal thread reads the descriptor: the kernel swaps the
  // mask under the signal lock and applies it to every signal dequeued from
  // then on. TRICKY: the raw system call, because ThreadSanitizer's
  // signalfd() interceptor takes a call on an existing descriptor for the
  // creation of a new one, racing every read.
  syscall(SYS_signalfd4, signal_fd, &still_received, _NSIG / 8, SFD_CLOEXEC);
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
      internal::MonotonicTime::Now() + options.critical_section_limit);
  ShutdownReport report = Snapshot(reason);
  report.critical_sections_open = still_open;
  internal::WriteBounded(
      STDERR_FILENO,
      absl::StrCat("graceful: forced exit with status ",
                   options.forced_exit_code, "\n", report.ToString()),
      absl::Milliseconds(200));
  _exit(options.forced_exit_code);
}

void Runtime::Impl::PostToCallbackThread(const siginfo_t& info,
                                         bool run_chained_handler) {
  bool queued;
  {
    std::lock_guard<std::mutex> lock(callbacks_mu);
    queued = queued_signals.Push(info, run_chained_handler);
  }
  if (!queued) {
    signals_dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  callbacks_cv.notify_one();
}

void Runtime::Impl::CallbackThreadMain() {
  internal::EnterRuntimeThread("graceful-cb");
  std::unique_lock<std::mutex> lock(callbacks_mu);
  for (;;) {
    // Empties the queue before leaving: ~Runtime() asks it to leave only
    // once the signal thread, which fills it, is gone.
    callbacks_cv.wait(
        lock, [&] { return !queued_signals.empty() || callback_thread_exit; });
    std::optional<internal::QueuedSignal> queued = queued_signals.Pop();
    if (!queued.has_value()) return;
    const int signo = queued->info.si_signo;
    std::shared_ptr<SignalCallback> callback = callbacks[signo];
    lock.unlock();
    if (callback != nullptr) {
      try {
        (*callback)(queued->info);
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
    if (queued->run_chained_handler) {
      internal::CallHandler(*chained_handlers[signo], signo, queued->info);
    } else if (callback == nullptr && !IsActiveStopSignal(signo)) {
      // An application handler for a signal the runtime does not manage.
      const struct sigaction action = internal::CurrentDisposition(signo);
      if (internal::IsHandler(action)) {
        internal::CallHandler(action, signo, queued->info);
      }
    }
    callback = nullptr;
    lock.lock();
  }
}

}  // namespace graceful
