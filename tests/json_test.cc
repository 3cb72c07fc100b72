// Copyright 2026 The graceful Authors.

#include "lib/internal/json.h"

#include "gtest/gtest.h"

namespace graceful {
namespace internal {
namespace {

TEST(JsonStringTest, EscapesWhatJsonRequires) {
  EXPECT_EQ(JsonString("plain"), "\"plain\"");
  EXPECT_EQ(JsonString("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(JsonString("\n\t\r\x01\x7f"), "\"\\n\\t\\r\\u0001\\u007f\"");
  EXPECT_EQ(JsonString("µs €"), "\"µs €\"");  // valid UTF-8 passes
  EXPECT_EQ(JsonString("a\xff"
                       "b"),
            "\"a\\ufffdb\"");
  EXPECT_EQ(JsonString("\xc3"), "\"\\ufffd\"");  // truncated
  EXPECT_EQ(JsonString("\xed\xa0\x80"),          // a surrogate
            "\"\\ufffd\\ufffd\\ufffd\"");
}

}  // namespace
}  // namespace internal
}  // namespace graceful
