// Copyright 2026 The graceful Authors.

#include "examples/batch_worker_testing.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

extern char** environ;

namespace batch_worker_testing {

std::string WorkerBinary() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  if (srcdir != nullptr && workspace != nullptr) {
    return absl::StrCat(srcdir, "/", workspace, "/examples/batch_worker");
  }
  return "examples/batch_worker";  // relative to the runfiles directory
}

std::string NewTempDir() {
  static std::atomic<int> counter{0};
  const char* base = std::getenv("TEST_TMPDIR");
  const std::string dir =
      absl::StrCat(base != nullptr ? base : "/tmp", "/batch_worker_test.",
                   getpid(), ".", counter.fetch_add(1));
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    std::perror(dir.c_str());
    std::abort();
  }
  return dir;
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    std::abort();
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string ReadFileIfExists(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  if (in) out << in.rdbuf();
  return out.str();
}

void WriteFileOrDie(const std::string& path, absl::string_view contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    std::abort();
  }
}

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

std::string Outcome::ToString() const {
  if (timed_out) return "timed out (killed by the test's watchdog)";
  if (exited) return absl::StrCat("exited with status ", exit_code);
  return absl::StrCat("killed by signal ", signal, " (", strsignal(signal),
                      ")");
}

Child::Child(std::vector<std::string> argv, std::string stderr_path,
             int stderr_fd, std::vector<std::string> extra_env,
             std::vector<int> ignored)
    : stderr_path_(std::move(stderr_path)) {
  std::vector<char*> args;
  for (std::string& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    env_strings.push_back(*e);
    // ThreadSanitizer sleeps a second in _exit() while other threads run,
    // to catch races at exit; that second would push a forced exit past
    // the SIGKILL of the timeout(1) tests.
    if (absl::StartsWith(env_strings.back(), "TSAN_OPTIONS=")) {
      env_strings.back() += ":atexit_sleep_ms=0";
    }
  }
  for (std::string& e : extra_env) env_strings.push_back(std::move(e));
  std::vector<char*> env;
  for (std::string& e : env_strings) env.push_back(e.data());
  env.push_back(nullptr);

  int out_fd = stderr_fd;
  if (out_fd < 0) {
    out_fd = open(stderr_path_.c_str(),
                  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out_fd < 0) {
      std::perror(stderr_path_.c_str());
      std::abort();
    }
  }
  pid_ = fork();
  if (pid_ < 0) {
    std::perror("fork");
    std::abort();
  }
  if (pid_ == 0) {
    // Child: only async-signal-safe calls until exec.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    for (int signo : ignored) signal(signo, SIG_IGN);
    const int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, STDIN_FILENO);
    dup2(stderr_fd >= 0 ? null_fd : out_fd, STDOUT_FILENO);
    dup2(out_fd, STDERR_FILENO);
    execve(args[0], args.data(), env.data());
    _exit(127);
  }
  if (stderr_fd < 0) close(out_fd);
}

Child::~Child() {
  if (!reaped_) {
    kill(pid_, SIGKILL);
    int status;
    waitpid(pid_, &status, 0);
  }
}

bool Child::WaitUntilReportWritten(const std::string& report_json,
                                   absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (absl::StartsWith(ReadFileIfExists(report_json), "{\"state\":")) {
      return true;
    }
    if (Ended()) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return false;
}

bool Child::Ended() const {
  // A child that ended but was not reaped yet is a zombie.
  return absl::StrContains(
      ReadFileIfExists(absl::StrCat("/proc/", pid_, "/stat")), ") Z ");
}

bool Child::WaitUntilThreadsBusy(absl::string_view prefix, int count,
                                 absl::Duration cpu, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  const double ticks_per_second = static_cast<double>(sysconf(_SC_CLK_TCK));
  const std::string task_dir = absl::StrCat("/proc/", pid_, "/task");
  while (absl::Now() < deadline) {
    DIR* dir = opendir(task_dir.c_str());
    if (dir == nullptr) return false;
    int busy = 0;
    while (const dirent* entry = readdir(dir)) {
      if (entry->d_name[0] == '.') continue;
      // "TID (COMM) STATE PPID ... UTIME STIME ...": utime and stime are
      // the 12th and 13th fields after the ')'.
      const std::string stat = ReadFileIfExists(
          absl::StrCat(task_dir, "/", entry->d_name, "/stat"));
      const size_t open = stat.find('(');
      const size_t close = stat.rfind(')');
      if (open == std::string::npos || close == std::string::npos) continue;
      if (!absl::StartsWith(stat.substr(open + 1, close - open - 1), prefix)) {
        continue;
      }
      const std::vector<std::string> fields =
          absl::StrSplit(stat.substr(close + 2), ' ');
      if (fields.size() < 13) continue;
      const double seconds =
          static_cast<double>(std::strtoull(fields[11].c_str(), nullptr, 10) +
                              std::strtoull(fields[12].c_str(), nullptr, 10)) /
          ticks_per_second;
      if (absl::Seconds(seconds) >= cpu) ++busy;
    }
    closedir(dir);
    if (busy >= count) return true;
    if (Ended()) return false;
    absl::SleepFor(absl::Milliseconds(2));
  }
  return false;
}

void Child::Signal(int signo) { kill(pid_, signo); }

Outcome Child::Wait(absl::Duration timeout) {
  if (reaped_) return outcome_;
  const absl::Time deadline = absl::Now() + timeout;
  int status = 0;
  for (;;) {
    const pid_t got = waitpid(pid_, &status, WNOHANG);
    if (got == pid_) break;
    if (absl::Now() >= deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      outcome_.timed_out = true;
      break;
    }
    absl::SleepFor(absl::Milliseconds(2));
  }
  reaped_ = true;
  if (WIFEXITED(status)) {
    outcome_.exited = true;
    outcome_.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    outcome_.signal = WTERMSIG(status);
  }
  return outcome_;
}

std::string Child::Stderr() const {
  return FileExists(stderr_path_) ? ReadFileOrDie(stderr_path_) : "";
}

uint64_t TestFnv1a64(absl::string_view bytes) {
  // Written out from the FNV reference: offset basis 14695981039346656037,
  // prime 2^40 + 2^8 + 0xb3.
  uint64_t hash = 14695981039346656037ull;
  constexpr uint64_t kPrime = (uint64_t{1} << 40) + (1 << 8) + 0xb3;
  for (unsigned char byte : bytes) {
    hash = (hash ^ byte) * kPrime;
  }
  return hash;
}

std::vector<std::string> EmbeddedRecords(uint64_t n) {
  std::vector<std::string> records;
  records.reserve(n);
  for (uint64_t i = 0; i < n; ++i) records.push_back(absl::StrCat("item-", i));
  return records;
}

std::vector<std::string> SplitRecords(absl::string_view contents) {
  std::vector<std::string> records;
  if (contents.empty()) return records;
  records = absl::StrSplit(contents, '\n');
  // "a\nb\n" splits into "a", "b", "": the last empty piece is no line.
  if (contents.back() == '\n') records.pop_back();
  return records;
}

::testing::AssertionResult CheckOutput(absl::string_view contents,
                                       const std::vector<std::string>& records,
                                       bool allow_torn_tail,
                                       bool require_complete,
                                       uint64_t* lines) {
  std::vector<bool> seen(records.size());
  uint64_t count = 0;
  size_t pos = 0;
  while (pos < contents.size()) {
    const size_t newline = contents.find('\n', pos);
    if (newline == absl::string_view::npos) {
      if (allow_torn_tail) break;
      return ::testing::AssertionFailure()
             << "torn last line (no '\\n'): \""
             << contents.substr(pos, 60) << "\"";
    }
    const absl::string_view line = contents.substr(pos, newline - pos);
    pos = newline + 1;
    ++count;
    const std::vector<absl::string_view> fields = absl::StrSplit(line, '\t');
    uint64_t id = 0;
    if (fields.size() != 2 || fields[0].empty() || fields[0].size() > 20 ||
        fields[0].find_first_not_of("0123456789") != absl::string_view::npos ||
        fields[1].size() != 16 ||
        fields[1].find_first_not_of("0123456789abcdef") !=
            absl::string_view::npos) {
      return ::testing::AssertionFailure()
             << "line " << count << " is malformed: \"" << line << "\"";
    }
    id = std::strtoull(std::string(fields[0]).c_str(), nullptr, 10);
    if (id >= records.size()) {
      return ::testing::AssertionFailure()
             << "line " << count << ": id " << id << " out of range ("
             << records.size() << " records)";
    }
    if (seen[id]) {
      return ::testing::AssertionFailure()
             << "line " << count << ": record " << id << " appears twice";
    }
    seen[id] = true;
    char expected[17];
    std::snprintf(expected, sizeof(expected), "%016llx",
                  static_cast<unsigned long long>(TestFnv1a64(records[id])));
    if (fields[1] != expected) {
      return ::testing::AssertionFailure()
             << "line " << count << ": record " << id << " has hash "
             << fields[1] << ", expected " << expected;
    }
  }
  if (require_complete) {
    for (size_t id = 0; id < records.size(); ++id) {
      if (!seen[id]) {
        return ::testing::AssertionFailure()
               << "record " << id << " is missing (" << count << " of "
               << records.size() << " lines)";
      }
    }
  }
  if (lines != nullptr) *lines = count;
  return ::testing::AssertionSuccess();
}

}  // namespace batch_worker_testing
