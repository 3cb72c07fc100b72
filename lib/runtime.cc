// Copyright 2026 The graceful Authors.
//
// Runtime::Start(), the public member functions, and worker bookkeeping.
// The signal and callback threads are in signal_thread.cc, the shutdown
// thread in shutdown.cc.

#include "graceful/runtime.h"

#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <system_error>
#include <utility>

#include "absl/base/internal/raw_logging.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "graceful/spawn.h"
#include "lib/internal/runtime_impl.h"
#include "lib/internal/scheduling.h"
#include "lib/internal/signals.h"
#include "lib/internal/thread_role.h"

namespace graceful {
namespace {

using internal::SignalName;

// One live runtime per process. Writer: Start() (acquires the slot) and
// ~Runtime() (releases it).
std::atomic<bool> runtime_alive{false};

absl::Status ValidateOptions(const RuntimeOptions& options) {
  if (options.stop_signals.empty()) {
    return absl::InvalidArgumentError(
        "graceful::Runtime::Start: RuntimeOptions::stop_signals is empty; "
        "list the signals that should stop the process, e.g. "
        "{SIGTERM, SIGINT}");
  }
  for (int signo : options.stop_signals) {
    if (signo == SIGKILL || signo == SIGSTOP) {
      return absl::InvalidArgumentError(absl::StrCat(
          "graceful::Runtime::Start: ", SignalName(signo),
          " cannot be a stop signal: it can be neither blocked nor caught; "
          "remove it from RuntimeOptions::stop_signals"));
    }
    if (internal::IsSynchronousSignal(signo)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "graceful::Runtime::Start: ", SignalName(signo),
          " cannot be a stop signal: it reports a fault in the thread that "
          "caused it and is never blocked; remove it from "
          "RuntimeOptions::stop_signals"));
    }
    if (!internal::IsReceivable(signo)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "graceful::Runtime::Start: ", signo,
          " is not a signal the runtime can receive (out of range or "
          "reserved by the C library); remove it from "
          "RuntimeOptions::stop_signals"));
    }
  }
  if (options.grace_period <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "graceful::Runtime::Start: RuntimeOptions::grace_period is ",
        absl::FormatDuration(options.grace_period),
        "; it must be positive (the default is 20s)"));
  }
  if (options.critical_section_limit < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "graceful::Runtime::Start: RuntimeOptions::critical_section_limit is "
        "negative; use zero for no wait");
  }
  if (options.queue_capacity == 0) {
    return absl::InvalidArgumentError(
        "graceful::Runtime::Start: RuntimeOptions::queue_capacity is 0; it "
        "must be at least 1");
  }
  if (options.heartbeat_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "graceful::Runtime::Start: RuntimeOptions::heartbeat_interval must "
        "be positive; use absl::InfiniteDuration() for no heartbeat");
  }
  if (options.signal_thread_priority != SignalThreadPriority::kInherit &&
      options.signal_thread_priority != SignalThreadPriority::kRealtime) {
    return absl::InvalidArgumentError(
        "graceful::Runtime::Start: RuntimeOptions::signal_thread_priority is "
        "not a SignalThreadPriority value");
  }
  if (options.worker_priority != WorkerPriority::kInherit &&
      options.worker_priority != WorkerPriority::kBatch &&
      options.worker_priority != WorkerPriority::kIdle) {
    return absl::InvalidArgumentError(
        "graceful::Runtime::Start: RuntimeOptions::worker_priority is not a "
        "WorkerPriority value");
  }
  if (options.pool_threads < 0) {
    return absl::InvalidArgumentError(
        "graceful::Runtime::Start: RuntimeOptions::pool_threads is "
        "negative; use 0 for the hardware concurrency");
  }
  return absl::OkStatus();
}

absl::Status CheckNoOtherThreads() {
  absl::StatusOr<std::vector<std::string>> threads = internal::ThreadsThatCanReceiveSignals();
  if (!threads.ok()) return threads.status();
  if (threads->empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "graceful::Runtime::Start: found ", threads->size() + 1,
      " threads in this process (others: ", absl::StrJoin(*threads, ", "),
      "); threads created before Start() keep signals unblocked and could "
      "receive a SIGTERM meant for the signal thread. Call Start() at the "
      "top of main(), before anything creates a thread"));
}

// The fork() child handler: give the child the mask from before Start().
void RestoreMaskInForkedChild() { RestoreSignalsForChild(); }

}  // namespace

namespace internal {

thread_local bool in_runtime_thread = false;

void EnterRuntimeThread(const std::string& name) {
  in_runtime_thread = true;
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

bool InRuntimeThread() { return in_runtime_thread; }

}  // namespace internal

Runtime::Impl::Impl(RuntimeOptions opts)
    : options(std::move(opts)),
      start_thread(std::this_thread::get_id()),
      tasks(options.queue_capacity,
            options.unstarted_tasks == UnstartedTaskPolicy::kDrain) {
  sigemptyset(&original_mask);
  sigemptyset(&active_stop_signals);
}

Runtime::Impl::~Impl() {
  if (signal_fd >= 0) close(signal_fd);
  if (wake_fd >= 0) close(wake_fd);
}

absl::StatusOr<std::unique_ptr<Runtime>> Runtime::Start(
    RuntimeOptions options) {
  if (absl::Status status = ValidateOptions(options); !status.ok()) {
    return status;
  }
  if (runtime_alive.exchange(true, std::memory_order_acq_rel)) {
    return absl::FailedPreconditionError(
        "graceful::Runtime::Start: another graceful::Runtime is alive in "
        "this process; there can be one at a time. Pass the existing one "
        "around, or destroy it before starting a new one");
  }
  auto release_slot = [] {
    runtime_alive.store(false, std::memory_order_release);
  };
  if (absl::Status status = CheckNoOtherThreads(); !status.ok()) {
    release_slot();
    return status;
  }

  auto impl = std::make_unique<Impl>(std::move(options));
  sigset_t reset_in_children;
  sigemptyset(&reset_in_children);
  for (int signo = 1; signo < NSIG; ++signo) {
    if (!internal::IsReceivable(signo)) continue;
    const struct sigaction action = internal::CurrentDisposition(signo);
    const bool ignored =
        !(action.sa_flags & SA_SIGINFO) && action.sa_handler == SIG_IGN;
    if (!ignored) sigaddset(&reset_in_children, signo);
  }
  for (int signo : impl->options.stop_signals) {
    const struct sigaction action = internal::CurrentDisposition(signo);
    const bool ignored =
        !(action.sa_flags & SA_SIGINFO) && action.sa_handler == SIG_IGN;
    if (ignored && impl->options.keep_ignored_signals_ignored) continue;
    if (internal::IsHandler(action)) {
      switch (impl->options.existing_handler_policy) {
        case ExistingHandlerPolicy::kRefuse:
          release_slot();
          return absl::FailedPreconditionError(absl::StrCat(
              "graceful::Runtime::Start: ", SignalName(signo),
              " already has a handler installed; set "
              "RuntimeOptions::existing_handler_policy to kChain (run it "
              "after the runtime's stop) or kOverride (replace it), or "
              "remove the handler"));
        case ExistingHandlerPolicy::kChain:
          impl->chained_handlers[signo] = action;
          break;
        case ExistingHandlerPolicy::kOverride:
          break;
      }
    }
    sigaddset(&impl->active_stop_signals, signo);
  }

  // Block every asynchronous signal: from here on every thread this thread
  // creates inherits the mask, and only the signal thread receives them.
  const sigset_t receivable = internal::ReceivableSignals();
  pthread_sigmask(SIG_BLOCK, &receivable, &impl->original_mask);
  // Signals already pending on this thread alone (raise() while blocked)
  // would never reach the signal thread's signalfd: take them for it.
  const timespec no_wait = {0, 0};
  siginfo_t early;
  while (sigtimedwait(&receivable, &early, &no_wait) > 0) {
    impl->pending_at_start.push_back(early);
  }
  auto fail = [&](absl::Status status) {
    // Give back the signals taken from the pending sets as they were, then
    // the mask, which delivers those it does not block.
    for (const siginfo_t& info : impl->pending_at_start) {
      internal::QueueToSelf(info);
    }
    pthread_sigmask(SIG_SETMASK, &impl->original_mask, nullptr);
    internal::ForgetStateForChildren();
    impl.reset();
    release_slot();
    return status;
  };
  impl->signal_fd = signalfd(-1, &receivable, SFD_CLOEXEC | SFD_NONBLOCK);
  impl->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (impl->signal_fd < 0 || impl->wake_fd < 0) {
    return fail(absl::ResourceExhaustedError(absl::StrCat(
        "graceful::Runtime::Start: cannot create the signal descriptors: ",
        strerror(errno), "; raise the open-file limit (ulimit -n)")));
  }

  internal::SaveStateForChildren(impl->original_mask, reset_in_children);
  static std::once_flag atfork_once;
  std::call_once(atfork_once, [] {
    pthread_atfork(nullptr, nullptr, &RestoreMaskInForkedChild);
  });

  // The shutdown thread starts last: if a thread cannot be created, the
  // ones that exist read no signal and began no stop, so undoing is telling
  // them to leave.
  Impl* raw = impl.get();
  try {
    raw->signal_thread = std::thread([raw] { raw->SignalThreadMain(); });
    raw->callback_thread = std::thread([raw] { raw->CallbackThreadMain(); });
    raw->shutdown_thread = std::thread([raw] { raw->ShutdownThreadMain(); });
  } catch (const std::system_error& e) {
    raw->JoinSignalThread();
    raw->JoinCallbackThread();
    const absl::Status why = internal::ThreadCreationError(
        "graceful runtime thread", e.code().value());
    return fail(absl::ResourceExhaustedError(absl::StrCat(
        "graceful::Runtime::Start: cannot create the runtime's threads: ",
        why.message())));
  }
  raw->started.store(true, std::memory_order_release);
  raw->WakeSignalThread();
  return std::unique_ptr<Runtime>(new Runtime(std::move(impl)));
}

Runtime::Runtime(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

void Runtime::Impl::JoinSignalThread() {
  signal_thread_exit.store(true, std::memory_order_release);
  WakeSignalThread();
  if (signal_thread.joinable()) signal_thread.join();
}

void Runtime::Impl::JoinCallbackThread() {
  {
    std::lock_guard<std::mutex> lock(callbacks_mu);
    callback_thread_exit = true;
  }
  callbacks_cv.notify_all();
  if (callback_thread.joinable()) callback_thread.join();
}

Runtime::~Runtime() {
  Impl& impl = *impl_;
  {
    std::lock_guard<std::mutex> lock(impl.mu);
    impl.destroying = true;
  }
  impl.cv.notify_all();
  Wait();
  // The signal thread leaves first: every signal it read is then in the
  // callback thread's queue, which that thread empties before it leaves;
  // every signal it did not read stays pending, and has its usual effect
  // once the mask is restored. None is lost in between.
  impl.JoinSignalThread();
  impl.JoinCallbackThread();
  impl.shutdown_thread.join();
  internal::ForgetStateForChildren();
  if (std::this_thread::get_id() == impl.start_thread) {
    internal::DiscardOwnWriteErrorSignals();
    pthread_sigmask(SIG_SETMASK, &impl.original_mask, nullptr);
  }
  impl_.reset();
  runtime_alive.store(false, std::memory_order_release);
}

StopToken Runtime::token() const { return impl_->stop.token(); }

bool Runtime::Impl::BeginStop(const internal::StopRecord& record) {
  {
    std::lock_guard<std::mutex> lock(stop_record_mu);
    if (stop.stop_requested()) return false;
    stop_record = record;
    stop_record.at = absl::Now();
    stop_record.deadline = stop_record.at + options.grace_period;
    stop_record.monotonic_deadline =
        internal::MonotonicTime::Now() + options.grace_period;
    // TRICKY: close the queue before the flag wakes running tasks, or a task
    // that returns in between frees a slot for a Submit() after the stop.
    tasks.Close();
    stop.SetStopped();  // release: publishes stop_record
  }
  int hooks_to_run = 0;
  hooks.ForEach([&](internal::HookRecord&) { ++hooks_to_run; });
  Event event{.type = EventType::kStopRequested,
              .cause = record.cause,
              .signal = record.signal,
              .sender_pid = record.sender_pid,
              .sender_uid = record.sender_uid,
              .workers_running = live_threads.load(std::memory_order_relaxed),
              .hooks_left = hooks_to_run};
  if (record.cause == StopCause::kWorkerFailed) {
    std::lock_guard<std::mutex> lock(error_mu);
    event.status = first_error;
  }
  Emit(std::move(event));
  {
    std::lock_guard<std::mutex> lock(mu);
  }
  cv.notify_all();
  // Starts the deadline. The signal thread itself picks the deadline up
  // when DispatchSignal() returns; waking it would only make it loop once
  // more while the workers need the CPUs.
  if (!internal::OnSignalThread()) WakeSignalThread();
  return true;
}

void Runtime::Impl::Fail(absl::Status error) {
  {
    std::lock_guard<std::mutex> lock(error_mu);
    if (first_error.ok()) first_error = error;
  }
  BeginStop({.cause = StopCause::kWorkerFailed});
}

void Runtime::Impl::Emit(Event event) const {
  if (!options.on_event) return;
  event.time = absl::Now();
  if (stop.stop_requested()) {
    event.cause = stop_record.cause;
    event.stop_requested_at = stop_record.at;
    event.deadline = stop_record.deadline;
  }
  try {
    options.on_event(event);
  } catch (...) {
    // Documented: exceptions from event handlers are discarded.
  }
}

void Runtime::Impl::ThreadFinished(const internal::WorkerRecord& record) {
  int running;
  {
    std::lock_guard<std::mutex> lock(mu);
    running = live_threads.fetch_sub(1, std::memory_order_relaxed) - 1;
    if (running == 0) cv.notify_all();
  }
  Emit({.type = EventType::kWorkerFinished,
        .name = record.name,
        .status = record.error,
        .workers_running = running});
}

void Runtime::Impl::FinishWork() {
  if (outstanding_work.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    std::lock_guard<std::mutex> lock(mu);
    cv.notify_all();
  }
}

namespace {

absl::Status StatusFromException(const std::string& what_ran) {
  try {
    throw;
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(what_ran, " threw ",
                                            e.what()));
  } catch (...) {
    return absl::InternalError(
        absl::StrCat(what_ran, " threw an exception not derived from "
                               "std::exception"));
  }
}

}  // namespace

void Runtime::Impl::WorkerMain(
    internal::WorkerRecord* record,
    absl::AnyInvocable<absl::Status(StopToken)> body) {
  internal::SetWorkerPriority(options.worker_priority);
  internal::EnterRuntimeThread(record->name);
  absl::Status status;
  try {
    status = body(stop.token());
  } catch (...) {
    status = StatusFromException(absl::StrCat("worker '", record->name, "'"));
  }
  body = nullptr;  // destroy captures before reporting the worker done
  record->finished = absl::Now();
  record->error = status;
  record->state.store(status.ok() ? WorkerOutcome::State::kFinished
                                  : WorkerOutcome::State::kFailed,
                      std::memory_order_release);
  if (!status.ok()) Fail(status);
  FinishWork();
  ThreadFinished(*record);
}

void Runtime::Impl::PoolThreadMain(internal::WorkerRecord* record) {
  internal::SetWorkerPriority(options.worker_priority);
  internal::EnterRuntimeThread(record->name);
  while (std::optional<internal::Task> task = tasks.Pop()) {
    try {
      (*task)(stop.token());
    } catch (...) {
      tasks_failed.fetch_add(1, std::memory_order_relaxed);
      Fail(StatusFromException(
          absl::StrCat("a task on pool thread '", record->name, "'")));
    }
    task.reset();
    tasks_completed.fetch_add(1, std::memory_order_relaxed);
    FinishWork();
  }
  record->finished = absl::Now();
  record->state.store(WorkerOutcome::State::kFinished,
                      std::memory_order_release);
  ThreadFinished(*record);
}

absl::Status Runtime::Impl::StartThread(
    std::string name, absl::AnyInvocable<absl::Status(StopToken)> body,
    bool pool_thread) {
  // A worker is listed whatever happens (the report shows one refused); a
  // pool thread only once it runs, so that Submit() retried under a thread
  // limit adds nothing.
  auto unlisted = decltype(workers)::Make(std::move(name), absl::Now());
  internal::WorkerRecord* record = &unlisted.value();
  auto refuse = [](internal::WorkerRecord* r, const absl::Status& why) {
    r->error = why;
    r->state.store(WorkerOutcome::State::kRefused, std::memory_order_release);
  };
  {
    // Phase 3 joins under mu what it finds there: this thread is either
    // counted (being created, then joinable) or refused for the stop.
    std::lock_guard<std::mutex> lock(mu);
    if (!pool_thread) workers.Add(std::move(unlisted));
    if (stop.stop_requested()) {
      const absl::Status stopping = absl::FailedPreconditionError(
          "not started: the runtime was already stopping");
      refuse(record, stopping);
      return stopping;
    }
    ++threads_being_created;
    live_threads.fetch_add(1, std::memory_order_relaxed);
    if (!pool_thread) {
      work_started.store(true, std::memory_order_relaxed);
      outstanding_work.fetch_add(1, std::memory_order_relaxed);
    }
  }
  internal::WorkerThread thread;
  absl::Status created;
  try {
    if (pool_thread) {
      thread =
          internal::WorkerThread([this, record] { PoolThreadMain(record); });
    } else {
      thread = internal::WorkerThread(
          [this, record, body = std::move(body)]() mutable {
            WorkerMain(record, std::move(body));
          });
    }
  } catch (const std::system_error& e) {
    created = internal::ThreadCreationError(record->name, e.code().value());
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    if (created.ok()) {
      if (pool_thread) workers.Add(std::move(unlisted));
      record->thread = std::move(thread);
    } else {
      refuse(record, created);
      live_threads.fetch_sub(1, std::memory_order_relaxed);
      if (!pool_thread) {
        outstanding_work.fetch_sub(1, std::memory_order_acq_rel);
      }
    }
    --threads_being_created;
  }
  cv.notify_all();
  return created;
}

void Runtime::Spawn(std::string name,
                    absl::AnyInvocable<void(StopToken)> loop) {
  SpawnWithStatus(std::move(name),
                  [loop = std::move(loop)](StopToken token) mutable {
                    loop(token);
                    return absl::OkStatus();
                  });
}

void Runtime::SpawnWithStatus(
    std::string name, absl::AnyInvocable<absl::Status(StopToken)> loop) {
  const absl::Status started = impl_->StartThread(
      std::move(name), std::move(loop), /*pool_thread=*/false);
  // A worker the application needed did not start: stop, reporting why.
  if (absl::IsResourceExhausted(started)) impl_->Fail(started);
}

absl::Status Runtime::Impl::EnsurePoolStarted() {
  std::lock_guard<std::mutex> lock(pool_mu);
  if (pool_started) return absl::OkStatus();
  const int count = options.pool_threads > 0
                        ? options.pool_threads
                        : std::max(1u, std::thread::hardware_concurrency());
  int created = 0;
  absl::Status last_error;
  for (int i = 0; i < count; ++i) {
    const absl::Status status =
        StartThread(absl::StrCat("pool-", i), nullptr, /*pool_thread=*/true);
    if (status.ok()) {
      ++created;
    } else {
      last_error = status;
    }
  }
  if (created == 0) {
    return absl::IsResourceExhausted(last_error)
               ? absl::ResourceExhaustedError(absl::StrCat(
                     "graceful::Runtime::Submit: no pool thread could be "
                     "created: ",
                     last_error.message()))
               : last_error;
  }
  pool_started = true;
  return absl::OkStatus();
}

absl::Status Runtime::Submit(absl::AnyInvocable<void(StopToken)> task) {
  Impl& impl = *impl_;
  auto stopping = [] {
    return absl::FailedPreconditionError(
        "graceful::Runtime::Submit: the runtime is stopping, so the task was "
        "not accepted; check token().stop_requested() before submitting");
  };
  if (impl.stop.stop_requested()) return stopping();
  if (absl::Status status = impl.EnsurePoolStarted(); !status.ok()) {
    return absl::IsResourceExhausted(status) ? status : stopping();
  }
  impl.work_started.store(true, std::memory_order_relaxed);
  // Count the task before it can run, so that Wait()'s "all work done"
  // never fires between the push and the count.
  impl.outstanding_work.fetch_add(1, std::memory_order_relaxed);
  if (!impl.tasks.Push(std::move(task))) {
    impl.FinishWork();
    return stopping();
  }
  return absl::OkStatus();
}

void Runtime::OnSignal(int signo,
                       absl::AnyInvocable<void(const siginfo_t&)> callback) {
  if (!internal::IsReceivable(signo)) {
    ABSL_RAW_LOG(FATAL,
                 "graceful::Runtime::OnSignal(%d): the runtime does not "
                 "receive this signal (SIGKILL, SIGSTOP, fault signals, "
                 "SIGABRT and reserved signals cannot be registered)",
                 signo);
  }
  Impl& impl = *impl_;
  auto replacement =
      std::make_shared<Impl::SignalCallback>(std::move(callback));
  {
    std::lock_guard<std::mutex> lock(impl.callbacks_mu);
    impl.callbacks[signo].swap(replacement);
    impl.registered_signals.fetch_or(uint64_t{1} << (signo - 1),
                                     std::memory_order_release);
  }
  // `replacement` now holds the old callback: destroyed (user code) outside
  // the lock the signal thread takes.
}

void Runtime::AddShutdownHook(std::string name,
                              absl::AnyInvocable<void()> hook) {
  AddShutdownHook(std::move(name),
                  [hook = std::move(hook)](absl::Time) mutable { hook(); });
}

void Runtime::AddShutdownHook(
    std::string name, absl::AnyInvocable<void(absl::Time deadline)> hook) {
  impl_->hooks.Emplace(std::move(name), std::move(hook));
}

bool Runtime::RequestStop() {
  return impl_->BeginStop({.cause = StopCause::kRequested});
}

ShutdownReport Runtime::Wait() {
  if (internal::InRuntimeThread()) {
    ABSL_RAW_LOG(FATAL,
                 "graceful::Runtime::Wait() called from a worker, task, hook "
                 "or callback of the same runtime: it would wait for "
                 "itself. Call Wait() from main()");
  }
  Impl& impl = *impl_;
  std::unique_lock<std::mutex> lock(impl.mu);
  ++impl.waiters;
  impl.cv.notify_all();
  impl.report_cv.wait(lock, [&] { return impl.report.has_value(); });
  --impl.waiters;
  return *impl.report;
}

}  // namespace graceful
