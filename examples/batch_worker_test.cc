// Copyright 2026 The graceful Authors.
//
// End-to-end tests of //examples:batch_worker as a black box: the real
// binary, real signals, its output checked record by record against hashes
// computed here. Interruptions at random moments are in
// batch_worker_kill_test.cc.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "examples/batch_worker_testing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace batch_worker_testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr int kExitAllDone = 0;
constexpr int kExitUsage = 2;
constexpr int kExitResume = 75;
constexpr int kExitForced = 124;

class BatchWorkerTest : public ::testing::Test {
 protected:
  std::string Path(absl::string_view name) const {
    return absl::StrCat(dir_, "/", name);
  }

  // Runs batch_worker with `args` to its end.
  Outcome Run(std::vector<std::string> args, std::string* err = nullptr) {
    args.insert(args.begin(), WorkerBinary());
    Child child(args, Path("stderr"));
    const Outcome outcome = child.Wait();
    if (err != nullptr) *err = child.Stderr();
    return outcome;
  }

  const std::string dir_ = NewTempDir();
};

TEST_F(BatchWorkerTest, ProcessesEveryRecordAndExitsZero) {
  const std::string out = Path("out");
  std::string err;
  const Outcome outcome = Run({"--items=5000", "--work_us=0", "--workers=3",
                               "--output=" + out,
                               "--report_json=" + Path("report.json")},
                              &err);
  ASSERT_TRUE(outcome.ExitedWith(kExitAllDone)) << outcome.ToString() << err;
  EXPECT_TRUE(CheckOutput(ReadFileOrDie(out), EmbeddedRecords(5000),
                          /*allow_torn_tail=*/false,
                          /*require_complete=*/true));
  EXPECT_THAT(err, HasSubstr("all 5000 records done"));
  // Not a terminal: no progress line.
  EXPECT_THAT(err, Not(HasSubstr("\r")));
  EXPECT_THAT(err, Not(HasSubstr("ETA")));
  const std::string json = ReadFileOrDie(Path("report.json"));
  EXPECT_THAT(json, HasSubstr("\"state\":\"finished\""));
  EXPECT_THAT(json, HasSubstr("\"exit_code\":0,"));
  EXPECT_THAT(json, HasSubstr("\"cause\":\"work done\""));
  EXPECT_THAT(json, HasSubstr("\"records_done_this_run\":5000,"));
  EXPECT_THAT(json, HasSubstr("\"records_left\":0,"));
}

TEST_F(BatchWorkerTest, RunAfterCompletionChangesNothing) {
  const std::string out = Path("out");
  ASSERT_TRUE(Run({"--items=300", "--output=" + out}).ExitedWith(0));
  const std::string first = ReadFileOrDie(out);
  std::string err;
  ASSERT_TRUE(Run({"--items=300", "--output=" + out}, &err).ExitedWith(0));
  EXPECT_EQ(ReadFileOrDie(out), first);
  EXPECT_THAT(err, HasSubstr("0 this run, 300 before"));
}

TEST_F(BatchWorkerTest, ZeroRecordsIsDone) {
  const std::string out = Path("out");
  ASSERT_TRUE(Run({"--items=0", "--output=" + out}).ExitedWith(0));
  EXPECT_EQ(ReadFileOrDie(out), "");
  WriteFileOrDie(Path("empty"), "");
  ASSERT_TRUE(
      Run({"--input=" + Path("empty"), "--output=" + Path("out2")})
          .ExitedWith(0));
  EXPECT_EQ(ReadFileOrDie(Path("out2")), "");
}

// SIGTERM and SIGINT: records in progress are finished and written, no new
// one starts, the exit status says "run again", the report names the
// sender; the next run finishes the job.
class BatchWorkerStopTest : public BatchWorkerTest,
                            public ::testing::WithParamInterface<int> {};

TEST_P(BatchWorkerStopTest, StopsCleanlyAndResumes) {
  const int signo = GetParam();
  const std::string out = Path("out");
  const std::string json_path = Path("report.json");
  const std::vector<std::string> args = {
      WorkerBinary(), "--items=200000", "--work_us=200", "--workers=2",
      "--output=" + out, "--report_json=" + json_path};
  const std::vector<std::string> records = EmbeddedRecords(200000);
  Child child(args, Path("stderr"));
  ASSERT_TRUE(child.WaitUntilReportWritten(json_path, absl::Seconds(30)));
  // Let it write some lines first (no timing assumption: any count works).
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (absl::Now() < give_up) {
    struct stat st;
    if (stat(out.c_str(), &st) == 0 && st.st_size > 0) break;
    absl::SleepFor(absl::Milliseconds(5));
  }
  child.Signal(signo);
  const Outcome outcome = child.Wait();
  const std::string err = child.Stderr();
  ASSERT_TRUE(outcome.ExitedWith(kExitResume)) << outcome.ToString() << err;

  uint64_t lines = 0;
  ASSERT_TRUE(CheckOutput(ReadFileOrDie(out), records,
                          /*allow_torn_tail=*/false,
                          /*require_complete=*/false, &lines));
  EXPECT_GT(lines, 0u);
  EXPECT_LT(lines, records.size());

  const std::string name = signo == SIGTERM ? "SIGTERM" : "SIGINT";
  EXPECT_THAT(err, HasSubstr(absl::StrCat("stopped by ", name, " from pid ",
                                          getpid())));
  EXPECT_THAT(err, HasSubstr("signal to workers joined"));
  EXPECT_THAT(err, HasSubstr(absl::StrCat(lines, " records done this run, ",
                                          records.size() - lines, " of ",
                                          records.size(), " left")));
  const std::string json = ReadFileOrDie(json_path);
  EXPECT_THAT(json, StartsWith("{\"state\":\"finished\",\"exit_code\":75,"));
  EXPECT_THAT(json, HasSubstr("\"cause\":\"signal\""));
  EXPECT_THAT(json, HasSubstr(absl::StrCat("\"signal\":\"", name, "\"")));
  EXPECT_THAT(json, HasSubstr(absl::StrCat("\"sender_pid\":", getpid(), ",")));
  EXPECT_THAT(json, HasSubstr(absl::StrCat("\"records_done_this_run\":",
                                           lines, ",")));
  EXPECT_THAT(json, HasSubstr(absl::StrCat("\"records_left\":",
                                           records.size() - lines, ",")));
  EXPECT_THAT(json, Not(HasSubstr("\"signal_to_joined_ms\":null")));

  std::string err2;
  const Outcome rerun =
      Run({"--items=200000", "--work_us=0", "--output=" + out}, &err2);
  ASSERT_TRUE(rerun.ExitedWith(kExitAllDone)) << rerun.ToString() << err2;
  EXPECT_TRUE(CheckOutput(ReadFileOrDie(out), records,
                          /*allow_torn_tail=*/false,
                          /*require_complete=*/true));
  EXPECT_THAT(err2, HasSubstr(absl::StrCat(lines, " before")));
}

INSTANTIATE_TEST_SUITE_P(Signals, BatchWorkerStopTest,
                         ::testing::Values(SIGTERM, SIGINT),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return info.param == SIGTERM ? "Sigterm"
                                                        : "Sigint";
                         });

TEST_F(BatchWorkerTest, SigintStopsEvenWhenInheritedAsIgnored) {
  // A non-interactive shell starts background jobs with SIGINT ignored.
  Child child({WorkerBinary(), "--items=1000000", "--work_us=100",
               "--workers=2", "--output=" + Path("out"),
               "--report_json=" + Path("report.json")},
              Path("stderr"), -1, {}, /*ignored=*/{SIGINT});
  ASSERT_TRUE(
      child.WaitUntilReportWritten(Path("report.json"), absl::Seconds(30)));
  child.Signal(SIGINT);
  const Outcome outcome = child.Wait();
  EXPECT_TRUE(outcome.ExitedWith(kExitResume))
      << outcome.ToString() << child.Stderr();
}

TEST_F(BatchWorkerTest, CutsATornLastLineAndResumes) {
  const std::vector<std::string> records = EmbeddedRecords(1000);
  std::string existing;
  for (int id = 0; id < 100; ++id) {
    char line[64];
    snprintf(line, sizeof(line), "%d\t%016llx\n", id,
             static_cast<unsigned long long>(TestFnv1a64(records[id])));
    existing += line;
  }
  existing += "100\t1f9a";  // what a SIGKILL in mid-write leaves
  const std::string out = Path("out");
  WriteFileOrDie(out, existing);
  std::string err;
  const Outcome outcome =
      Run({"--items=1000", "--work_us=0", "--output=" + out,
           "--report_json=" + Path("report.json")},
          &err);
  ASSERT_TRUE(outcome.ExitedWith(kExitAllDone)) << outcome.ToString() << err;
  EXPECT_TRUE(CheckOutput(ReadFileOrDie(out), records,
                          /*allow_torn_tail=*/false,
                          /*require_complete=*/true));
  EXPECT_THAT(err, HasSubstr("900 this run, 100 before"));
  EXPECT_THAT(ReadFileOrDie(Path("report.json")),
              HasSubstr("\"torn_bytes_cut\":8,"));
}

TEST_F(BatchWorkerTest, OutputThatIsOnlyATornLineIsCut) {
  const std::string out = Path("out");
  WriteFileOrDie(out, "12");
  ASSERT_TRUE(Run({"--items=50", "--output=" + out}).ExitedWith(0));
  EXPECT_TRUE(CheckOutput(ReadFileOrDie(out), EmbeddedRecords(50),
                          /*allow_torn_tail=*/false,
                          /*require_complete=*/true));
}

TEST_F(BatchWorkerTest, AwkwardInputBytes) {
  // Empty lines, tabs, CR, NUL, invalid UTF-8, a 3 MB line, and a last line
  // without '\n'.
  std::string input;
  input += "\n";
  input += "\t\t\n";
  input += "\r\n";
  input += "a\rb\r\n";
  input += std::string("\0\0x\0", 4) + "\n";
  input += "\xff\xfe\xc3\x28 not utf-8\n";
  input += std::string(3 << 20, 'z') + "\n";
  input += "\n\n";
  for (int i = 0; i < 2000; ++i) {
    std::string line;
    for (int j = 0; j < (i * 7) % 50; ++j) {
      line += static_cast<char>((i * 31 + j * 17) % 256 == '\n'
                                    ? 0
                                    : (i * 31 + j * 17) % 256);
    }
    input += line + "\n";
  }
  input += "last line, no newline\t";
  const std::string in = Path("input");
  WriteFileOrDie(in, input);
  const std::vector<std::string> records = SplitRecords(input);
  ASSERT_EQ(records.size(), 2010u);
  ASSERT_EQ(records[0], "");
  ASSERT_EQ(records[4], std::string("\0\0x\0", 4));
  ASSERT_EQ(records.back(), "last line, no newline\t");

  const std::string out = Path("out");
  std::string err;
  const Outcome outcome = Run(
      {"--input=" + in, "--work_us=0", "--workers=3", "--output=" + out},
      &err);
  ASSERT_TRUE(outcome.ExitedWith(kExitAllDone)) << outcome.ToString() << err;
  EXPECT_TRUE(CheckOutput(ReadFileOrDie(out), records,
                          /*allow_torn_tail=*/false,
                          /*require_complete=*/true));
}

TEST_F(BatchWorkerTest, InputFromAPipe) {
  const std::string out = Path("out");
  Child child({"/bin/sh", "-c",
               absl::StrCat("printf 'a\\nb\\n\\nc' | ", WorkerBinary(),
                            " --input=/dev/stdin --output=", out)},
              Path("stderr"));
  ASSERT_TRUE(child.Wait().ExitedWith(0)) << child.Stderr();
  EXPECT_TRUE(CheckOutput(ReadFileOrDie(out), {"a", "b", "", "c"},
                          /*allow_torn_tail=*/false,
                          /*require_complete=*/true));
}

TEST_F(BatchWorkerTest, ForcedExitOnARecordThatOutlastsTheGracePeriod) {
  const std::string out = Path("out");
  // Fast records first, so that some lines are written; then records of an
  // hour each.
  ASSERT_TRUE(Run({"--items=100", "--output=" + out}).ExitedWith(0));
  Child child({WorkerBinary(), "--items=200", "--work_us=3600000000",
               "--workers=2", "--grace=300ms", "--output=" + out,
               "--report_json=" + Path("report.json")},
              Path("stderr"));
  ASSERT_TRUE(child.WaitUntilThreadsBusy("worker-", 2, absl::Milliseconds(20),
                                         absl::Seconds(30)));
  child.Signal(SIGTERM);
  const Outcome outcome = child.Wait(absl::Seconds(30));
  const std::string err = child.Stderr();
  ASSERT_TRUE(outcome.ExitedWith(kExitForced)) << outcome.ToString() << err;
  EXPECT_THAT(err, HasSubstr("the grace period ran out"));
  EXPECT_THAT(err, HasSubstr("stragglers"));
  // No torn or wrong line, nothing twice.
  const std::vector<std::string> records = EmbeddedRecords(200);
  EXPECT_TRUE(CheckOutput(ReadFileOrDie(out), records,
                          /*allow_torn_tail=*/false,
                          /*require_complete=*/false));
  const std::string json = ReadFileOrDie(Path("report.json"));
  EXPECT_THAT(json, StartsWith("{\"state\":\"forced\",\"exit_code\":124,"));
  EXPECT_THAT(json, HasSubstr("\"forced\":\"deadline\""));
  EXPECT_THAT(json, HasSubstr("\"stragglers\":[\"worker-0\",\"worker-1\"]"));
  ASSERT_TRUE(Run({"--items=200", "--work_us=0", "--output=" + out})
                  .ExitedWith(kExitAllDone));
  EXPECT_TRUE(CheckOutput(ReadFileOrDie(out), records,
                          /*allow_torn_tail=*/false,
                          /*require_complete=*/true));
}

TEST_F(BatchWorkerTest, SecondSignalForcesTheExit) {
  const std::string out = Path("out");
  Child child({WorkerBinary(), "--items=200", "--work_us=3600000000",
               "--workers=2", "--grace=1h", "--output=" + out,
               "--report_json=" + Path("report.json")},
              Path("stderr"));
  ASSERT_TRUE(child.WaitUntilThreadsBusy("worker-", 2, absl::Milliseconds(20),
                                         absl::Seconds(30)));
  child.Signal(SIGTERM);
  // Wait until the first signal is seen (the report says "stopping"), then
  // send another one.
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (absl::Now() < give_up &&
         !absl::StrContains(ReadFileIfExists(Path("report.json")),
                            "\"stopping\"")) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  absl::SleepFor(absl::Milliseconds(100));
  child.Signal(SIGINT);
  const Outcome outcome = child.Wait(absl::Seconds(30));
  const std::string err = child.Stderr();
  ASSERT_TRUE(outcome.ExitedWith(kExitForced)) << outcome.ToString() << err;
  EXPECT_THAT(err, HasSubstr("second stop signal"));
  const std::string json = ReadFileOrDie(Path("report.json"));
  EXPECT_THAT(json, HasSubstr("\"state\":\"forced\""));
  EXPECT_THAT(json, HasSubstr("\"exit_code\":124,"));
  EXPECT_THAT(json, HasSubstr("\"forced\":\"second signal\""));
  EXPECT_THAT(json, HasSubstr("\"stragglers\":[\"worker-0\",\"worker-1\"]"));
  EXPECT_TRUE(CheckOutput(ReadFileOrDie(out), EmbeddedRecords(200),
                          /*allow_torn_tail=*/false,
                          /*require_complete=*/false));
}

TEST_F(BatchWorkerTest, SecondInstanceWaitsForTheFirstToEnd) {
  // A supervisor may start the next run while the last one still finishes
  // its records: the two must not both do the records neither had done.
  const std::string out = Path("out");
  Child first({WorkerBinary(), "--items=1000", "--work_us=3600000000",
               "--workers=1", "--output=" + out,
               "--report_json=" + Path("first.json")},
              Path("first.stderr"));
  ASSERT_TRUE(first.WaitUntilReportWritten(Path("first.json"),
                                           absl::Seconds(30)));
  Child second({WorkerBinary(), "--items=1000", "--work_us=0", "--workers=2",
                "--output=" + out},
               Path("second.stderr"));
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (absl::Now() < give_up &&
         !absl::StrContains(second.Stderr(), "waiting for it to end")) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_THAT(second.Stderr(),
              HasSubstr("another process is writing --output="));
  EXPECT_EQ(ReadFileOrDie(out), "");
  first.Signal(SIGKILL);
  EXPECT_TRUE(first.Wait().KilledBy(SIGKILL));
  const Outcome outcome = second.Wait();
  ASSERT_TRUE(outcome.ExitedWith(kExitAllDone))
      << outcome.ToString() << second.Stderr();
  EXPECT_TRUE(CheckOutput(ReadFileOrDie(out), EmbeddedRecords(1000),
                          /*allow_torn_tail=*/false,
                          /*require_complete=*/true));
}

TEST_F(BatchWorkerTest, ReportToAPipeIsOneObject) {
  const std::string out = Path("out");
  Child child({"/bin/sh", "-c",
               absl::StrCat(WorkerBinary(),
                            " --items=100 --report_json=/dev/stdout --output=",
                            out, " | cat > ", Path("piped.json"))},
              Path("stderr"));
  ASSERT_TRUE(child.Wait().ExitedWith(0)) << child.Stderr();
  const std::string json = ReadFileOrDie(Path("piped.json"));
  EXPECT_THAT(json, StartsWith("{\"state\":\"finished\",\"exit_code\":0,"));
  EXPECT_EQ(json.find('\n'), json.size() - 1) << json;
}

TEST_F(BatchWorkerTest, ProgressLineOnATerminalOnly) {
  const int master = posix_openpt(O_RDWR | O_NOCTTY);
  ASSERT_GE(master, 0);
  ASSERT_EQ(grantpt(master), 0);
  ASSERT_EQ(unlockpt(master), 0);
  const int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
  ASSERT_GE(slave, 0);
  std::string seen;
  Outcome outcome;
  {
    Child child({WorkerBinary(), "--items=6000", "--work_us=250",
                 "--workers=2", "--output=" + Path("out")},
                "", slave);
    close(slave);
    char buffer[4096];
    const absl::Time give_up = absl::Now() + absl::Seconds(60);
    while (absl::Now() < give_up) {
      pollfd fd = {master, POLLIN, 0};
      if (poll(&fd, 1, 100) == 0) continue;
      const ssize_t got = read(master, buffer, sizeof(buffer));
      if (got <= 0) break;  // EIO once the child closed the terminal
      seen.append(buffer, static_cast<size_t>(got));
    }
    outcome = child.Wait();
  }
  close(master);
  ASSERT_TRUE(outcome.ExitedWith(0)) << outcome.ToString() << seen;
  EXPECT_THAT(seen, HasSubstr("\rbatch_worker: "));
  EXPECT_THAT(seen, HasSubstr("/6000 records ("));
  EXPECT_THAT(seen, HasSubstr("records/s, ETA "));
  EXPECT_THAT(seen, HasSubstr("all 6000 records done"));
}

TEST_F(BatchWorkerTest, RelativePathsUnderBazelRunMeanTheUsersDirectory) {
  Child child({WorkerBinary(), "--items=10", "--output=relative.out"},
              Path("stderr"), -1,
              {absl::StrCat("BUILD_WORKING_DIRECTORY=", dir_)});
  ASSERT_TRUE(child.Wait().ExitedWith(0)) << child.Stderr();
  EXPECT_TRUE(CheckOutput(ReadFileOrDie(Path("relative.out")),
                          EmbeddedRecords(10), false, true));
}

TEST_F(BatchWorkerTest, OutputWriteErrorIsReported) {
  std::string err;
  const Outcome outcome =
      Run({"--items=100", "--output=/dev/full", "--workers=2"}, &err);
  EXPECT_TRUE(outcome.ExitedWith(kExitUsage)) << outcome.ToString() << err;
  EXPECT_EQ(err.find('\n'), err.size() - 1) << err;
  EXPECT_THAT(err, HasSubstr("cannot write --output=/dev/full: No space left"));
}

// Every usage error: status 2, one line on stderr naming the problem.
struct UsageCase {
  UsageCase(std::string name, std::vector<std::string> args,
            std::string message, std::string existing_output = "")
      : name(std::move(name)),
        args(std::move(args)),
        message(std::move(message)),
        existing_output(std::move(existing_output)) {}

  std::string name;
  std::vector<std::string> args;  // $D is replaced by the temp directory
  std::string message;
  std::string existing_output;    // written to $D/out first, if not empty
};

class BatchWorkerUsageTest : public BatchWorkerTest,
                             public ::testing::WithParamInterface<UsageCase> {
};

TEST_P(BatchWorkerUsageTest, ExitsTwoWithOneLineNamingTheProblem) {
  const UsageCase& c = GetParam();
  if (!c.existing_output.empty()) WriteFileOrDie(Path("out"), c.existing_output);
  mkdir(Path("a_directory").c_str(), 0755);
  std::vector<std::string> args = {"--output=" + Path("out")};
  for (std::string arg : c.args) {
    for (size_t at; (at = arg.find("$D")) != std::string::npos;) {
      arg.replace(at, 2, dir_);
    }
    args.push_back(arg);
  }
  std::string err;
  const Outcome outcome = Run(args, &err);
  EXPECT_TRUE(outcome.ExitedWith(kExitUsage)) << outcome.ToString() << err;
  EXPECT_THAT(err, StartsWith("batch_worker: "));
  ASSERT_FALSE(err.empty());
  EXPECT_EQ(err.find('\n'), err.size() - 1) << "not one line: " << err;
  EXPECT_THAT(err, HasSubstr(c.message));
  if (c.existing_output.empty()) {
    EXPECT_FALSE(FileExists(Path("out"))) << "created the output anyway";
  }
}

INSTANTIATE_TEST_SUITE_P(
    BadInput, BatchWorkerUsageTest,
    ::testing::Values(
        UsageCase{"UnknownFlag", {"--bogus=1"}, "unknown flag --bogus"},
        UsageCase{"UnknownSingleDashFlag", {"-verbose"},
                  "unknown flag --verbose"},
        UsageCase{"PositionalArgument", {"input.txt"},
                  "unexpected argument 'input.txt'"},
        UsageCase{"FlagWithoutValue", {"--items"}, "--items needs a value"},
        UsageCase{"ZeroWorkers", {"--workers=0"}, "--workers=0"},
        UsageCase{"NegativeWorkers", {"--workers=-4"}, "--workers=-4"},
        UsageCase{"NonNumericWorkers", {"--workers=many"},
                  "--workers=many: not an integer"},
        UsageCase{"ZeroGrace", {"--grace=0s"}, "--grace=0: the grace period"},
        UsageCase{"NegativeGrace", {"--grace=-5s"},
                  "--grace=-5s: the grace period"},
        UsageCase{"UnparsableGrace", {"--grace=soon"},
                  "--grace=soon: not a positive duration"},
        UsageCase{"GraceWithoutUnit", {"--grace=25"}, "--grace=25: not"},
        UsageCase{"NegativeItems", {"--items=-1"}, "--items=-1"},
        UsageCase{"NegativeWork", {"--work_us=-1"}, "--work_us=-1"},
        UsageCase{"MissingInput", {"--input=$D/no_such_file"},
                  "cannot read --input="},
        UsageCase{"InputIsADirectory", {"--input=$D/a_directory"},
                  "Is a directory"},
        UsageCase{"OutputIsADirectory", {"--output=$D/a_directory"},
                  "cannot write --output="},
        UsageCase{"OutputInAMissingDirectory", {"--output=$D/no/such/out"},
                  "No such file or directory"},
        UsageCase{"ReportInAMissingDirectory",
                  {"--report_json=$D/no/such/report.json"},
                  "cannot write --report_json="},
        UsageCase{"OutputOfAnotherProgram",
                  {"--items=10"},
                  "line 2 is not an",
                  "1\t0123456789abcdef\nhello world\n"},
        UsageCase{"OutputOfAnotherJob",
                  {"--items=10"},
                  "line 1 is for record 12 but there are 10 records",
                  "12\t0123456789abcdef\n"}),
    [](const ::testing::TestParamInfo<UsageCase>& info) {
      return info.param.name;
    });

}  // namespace
}  // namespace batch_worker_testing
