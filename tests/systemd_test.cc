// Copyright 2026 The graceful Authors.
//
// Tests of graceful::SystemdNotifier against a real peer: the test binds an
// AF_UNIX datagram socket, as systemd does, points NOTIFY_SOCKET at it, and
// checks every datagram that arrives, in order, and who sent it.
//
// End-to-end tests run tests/systemd_helper (through /usr/bin/env, which
// sets the variables systemd would and execs the helper in the same
// process), send it real signals and check the exact sequence of messages.
// In-process tests feed the installed event handler synthetic events.

#include "graceful/systemd.h"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "graceful/events.h"
#include "graceful/runtime_options.h"
#include "graceful/shutdown_report.h"
#include "gtest/gtest.h"
#include "tests/child_process.h"

namespace graceful {
namespace {

using ::graceful::testing::ChildProcess;
using ::graceful::testing::DescribeStatus;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Generous: a watchdog against a broken runtime, never part of an assertion.
constexpr absl::Duration kBudget = absl::Seconds(60);

// A datagram and the pid the kernel says sent it (SCM_CREDENTIALS).
struct Datagram {
  std::string text;
  pid_t pid = 0;
};

// The test's end of the notify protocol: what systemd binds.
class NotifyPeer {
 public:
  // A socket file in TEST_TMPDIR (or under /tmp when TEST_TMPDIR is too
  // long for sun_path), or an abstract socket when `abstract`.
  explicit NotifyPeer(bool abstract = false) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) Fail("socket");
    const int on = 1;
    if (setsockopt(fd_, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) != 0) {
      Fail("setsockopt(SO_PASSCRED)");
    }
    sockaddr_un address = {};
    address.sun_family = AF_UNIX;
    socklen_t length;
    if (abstract) {
      address_ = absl::StrCat("@graceful-systemd-test-", getpid(), "-",
                              absl::ToUnixNanos(absl::Now()));
      memcpy(address.sun_path + 1, address_.data() + 1, address_.size() - 1);
      length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) +
                                      address_.size());
    } else {
      const char* tmp = getenv("TEST_TMPDIR");
      std::string dir = tmp != nullptr ? tmp : "/tmp";
      if (dir.size() + 16 >= sizeof(address.sun_path)) dir = "/tmp";
      std::string templ = dir + "/sdXXXXXX";
      if (mkdtemp(templ.data()) == nullptr) Fail("mkdtemp");
      dir_ = templ;
      address_ = dir_ + "/notify";
      memcpy(address.sun_path, address_.c_str(), address_.size() + 1);
      length = sizeof(address);
    }
    if (bind(fd_, reinterpret_cast<const sockaddr*>(&address), length) != 0) {
      Fail("bind");
    }
  }

  ~NotifyPeer() {
    close(fd_);
    if (!dir_.empty()) {
      unlink(address_.c_str());
      rmdir(dir_.c_str());
    }
  }

  NotifyPeer(const NotifyPeer&) = delete;
  NotifyPeer& operator=(const NotifyPeer&) = delete;

  // The value for NOTIFY_SOCKET.
  const std::string& address() const { return address_; }

  // The next datagram, or nullopt if none came within `budget`.
  std::optional<Datagram> Receive(absl::Duration budget) {
    const absl::Time deadline = absl::Now() + budget;
    for (;;) {
      const absl::Duration left = deadline - absl::Now();
      pollfd fds = {fd_, POLLIN, 0};
      const int ready = poll(
          &fds, 1,
          static_cast<int>(absl::ToInt64Milliseconds(
              std::max(left, absl::ZeroDuration()))));
      if (ready > 0) break;
      if (ready < 0 && errno == EINTR) continue;
      return std::nullopt;
    }
    char buffer[4096];
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
    iovec iov = {buffer, sizeof(buffer)};
    msghdr message = {};
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof(control);
    const ssize_t got = recvmsg(fd_, &message, MSG_DONTWAIT);
    if (got < 0) return std::nullopt;
    Datagram datagram;
    datagram.text.assign(buffer, static_cast<size_t>(got));
    for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr;
         c = CMSG_NXTHDR(&message, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
        ucred credentials;
        memcpy(&credentials, CMSG_DATA(c), sizeof(credentials));
        datagram.pid = credentials.pid;
      }
    }
    return datagram;
  }

  // Receives datagrams into `log` until one starts with `prefix` (true) or
  // none came for `budget` (false).
  bool ReceiveUntil(absl::string_view prefix, std::vector<Datagram>& log,
                    absl::Duration budget = kBudget) {
    for (;;) {
      std::optional<Datagram> datagram = Receive(budget);
      if (!datagram.has_value()) return false;
      log.push_back(*datagram);
      if (absl::StartsWith(datagram->text, prefix)) return true;
    }
  }

  // Everything already queued.
  void Drain(std::vector<Datagram>& log) {
    while (std::optional<Datagram> datagram = Receive(absl::ZeroDuration())) {
      log.push_back(*datagram);
    }
  }

 private:
  [[noreturn]] static void Fail(const char* what) {
    perror(what);
    abort();
  }

  int fd_ = -1;
  std::string dir_;
  std::string address_;
};

// The helper, with exactly these systemd variables in its environment.
std::unique_ptr<ChildProcess> StartHelper(std::vector<std::string> env,
                                          std::vector<std::string> flags) {
  std::vector<std::string> argv = {"/usr/bin/env", "-u", "NOTIFY_SOCKET",
                                   "-u", "WATCHDOG_USEC", "-u",
                                   "WATCHDOG_PID"};
  argv.insert(argv.end(), env.begin(), env.end());
  argv.push_back("tests/systemd_helper");
  argv.insert(argv.end(), flags.begin(), flags.end());
  return std::make_unique<ChildProcess>(std::move(argv));
}

std::vector<std::string> Texts(const std::vector<Datagram>& log,
                               bool keep_watchdog = false) {
  std::vector<std::string> texts;
  for (const Datagram& datagram : log) {
    if (!keep_watchdog && datagram.text == "WATCHDOG=1") continue;
    texts.push_back(datagram.text);
  }
  return texts;
}

size_t CountWatchdog(const std::vector<Datagram>& log) {
  size_t count = 0;
  for (const Datagram& datagram : log) count += datagram.text == "WATCHDOG=1";
  return count;
}

std::string TermFromTest() {
  return absl::StrCat("SIGTERM from pid ", getpid(), " uid ", getuid());
}

constexpr char kExtend[] = "\nEXTEND_TIMEOUT_USEC=30000000";

// What a SIGTERM from the test makes the helper with --workers=2
// --hooks=flush,close send, READY=1 included.
std::vector<std::string> SigtermSequence() {
  return {
      "READY=1\nSTATUS=running: 2 workers",
      absl::StrCat("STOPPING=1\nSTATUS=stopping (", TermFromTest(), ")",
                   kExtend),
      absl::StrCat("STATUS=stopping (SIGTERM): 1 worker left", kExtend),
      absl::StrCat("STATUS=stopping (SIGTERM): 0 workers left", kExtend),
      absl::StrCat("STATUS=stopping (SIGTERM): 0 workers left, 2 hooks left "
                   "(running 'close')",
                   kExtend),
      absl::StrCat("STATUS=stopping (SIGTERM): 0 workers left, 1 hook left",
                   kExtend),
      absl::StrCat("STATUS=stopping (SIGTERM): 0 workers left, 1 hook left "
                   "(running 'flush')",
                   kExtend),
      absl::StrCat("STATUS=stopping (SIGTERM): 0 workers left, 0 hooks left",
                   kExtend),
      "STATUS=stopped (SIGTERM): exit status 143",
  };
}


TEST(SystemdNotifyTest, SigtermSendsStoppingProgressAndExtendInOrder) {
  NotifyPeer peer;
  auto child = StartHelper({"NOTIFY_SOCKET=" + peer.address()},
                           {"--workers=2", "--hooks=flush,close"});
  std::vector<Datagram> log;
  ASSERT_TRUE(peer.ReceiveUntil("READY=1", log))
      << "stdout:\n" << child->out() << "\nstderr:\n" << child->err();
  ASSERT_TRUE(child->WaitForOutput("READY\n")) << child->err();
  EXPECT_THAT(child->out(), HasSubstr("notifier: enabled=1 watchdog=inf "
                                      "heartbeat=inf\n"));

  child->Signal(SIGTERM);
  ASSERT_TRUE(peer.ReceiveUntil("STATUS=stopped", log)) << child->err();
  const int status = child->WaitStatus();
  peer.Drain(log);

  EXPECT_KILLED_BY(status, SIGTERM);
  EXPECT_EQ(CountWatchdog(log), 0u);  // no WATCHDOG_USEC, no pings
  const std::vector<std::string> expected = SigtermSequence();
  EXPECT_EQ(Texts(log), expected);
  // All from the main process: what NotifyAccess=main accepts.
  for (const Datagram& datagram : log) {
    EXPECT_EQ(datagram.pid, child->pid()) << datagram.text;
  }
}

TEST(SystemdNotifyTest, ChildrenDoNotInheritTheNotifyVariables) {
  NotifyPeer peer;
  auto child = StartHelper({"NOTIFY_SOCKET=" + peer.address(),
                            "WATCHDOG_USEC=30000000"},
                           {"--workers=1"});
  ASSERT_TRUE(child->WaitForOutput("READY\n")) << child->err();
  EXPECT_THAT(child->out(),
              HasSubstr("child env: NOTIFY_SOCKET=unset WATCHDOG_USEC=unset "
                        "WATCHDOG_PID=unset\n"));
  child->Signal(SIGTERM);
  const int status = child->WaitStatus();
  EXPECT_KILLED_BY(status, SIGTERM);
}

TEST(SystemdNotifyTest, WatchdogPingsFromTheSignalThreadWhileWorkersRun) {
  NotifyPeer peer;
  auto child = StartHelper(
      {"NOTIFY_SOCKET=" + peer.address(), "WATCHDOG_USEC=200000"},
      {"--workers=2", "--hooks=flush,close"});
  std::vector<Datagram> log;
  ASSERT_TRUE(peer.ReceiveUntil("READY=1", log)) << child->err();
  ASSERT_TRUE(child->WaitForOutput("READY\n")) << child->err();
  // Half of WATCHDOG_USEC, as sd_watchdog_enabled(3) advises.
  EXPECT_THAT(child->out(), HasSubstr("notifier: enabled=1 watchdog=200ms "
                                      "heartbeat=100ms\n"));
  // Waits (bounded by the budget, not timed) for the first ping.
  ASSERT_TRUE(peer.ReceiveUntil("WATCHDOG=1", log)) << child->err();

  child->Signal(SIGTERM);
  ASSERT_TRUE(peer.ReceiveUntil("STATUS=stopped", log)) << child->err();
  const int status = child->WaitStatus();
  peer.Drain(log);

  EXPECT_KILLED_BY(status, SIGTERM);
  EXPECT_GE(CountWatchdog(log), 1u);
  // Pings start after READY=1 (the workers run by then) and interleave
  // with the rest, which is unchanged.
  EXPECT_EQ(log.front().text.rfind("READY=1", 0), 0u);
  const std::vector<std::string> expected = SigtermSequence();
  EXPECT_EQ(Texts(log), expected);
  for (const Datagram& datagram : log) {
    EXPECT_EQ(datagram.pid, child->pid()) << datagram.text;
  }
}

TEST(SystemdNotifyTest, WatchdogForAnotherPidIsOffAndStillUnset) {
  NotifyPeer peer;
  // WATCHDOG_PID=1: systemd set the watchdog for another process (ours got
  // the variables by inheritance); sd_watchdog_enabled() says no.
  auto child = StartHelper({"NOTIFY_SOCKET=" + peer.address(),
                            "WATCHDOG_USEC=1000", "WATCHDOG_PID=1"},
                           {"--workers=1"});
  std::vector<Datagram> log;
  ASSERT_TRUE(peer.ReceiveUntil("READY=1", log)) << child->err();
  ASSERT_TRUE(child->WaitForOutput("READY\n")) << child->err();
  EXPECT_THAT(child->out(), HasSubstr("notifier: enabled=1 watchdog=inf "
                                      "heartbeat=inf\n"));
  EXPECT_THAT(child->out(),
              HasSubstr("child env: NOTIFY_SOCKET=unset WATCHDOG_USEC=unset "
                        "WATCHDOG_PID=unset\n"));
  child->Signal(SIGTERM);
  ASSERT_TRUE(peer.ReceiveUntil("STATUS=stopped", log)) << child->err();
  const int status = child->WaitStatus();
  peer.Drain(log);
  EXPECT_KILLED_BY(status, SIGTERM);
  EXPECT_EQ(CountWatchdog(log), 0u);
}

TEST(SystemdNotifyTest, RequestStopOnAnAbstractSocketWithoutExtend) {
  NotifyPeer peer(/*abstract=*/true);
  auto child = StartHelper({"NOTIFY_SOCKET=" + peer.address()},
                           {"--workers=1", "--request_stop", "--extend_ms=0"});
  std::vector<Datagram> log;
  ASSERT_TRUE(peer.ReceiveUntil("STATUS=stopped", log))
      << "stdout:\n" << child->out() << "\nstderr:\n" << child->err();
  const int status = child->WaitStatus();
  peer.Drain(log);

  EXPECT_EXITED_WITH(status, 0);
  EXPECT_THAT(Texts(log),
              ElementsAre("READY=1\nSTATUS=running: 1 worker",
                          "STOPPING=1\nSTATUS=stopping (requested)",
                          "STATUS=stopping (requested): 0 workers left",
                          "STATUS=stopped (requested): exit status 0"));
}

TEST(SystemdNotifyTest, SecondSignalReportsTheForcedExit) {
  NotifyPeer peer;
  auto child = StartHelper({"NOTIFY_SOCKET=" + peer.address()},
                           {"--workers=0", "--stubborn"});
  std::vector<Datagram> log;
  ASSERT_TRUE(peer.ReceiveUntil("READY=1", log)) << child->err();
  ASSERT_TRUE(child->WaitForOutput("READY\n")) << child->err();
  child->Signal(SIGTERM);
  ASSERT_TRUE(peer.ReceiveUntil("STOPPING=1", log)) << child->err();
  child->SignalAgain(SIGTERM);
  ASSERT_TRUE(peer.ReceiveUntil("STATUS=forcing exit", log)) << child->err();
  const int status = child->WaitStatus();
  peer.Drain(log);

  EXPECT_EXITED_WITH(status, 124);
  EXPECT_THAT(
      Texts(log),
      ElementsAre("READY=1\nSTATUS=running: 1 worker",
                  absl::StrCat("STOPPING=1\nSTATUS=stopping (", TermFromTest(),
                               ")", kExtend),
                  "STATUS=forcing exit (second stop signal): 1 worker still "
                  "running"));
}

// In-process tests: the notifier reads the test's own environment.

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() { unsetenv(name_); }

 private:
  const char* name_;
};

TEST(SystemdNotifierTest, DisabledWithoutNotifySocket) {
  unsetenv("NOTIFY_SOCKET");
  ScopedEnv watchdog("WATCHDOG_USEC", "1000000");
  absl::StatusOr<SystemdNotifier> notifier = SystemdNotifier::FromEnvironment();
  ASSERT_TRUE(notifier.ok()) << notifier.status();
  EXPECT_FALSE(notifier->enabled());
  EXPECT_EQ(notifier->watchdog_timeout(), absl::InfiniteDuration());
  EXPECT_EQ(getenv("WATCHDOG_USEC"), nullptr);

  RuntimeOptions options;
  notifier->Install(options);
  using Handler = void (*)(const Event&);
  ASSERT_NE(options.on_event.target<Handler>(), nullptr);
  EXPECT_EQ(*options.on_event.target<Handler>(), &LogEventToStderr);
  EXPECT_EQ(options.heartbeat_interval, absl::InfiniteDuration());
  EXPECT_TRUE(notifier->NotifyReady().ok());
  EXPECT_TRUE(notifier->Notify("STATUS=x").ok());
}

TEST(SystemdNotifierTest, RejectsMalformedVariablesAndStillUnsetsThem) {
  {
    ScopedEnv socket("NOTIFY_SOCKET", "relative/notify");
    absl::StatusOr<SystemdNotifier> notifier =
        SystemdNotifier::FromEnvironment();
    EXPECT_EQ(notifier.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(notifier.status().message(), HasSubstr("NOTIFY_SOCKET"));
    EXPECT_EQ(getenv("NOTIFY_SOCKET"), nullptr);
  }
  {
    ScopedEnv socket("NOTIFY_SOCKET", "/" + std::string(200, 'x'));
    EXPECT_EQ(SystemdNotifier::FromEnvironment().status().code(),
              absl::StatusCode::kInvalidArgument);
  }
  {
    ScopedEnv socket("NOTIFY_SOCKET", "/run/systemd/notify");
    ScopedEnv watchdog("WATCHDOG_USEC", "soon");
    absl::StatusOr<SystemdNotifier> notifier =
        SystemdNotifier::FromEnvironment();
    EXPECT_EQ(notifier.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(notifier.status().message(), HasSubstr("WATCHDOG_USEC"));
    EXPECT_EQ(getenv("NOTIFY_SOCKET"), nullptr);
    EXPECT_EQ(getenv("WATCHDOG_USEC"), nullptr);
  }
  {
    // A programming error: refused with or without systemd.
    EXPECT_EQ(SystemdNotifier::FromEnvironment(
                  {.extend_timeout = absl::Seconds(-1)})
                  .status()
                  .code(),
              absl::StatusCode::kInvalidArgument);
    ScopedEnv socket("NOTIFY_SOCKET", "/run/systemd/notify");
    EXPECT_EQ(SystemdNotifier::FromEnvironment(
                  {.extend_timeout = absl::Seconds(-1)})
                  .status()
                  .code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(getenv("NOTIFY_SOCKET"), nullptr);
  }
}

// A notifier on `peer`, installed in `options` over a handler that records
// the events it is passed.
SystemdNotifier InstallOn(NotifyPeer& peer, RuntimeOptions& options,
                          std::vector<EventType>& passed_on,
                          SystemdOptions systemd_options = {}) {
  ScopedEnv socket("NOTIFY_SOCKET", peer.address());
  absl::StatusOr<SystemdNotifier> notifier =
      SystemdNotifier::FromEnvironment(systemd_options);
  EXPECT_TRUE(notifier.ok()) << notifier.status();
  EXPECT_EQ(getenv("NOTIFY_SOCKET"), nullptr);
  options.on_event = [&passed_on](const Event& event) {
    passed_on.push_back(event.type);
  };
  notifier->Install(options);
  return *notifier;
}

TEST(SystemdNotifierTest, HoldsEventsThatOvertakeTheStopUntilStoppingIsSent) {
  NotifyPeer peer;
  RuntimeOptions options;
  std::vector<EventType> passed_on;
  SystemdNotifier notifier = InstallOn(peer, options, passed_on,
                                       {.extend_timeout = absl::Seconds(7)});
  const absl::Time now = absl::Now();

  // A worker saw the stop flag and returned before the runtime reported
  // the stop: the order the runtime's threads may report them in.
  options.on_event({.type = EventType::kWorkerFinished,
                    .name = "w",
                    .workers_running = 1,
                    .stop_requested_at = now});
  options.on_event({.type = EventType::kStopRequested,
                    .cause = StopCause::kWorkerFailed,
                    .status = absl::InternalError("disk\nfull"),
                    .stop_requested_at = now});
  options.on_event({.type = EventType::kHeartbeat, .workers_running = 1});
  options.on_event({.type = EventType::kEscalation,
                    .workers_running = 1,
                    .forced = ForcedReason::kDeadline});
  std::vector<Datagram> log;
  peer.Drain(log);

  EXPECT_THAT(
      Texts(log, /*keep_watchdog=*/true),
      ElementsAre("STOPPING=1\nSTATUS=stopping (worker failed: disk full)\n"
                  "EXTEND_TIMEOUT_USEC=7000000",
                  "STATUS=stopping (worker failed): 1 worker left\n"
                  "EXTEND_TIMEOUT_USEC=7000000",
                  "STATUS=forcing exit (grace period ran out): 1 worker "
                  "still running"));
  // The previous handler saw every event, in order, after the notifier.
  EXPECT_THAT(passed_on,
              ElementsAre(EventType::kWorkerFinished,
                          EventType::kStopRequested, EventType::kHeartbeat,
                          EventType::kEscalation));
  // Past READY: a late NotifyReady() sends nothing.
  EXPECT_TRUE(notifier.NotifyReady().ok());
  log.clear();
  peer.Drain(log);
  EXPECT_THAT(log, IsEmpty());
}

TEST(SystemdNotifierTest, ReportsWorkersThatReturnBeforeAnyStop) {
  NotifyPeer peer;
  RuntimeOptions options;
  std::vector<EventType> passed_on;
  SystemdNotifier notifier = InstallOn(peer, options, passed_on);
  EXPECT_TRUE(notifier.NotifyReady("").ok());
  options.on_event({.type = EventType::kWorkerFinished,
                    .name = "w",
                    .workers_running = 3});
  EXPECT_TRUE(notifier.Notify("STATUS=custom").ok());
  std::vector<Datagram> log;
  peer.Drain(log);
  EXPECT_THAT(Texts(log), ElementsAre("READY=1", "STATUS=running: 3 workers",
                                      "STATUS=custom"));
}

TEST(SystemdNotifierTest, WatchdogSetsTheHeartbeatToHalfOfWatchdogUsec) {
  NotifyPeer peer;
  ScopedEnv watchdog("WATCHDOG_USEC", "3000000");
  RuntimeOptions options;
  std::vector<EventType> passed_on;
  SystemdNotifier notifier = InstallOn(peer, options, passed_on);
  EXPECT_EQ(getenv("WATCHDOG_USEC"), nullptr);
  EXPECT_EQ(notifier.watchdog_timeout(), absl::Seconds(3));
  EXPECT_EQ(options.heartbeat_interval, absl::Milliseconds(1500));

  // A shorter heartbeat the application chose is kept.
  RuntimeOptions shorter;
  shorter.heartbeat_interval = absl::Seconds(1);
  notifier.Install(shorter);
  EXPECT_EQ(shorter.heartbeat_interval, absl::Seconds(1));

  options.on_event({.type = EventType::kHeartbeat, .workers_running = 2});
  std::vector<Datagram> log;
  peer.Drain(log);
  EXPECT_THAT(Texts(log, /*keep_watchdog=*/true), ElementsAre("WATCHDOG=1"));
}

TEST(SystemdNotifierTest, WatchdogCanBeTurnedOff) {
  NotifyPeer peer;
  ScopedEnv watchdog("WATCHDOG_USEC", "3000000");
  RuntimeOptions options;
  std::vector<EventType> passed_on;
  SystemdNotifier notifier =
      InstallOn(peer, options, passed_on, {.watchdog = false});
  EXPECT_EQ(getenv("WATCHDOG_USEC"), nullptr);
  EXPECT_EQ(notifier.watchdog_timeout(), absl::InfiniteDuration());
  EXPECT_EQ(options.heartbeat_interval, absl::InfiniteDuration());
  options.on_event({.type = EventType::kHeartbeat, .workers_running = 2});
  std::vector<Datagram> log;
  peer.Drain(log);
  EXPECT_THAT(log, IsEmpty());
}

TEST(SystemdNotifierTest, SendingToAVanishedPeerFailsWithoutBlocking) {
  std::optional<NotifyPeer> peer(std::in_place);
  RuntimeOptions options;
  std::vector<EventType> passed_on;
  SystemdNotifier notifier = InstallOn(*peer, options, passed_on);
  peer.reset();  // systemd went away
  EXPECT_EQ(notifier.Notify("STATUS=x").code(),
            absl::StatusCode::kUnavailable);
  // Events still reach the previous handler.
  options.on_event({.type = EventType::kStopRequested,
                    .cause = StopCause::kRequested});
  EXPECT_THAT(passed_on, ElementsAre(EventType::kStopRequested));
}

}  // namespace
}  // namespace graceful
