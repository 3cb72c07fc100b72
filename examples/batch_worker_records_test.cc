// Copyright 2026 The graceful Authors.

#include "examples/batch_worker_records.h"

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "examples/batch_worker_testing.h"
#include "gtest/gtest.h"

namespace batch_worker {
namespace {

using batch_worker_testing::NewTempDir;
using batch_worker_testing::WriteFileOrDie;

TEST(Fnv1a64Test, MatchesReferenceVectors) {
  // From the FNV reference test suite (fnv_test.c).
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325u);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cu);
  EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8u);
  EXPECT_EQ(Fnv1a64(absl::string_view("\0", 1)), 0xaf63bd4c8601b7dfu);
}

TEST(FormatLineTest, IdTabSixteenLowercaseHexDigits) {
  char line[kMaxLineBytes];
  EXPECT_EQ(absl::string_view(line, FormatLine(0, 0xab, line)),
            "0\t00000000000000ab\n");
  EXPECT_EQ(absl::string_view(line, FormatLine(UINT64_MAX, UINT64_MAX, line)),
            "18446744073709551615\tffffffffffffffff\n");
  EXPECT_EQ(FormatLine(UINT64_MAX, 0, line), kMaxLineBytes);
}

TEST(RecordsTest, EmbeddedRecordsAreItemDashId) {
  const Records records = Records::Embedded(1000);
  char scratch[32];
  EXPECT_EQ(records.size(), 1000u);
  EXPECT_EQ(records.Get(0, scratch), "item-0");
  EXPECT_EQ(records.Get(999, scratch), "item-999");
}

TEST(RecordsTest, FileRecordsAreLinesWithoutNewline) {
  const std::string path = NewTempDir() + "/input";
  WriteFileOrDie(path, absl::string_view("a\n\n\r\n\0b\nlast", 12));
  absl::StatusOr<Records> records = Records::FromFile(path);
  ASSERT_TRUE(records.ok()) << records.status();
  char scratch[32];
  ASSERT_EQ(records->size(), 5u);
  EXPECT_EQ(records->Get(0, scratch), "a");
  EXPECT_EQ(records->Get(1, scratch), "");
  EXPECT_EQ(records->Get(2, scratch), "\r");
  EXPECT_EQ(records->Get(3, scratch), absl::string_view("\0b", 2));
  EXPECT_EQ(records->Get(4, scratch), "last");
}

TEST(RecordsTest, TrailingNewlineMakesNoExtraRecord) {
  const std::string dir = NewTempDir();
  WriteFileOrDie(dir + "/one", "x\n");
  WriteFileOrDie(dir + "/empty_line", "\n");
  WriteFileOrDie(dir + "/empty", "");
  EXPECT_EQ(Records::FromFile(dir + "/one")->size(), 1u);
  EXPECT_EQ(Records::FromFile(dir + "/empty_line")->size(), 1u);
  EXPECT_EQ(Records::FromFile(dir + "/empty")->size(), 0u);
}

TEST(RecordsTest, UnreadableInputNamesTheFlagAndReason) {
  const std::string dir = NewTempDir();
  absl::StatusOr<Records> missing = Records::FromFile(dir + "/missing");
  EXPECT_EQ(missing.status().message(),
            "cannot read --input=" + dir + "/missing: No such file or directory");
  absl::StatusOr<Records> directory = Records::FromFile(dir);
  EXPECT_EQ(directory.status().message(),
            "cannot read --input=" + dir + ": Is a directory");
}

}  // namespace
}  // namespace batch_worker
