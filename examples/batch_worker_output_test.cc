// Copyright 2026 The graceful Authors.

#include "examples/batch_worker_output.h"

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "examples/batch_worker_testing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace batch_worker {
namespace {

using batch_worker_testing::NewTempDir;
using batch_worker_testing::ReadFileOrDie;
using batch_worker_testing::WriteFileOrDie;
using ::testing::HasSubstr;

constexpr char kName[] = "--output=x";

TEST(ScanOutputTest, EmptyFileHasNothingDone) {
  absl::StatusOr<OutputScan> scan = ScanOutput("", 10, kName);
  ASSERT_TRUE(scan.ok());
  EXPECT_EQ(scan->done.count(), 0u);
  EXPECT_EQ(scan->valid_bytes, 0u);
  EXPECT_EQ(scan->torn_bytes, 0u);
}

TEST(ScanOutputTest, MarksDoneRecordsAndFindsTheTornTail) {
  absl::StatusOr<OutputScan> scan = ScanOutput(
      "3\t0123456789abcdef\n0\tffffffffffffffff\n7\t01", 10, kName);
  ASSERT_TRUE(scan.ok()) << scan.status();
  EXPECT_EQ(scan->lines, 2u);
  EXPECT_EQ(scan->done.count(), 2u);
  EXPECT_TRUE(scan->done.Test(0));
  EXPECT_TRUE(scan->done.Test(3));
  EXPECT_FALSE(scan->done.Test(7));
  EXPECT_EQ(scan->valid_bytes, 38u);
  EXPECT_EQ(scan->torn_bytes, 4u);
}

TEST(ScanOutputTest, AllTornWhenThereIsNoNewline) {
  absl::StatusOr<OutputScan> scan = ScanOutput("12\t0ab", 100, kName);
  ASSERT_TRUE(scan.ok());
  EXPECT_EQ(scan->valid_bytes, 0u);
  EXPECT_EQ(scan->torn_bytes, 6u);
}

TEST(ScanOutputTest, CountsDuplicates) {
  absl::StatusOr<OutputScan> scan = ScanOutput(
      "1\t0123456789abcdef\n1\t0123456789abcdef\n", 2, kName);
  ASSERT_TRUE(scan.ok());
  EXPECT_EQ(scan->done.count(), 1u);
  EXPECT_EQ(scan->duplicates, 1u);
}

TEST(ScanOutputTest, RejectsMalformedLines) {
  for (const char* bad : {
           "\n",                          // empty line
           "x\t0123456789abcdef\n",       // not a number
           "1 0123456789abcdef\n",        // no tab
           "1\t0123456789abcde\n",        // 15 digits
           "1\t0123456789abcdef0\n",      // 17 digits
           "1\t0123456789ABCDEF\n",       // uppercase
           "1\t0123456789abcdef\t\n",     // extra field
           "-1\t0123456789abcdef\n",      // sign
           "99999999999999999999999\t0123456789abcdef\n",  // overflow
       }) {
    absl::StatusOr<OutputScan> scan =
        ScanOutput(absl::StrCat("0\t0123456789abcdef\n", bad), 10, kName);
    ASSERT_FALSE(scan.ok()) << bad;
    EXPECT_THAT(scan.status().message(), HasSubstr("--output=x line 2 is not"));
  }
}

TEST(ScanOutputTest, RejectsIdsOfAnotherJob) {
  absl::StatusOr<OutputScan> scan =
      ScanOutput("10\t0123456789abcdef\n", 10, kName);
  ASSERT_FALSE(scan.ok());
  EXPECT_THAT(scan.status().message(),
              HasSubstr("line 1 is for record 10 but there are 10 records"));
}

TEST(OutputFileTest, CreatesAMissingFile) {
  const std::string path = NewTempDir() + "/out";
  absl::StatusOr<OutputFile> file = OutputFile::Open(path, 5);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->scan().done.count(), 0u);
  EXPECT_EQ(ReadFileOrDie(path), "");
}

TEST(OutputFileTest, CutsTheTornLastLine) {
  const std::string path = NewTempDir() + "/out";
  WriteFileOrDie(path, "1\t0123456789abcdef\n2\t0123");
  absl::StatusOr<OutputFile> file = OutputFile::Open(path, 5);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(ReadFileOrDie(path), "1\t0123456789abcdef\n");
  EXPECT_EQ(file->scan().torn_bytes, 6u);
  EXPECT_TRUE(file->scan().done.Test(1));
}

TEST(OutputFileTest, NamesTheProblem) {
  const std::string dir = NewTempDir();
  EXPECT_EQ(OutputFile::Open(dir, 1).status().message(),
            absl::StrCat("cannot write --output=", dir, ": Is a directory"));
  EXPECT_EQ(
      OutputFile::Open(dir + "/no/out", 1).status().message(),
      absl::StrCat("cannot write --output=", dir,
                   "/no/out: No such file or directory"));
}

TEST(LineBatchTest, WritesWholeLinesAndCountsThem) {
  const std::string path = NewTempDir() + "/out";
  absl::StatusOr<OutputFile> file = OutputFile::Open(path, 100000);
  ASSERT_TRUE(file.ok());
  std::atomic<uint64_t> written{0};
  LineBatch batch(*file, &written, "--output=out");
  std::string expected;
  for (uint64_t id = 0; id < 10000; ++id) {
    ASSERT_TRUE(batch.Add(id, id * 0x9e3779b97f4a7c15u).ok());
    char line[64];
    snprintf(line, sizeof(line), "%llu\t%016llx\n",
             static_cast<unsigned long long>(id),
             static_cast<unsigned long long>(id * 0x9e3779b97f4a7c15u));
    expected += line;
  }
  // More than one write's worth: some were flushed by Add().
  EXPECT_GT(written.load(), 0u);
  EXPECT_LT(written.load(), 10000u);
  ASSERT_TRUE(batch.Flush().ok());
  EXPECT_EQ(written.load(), 10000u);
  EXPECT_EQ(batch.buffered_lines(), 0u);
  EXPECT_EQ(ReadFileOrDie(path), expected);
}

TEST(LineBatchTest, FailedWriteIsAnError) {
  absl::StatusOr<OutputFile> file = OutputFile::Open("/dev/full", 10);
  ASSERT_TRUE(file.ok()) << file.status();
  std::atomic<uint64_t> written{0};
  LineBatch batch(*file, &written, "--output=/dev/full");
  ASSERT_TRUE(batch.Add(1, 2).ok());
  const absl::Status status = batch.Flush();
  EXPECT_TRUE(absl::IsResourceExhausted(status)) << status;
  EXPECT_THAT(status.message(),
              HasSubstr("cannot write --output=/dev/full: No space left"));
  EXPECT_EQ(written.load(), 0u);
}

}  // namespace
}  // namespace batch_worker
