// Copyright 2026 The graceful Authors.

#include "lib/internal/scheduling.h"

#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "lib/internal/signals.h"

namespace graceful {
namespace internal {

absl::Status SetSignalThreadPriority(SignalThreadPriority priority) {
  switch (priority) {
    case SignalThreadPriority::kInherit:
      return absl::OkStatus();
    case SignalThreadPriority::kRealtime:
      break;
  }
  sched_param param = {};
  param.sched_priority = sched_get_priority_min(SCHED_FIFO);
  // pid 0 is the calling thread: Linux schedules threads, not processes.
  if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &param) == 0) {
    return absl::OkStatus();
  }
  const int error = errno;
  rlimit rtprio = {};
  getrlimit(RLIMIT_RTPRIO, &rtprio);
  const std::string message = absl::StrCat(
      "SCHED_FIFO for the signal thread was refused (", strerror(error),
      "): it needs CAP_SYS_NICE or RLIMIT_RTPRIO >= 1 (RLIMIT_RTPRIO is ",
      rtprio.rlim_cur == RLIM_INFINITY ? std::string("unlimited")
                                       : absl::StrCat(rtprio.rlim_cur),
      ") and, where cgroup v1 real-time group scheduling is on, a cpu "
      "cgroup with cpu.rt_runtime_us > 0");
  return error == EPERM ? absl::PermissionDeniedError(message)
                        : absl::InternalError(message);
}

void SetSignalThreadPriorityOrWarn(SignalThreadPriority priority) {
  const absl::Status status = SetSignalThreadPriority(priority);
  if (status.ok()) return;
  static std::atomic<bool> warned{false};
  if (warned.exchange(true, std::memory_order_relaxed)) return;
  const std::string line = absl::StrCat(
      "graceful: the signal thread runs at normal priority: ",
      status.message(),
      ". A stop signal may be seen late while workers keep every CPU busy; "
      "grant the privilege (e.g. systemd LimitRTPRIO=1, or the container "
      "capability SYS_NICE), or set RuntimeOptions::worker_priority to "
      "kIdle, or set RuntimeOptions::signal_thread_priority to kInherit to "
      "silence this line\n");
  // Never blocks: stderr may be a full pipe nobody reads.
  WriteBounded(STDERR_FILENO, line, absl::ZeroDuration());
}

namespace {
thread_local bool on_signal_thread = false;
}  // namespace

void BecomeSignalThread(SignalThreadPriority priority) {
  on_signal_thread = true;
  SetSignalThreadPriorityOrWarn(priority);
}

bool OnSignalThread() { return on_signal_thread; }

void SetWorkerPriority(WorkerPriority priority) {
  int policy = SCHED_OTHER;
  switch (priority) {
    case WorkerPriority::kInherit:
      return;
    case WorkerPriority::kBatch:
      policy = SCHED_BATCH;
      break;
    case WorkerPriority::kIdle:
      policy = SCHED_IDLE;
      break;
  }
  const sched_param param = {};  // priority 0: the only one these allow
  sched_setscheduler(0, policy, &param);
}

namespace {

std::string LimitValue(int resource) {
  rlimit limit = {};
  getrlimit(resource, &limit);
  return limit.rlim_cur == RLIM_INFINITY ? std::string("unlimited")
                                         : absl::StrCat(limit.rlim_cur);
}

}  // namespace

absl::Status ThreadCreationError(absl::string_view thread, int error) {
  std::string limit;
  switch (error) {
    case EAGAIN:
      limit = absl::StrCat(
          "the process or thread limit was reached: RLIMIT_NPROC is ",
          LimitValue(RLIMIT_NPROC), " for uid ", getuid(),
          " (ulimit -u), or the cgroup's pids.max, or kernel.threads-max; "
          "raise that limit or start fewer threads");
      break;
    case ENOMEM:
      limit = absl::StrCat(
          "out of memory or address space: RLIMIT_AS is ",
          LimitValue(RLIMIT_AS),
          " (ulimit -v); raise it, free memory, or start fewer threads");
      break;
    default:
      limit = "free resources or start fewer threads";
      break;
  }
  return absl::ResourceExhaustedError(
      absl::StrCat("thread '", thread,
                   "' could not be created: ", strerror(error), "; ", limit));
}

namespace {

// The stack size glibc gives a thread created without attributes
// (RLIMIT_STACK, or what pthread_setattr_default_np set).
size_t DefaultStackSize() {
  size_t size = 8 << 20;
  pthread_attr_t attr;
  if (pthread_getattr_default_np(&attr) == 0) {
    pthread_attr_getstacksize(&attr, &size);
    pthread_attr_destroy(&attr);
  }
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  size = std::max<size_t>(size, PTHREAD_STACK_MIN);
  return (size + page - 1) / page * page;
}

void* RunBody(void* arg) noexcept {
  std::unique_ptr<absl::AnyInvocable<void()>> body(
      static_cast<absl::AnyInvocable<void()>*>(arg));
  (*body)();
  return nullptr;
}

}  // namespace

WorkerThread::WorkerThread(absl::AnyInvocable<void()> body) {
  static const size_t stack_size = DefaultStackSize();
  const size_t guard = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  mapping_size_ = guard + stack_size;
  mapping_ = mmap(nullptr, mapping_size_, PROT_NONE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1,
                  0);
  if (mapping_ == MAP_FAILED) {
    mapping_ = nullptr;
    throw std::system_error(errno, std::generic_category(),
                            "mmap of a worker stack");
  }
  void* const stack = static_cast<char*>(mapping_) + guard;
  pthread_attr_t attr;
  int error = pthread_attr_init(&attr);
  if (error == 0) {
    if (mprotect(stack, stack_size, PROT_READ | PROT_WRITE) != 0) {
      error = errno;
    } else {
      error = pthread_attr_setstack(&attr, stack, stack_size);
    }
  }
  auto* arg = new absl::AnyInvocable<void()>(std::move(body));
  if (error == 0) error = pthread_create(&thread_, &attr, &RunBody, arg);
  pthread_attr_destroy(&attr);
  if (error != 0) {
    delete arg;
    Release();
    throw std::system_error(error, std::generic_category(),
                            "pthread_create of a worker");
  }
  joinable_ = true;
}

WorkerThread::~WorkerThread() {
  if (joinable_) std::abort();  // as std::thread: never leave a thread
  Release();
}

WorkerThread::WorkerThread(WorkerThread&& other) noexcept
    : thread_(other.thread_),
      joinable_(std::exchange(other.joinable_, false)),
      mapping_(std::exchange(other.mapping_, nullptr)),
      mapping_size_(std::exchange(other.mapping_size_, 0)) {}

WorkerThread& WorkerThread::operator=(WorkerThread&& other) noexcept {
  if (this != &other) {
    if (joinable_) std::abort();
    Release();
    thread_ = other.thread_;
    joinable_ = std::exchange(other.joinable_, false);
    mapping_ = std::exchange(other.mapping_, nullptr);
    mapping_size_ = std::exchange(other.mapping_size_, 0);
  }
  return *this;
}

void WorkerThread::join() {
  pthread_join(thread_, nullptr);
  joinable_ = false;
}

void WorkerThread::Release() {
  if (mapping_ != nullptr) munmap(mapping_, mapping_size_);
  mapping_ = nullptr;
  mapping_size_ = 0;
}

}  // namespace internal
}  // namespace graceful
