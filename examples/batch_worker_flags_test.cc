// Copyright 2026 The graceful Authors.

#include "examples/batch_worker_flags.h"

#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace batch_worker {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<Config> Parse(std::initializer_list<std::string> args) {
  std::vector<std::string> storage = {"batch_worker"};
  storage.insert(storage.end(), args);
  std::vector<char*> argv;
  for (std::string& arg : storage) argv.push_back(arg.data());
  return ParseFlags(static_cast<int>(argv.size()), argv.data());
}

TEST(ParseFlagsTest, Defaults) {
  absl::StatusOr<Config> config = Parse({});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->help);
  EXPECT_EQ(config->input, "");
  EXPECT_EQ(config->items, 100000);
  EXPECT_EQ(config->output, "batch_worker.out");
  EXPECT_GE(config->workers, 1);
  EXPECT_EQ(config->grace, absl::Seconds(25));
  EXPECT_EQ(config->work_us, 100);
  EXPECT_EQ(config->report_json, "");
}

TEST(ParseFlagsTest, EqualsAndSeparateValues) {
  absl::StatusOr<Config> config =
      Parse({"--input=in", "--output", "out", "-workers=3", "--grace=500ms",
             "--work_us", "0", "--report_json=r.json", "--items=7"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->input, "in");
  EXPECT_EQ(config->output, "out");
  EXPECT_EQ(config->workers, 3);
  EXPECT_EQ(config->grace, absl::Milliseconds(500));
  EXPECT_EQ(config->work_us, 0);
  EXPECT_EQ(config->report_json, "r.json");
  EXPECT_EQ(config->items, 7);
}

TEST(ParseFlagsTest, EachCallStartsFromTheDefaults) {
  ASSERT_TRUE(Parse({"--workers=7"}).ok());
  absl::StatusOr<Config> config = Parse({});
  ASSERT_TRUE(config.ok());
  EXPECT_NE(config->workers, 7);
}

TEST(ParseFlagsTest, Help) {
  absl::StatusOr<Config> config = Parse({"--workers=3", "--help"});
  ASSERT_TRUE(config.ok());
  EXPECT_TRUE(config->help);
  EXPECT_THAT(Usage(), HasSubstr("--report_json (default: none)"));
}

TEST(ParseFlagsTest, UsageErrorsAreOneLineNamingTheProblem) {
  const struct {
    std::initializer_list<std::string> args;
    const char* message;
  } cases[] = {
      {{"--bogus=1"}, "unknown flag --bogus (see --help)"},
      {{"--help_me"}, "unknown flag --help_me"},
      {{"extra"}, "unexpected argument 'extra'"},
      {{"--"}, "unexpected argument '--'"},
      {{"--items"}, "flag --items needs a value"},
      {{"--workers=0"}, "--workers=0: need at least 1 worker"},
      {{"--workers=x"}, "--workers=x: not an integer"},
      {{"--workers=\n"}, "--workers=\\x0a: not an integer"},
      {{"--grace=0"}, "--grace=0: the grace period must be positive"},
      {{"--grace=-1s"}, "--grace=-1s: the grace period must be positive"},
      {{"--grace=10"}, "--grace=10: not a positive duration"},
      {{"--items=-3"}, "--items=-3: must not be negative"},
      {{"--work_us=-3"}, "--work_us=-3: must not be negative"},
      {{"--output="}, "--output is empty"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<Config> config = Parse(c.args);
    ASSERT_FALSE(config.ok()) << *c.args.begin();
    EXPECT_TRUE(absl::IsInvalidArgument(config.status()));
    EXPECT_THAT(config.status().message(), HasSubstr(c.message));
    EXPECT_EQ(config.status().message().find('\n'), absl::string_view::npos);
  }
}

}  // namespace
}  // namespace batch_worker
