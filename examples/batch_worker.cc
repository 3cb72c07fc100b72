// Copyright 2026 The graceful Authors.
//
// batch_worker: the demo of what graceful is for. A multithreaded batch job
// that hashes records and appends one line per record to an output file,
// that stops cleanly on SIGTERM or Ctrl+C without losing or tearing
// anything, and that resumes where it stopped when run again.
//
//   batch_worker [--input=FILE] [--items=N] [--output=FILE] [--workers=N]
//                [--grace=DURATION] [--work_us=N] [--report_json=FILE]
//
// See examples/README.md for the contract, the exit statuses and the
// measurements. How the pieces fit:
//
//   main thread     parses flags, starts the runtime (before any thread),
//                   loads the records, opens the output (cutting a torn
//                   last line, skipping records already done), spawns the
//                   workers, draws progress on a terminal, waits for the
//                   runtime's report, prints the summary, exits 0/75/2.
//   worker threads  claim record ids from a shared counter; before each
//                   record, check the stop token (no new record once a stop
//                   is requested); hash, burn --work_us of CPU, buffer the
//                   line; write their buffer as one append, inside a
//                   graceful::CriticalSection, every 50 ms, when it is full,
//                   and before they return.
//   runtime         receives SIGTERM/SIGINT on its own thread, sets the stop
//                   flag, joins the workers within --grace, and forces the
//                   exit (status 124) if a record outlasts the grace period
//                   (OnEvent() leaves a last --report_json first).
//   callback thread (the runtime's) runs OnStopSignal(): records the stop
//                   signal for --report_json, and forces the exit on a
//                   second stop signal (see "Second signals" at OnEvent()).
//
// Why nothing is lost or torn: see batch_worker_output.h.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "examples/batch_worker_flags.h"
#include "examples/batch_worker_output.h"
#include "examples/batch_worker_records.h"
#include "examples/batch_worker_report.h"
#include "graceful/graceful.h"

namespace batch_worker {
namespace {

// Two stop signals with the same number from the same sender this close
// together are one request sent twice: coreutils' timeout(1) signals the
// child's pid and then its process group, so the child gets SIGTERM twice
// within microseconds. Anything else after the first stop signal (another
// signal, another sender, or the same one later) is a second signal.
constexpr absl::Duration kDuplicateSignalWindow = absl::Milliseconds(50);
// The forced exit waits this long (at most) for open critical sections,
// i.e. output writes in progress: a few milliseconds at worst, so that
// `--grace` plus this and the report stays well inside a supervisor's
// kill-after margin of one second.
constexpr absl::Duration kCriticalSectionLimit = absl::Milliseconds(500);
// A worker writes its buffered lines at least this often.
constexpr int64_t kFlushIntervalNanos = 50'000'000;
// Progress line refresh, on a terminal.
constexpr absl::Duration kProgressPeriod = absl::Milliseconds(250);

int64_t MonotonicNanos() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

// The records to do and the progress made; shared by the workers.
struct Job {
  Job(Records records, OutputFile output, std::string output_name,
      int64_t work_us, int workers)
      : records(std::move(records)),
        output(std::move(output)),
        output_name(std::move(output_name)),
        work_us(work_us),
        workers(workers),
        running(workers),
        returned(std::make_unique<std::atomic<bool>[]>(
            static_cast<size_t>(workers))) {}

  // Called by worker `index` as it returns.
  void WorkerReturned(int index) {
    returned[static_cast<size_t>(index)].store(true,
                                               std::memory_order_relaxed);
    if (running.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lock(all_returned_mu);
      all_returned_cv.notify_all();
    }
  }

  // ClaimRange()
  //
  // Claims the next ids to look at, [*begin, *end): large chunks while much
  // is left, single ids near the end, so that workers finish together.
  // Returns false when there is nothing left.
  bool ClaimRange(uint64_t* begin, uint64_t* end) {
    const uint64_t total = records.size();
    const uint64_t seen = next.load(std::memory_order_relaxed);
    if (seen >= total) return false;
    const uint64_t chunk = std::clamp<uint64_t>(
        (total - seen) / (static_cast<uint64_t>(workers) * 64), 1, 256);
    *begin = next.fetch_add(chunk, std::memory_order_relaxed);
    if (*begin >= total) return false;
    *end = std::min(*begin + chunk, total);
    return true;
  }

  const Records records;
  const OutputFile output;
  const std::string output_name;  // "--output=PATH", for messages
  const int64_t work_us;
  const int workers;

  // Next id to claim. Writers: workers (relaxed fetch_add; ids are the only
  // thing it hands over). May run past the end.
  std::atomic<uint64_t> next{0};
  // Lines written by this run. Writers: workers' LineBatch::Flush()
  // (relaxed; read for progress and reports only).
  std::atomic<uint64_t> written{0};
  // Workers that have not returned. Writers: workers as they return
  // (acq_rel); the one that brings it to 0 notifies all_returned_cv under
  // all_returned_mu.
  std::atomic<int> running;
  std::mutex all_returned_mu;
  std::condition_variable all_returned_cv;
  // returned[i]: worker i has returned. Writer: worker i (relaxed; read
  // for the forced-exit report only).
  std::unique_ptr<std::atomic<bool>[]> returned;
};

// One worker: records until there are none left or a stop is requested.
absl::Status Work(graceful::StopToken token, Job& job, int index) {
  LineBatch batch(job.output, &job.written, job.output_name);
  char scratch[32];
  int64_t last_flush = MonotonicNanos();
  uint32_t since_clock = 0;
  uint64_t begin = 0;
  uint64_t end = 0;
  for (;;) {
    if (begin == end && !job.ClaimRange(&begin, &end)) break;
    const uint64_t id = begin++;
    if (job.output.scan().done.Test(id)) continue;
    // The one place a stop is noticed: between records, never inside one.
    if (token.stop_requested()) break;
    const uint64_t hash = Fnv1a64(job.records.Get(id, scratch));
    if (job.work_us > 0) {
      BurnCpu(job.work_us, hash ^ static_cast<uint64_t>(index));
    }
    if (!batch.has_room()) {
      if (absl::Status status = batch.Flush(); !status.ok()) return status;
    }
    batch.Append(id, hash);
    // Reading the clock costs as much as a small record: do it every 64
    // records when records are cheap.
    if (job.work_us > 0 || ++since_clock % 64 == 0) {
      const int64_t now = MonotonicNanos();
      if (now - last_flush >= kFlushIntervalNanos) {
        last_flush = now;
        if (absl::Status status = batch.Flush(); !status.ok()) return status;
      }
    }
  }
  return batch.Flush();
}

// Writes `text` to stderr, waiting at most 200 ms for a full pipe.
void WriteStderrBounded(absl::string_view text) {
  pollfd fd = {STDERR_FILENO, POLLOUT, 0};
  if (poll(&fd, 1, 200) == 1 && (fd.revents & POLLOUT)) {
    [[maybe_unused]] ssize_t ignored =
        write(STDERR_FILENO, text.data(), text.size());
  }
}

class BatchWorker {
 public:
  int Run(int argc, char** argv);

 private:
  // Who ends the process: main once the runtime's report is in (or on a
  // usage error), ForceExit() on a second signal, or the runtime's own
  // forced exit (OnEvent()). The first to swap kRunning wins.
  enum Phase : int { kRunning, kFinishing, kForcing };

  // Claims the end of the process for main; never returns if a forced exit
  // claimed it first.
  void ClaimEnd();
  // Returns `exit_code` for main to return, once stop signals are ignored.
  int Finish(int exit_code);
  int FailUsage(const absl::Status& status);
  RunReport Snapshot(RunReport::State state) const;
  // Writes `report` to --report_json, unless a final one was written. A
  // report without a cause gets the first stop signal, if there was one.
  // With `blocking` false, gives up rather than wait for the lock.
  void WriteReport(RunReport report, bool final, bool blocking = true);
  void OnStopSignal(const siginfo_t& info);
  // Forces the exit (status 124) unless main is already ending the run.
  void ForceExit();
  // The runtime's events: stop signals received, the forced exit.
  void OnEvent(const graceful::Event& event);
  void ShowProgress(graceful::StopToken token);

  absl::Time started_;
  bool stderr_is_tty_ = false;
  absl::Duration grace_;
  int workers_ = 0;
  int64_t work_us_ = 0;
  std::unique_ptr<Job> job_;  // owner; set by main before the workers start
  // `job_.get()` for the callback thread. Writer: main (release), once.
  std::atomic<Job*> shared_job_{nullptr};

  // Writers, by CAS from kRunning: main (kFinishing), the callback thread
  // or the signal thread (kForcing).
  std::atomic<int> phase_{kRunning};

  struct StopSignal {
    int signo = 0;
    pid_t pid = 0;
    uid_t uid = 0;
    int code = 0;
  };

  std::mutex report_mu_;
  std::string report_path_;  // guarded by report_mu_; empty: no JSON
  // Whether --report_json is a regular file (or none yet), replaced by
  // each report; otherwise (a pipe, /dev/stdout) only the final report is
  // written, so that it gets one object. Guarded by report_mu_.
  bool report_replaceable_ = true;
  bool final_report_written_ = false;  // guarded by report_mu_
  // The first stop signal, for the reports written before the runtime's
  // own (stopping, forced). Guarded by report_mu_.
  StopSignal stop_signal_;

  // The first stop signal; callback thread only.
  std::optional<siginfo_t> first_signal_;
  // The first stop signal received; signal thread only.
  struct Received {
    int signal;
    pid_t sender_pid;
    absl::Time time;
  };
  std::optional<Received> first_received_;
  // A second stop signal was received. Writer: the signal thread
  // (release, before the runtime posts the signal's callback); reader:
  // the callback thread.
  std::atomic<bool> second_signal_{false};
};

RunReport BatchWorker::Snapshot(RunReport::State state) const {
  RunReport report;
  report.state = state;
  report.workers = workers_;
  report.grace = grace_;
  report.work_us = work_us_;
  if (const Job* job = shared_job_.load(std::memory_order_acquire);
      job != nullptr) {
    report.records_total = job->records.size();
    report.records_done_before = job->output.scan().done.count();
    report.torn_bytes_cut = job->output.scan().torn_bytes;
    report.records_done_this_run =
        job->written.load(std::memory_order_relaxed);
    for (int i = 0; i < workers_; ++i) {
      if (state == RunReport::State::kForced &&
          !job->returned[static_cast<size_t>(i)].load(
              std::memory_order_relaxed)) {
        report.stragglers.push_back(absl::StrCat("worker-", i));
      }
    }
  }
  report.elapsed = absl::Now() - started_;
  return report;
}

void BatchWorker::WriteReport(RunReport report, bool final, bool blocking) {
  std::unique_lock<std::mutex> lock(report_mu_, std::defer_lock);
  if (blocking) {
    lock.lock();
  } else if (!lock.try_lock()) {
    return;
  }
  if (report_path_.empty() || final_report_written_) return;
  if (!final && !report_replaceable_) return;
  final_report_written_ = final;
  if (report.cause == graceful::StopCause::kNone && stop_signal_.signo != 0) {
    report.cause = graceful::StopCause::kSignal;
    report.signal = stop_signal_.signo;
    report.sender_pid = stop_signal_.pid;
    report.sender_uid = stop_signal_.uid;
    report.signal_code = stop_signal_.code;
  }
  if (absl::Status status = WriteFileReplacing(report_path_, report.ToJson());
      !status.ok() && final) {
    WriteStderrBounded(absl::StrCat("batch_worker: ", status.message(), "\n"));
  }
}

// Runs on the runtime's callback thread for SIGTERM and SIGINT (at least
// once after each delivery), in addition to the stop the runtime itself
// begins on the first one.
void BatchWorker::OnStopSignal(const siginfo_t& info) {
  if (!first_signal_.has_value()) {
    first_signal_ = info;
    {
      std::lock_guard<std::mutex> lock(report_mu_);
      stop_signal_ = {.signo = info.si_signo,
                      .pid = info.si_pid,
                      .uid = info.si_uid,
                      .code = info.si_code};
    }
    WriteReport(Snapshot(RunReport::State::kStopping), /*final=*/false);
  }
  // OnEvent() saw a second stop signal before posting this call.
  if (second_signal_.load(std::memory_order_acquire)) ForceExit();
}

void BatchWorker::ForceExit() {
  int expected = kRunning;
  if (!phase_.compare_exchange_strong(expected, kForcing)) {
    // main already has the report and is ending the process cleanly.
    return;
  }
  RunReport report = Snapshot(RunReport::State::kForced);
  report.exit_code = graceful::kExitForced;
  report.forced = graceful::ForcedReason::kSecondSignal;
  report.cause = graceful::StopCause::kSignal;
  report.signal = first_signal_->si_signo;
  report.sender_pid = first_signal_->si_pid;
  report.sender_uid = first_signal_->si_uid;
  report.signal_code = first_signal_->si_code;
  report.extra_stop_signals = 1;
  WriteReport(report, /*final=*/true);
  WriteStderrBounded(absl::StrCat(stderr_is_tty_ ? "\r\033[K" : "",
                                  report.Summary()));
  // As the runtime's own forced exit does: let output writes in progress
  // finish, so that no line is cut in half.
  const absl::Time deadline = absl::Now() + kCriticalSectionLimit;
  while (graceful::CriticalSection::OpenCount() > 0 &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  _exit(graceful::kExitForced);
}

// The runtime's events, on the signal thread for the two used here. It
// must not block.
//
// Second signals. The runtime can force the exit on a second stop signal
// itself (`second_signal_forces_exit`), but counts every delivery, and
// coreutils' timeout(1) delivers its one SIGTERM twice (to the pid, then to
// the process group): the runtime would then force out, now and then, a
// worker that was asked to stop once. So that option is off; here each
// stop signal is classified as it is received, and a repeat of the first
// one (same number, same sender) within `kDuplicateSignalWindow` counts as
// the same request. Anything else is a second signal: OnStopSignal(),
// which the runtime calls on its callback thread after this returns,
// forces the exit.
//
// The deadline. The runtime forces the exit itself when the grace period
// runs out: leave a final report saying so first, skipping it rather than
// wait for another writer.
void BatchWorker::OnEvent(const graceful::Event& event) {
  if (event.type == graceful::EventType::kSignalReceived) {
    if (!first_received_.has_value()) {
      first_received_ = Received{event.signal, event.sender_pid, event.time};
    } else if (event.signal != first_received_->signal ||
               event.sender_pid != first_received_->sender_pid ||
               event.time - first_received_->time >= kDuplicateSignalWindow) {
      second_signal_.store(true, std::memory_order_release);
    }
    return;
  }
  if (event.type != graceful::EventType::kEscalation ||
      event.forced != graceful::ForcedReason::kDeadline) {
    return;
  }
  int expected = kRunning;
  if (!phase_.compare_exchange_strong(expected, kForcing)) return;
  RunReport report = Snapshot(RunReport::State::kForced);
  report.exit_code = event.exit_code;
  report.forced = graceful::ForcedReason::kDeadline;
  WriteReport(report, /*final=*/true, /*blocking=*/false);
}

void BatchWorker::ShowProgress(graceful::StopToken token) {
  const uint64_t total = job_->records.size();
  const uint64_t before = job_->output.scan().done.count();
  const absl::Time start = absl::Now();
  auto finished = [&] {
    return job_->running.load(std::memory_order_acquire) == 0 ||
           token.stop_requested();
  };
  {
    // Wakes the wait below at once on a stop; the last worker to return
    // wakes it too.
    graceful::StopCallback wake(token, [this] {
      std::lock_guard<std::mutex> lock(job_->all_returned_mu);
      job_->all_returned_cv.notify_all();
    });
    std::unique_lock<std::mutex> lock(job_->all_returned_mu);
    while (!job_->all_returned_cv.wait_for(
        lock, absl::ToChronoMilliseconds(kProgressPeriod), finished)) {
      const uint64_t written = job_->written.load(std::memory_order_relaxed);
      const std::string line = absl::StrCat(
          "\r", ProgressLine(before + written, total, written,
                             absl::Now() - start),
          "\033[K");
      std::fputs(line.c_str(), stderr);
    }
  }
  if (token.stop_requested() &&
      job_->running.load(std::memory_order_acquire) > 0) {
    std::fprintf(stderr,
                 "\r\033[Kbatch_worker: stop requested; finishing the "
                 "records in progress (grace %s)\n",
                 absl::FormatDuration(grace_).c_str());
  } else {
    std::fputs("\r\033[K", stderr);
  }
}

void BatchWorker::ClaimEnd() {
  int expected = kRunning;
  if (!phase_.compare_exchange_strong(expected, kFinishing)) {
    // OnStopSignal() is forcing the exit; it ends the process.
    for (;;) pause();
  }
}

int BatchWorker::Finish(int exit_code) {
  // The run is over: stop signals have nothing left to stop. Ignoring them
  // keeps one that arrives while the runtime is destroyed (which restores
  // the original signal mask) from killing the process with a status other
  // than the one decided here.
  struct sigaction ignore = {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  sigaction(SIGTERM, &ignore, nullptr);
  sigaction(SIGINT, &ignore, nullptr);
  std::fflush(stderr);
  return exit_code;
}

int BatchWorker::FailUsage(const absl::Status& status) {
  ClaimEnd();
  RunReport report = Snapshot(RunReport::State::kFinished);
  report.exit_code = kExitUsage;
  report.error = std::string(status.message());
  WriteReport(report, /*final=*/true);
  std::fprintf(stderr, "batch_worker: %s\n",
               std::string(status.message()).c_str());
  return Finish(kExitUsage);
}

int BatchWorker::Run(int argc, char** argv) {
  started_ = absl::Now();
  absl::StatusOr<Config> config = ParseFlags(argc, argv);
  if (!config.ok()) {
    std::fprintf(stderr, "batch_worker: %s\n",
                 std::string(config.status().message()).c_str());
    return kExitUsage;
  }
  if (config->help) {
    std::fputs(Usage().c_str(), stdout);
    return 0;
  }
  grace_ = config->grace;
  workers_ = config->workers;
  work_us_ = config->work_us;
  stderr_is_tty_ = isatty(STDERR_FILENO) == 1;

  // Under `bazel run`, relative paths mean the user's directory, not the
  // runfiles tree Bazel starts the program in.
  if (const char* dir = std::getenv("BUILD_WORKING_DIRECTORY");
      dir != nullptr && *dir != '\0' && chdir(dir) != 0) {
    std::fprintf(stderr, "batch_worker: cannot enter %s: %s\n", dir,
                 std::strerror(errno));
    return kExitUsage;
  }

  // Before any thread exists: from here on SIGTERM and SIGINT only set the
  // stop flag.
  graceful::RuntimeOptions options;
  options.grace_period = grace_;
  options.critical_section_limit = std::min(kCriticalSectionLimit, grace_);
  options.second_signal_forces_exit = false;  // see OnStopSignal()
  // The contract names SIGINT a stop signal, also when a non-interactive
  // shell started us in the background with SIGINT ignored.
  options.keep_ignored_signals_ignored = false;
  // Nothing on stderr but the summary (and the runtime's report of a forced
  // exit): no event lines, and no line about the signal thread's priority.
  // With one worker per CPU, a stop is seen within a millisecond or so at
  // normal priority (README.md has measurements).
  options.on_event = [this](const graceful::Event& event) { OnEvent(event); };
  options.signal_thread_priority = graceful::SignalThreadPriority::kInherit;
  absl::StatusOr<std::unique_ptr<graceful::Runtime>> started =
      graceful::Runtime::Start(options);
  if (!started.ok()) {
    std::fprintf(stderr, "batch_worker: cannot start the runtime: %s\n",
                 std::string(started.status().message()).c_str());
    return 1;
  }
  graceful::Runtime& runtime = **started;
  for (int signo : {SIGTERM, SIGINT}) {
    runtime.OnSignal(signo,
                     [this](const siginfo_t& info) { OnStopSignal(info); });
  }

  absl::StatusOr<Records> records =
      config->input.empty()
          ? Records::Embedded(static_cast<uint64_t>(config->items))
          : Records::FromFile(config->input);
  if (!records.ok()) return FailUsage(records.status());

  if (const std::string& path = config->report_json; !path.empty()) {
    // Checks that it can be written (the reports replace it later).
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY,
                        0644);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
      const int error = errno;
      if (fd >= 0) close(fd);
      return FailUsage(absl::InvalidArgumentError(absl::StrCat(
          "cannot write --report_json=", path, ": ", std::strerror(error))));
    }
    close(fd);
    std::lock_guard<std::mutex> lock(report_mu_);
    report_path_ = path;
    report_replaceable_ = S_ISREG(st.st_mode);
  }

  absl::StatusOr<OutputFile> output = OutputFile::Open(
      config->output, records->size(), runtime.token(), [&] {
        std::fprintf(stderr,
                     "batch_worker: another process is writing --output=%s; "
                     "waiting for it to end\n",
                     config->output.c_str());
      });
  if (absl::IsCancelled(output.status())) {
    // Stopped before starting: nothing done, everything left.
    ClaimEnd();
    std::fprintf(stderr, "batch_worker: %s; run again to resume (exit %d)\n",
                 std::string(output.status().message()).c_str(),
                 kExitResume);
    return Finish(kExitResume);
  }
  if (!output.ok()) return FailUsage(output.status());

  job_ = std::make_unique<Job>(
      *std::move(records), *std::move(output),
      absl::StrCat("--output=", config->output), work_us_,
      workers_);
  shared_job_.store(job_.get(), std::memory_order_release);
  WriteReport(Snapshot(RunReport::State::kRunning), /*final=*/false);

  for (int i = 0; i < workers_; ++i) {
    runtime.SpawnWithStatus(
        absl::StrCat("worker-", i), [this, i](graceful::StopToken token) {
          absl::Status status = Work(token, *job_, i);
          job_->WorkerReturned(i);
          return status;
        });
  }
  if (stderr_is_tty_) ShowProgress(runtime.token());

  const graceful::ShutdownReport shutdown = runtime.Wait();
  ClaimEnd();
  RunReport report = Snapshot(RunReport::State::kFinished);
  report.SetShutdownReport(shutdown);
  if (absl::IsResourceExhausted(shutdown.error) ||
      absl::IsDataLoss(shutdown.error)) {
    // A worker could not write the output (disk full, /dev/full, ...).
    report.exit_code = kExitUsage;
  } else if (!shutdown.error.ok()) {
    report.exit_code = 1;  // a bug: a worker threw
  } else {
    report.exit_code = report.records_left() == 0 ? kExitAllDone : kExitResume;
  }
  WriteReport(report, /*final=*/true);
  std::fputs(report.Summary().c_str(), stderr);
  return Finish(report.exit_code);
}

}  // namespace
}  // namespace batch_worker

int main(int argc, char** argv) {
  batch_worker::BatchWorker worker;
  return worker.Run(argc, argv);
}
