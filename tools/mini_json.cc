// Copyright 2026 The graceful Authors.

#include "tools/mini_json.h"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace graceful {
namespace stopwatch {
namespace testing {
namespace {

const Json& NullJson() {
  static const Json* const kNull = new Json();
  return *kNull;
}

void AppendUtf8(uint32_t code_point, std::string& out) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

class Parser {
 public:
  explicit Parser(absl::string_view text) : text_(text) {}

  absl::StatusOr<Json> ParseDocument() {
    Json value;
    if (!ParseValue(value, 0)) return Error();
    SkipWhitespace();
    if (pos_ != text_.size()) {
      error_ = "text after the value";
      return Error();
    }
    return value;
  }

 private:
  static constexpr int kMaxDepth = 64;

  absl::Status Error() const {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JSON at byte ", pos_, ": ", error_));
  }

  bool Fail(const char* message) {
    error_ = message;
    return false;
  }

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }

  void SkipWhitespace() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t' || Peek() == '\n' ||
                        Peek() == '\r')) {
      ++pos_;
    }
  }

  bool Literal(absl::string_view word) {
    if (text_.substr(pos_, word.size()) != word) {
      return Fail("unknown literal");
    }
    pos_ += word.size();
    return true;
  }

  bool ParseValue(Json& value, int depth) {
    if (depth > kMaxDepth) return Fail("nested too deeply");
    SkipWhitespace();
    switch (Peek()) {
      case 'n':
        value.type = Json::Type::kNull;
        return Literal("null");
      case 't':
        value.type = Json::Type::kBool;
        value.boolean = true;
        return Literal("true");
      case 'f':
        value.type = Json::Type::kBool;
        value.boolean = false;
        return Literal("false");
      case '"':
        value.type = Json::Type::kString;
        return ParseString(value.string);
      case '[':
        value.type = Json::Type::kArray;
        return ParseArray(value, depth);
      case '{':
        value.type = Json::Type::kObject;
        return ParseObject(value, depth);
      default:
        value.type = Json::Type::kNumber;
        return ParseNumber(value.number);
    }
  }

  bool ParseArray(Json& value, int depth) {
    ++pos_;  // [
    SkipWhitespace();
    if (Peek() == ']') {
      ++pos_;
      return true;
    }
    for (;;) {
      Json element;
      if (!ParseValue(element, depth + 1)) return false;
      value.array.push_back(std::move(element));
      SkipWhitespace();
      if (Peek() == ']') {
        ++pos_;
        return true;
      }
      if (Peek() != ',') return Fail("expected ',' or ']'");
      ++pos_;
    }
  }

  bool ParseObject(Json& value, int depth) {
    ++pos_;  // {
    SkipWhitespace();
    if (Peek() == '}') {
      ++pos_;
      return true;
    }
    for (;;) {
      SkipWhitespace();
      if (Peek() != '"') return Fail("expected a member name");
      std::string key;
      if (!ParseString(key)) return false;
      SkipWhitespace();
      if (Peek() != ':') return Fail("expected ':'");
      ++pos_;
      Json member;
      if (!ParseValue(member, depth + 1)) return false;
      value.object.emplace_back(std::move(key), std::move(member));
      SkipWhitespace();
      if (Peek() == '}') {
        ++pos_;
        return true;
      }
      if (Peek() != ',') return Fail("expected ',' or '}'");
      ++pos_;
    }
  }

  bool Hex4(uint32_t& out) {
    if (pos_ + 4 > text_.size()) return Fail("short \\u escape");
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      out <<= 4;
      if (c >= '0' && c <= '9') {
        out |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        out |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        out |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return Fail("bad hex digit in \\u escape");
      }
    }
    return true;
  }

  // Copies one well-formed UTF-8 sequence starting at pos_.
  bool Utf8(std::string& out) {
    const auto byte = [&](size_t i) {
      return static_cast<unsigned char>(text_[pos_ + i]);
    };
    const unsigned char lead = byte(0);
    size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    } else {
      return Fail("invalid UTF-8");
    }
    if (pos_ + length > text_.size()) return Fail("truncated UTF-8");
    if (byte(1) < low || byte(1) > high) return Fail("invalid UTF-8");
    for (size_t i = 2; i < length; ++i) {
      if (byte(i) < 0x80 || byte(i) > 0xBF) return Fail("invalid UTF-8");
    }
    out.append(text_.data() + pos_, length);
    pos_ += length;
    return true;
  }

  bool ParseString(std::string& out) {
    ++pos_;  // "
    for (;;) {
      if (AtEnd()) return Fail("unterminated string");
      const auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return Fail("raw control character in a string");
      if (c >= 0x80) {
        if (!Utf8(out)) return false;
        continue;
      }
      ++pos_;
      if (c != '\\') {
        out += static_cast<char>(c);
        continue;
      }
      if (AtEnd()) return Fail("unterminated escape");
      const char escape = text_[pos_++];
      switch (escape) {
        case '"':
        case '\\':
        case '/':
          out += escape;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          uint32_t code_point = 0;
          if (!Hex4(code_point)) return false;
          if (code_point >= 0xD800 && code_point <= 0xDBFF) {
            uint32_t low = 0;
            if (text_.substr(pos_, 2) != "\\u") {
              return Fail("lone high surrogate");
            }
            pos_ += 2;
            if (!Hex4(low)) return false;
            if (low < 0xDC00 || low > 0xDFFF) {
              return Fail("bad low surrogate");
            }
            code_point =
                0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
          } else if (code_point >= 0xDC00 && code_point <= 0xDFFF) {
            return Fail("lone low surrogate");
          }
          AppendUtf8(code_point, out);
          break;
        }
        default:
          return Fail("unknown escape");
      }
    }
  }

  bool ParseNumber(double& out) {
    const size_t start = pos_;
    const auto digits = [&] {
      const size_t from = pos_;
      while (!AtEnd() && Peek() >= '0' && Peek() <= '9') ++pos_;
      return pos_ > from;
    };
    if (Peek() == '-') ++pos_;
    if (Peek() == '0') {
      ++pos_;
    } else if (!digits()) {
      return Fail("expected a value");
    }
    if (Peek() == '.') {
      ++pos_;
      if (!digits()) return Fail("expected digits after '.'");
    }
    if (Peek() == 'e' || Peek() == 'E') {
      ++pos_;
      if (Peek() == '+' || Peek() == '-') ++pos_;
      if (!digits()) return Fail("expected exponent digits");
    }
    out = std::strtod(std::string(text_.substr(start, pos_ - start)).c_str(),
                      nullptr);
    return true;
  }

  absl::string_view text_;
  size_t pos_ = 0;
  const char* error_ = "";
};

}  // namespace

const Json& Json::operator[](absl::string_view key) const {
  for (const auto& [name, value] : object) {
    if (name == key) return value;
  }
  return NullJson();
}

const Json& Json::operator[](size_t i) const {
  return i < array.size() ? array[i] : NullJson();
}

bool Json::has(absl::string_view key) const {
  for (const auto& member : object) {
    if (member.first == key) return true;
  }
  return false;
}

absl::StatusOr<Json> ParseJson(absl::string_view text) {
  return Parser(text).ParseDocument();
}

}  // namespace testing
}  // namespace stopwatch
}  // namespace graceful
