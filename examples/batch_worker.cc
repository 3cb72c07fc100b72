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
//                   exit (status 124) if a record outlasts the grace period.
//   callback thread (the runtime's) runs OnStopSignal(): records the stop
//                   signal for --report_json, and forces the exit on a
//                   second stop signal (see "Second signals" below).

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "examples/batch_worker_output.h"
#include "examples/batch_worker_records.h"
#include "examples/batch_worker_report.h"
#include "graceful/graceful.h"

namespace {
int DefaultWorkers() {
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}
}  // namespace

ABSL_FLAG(std::string, input, "",
          "Records to process, one per line of FILE (the line without its "
          "'\\n', any bytes); the id of a record is its 0-based line number. "
          "Without it, --items records \"item-<i>\".");
ABSL_FLAG(int64_t, items, 100000,
          "Number of records of the embedded workload, when there is no "
          "--input.");
ABSL_FLAG(std::string, output, "batch_worker.out",
          "File the \"<id>\\t<FNV-1a 64 hex>\\n\" lines are appended to. "
          "Records already in it are skipped, a torn last line is cut.");
ABSL_FLAG(int, workers, DefaultWorkers(),
          "Number of worker threads (default: the hardware concurrency).");
ABSL_FLAG(absl::Duration, grace, absl::Seconds(25),
          "Grace period after SIGTERM/SIGINT: records in progress must be "
          "done by then, or the exit is forced (status 124). Keep it below "
          "the supervisor's (Kubernetes: terminationGracePeriodSeconds).");
ABSL_FLAG(int64_t, work_us, 100,
          "Extra CPU work per record, in microseconds of busy loop.");
ABSL_FLAG(std::string, report_json, "",
          "Also write the run's report to FILE as one JSON object: "
          "\"running\" at start, \"stopping\" on a stop signal, the final "
          "report at the end.");

namespace batch_worker {
namespace {

constexpr absl::string_view kFlagNames[] = {
    "input", "items", "output", "workers", "grace", "work_us", "report_json"};

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

// `text` on one line: control characters escaped as \xNN.
std::string OneLine(absl::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      absl::StrAppend(&out, "\\x", absl::Hex(byte, absl::kZeroPad2));
    } else {
      out += c;
    }
  }
  return out;
}

// What a flag's value must look like, for messages.
const char* ExpectedValue(absl::string_view name) {
  if (name == "grace") return "a positive duration such as 25s or 500ms";
  if (name == "input" || name == "output" || name == "report_json") {
    return "a file name";
  }
  return "an integer";
}

void PrintUsage() {
  std::string text =
      "Usage: batch_worker [--input=FILE] [--items=N] [--output=FILE] "
      "[--workers=N]\n"
      "                    [--grace=DURATION] [--work_us=N] "
      "[--report_json=FILE]\n\n"
      "Hashes records with FNV-1a 64 on N worker threads, appending one "
      "\"<id>\\t<hash>\" line per\nrecord to --output. Stops cleanly on "
      "SIGTERM or Ctrl+C and resumes where it stopped\nwhen run again.\n\n"
      "Flags (--name=value or --name value):\n";
  for (absl::string_view name : kFlagNames) {
    const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    absl::StrAppend(&text, "  --", name, "  (default: ",
                    flag->DefaultValue().empty() ? "none"
                                                 : flag->DefaultValue(),
                    ")\n      ", flag->Help(), "\n");
  }
  absl::StrAppend(
      &text,
      "\nExit status: 0 all records done; 75 stopped before the end (run "
      "again to resume);\n124 forced exit (a second stop signal, or a record "
      "outlasted --grace); 2 usage error.\n");
  std::fputs(text.c_str(), stdout);
}

// Parses argv into the flags above. Returns a one-line description of the
// first problem, if any. `--help` prints the usage and exits 0.
//
// absl::ParseCommandLine() is not used because it exits with status 1 on
// an unknown flag or a bad value, and the contract says 2.
std::optional<std::string> ParseFlags(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--help" || arg == "-help" || arg == "-h" ||
        arg == "--helpfull") {
      PrintUsage();
      std::exit(0);
    }
    if (arg.size() < 2 || arg[0] != '-' || arg == "--") {
      return absl::StrCat("unexpected argument '", OneLine(arg),
                          "'; batch_worker takes only flags (see --help)");
    }
    absl::string_view body = arg.substr(arg[1] == '-' ? 2 : 1);
    const size_t equals = body.find('=');
    const absl::string_view name = body.substr(0, equals);
    if (std::find(std::begin(kFlagNames), std::end(kFlagNames), name) ==
        std::end(kFlagNames)) {
      return absl::StrCat("unknown flag --", OneLine(name), " (see --help)");
    }
    absl::string_view value;
    if (equals != absl::string_view::npos) {
      value = body.substr(equals + 1);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return absl::StrCat("flag --", name, " needs a value");
    }
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return absl::StrCat("--", name, "=", OneLine(value), ": not ",
                          ExpectedValue(name));
    }
  }
  if (absl::GetFlag(FLAGS_workers) < 1) {
    return absl::StrCat("--workers=", absl::GetFlag(FLAGS_workers),
                        ": need at least 1 worker");
  }
  if (absl::GetFlag(FLAGS_grace) <= absl::ZeroDuration()) {
    return absl::StrCat("--grace=",
                        absl::FormatDuration(absl::GetFlag(FLAGS_grace)),
                        ": the grace period must be positive, e.g. 25s");
  }
  if (absl::GetFlag(FLAGS_items) < 0) {
    return absl::StrCat("--items=", absl::GetFlag(FLAGS_items),
                        ": must not be negative");
  }
  if (absl::GetFlag(FLAGS_work_us) < 0) {
    return absl::StrCat("--work_us=", absl::GetFlag(FLAGS_work_us),
                        ": must not be negative");
  }
  if (absl::GetFlag(FLAGS_output).empty()) {
    return "--output is empty: name the output file";
  }
  return std::nullopt;
}

// The records to do and the progress made; shared by the workers.
struct Job {
  Job(Records records, OutputFile output, int64_t work_us, int workers)
      : records(std::move(records)),
        output(std::move(output)),
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
  LineBatch batch(job.output, &job.written,
                  absl::StrCat("--output=", absl::GetFlag(FLAGS_output)));
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
    const absl::string_view record = job.records.Get(id, scratch);
    const uint64_t hash = Fnv1a64(record);
    BurnCpu(job.work_us, hash ^ static_cast<uint64_t>(index));
    if (absl::Status status = batch.Add(id, hash); !status.ok()) {
      return status;
    }
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
  // Who ends the process: main once the runtime's report is in, or
  // OnStopSignal() forcing the exit. The first to swap kRunning wins.
  enum Phase : int { kRunning, kFinishing, kForcing };

  // Claims the end of the process for main; never returns if a forced exit
  // claimed it first.
  void ClaimEnd();
  // Returns `exit_code` for main to return, once stop signals are ignored.
  int Finish(int exit_code);
  int FailUsage(const absl::Status& status);
  RunReport Snapshot(RunReport::State state) const;
  void WriteReport(const RunReport& report, bool final);
  void OnStopSignal(const siginfo_t& info);
  // Forces the exit (status 124) unless main is already ending the run.
  void ForceExit();
  void ShowProgress(graceful::StopToken token);

  absl::Time started_;
  bool stderr_is_tty_ = false;
  absl::Duration grace_;
  int workers_ = 0;
  int64_t work_us_ = 0;
  std::unique_ptr<Job> job_;  // owner; set by main before the workers start
  // `job_.get()` for the callback thread. Writer: main (release), once.
  std::atomic<Job*> shared_job_{nullptr};

  // Writer: main (kFinishing) or the callback thread (kForcing), by CAS.
  std::atomic<int> phase_{kRunning};

  std::mutex report_mu_;
  std::string report_path_;  // guarded by report_mu_; empty: no JSON
  bool final_report_written_ = false;  // guarded by report_mu_

  // The first stop signal; callback thread only.
  std::optional<siginfo_t> first_signal_;
  absl::Time first_signal_at_;
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

void BatchWorker::WriteReport(const RunReport& report, bool final) {
  std::lock_guard<std::mutex> lock(report_mu_);
  if (report_path_.empty() || final_report_written_) return;
  final_report_written_ = final;
  if (absl::Status status = WriteFileReplacing(report_path_, report.ToJson());
      !status.ok() && final) {
    WriteStderrBounded(absl::StrCat("batch_worker: ", status.message(), "\n"));
  }
}

// Runs on the runtime's callback thread for every SIGTERM and SIGINT, in
// addition to the stop the runtime itself begins on the first one.
//
// Second signals. The runtime can force the exit on a second stop signal
// itself (`second_signal_forces_exit`), but counts every delivery, and
// coreutils' timeout(1) delivers its one SIGTERM twice (to the pid, then to
// the process group): the runtime would then force the exit of a worker
// that was only asked once, now and then, depending on scheduling. So the
// runtime's option is off and this callback escalates instead, treating a
// repeat of the same signal from the same sender within
// `kDuplicateSignalWindow` as the same request.
void BatchWorker::OnStopSignal(const siginfo_t& info) {
  const absl::Time now = absl::Now();
  if (!first_signal_.has_value()) {
    first_signal_ = info;
    first_signal_at_ = now;
    RunReport report = Snapshot(RunReport::State::kStopping);
    report.cause = graceful::StopCause::kSignal;
    report.signal = info.si_signo;
    report.sender_pid = info.si_pid;
    report.sender_uid = info.si_uid;
    report.signal_code = info.si_code;
    WriteReport(report, /*final=*/false);
    return;
  }
  if (info.si_signo == first_signal_->si_signo &&
      info.si_pid == first_signal_->si_pid &&
      now - first_signal_at_ < kDuplicateSignalWindow) {
    return;
  }
  ForceExit();
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
  if (std::optional<std::string> error = ParseFlags(argc, argv)) {
    std::fprintf(stderr, "batch_worker: %s\n", error->c_str());
    return kExitUsage;
  }
  grace_ = absl::GetFlag(FLAGS_grace);
  workers_ = absl::GetFlag(FLAGS_workers);
  work_us_ = absl::GetFlag(FLAGS_work_us);
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
      absl::GetFlag(FLAGS_input).empty()
          ? Records::Embedded(static_cast<uint64_t>(absl::GetFlag(FLAGS_items)))
          : Records::FromFile(absl::GetFlag(FLAGS_input));
  if (!records.ok()) return FailUsage(records.status());

  if (const std::string path = absl::GetFlag(FLAGS_report_json);
      !path.empty()) {
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY,
                        0644);
    if (fd < 0) {
      return FailUsage(absl::InvalidArgumentError(absl::StrCat(
          "cannot write --report_json=", path, ": ", std::strerror(errno))));
    }
    close(fd);
    std::lock_guard<std::mutex> lock(report_mu_);
    report_path_ = path;
  }

  absl::StatusOr<OutputFile> output =
      OutputFile::Open(absl::GetFlag(FLAGS_output), records->size());
  if (!output.ok()) return FailUsage(output.status());

  job_ = std::make_unique<Job>(*std::move(records), *std::move(output),
                               work_us_, workers_);
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
