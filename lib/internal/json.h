// Copyright 2026 The graceful Authors.
//
// JSON text helpers shared by the report (ShutdownReport::ToJson) and the
// project's programs (tools/, examples/).

#ifndef GRACEFUL_LIB_INTERNAL_JSON_H_
#define GRACEFUL_LIB_INTERNAL_JSON_H_

#include <string>

#include "absl/strings/string_view.h"

namespace graceful {
namespace internal {

// `text` as a JSON string literal, quotes included: quotes, backslashes and
// control characters escaped; bytes that are not well-formed UTF-8 replaced
// by U+FFFD, so the result is always valid JSON.
std::string JsonString(absl::string_view text);

}  // namespace internal
}  // namespace graceful

#endif  // GRACEFUL_LIB_INTERNAL_JSON_H_
