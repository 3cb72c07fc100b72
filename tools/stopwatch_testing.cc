// Copyright 2026 The graceful Authors.

#include "tools/stopwatch_testing.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace graceful {
namespace stopwatch {
namespace testing {

std::string TempPath(absl::string_view name) {
  static std::atomic<int> counter{0};
  const char* dir = getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", getpid(), "-",
                      counter.fetch_add(1), "-", name);
}

StopwatchProcess::StopwatchProcess(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"tools/stopwatch"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> c_argv;
  for (std::string& arg : argv) c_argv.push_back(arg.data());
  c_argv.push_back(nullptr);
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    perror("pipe2");
    abort();
  }
  pid_ = fork();
  if (pid_ < 0) {
    perror("fork");
    abort();
  }
  if (pid_ == 0) {
    // Whatever the test runner ignored or blocked (a shell's background job
    // ignores SIGINT), stopwatch starts with the default signal state.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int signo : {SIGINT, SIGTERM, SIGHUP}) signal(signo, SIG_DFL);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    execv(c_argv[0], c_argv.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  out_fd_ = out_pipe[0];
  err_fd_ = err_pipe[0];
}

StopwatchProcess::~StopwatchProcess() {
  if (!reaped_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (out_fd_ >= 0) close(out_fd_);
  if (err_fd_ >= 0) close(err_fd_);
}

bool StopwatchProcess::Pump(absl::Duration timeout) {
  if (out_fd_ < 0 && err_fd_ < 0) return false;
  pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
  if (poll(fds, 2, static_cast<int>(absl::ToInt64Milliseconds(timeout))) <= 0) {
    return true;
  }
  int* fd_of[2] = {&out_fd_, &err_fd_};
  std::string* buffer_of[2] = {&out_, &err_};
  for (int i = 0; i < 2; ++i) {
    if (*fd_of[i] < 0 || fds[i].revents == 0) continue;
    char buffer[4096];
    const ssize_t got = read(*fd_of[i], buffer, sizeof(buffer));
    if (got > 0) {
      buffer_of[i]->append(buffer, static_cast<size_t>(got));
    } else {
      close(*fd_of[i]);
      *fd_of[i] = -1;
    }
  }
  return true;
}

bool StopwatchProcess::WaitForStderr(absl::string_view text,
                                     absl::Duration budget) {
  const absl::Time deadline = absl::Now() + budget;
  while (!absl::StrContains(err_, text)) {
    if (absl::Now() >= deadline || !Pump(absl::Milliseconds(100))) {
      return absl::StrContains(err_, text);
    }
  }
  return true;
}

int StopwatchProcess::Wait(absl::Duration budget) {
  const absl::Time deadline = absl::Now() + budget;
  while (Pump(absl::Milliseconds(100))) {
    if (absl::Now() >= deadline) {
      fprintf(stderr, "stopwatch outlived its %s budget: SIGKILL\n",
              absl::FormatDuration(budget).c_str());
      kill(pid_, SIGKILL);
      break;
    }
  }
  int status = 0;
  waitpid(pid_, &status, 0);
  reaped_ = true;
  return status;
}

bool StopwatchResult::ExitedWith(int code) const {
  return WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == code;
}

std::string StopwatchResult::Describe() const {
  std::string status =
      WIFEXITED(wait_status)
          ? absl::StrCat("exited ", WEXITSTATUS(wait_status))
          : absl::StrCat("killed by signal ", WTERMSIG(wait_status));
  return absl::StrCat("stopwatch ", status, "\n--- stdout:\n", out,
                      "--- stderr:\n", err);
}

absl::StatusOr<nlohmann::json> ReadJsonFile(const std::string& path) {
  FILE* file = fopen(path.c_str(), "r");
  if (file == nullptr) {
    return absl::NotFoundError(absl::StrCat("stopwatch wrote no ", path));
  }
  std::string text;
  char buffer[4096];
  size_t got;
  while ((got = fread(buffer, 1, sizeof(buffer), file)) > 0) {
    text.append(buffer, got);
  }
  fclose(file);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& error) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JSON in ", path, ": ", error.what()));
  }
}

StopwatchResult RunStopwatch(std::vector<std::string> args) {
  const std::string json_path = TempPath("stopwatch.json");
  args.insert(args.begin(), absl::StrCat("--json=", json_path));
  StopwatchProcess process(args);
  StopwatchResult result;
  result.wait_status = process.Wait();
  result.out = process.out();
  result.err = process.err();
  result.json = ReadJsonFile(json_path);
  return result;
}

}  // namespace testing
}  // namespace stopwatch
}  // namespace graceful
