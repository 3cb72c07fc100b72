// Copyright 2026 The graceful Authors.

#include "examples/batch_worker_records.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace batch_worker {
namespace {

int64_t MonotonicNanos() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

absl::Status ReadError(const std::string& path, int error) {
  return absl::InvalidArgumentError(
      absl::StrCat("cannot read --input=", path, ": ", std::strerror(error)));
}

}  // namespace

// The bytes of an input file: a read-only mapping of a regular file, or a
// copy of what a pipe or device gave.
struct Records::Mapping {
  ~Mapping() {
    if (address != nullptr) munmap(address, length);
  }
  void* address = nullptr;
  size_t length = 0;
  std::string copy;
};

Records::Records(Records&&) noexcept = default;
Records& Records::operator=(Records&&) noexcept = default;
Records::~Records() = default;

size_t FormatLine(uint64_t id, uint64_t hash, char* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  char* p = std::to_chars(out, out + 20, id).ptr;
  *p++ = '\t';
  for (int shift = 60; shift >= 0; shift -= 4) *p++ = kHex[(hash >> shift) & 0xf];
  *p++ = '\n';
  return static_cast<size_t>(p - out);
}

void BurnCpu(int64_t micros, uint64_t seed) {
  if (micros <= 0) return;
  const int64_t end = MonotonicNanos() + micros * 1000;
  uint64_t x = seed | 1;
  do {
    for (int i = 0; i < 128; ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
    }
    // Keeps the loop: the compiler must assume `x` is used.
    asm volatile("" : "+r"(x));
  } while (MonotonicNanos() < end);
}

Records Records::Embedded(uint64_t count) {
  Records records;
  records.size_ = count;
  return records;
}

absl::StatusOr<Records> Records::FromFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return ReadError(path, errno);
  struct FdCloser {
    ~FdCloser() { close(fd); }
    int fd;
  } closer{fd};
  struct stat st;
  if (fstat(fd, &st) != 0) return ReadError(path, errno);
  if (S_ISDIR(st.st_mode)) return ReadError(path, EISDIR);

  Records records;
  records.mapping_ = std::make_unique<Mapping>();
  Mapping& mapping = *records.mapping_;
  if (S_ISREG(st.st_mode) && st.st_size > 0) {
    mapping.length = static_cast<size_t>(st.st_size);
    void* address =
        mmap(nullptr, mapping.length, PROT_READ, MAP_PRIVATE, fd, 0);
    if (address == MAP_FAILED) return ReadError(path, errno);
    mapping.address = address;
    madvise(address, mapping.length, MADV_SEQUENTIAL);
    records.data_ = absl::string_view(static_cast<const char*>(address),
                                     mapping.length);
  } else {
    // Pipes, character devices, and files such as /proc ones that report a
    // size of 0: read to the end.
    char buffer[1 << 16];
    for (;;) {
      const ssize_t got = read(fd, buffer, sizeof(buffer));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return ReadError(path, errno);
      if (got == 0) break;
      mapping.copy.append(buffer, static_cast<size_t>(got));
    }
    records.data_ = mapping.copy;
  }

  // Index the lines.
  const absl::string_view data = records.data_;
  records.starts_.push_back(0);
  const char* const begin = data.data();
  const char* const end = begin + data.size();
  for (const char* p = begin; p < end;) {
    const void* newline = std::memchr(p, '\n', static_cast<size_t>(end - p));
    if (newline == nullptr) {
      // A last line without '\n': its virtual '\n' is one past the end.
      records.starts_.push_back(data.size() + 1);
      break;
    }
    p = static_cast<const char*>(newline) + 1;
    records.starts_.push_back(static_cast<uint64_t>(p - begin));
  }
  records.size_ = records.starts_.size() - 1;
  return records;
}

absl::string_view Records::Get(uint64_t id, char (&scratch)[32]) const {
  if (mapping_ == nullptr) {
    std::memcpy(scratch, "item-", 5);
    char* end = std::to_chars(scratch + 5, scratch + sizeof(scratch), id).ptr;
    return absl::string_view(scratch, static_cast<size_t>(end - scratch));
  }
  const uint64_t start = starts_[id];
  return data_.substr(start, starts_[id + 1] - 1 - start);
}

}  // namespace batch_worker
