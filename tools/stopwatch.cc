// Copyright 2026 The graceful Authors.
//
// stopwatch: measures how any program stops, from the outside, the way its
// supervisor (a kubelet, systemd) sees it.
//
//   stopwatch [--runs=N] [--signal=TERM] [--grace=DURATION]
//             [--warmup=DURATION] [--ready=start|notify] [--json=FILE]
//             [flags...] -- PROGRAM [ARGS...]
//
// Each run starts PROGRAM in a process group of its own, waits until it is
// ready (`--warmup` after it started, or after it sent READY=1 to
// $NOTIFY_SOCKET with --ready=notify), sends the stop signal, and times the
// exit (and STOPPING=1), sending SIGKILL to the group if the program is
// still there after `--grace`. The summary (stdout) gives percentiles of the
// time to exit and counts clean, forced, killed and failed runs; `--json`
// writes every run. tools/README.md is the manual; tools/supervisor.h tells
// the phases of a run, tools/stopwatch_report.h the classification rule.
//
// How the pieces fit:
//
//   main thread        parses flags, starts graceful's runtime (so that
//                      SIGINT, SIGTERM and SIGHUP stop stopwatch cleanly),
//                      waits for the runtime's report, prints the summary,
//                      writes the JSON, removes its temporary files.
//   "runs" worker      runs the program --runs times through a Supervisor,
//                      drawing the progress line on a terminal.
//   runtime            on a stop signal, a StopCallback writes the interrupt
//                      eventfd that the Supervisor polls: the run in
//                      progress SIGKILLs and reaps the program's process
//                      group, and the worker returns.
//
// Exit status: 0 every run was clean; 1 some run was not (forced, killed,
// failed); 2 bad flags or setup; killed by the signal that interrupted it
// (after cleaning up); 124 if cleaning up itself outlasted 10 s.

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "graceful/graceful.h"
#include "tools/stopwatch_report.h"
#include "tools/supervisor.h"

ABSL_FLAG(int, runs, 10, "Number of times to start and stop the program.");
ABSL_FLAG(std::string, signal, "TERM",
          "The stop signal: a name (TERM, SIGINT, HUP, RTMIN+1) or a number.");
ABSL_FLAG(absl::Duration, grace, absl::Seconds(30),
          "Time from the stop signal to SIGKILL, as a supervisor allows "
          "(Kubernetes' terminationGracePeriodSeconds: 30s; systemd's "
          "TimeoutStopSec: 90s). 'inf': never SIGKILL.");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1),
          "How long the program runs, once ready, before the stop signal.");
ABSL_FLAG(std::string, ready, "start",
          "When the program is ready: 'start' (once it has been exec'd) or "
          "'notify' (once it sends READY=1 to $NOTIFY_SOCKET, the systemd "
          "protocol; STOPPING=1 is then timed too).");
ABSL_FLAG(absl::Duration, ready_timeout, absl::Seconds(30),
          "With --ready=notify: a run in which READY=1 does not come this "
          "soon after the start fails.");
ABSL_FLAG(std::string, kill_mode, "process",
          "Who gets the stop signal: 'process' (the program only, as a "
          "kubelet signals a container's PID 1) or 'group' (its whole "
          "process group, like systemd's KillMode=control-group). SIGKILL "
          "always goes to the whole group.");
ABSL_FLAG(std::string, clean_codes, "0,75",
          "Exit codes that count as a clean stop, besides dying of the stop "
          "signal and exiting with 128+its number. 75 (EX_TEMPFAIL) is "
          "graceful's batch worker's 'stopped early, run me again'.");
ABSL_FLAG(int, forced_code, 124,
          "Exit code that counts as a forced stop (graceful's forced exit).");
ABSL_FLAG(std::string, json, "",
          "Write every run and the summary to FILE as JSON ('-': stdout).");
ABSL_FLAG(std::string, logs, "",
          "Keep each run's stdout and stderr as DIR/run-N.log (created if "
          "needed). Without it they go to a temporary directory, removed at "
          "the end.");
ABSL_FLAG(bool, verbose, false,
          "Print each run's events (started, READY=1, signal sent, "
          "STOPPING=1, ended) on stderr.");

namespace graceful {
namespace stopwatch {
namespace {

constexpr int kExitAllClean = 0;
constexpr int kExitNotClean = 1;
constexpr int kExitUsage = 2;

// How long stopwatch may take to clean up once it is interrupted: SIGKILL
// and reaping take milliseconds unless a process hangs in the kernel.
constexpr absl::Duration kOwnGracePeriod = absl::Seconds(10);
// Lines of the first not-clean run's output shown after the summary.
constexpr int kTailLines = 10;

constexpr absl::string_view kFlagNames[] = {
    "runs",        "signal",        "grace",     "warmup",
    "ready",       "ready_timeout", "kill_mode", "clean_codes",
    "forced_code", "json",          "logs",      "verbose"};

void PrintUsage() {
  std::string text =
      "Usage: stopwatch [flags] -- PROGRAM [ARGS...]\n\n"
      "Starts PROGRAM --runs times in a process group of its own, sends it "
      "the stop signal once\nit is ready, and measures how long it takes to "
      "exit, the way a kubelet or systemd sees\nit: SIGKILL to the group at "
      "the grace deadline, every process reaped.\n\n"
      "A run is clean if the program died of the stop signal or exited "
      "with 128+its number or\none of --clean_codes; forced if it exited "
      "with --forced_code; killed if it needed the\nSIGKILL; failed "
      "otherwise (including not starting or not becoming ready).\n\n"
      "Flags (--name=value or --name value):\n";
  for (absl::string_view name : kFlagNames) {
    const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    absl::StrAppend(
        &text, "  --", name, "  (default: ",
        flag->DefaultValue().empty() ? "none" : flag->DefaultValue(),
        ")\n      ", flag->Help(), "\n");
  }
  absl::StrAppend(&text,
                  "\nExit status: 0 every run clean; 1 some run not clean; "
                  "2 usage or setup error;\ninterrupted: dies of the same "
                  "signal, after killing and reaping the program.\n");
  fputs(text.c_str(), stdout);
}

struct Config {
  Settings settings;
  std::string json_path;
  std::string logs_dir;
  bool verbose = false;
};

// Parses argv into `config`; returns a one-line description of the first
// problem. absl::ParseCommandLine() is not used because it exits with
// status 1, which means "a run was not clean" here.
absl::Status ParseArgs(int argc, char** argv, Config& config) {
  int i = 1;
  for (; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg == "--help" || arg == "-help" || arg == "-h" ||
        arg == "--helpfull") {
      PrintUsage();
      exit(0);
    }
    if (arg.size() < 2 || arg[0] != '-') {
      return absl::InvalidArgumentError(absl::StrCat(
          "unexpected argument '", arg,
          "': put the program after '--': stopwatch [flags] -- PROGRAM "
          "[ARGS...]"));
    }
    absl::string_view body = arg.substr(arg[1] == '-' ? 2 : 1);
    const size_t equals = body.find('=');
    absl::string_view name = body.substr(0, equals);
    bool negated = false;
    if (std::find(std::begin(kFlagNames), std::end(kFlagNames), name) ==
            std::end(kFlagNames) &&
        absl::ConsumePrefix(&name, "no")) {
      negated = true;
    }
    absl::CommandLineFlag* flag =
        std::find(std::begin(kFlagNames), std::end(kFlagNames), name) ==
                std::end(kFlagNames)
            ? nullptr
            : absl::FindCommandLineFlag(name);
    if (flag == nullptr || (negated && !flag->IsOfType<bool>())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown flag --", body.substr(0, equals), " (see --help)"));
    }
    std::string value;
    if (flag->IsOfType<bool>() && equals == absl::string_view::npos) {
      value = negated ? "false" : "true";
    } else if (equals != absl::string_view::npos) {
      value = std::string(body.substr(equals + 1));
    } else if (i + 1 < argc && absl::string_view(argv[i + 1]) != "--") {
      value = argv[++i];
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("flag --", name, " needs a value"));
    }
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, "=", value, ": ", error));
    }
  }
  if (i + 1 >= argc) {
    return absl::InvalidArgumentError(
        "no program to measure: stopwatch [flags] -- PROGRAM [ARGS...]");
  }
  Settings& s = config.settings;
  s.command.assign(argv + i + 1, argv + argc);

  s.runs = absl::GetFlag(FLAGS_runs);
  if (s.runs < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--runs=", s.runs, ": need at least 1 run"));
  }
  absl::StatusOr<int> signo = ParseSignal(absl::GetFlag(FLAGS_signal));
  if (!signo.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--signal: ", signo.status().message()));
  }
  s.signal = *signo;
  s.grace = absl::GetFlag(FLAGS_grace);
  if (s.grace <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--grace=", absl::FormatDuration(s.grace),
                     ": must be positive, such as 30s (or inf: never "
                     "SIGKILL)"));
  }
  s.warmup = absl::GetFlag(FLAGS_warmup);
  if (s.warmup < absl::ZeroDuration() || s.warmup == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--warmup=", absl::FormatDuration(s.warmup),
                     ": must be finite and not negative, such as 1s or 0"));
  }
  const std::string ready = absl::GetFlag(FLAGS_ready);
  if (ready == "start") {
    s.ready = ReadyMode::kStart;
  } else if (ready == "notify") {
    s.ready = ReadyMode::kNotify;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("--ready=", ready, ": must be 'start' or 'notify'"));
  }
  s.ready_timeout = absl::GetFlag(FLAGS_ready_timeout);
  if (s.ready_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--ready_timeout=", absl::FormatDuration(s.ready_timeout),
                     ": must be positive, such as 30s"));
  }
  const std::string kill_mode = absl::GetFlag(FLAGS_kill_mode);
  if (kill_mode == "process") {
    s.kill_mode = KillMode::kProcess;
  } else if (kill_mode == "group") {
    s.kill_mode = KillMode::kGroup;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "--kill_mode=", kill_mode, ": must be 'process' or 'group'"));
  }
  absl::StatusOr<std::vector<int>> clean =
      ParseExitCodes(absl::GetFlag(FLAGS_clean_codes));
  if (!clean.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--clean_codes: ", clean.status().message()));
  }
  const int forced = absl::GetFlag(FLAGS_forced_code);
  if (forced < 0 || forced > 255) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--forced_code=", forced, ": must be an exit code from 0 to 255"));
  }
  if (std::find(clean->begin(), clean->end(), forced) != clean->end() ||
      forced == 128 + s.signal) {
    return absl::InvalidArgumentError(absl::StrCat(
        "exit code ", forced,
        " is both forced (--forced_code) and clean (--clean_codes, or 128 + "
        "the stop signal): choose one"));
  }
  s.classifier.stop_signal = s.signal;
  s.classifier.clean_codes = *std::move(clean);
  s.classifier.forced_code = forced;

  config.json_path = absl::GetFlag(FLAGS_json);
  config.logs_dir = absl::GetFlag(FLAGS_logs);
  config.verbose = absl::GetFlag(FLAGS_verbose);
  return absl::OkStatus();
}

// A private directory for the notify socket (and the logs, without --logs),
// whose path fits in a sockaddr_un.
absl::StatusOr<std::string> MakeWorkDir() {
  std::vector<std::string> bases;
  if (const char* tmpdir = getenv("TMPDIR"); tmpdir != nullptr && *tmpdir) {
    bases.emplace_back(tmpdir);
  }
  bases.emplace_back("/tmp");
  int error = 0;
  for (const std::string& base : bases) {
    // The socket is <dir>/notify; 107 bytes at most.
    std::string dir = absl::StrCat(base, "/stopwatch.XXXXXX");
    if (dir.size() + 7 > 107) continue;
    if (mkdtemp(dir.data()) != nullptr) return dir;
    error = errno;
  }
  return absl::ErrnoToStatus(
      error, absl::StrCat("cannot create a temporary directory in $TMPDIR or "
                          "/tmp: ",
                          strerror(error)));
}

// The last `lines` lines of the file at `path`, at most 4 KiB of it.
std::string Tail(const std::string& path, int lines) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  const off_t size = lseek(fd, 0, SEEK_END);
  const off_t start = std::max<off_t>(0, size - 4096);
  std::string text(static_cast<size_t>(size - start), '\0');
  const ssize_t got = pread(fd, text.data(), text.size(), start);
  close(fd);
  text.resize(got > 0 ? static_cast<size_t>(got) : 0);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  if (text.empty()) return "";
  std::vector<absl::string_view> all = absl::StrSplit(text, '\n');
  const size_t first =
      all.size() > static_cast<size_t>(lines) ? all.size() - lines : 0;
  std::string out;
  for (size_t i = first; i < all.size(); ++i) {
    absl::StrAppend(&out, "    | ", all[i], "\n");
  }
  return out;
}

absl::Status WriteFile(const std::string& path, absl::string_view text) {
  if (path == "-") {
    fwrite(text.data(), 1, text.size(), stdout);
    return absl::OkStatus();
  }
  const std::string temp = absl::StrCat(path, ".tmp");
  const int fd =
      open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  bool ok = fd >= 0;
  const int open_error = errno;
  while (ok && !text.empty()) {
    const ssize_t wrote = write(fd, text.data(), text.size());
    if (wrote < 0 && errno == EINTR) continue;
    ok = wrote > 0;
    if (ok) text.remove_prefix(static_cast<size_t>(wrote));
  }
  const int error = ok ? 0 : (fd < 0 ? open_error : errno);
  if (fd >= 0 && close(fd) != 0 && ok) ok = false;
  if (ok && rename(temp.c_str(), path.c_str()) != 0) ok = false;
  if (!ok) {
    unlink(temp.c_str());
    return absl::ErrnoToStatus(
        error != 0 ? error : errno,
        absl::StrCat("cannot write --json=", path, ": ",
                     strerror(error != 0 ? error : errno)));
  }
  return absl::OkStatus();
}

// The progress line (on a terminal) and --verbose events, on stderr. Used
// by the runs worker only, then by main once the worker has returned.
class Console {
 public:
  Console(const Settings& settings, bool progress, bool verbose)
      : settings_(settings), progress_(progress), verbose_(verbose) {}

  void Event(absl::string_view line) {
    if (!verbose_) return;
    Write(absl::StrCat(progress_ ? "\r\033[K" : "", "stopwatch: ", line, "\n"));
  }

  // "[3/20] stopping 0.4s of 30s  |  2 clean, ...  |  last 4.21ms clean".
  void Progress(const Progress& now) {
    if (!progress_) return;
    std::string line = absl::StrCat("\r\033[K[", now.run, "/", settings_.runs,
                                    "] ", PhaseName(now.phase));
    const auto seconds = [](absl::Duration d) {
      return absl::StrFormat("%.1fs", absl::ToDoubleSeconds(d));
    };
    switch (now.phase) {
      case Phase::kStarting:
        break;
      case Phase::kWaitingForReady:
        absl::StrAppend(&line, " ", seconds(now.in_phase), " of ",
                        absl::FormatDuration(settings_.ready_timeout));
        break;
      case Phase::kWarmingUp:
        absl::StrAppend(&line, " ", seconds(now.in_phase), " of ",
                        absl::FormatDuration(settings_.warmup));
        break;
      case Phase::kStopping:
        absl::StrAppend(&line, " ", seconds(now.in_phase), " of ",
                        absl::FormatDuration(settings_.grace));
        break;
      case Phase::kKilling:
        absl::StrAppend(&line, " ", seconds(now.in_phase));
        break;
    }
    absl::StrAppend(&line, "  |  ", clean_, " clean, ", forced_, " forced, ",
                    killed_, " killed, ", failed_, " failed");
    if (!last_.empty()) absl::StrAppend(&line, "  |  last ", last_);
    Write(line);
  }

  void RunDone(const RunRecord& run) {
    switch (run.outcome) {
      case Outcome::kClean:
        ++clean_;
        break;
      case Outcome::kForced:
        ++forced_;
        break;
      case Outcome::kKilled:
        ++killed_;
        break;
      case Outcome::kFailed:
        ++failed_;
        break;
      case Outcome::kInterrupted:
        break;
    }
    last_ = run.exit.has_value() ? absl::StrCat(HumanDuration(*run.exit), " ",
                                                OutcomeName(run.outcome))
                                 : OutcomeName(run.outcome);
  }

  void Clear() {
    if (progress_) Write("\r\033[K");
  }

 private:
  static void Write(absl::string_view text) {
    fwrite(text.data(), 1, text.size(), stderr);
    fflush(stderr);
  }

  const Settings& settings_;
  const bool progress_;
  const bool verbose_;
  int clean_ = 0;
  int forced_ = 0;
  int killed_ = 0;
  int failed_ = 0;
  std::string last_;
};

// Removes `dir` and the files stopwatch put in it.
void RemoveWorkDir(const std::string& dir, int runs) {
  for (int i = 1; i <= runs; ++i) {
    unlink(absl::StrCat(dir, "/run-", i, ".log").c_str());
  }
  unlink(absl::StrCat(dir, "/notify").c_str());
  rmdir(dir.c_str());
}

int Main(int argc, char** argv) {
  Config config;
  if (absl::Status status = ParseArgs(argc, argv, config); !status.ok()) {
    fprintf(stderr, "stopwatch: %s\n", std::string(status.message()).c_str());
    return kExitUsage;
  }
  Settings& settings = config.settings;

  // Under `bazel run`, relative paths mean the user's directory.
  if (const char* dir = getenv("BUILD_WORKING_DIRECTORY");
      dir != nullptr && *dir != '\0' && chdir(dir) != 0) {
    fprintf(stderr, "stopwatch: cannot enter %s: %s\n", dir, strerror(errno));
    return kExitUsage;
  }
  absl::StatusOr<std::string> program = FindProgram(settings.command[0]);
  if (!program.ok()) {
    fprintf(stderr, "stopwatch: %s\n",
            std::string(program.status().message()).c_str());
    return kExitUsage;
  }

  // Before any thread exists. From here on SIGINT, SIGTERM and SIGHUP only
  // interrupt the runs; stopwatch then cleans up and dies of the signal.
  RuntimeOptions runtime_options;
  runtime_options.stop_signals = {SIGTERM, SIGINT, SIGHUP};
  runtime_options.grace_period = kOwnGracePeriod;
  // Cleaning up is quick and must finish: a second Ctrl+C must not make
  // stopwatch leave the program behind.
  runtime_options.second_signal_forces_exit = false;
  // stopwatch's own output is the summary; no "graceful: stopping" lines.
  runtime_options.on_event = nullptr;
  // A stop of stopwatch itself need not be seen within microseconds, and
  // the line saying that SCHED_FIFO was refused would only be noise.
  runtime_options.signal_thread_priority = SignalThreadPriority::kInherit;
  absl::StatusOr<std::unique_ptr<Runtime>> runtime =
      Runtime::Start(runtime_options);
  if (!runtime.ok()) {
    fprintf(stderr, "stopwatch: cannot start graceful's runtime: %s\n",
            std::string(runtime.status().message()).c_str());
    return kExitUsage;
  }

  absl::StatusOr<std::string> work_dir = MakeWorkDir();
  if (!work_dir.ok()) {
    fprintf(stderr, "stopwatch: %s\n",
            std::string(work_dir.status().message()).c_str());
    return kExitUsage;
  }
  const bool keep_logs = !config.logs_dir.empty();
  if (keep_logs && mkdir(config.logs_dir.c_str(), 0755) != 0 &&
      errno != EEXIST) {
    fprintf(stderr, "stopwatch: cannot create --logs=%s: %s\n",
            config.logs_dir.c_str(), strerror(errno));
    RemoveWorkDir(*work_dir, 0);
    return kExitUsage;
  }

  // Readable once stopwatch is asked to stop; the supervisor polls it.
  const int interrupt_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (interrupt_fd < 0) {
    fprintf(stderr, "stopwatch: eventfd: %s\n", strerror(errno));
    RemoveWorkDir(*work_dir, 0);
    return kExitUsage;
  }
  SupervisorOptions options;
  options.argv = settings.command;
  options.program = *program;
  options.signal = settings.signal;
  options.grace = settings.grace;
  options.ready = settings.ready;
  options.warmup = settings.warmup;
  options.ready_timeout = settings.ready_timeout;
  options.kill_mode = settings.kill_mode;
  options.socket_dir = *work_dir;
  options.log_dir = keep_logs ? config.logs_dir : *work_dir;
  options.interrupt_fd = interrupt_fd;
  absl::StatusOr<std::unique_ptr<Supervisor>> supervisor =
      Supervisor::Create(std::move(options));
  if (!supervisor.ok()) {
    fprintf(stderr, "stopwatch: %s\n",
            std::string(supervisor.status().message()).c_str());
    close(interrupt_fd);
    RemoveWorkDir(*work_dir, 0);
    return kExitUsage;
  }

  Console console(settings, isatty(STDERR_FILENO) == 1, config.verbose);
  (*supervisor)->set_event_callback([&console](absl::string_view line) {
    console.Event(line);
  });
  (*supervisor)->set_progress_callback([&console](const Progress& now) {
    console.Progress(now);
  });

  std::vector<RunRecord> runs;
  ShutdownReport report;
  {
    // On the runtime's shutdown thread, when a stop signal comes (and, as
    // harmlessly, once the runs are done).
    StopCallback interrupt((*runtime)->token(), [interrupt_fd] {
      const uint64_t one = 1;
      [[maybe_unused]] ssize_t ignored = write(interrupt_fd, &one, sizeof(one));
    });
    (*runtime)->Spawn("runs", [&](StopToken token) {
      for (int i = 1; i <= settings.runs && !token.stop_requested(); ++i) {
        RunRecord run = (*supervisor)->Run(i);
        run.outcome = settings.classifier.Classify(run);
        console.RunDone(run);
        runs.push_back(std::move(run));
        if (runs.back().interrupted) break;
      }
    });
    report = (*runtime)->Wait();
  }
  console.Clear();
  const bool interrupted = report.cause == StopCause::kSignal;

  Summary summary = Summarize(runs);
  // Also when the signal came between two runs, none of them interrupted.
  summary.interrupted = summary.interrupted || interrupted;
  std::string text = FormatSummary(settings, runs, summary);
  for (const RunRecord& run : runs) {
    if (run.outcome == Outcome::kClean ||
        run.outcome == Outcome::kInterrupted) {
      continue;
    }
    const std::string tail = Tail(run.log_path, kTailLines);
    if (!tail.empty()) {
      absl::StrAppend(&text, "\n  output of run ", run.index,
                      keep_logs ? absl::StrCat(" (", run.log_path, ")") : "",
                      ", last lines:\n", tail);
    }
    break;
  }
  int exit_code = summary.all_clean() ? kExitAllClean : kExitNotClean;
  if (!report.error.ok()) {
    absl::StrAppend(
        &text, "stopwatch: internal error: ", report.error.message(), "\n");
    exit_code = kExitUsage;
  }
  if (!keep_logs) {
    for (RunRecord& run : runs) run.log_path.clear();
  }
  if (!config.json_path.empty()) {
    if (absl::Status status =
            WriteFile(config.json_path, ToJson(settings, runs, summary));
        !status.ok()) {
      absl::StrAppend(&text, "stopwatch: ", status.message(), "\n");
      exit_code = kExitUsage;
    }
  }
  // With --json=-, the JSON alone goes to stdout; the summary to stderr.
  fputs(text.c_str(), config.json_path == "-" ? stderr : stdout);
  fflush(stdout);

  supervisor->reset();
  close(interrupt_fd);
  RemoveWorkDir(*work_dir, keep_logs ? 0 : settings.runs);
  runtime->reset();
  if (interrupted) report.ExitProcess();  // dies of the same signal
  return exit_code;
}

}  // namespace
}  // namespace stopwatch
}  // namespace graceful

int main(int argc, char** argv) {
  return graceful::stopwatch::Main(argc, argv);
}
