// Copyright 2026 The graceful Authors.
//
// -----------------------------------------------------------------------------
// File: tools/mini_json.h
// -----------------------------------------------------------------------------
//
// Test support: a strict RFC 8259 JSON parser, so that stopwatch's tests
// check that its JSON is valid (no trailing commas, no raw control
// characters, valid escapes and UTF-8, numbers in JSON's grammar) and read
// values out of it. Small and slow; not for production use.
//
// Example:
//
//   absl::StatusOr<Json> doc = ParseJson(text);
//   ASSERT_TRUE(doc.ok()) << doc.status();
//   EXPECT_EQ((*doc)["summary"]["clean"].number, 3);
//
// Thread safety: a plain value type.

#ifndef GRACEFUL_TOOLS_MINI_JSON_H_
#define GRACEFUL_TOOLS_MINI_JSON_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace graceful {
namespace stopwatch {
namespace testing {

struct Json {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

  Type type = Type::kNull;
  bool boolean = false;
  double number = 0;
  std::string string;  // UTF-8, escapes decoded
  std::vector<Json> array;
  std::vector<std::pair<std::string, Json>> object;  // in document order

  bool is_null() const { return type == Type::kNull; }
  // The member `key` of an object; a null value if there is none (or this
  // is not an object).
  const Json& operator[](absl::string_view key) const;
  // Element `i` of an array; a null value if out of range.
  const Json& operator[](size_t i) const;
  bool has(absl::string_view key) const;
};

// ParseJson()
//
// Parses exactly one JSON value (surrounded by optional whitespace).
// InvalidArgument with the byte offset of the first problem otherwise.
absl::StatusOr<Json> ParseJson(absl::string_view text);

}  // namespace testing
}  // namespace stopwatch
}  // namespace graceful

#endif  // GRACEFUL_TOOLS_MINI_JSON_H_
