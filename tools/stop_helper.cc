// Copyright 2026 The graceful Authors.
//
// stop_helper: a program whose stop behaviour is known exactly, for
// stopwatch's tests (tools/stopwatch_test.cc) to measure.
//
//   stop_helper [--on_term=die|exit|ignore] [--stop_delay=DURATION]
//               [--exit_code=N] [--notify] [--children=N]
//               [--exit_after=DURATION]
//
//   --on_term=die     SIGTERM and SIGINT keep their default action: the
//                     process dies of them at once (default).
//   --on_term=exit    SIGTERM and SIGINT are received with sigwait(); then
//                     STOPPING=1 (with --notify), then --stop_delay of
//                     sleep, then exit(--exit_code).
//   --on_term=ignore  SIGTERM and SIGINT are ignored: only SIGKILL ends it.
//   --notify          READY=1 to $NOTIFY_SOCKET once the above is set up,
//                     so the stop signal can never come too early.
//   --children=N      first fork N children that sleep forever in the same
//                     process group (default signal dispositions).
//   --exit_after=D    end by itself, with --exit_code, D after it is ready,
//                     if no stop signal came first.
//
// Malformed flags: message on stderr, exit 2. No NOTIFY_SOCKET with
// --notify: exit 3.

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"

namespace {

[[noreturn]] void Usage(absl::string_view arg) {
  fprintf(stderr, "stop_helper: bad argument '%.*s' (see stop_helper.cc)\n",
          static_cast<int>(arg.size()), arg.data());
  exit(2);
}

void SleepFor(absl::Duration d) {
  timespec left = absl::ToTimespec(d);
  while (nanosleep(&left, &left) != 0) {
  }
}

// Sends `message` to $NOTIFY_SOCKET (a path, or @name for the abstract
// namespace), as sd_notify(3) does.
void Notify(const char* message) {
  const char* path = getenv("NOTIFY_SOCKET");
  if (path == nullptr || *path == '\0') {
    fprintf(stderr, "stop_helper: --notify without NOTIFY_SOCKET\n");
    exit(3);
  }
  sockaddr_un address = {};
  address.sun_family = AF_UNIX;
  const size_t length = strlen(path);
  if (length >= sizeof(address.sun_path)) exit(3);
  memcpy(address.sun_path, path, length);
  if (path[0] == '@') address.sun_path[0] = '\0';
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || sendto(fd, message, strlen(message), 0,
                       reinterpret_cast<sockaddr*>(&address),
                       static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) +
                                              length)) < 0) {
    perror("stop_helper: sendto NOTIFY_SOCKET");
    exit(3);
  }
  close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  absl::string_view on_term = "die";
  absl::Duration stop_delay;
  absl::Duration exit_after = absl::InfiniteDuration();
  int exit_code = 0;
  bool notify = false;
  int children = 0;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--notify") {
      notify = true;
    } else if (absl::ConsumePrefix(&arg, "--on_term=")) {
      if (arg != "die" && arg != "exit" && arg != "ignore") Usage(argv[i]);
      on_term = arg;
    } else if (absl::ConsumePrefix(&arg, "--stop_delay=")) {
      if (!absl::ParseDuration(arg, &stop_delay)) Usage(argv[i]);
    } else if (absl::ConsumePrefix(&arg, "--exit_after=")) {
      if (!absl::ParseDuration(arg, &exit_after)) Usage(argv[i]);
    } else if (absl::ConsumePrefix(&arg, "--exit_code=")) {
      if (!absl::SimpleAtoi(arg, &exit_code)) Usage(argv[i]);
    } else if (absl::ConsumePrefix(&arg, "--children=")) {
      if (!absl::SimpleAtoi(arg, &children)) Usage(argv[i]);
    } else {
      Usage(arg);
    }
  }

  // Each child says it runs before READY: until fork() has returned in it
  // (under ThreadSanitizer, its fork interceptor runs with signals blocked),
  // a SIGTERM to the group would find it unable to die of it yet.
  int running[2];
  if (children > 0 && pipe(running) != 0) return 1;
  for (int i = 0; i < children; ++i) {
    if (fork() == 0) {
      close(running[0]);
      [[maybe_unused]] ssize_t ignored = write(running[1], "x", 1);
      close(running[1]);
      for (;;) pause();
    }
  }
  if (children > 0) {
    close(running[1]);
    char byte;
    for (int i = 0; i < children; ++i) {
      if (read(running[0], &byte, 1) != 1) return 1;
    }
    close(running[0]);
  }

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  if (on_term == "exit") {
    sigprocmask(SIG_BLOCK, &stop_signals, nullptr);
  } else if (on_term == "ignore") {
    signal(SIGTERM, SIG_IGN);
    signal(SIGINT, SIG_IGN);
  }
  if (notify) Notify("READY=1\nSTATUS=waiting for a stop signal");

  if (on_term != "exit") {
    if (exit_after == absl::InfiniteDuration()) {
      for (;;) pause();
    }
    SleepFor(exit_after);
    return exit_code;
  }
  timespec timeout = absl::ToTimespec(exit_after);
  int signo;
  do {
    signo = sigtimedwait(
        &stop_signals, nullptr,
        exit_after == absl::InfiniteDuration() ? nullptr : &timeout);
  } while (signo < 0 && errno == EINTR);
  if (signo < 0) return exit_code;  // --exit_after ran out
  if (notify) Notify("STOPPING=1");
  SleepFor(stop_delay);
  return exit_code;
}
