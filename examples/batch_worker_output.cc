// Copyright 2026 The graceful Authors.

#include "examples/batch_worker_output.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "graceful/critical_section.h"

namespace batch_worker {
namespace {

constexpr size_t kRegularFileWriteBytes = 64 * 1024;

// 0-15 for lowercase hex digits, 16 for anything else.
struct HexTable {
  constexpr HexTable() : value() {
    for (int i = 0; i < 256; ++i) value[i] = 16;
    for (int i = 0; i < 10; ++i) value['0' + i] = static_cast<unsigned char>(i);
    for (int i = 0; i < 6; ++i) value['a' + i] = static_cast<unsigned char>(10 + i);
  }
  unsigned char value[256];
};
constexpr HexTable kHex;

// Parses one complete line [p, end) (end points at its '\n'). Returns false
// if it is not "<id>\t<16 lowercase hex>".
bool ParseLine(const char* p, const char* end, uint64_t* id) {
  const char* const digits = p;
  uint64_t value = 0;
  while (p < end && *p >= '0' && *p <= '9') {
    const uint64_t digit = static_cast<uint64_t>(*p - '0');
    if (value > (UINT64_MAX - digit) / 10) return false;  // overflow
    value = value * 10 + digit;
    ++p;
  }
  if (p == digits || p - digits > 20) return false;
  if (end - p != 17 || *p != '\t') return false;
  for (++p; p < end; ++p) {
    if (kHex.value[static_cast<unsigned char>(*p)] == 16) return false;
  }
  *id = value;
  return true;
}

absl::Status WriteError(const std::string& path, int error) {
  return absl::InvalidArgumentError(absl::StrCat(
      "cannot write --output=", path, ": ", std::strerror(error)));
}

}  // namespace

absl::StatusOr<OutputScan> ScanOutput(absl::string_view contents,
                                      uint64_t total, absl::string_view name) {
  OutputScan scan(total);
  const size_t last_newline = contents.rfind('\n');
  scan.valid_bytes =
      last_newline == absl::string_view::npos ? 0 : last_newline + 1;
  scan.torn_bytes = contents.size() - scan.valid_bytes;

  const char* p = contents.data();
  const char* const end = p + scan.valid_bytes;
  while (p < end) {
    const char* newline = static_cast<const char*>(
        std::memchr(p, '\n', static_cast<size_t>(end - p)));
    uint64_t id = 0;
    ++scan.lines;
    if (!ParseLine(p, newline, &id)) {
      const absl::string_view line(p, static_cast<size_t>(newline - p));
      return absl::InvalidArgumentError(absl::StrCat(
          name, " line ", scan.lines,
          " is not an \"<id>\\t<16 hex digits>\" line (\"",
          absl::CHexEscape(line.substr(0, 40)), line.size() > 40 ? "..." : "",
          "\"); is it a batch_worker output? Repair or remove it"));
    }
    if (id >= total) {
      return absl::InvalidArgumentError(absl::StrCat(
          name, " line ", scan.lines, " is for record ", id, " but there are ",
          total, " records; it was written for another --input or --items, "
          "so use another --output"));
    }
    if (!scan.done.Set(id)) ++scan.duplicates;
    p = newline + 1;
  }
  return scan;
}

absl::StatusOr<OutputFile> OutputFile::Open(const std::string& path,
                                            uint64_t total,
                                            graceful::StopToken token,
                                            absl::FunctionRef<void()> on_wait) {
  bool readable = true;
  int fd = open(path.c_str(),
                O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
  if (fd < 0 && errno == EACCES) {
    // Write-only: fine as long as there is nothing to resume.
    readable = false;
    fd = open(path.c_str(),
              O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
  }
  if (fd < 0) return WriteError(path, errno);
  auto fail = [&](absl::Status status) {
    close(fd);
    return status;
  };
  struct stat st;
  if (fstat(fd, &st) != 0) return fail(WriteError(path, errno));
  if (!S_ISREG(st.st_mode)) {
    return OutputFile(fd, OutputScan(total), PIPE_BUF);
  }
  // A file system without locks (EINVAL, ENOLCK) is used as it is.
  if (flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
    on_wait();
    while (flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
      if (!token.SleepFor(absl::Milliseconds(20))) {
        return fail(absl::CancelledError(absl::StrCat(
            "stopped while waiting for another process to release --output=",
            path)));
      }
    }
  }
  // Read the size under the lock: the other process may have appended.
  if (fstat(fd, &st) != 0) return fail(WriteError(path, errno));
  if (st.st_size == 0) {
    return OutputFile(fd, OutputScan(total), kRegularFileWriteBytes);
  }
  if (!readable) {
    return fail(absl::InvalidArgumentError(absl::StrCat(
        "cannot read --output=", path,
        " to resume from it: ", std::strerror(EACCES))));
  }

  const size_t length = static_cast<size_t>(st.st_size);
  void* address = mmap(nullptr, length, PROT_READ, MAP_PRIVATE, fd, 0);
  if (address == MAP_FAILED) {
    return fail(absl::InvalidArgumentError(absl::StrCat(
        "cannot read --output=", path, " to resume from it: ",
        std::strerror(errno))));
  }
  madvise(address, length, MADV_SEQUENTIAL);
  absl::StatusOr<OutputScan> scan =
      ScanOutput(absl::string_view(static_cast<const char*>(address), length),
                 total, absl::StrCat("--output=", path));
  munmap(address, length);
  if (!scan.ok()) return fail(scan.status());
  if (scan->torn_bytes > 0 &&
      ftruncate(fd, static_cast<off_t>(scan->valid_bytes)) != 0) {
    return fail(absl::InvalidArgumentError(absl::StrCat(
        "cannot cut the torn last line off --output=", path, ": ",
        std::strerror(errno))));
  }
  return OutputFile(fd, *std::move(scan), kRegularFileWriteBytes);
}

OutputFile::OutputFile(OutputFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      scan_(std::move(other.scan_)),
      max_write_bytes_(other.max_write_bytes_) {}

OutputFile::~OutputFile() {
  if (fd_ >= 0) close(fd_);
}

LineBatch::LineBatch(const OutputFile& file, std::atomic<uint64_t>* written,
                     std::string name)
    : fd_(file.fd()),
      capacity_(file.max_write_bytes()),
      written_(written),
      name_(std::move(name)),
      buffer_(capacity_, '\0') {}

absl::Status LineBatch::Add(uint64_t id, uint64_t hash) {
  if (!has_room()) {
    if (absl::Status status = Flush(); !status.ok()) return status;
  }
  Append(id, hash);
  return absl::OkStatus();
}

absl::Status LineBatch::Flush() {
  if (used_ == 0) return absl::OkStatus();
  ssize_t wrote;
  int error;
  {
    // A forced exit waits for this write rather than cut it in half.
    graceful::CriticalSection section;
    do {
      wrote = write(fd_, buffer_.data(), used_);
    } while (wrote < 0 && errno == EINTR);
    error = errno;
  }
  const size_t lines = lines_;
  const size_t bytes = used_;
  used_ = 0;
  lines_ = 0;
  if (wrote < 0) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot write ", name_, ": ", std::strerror(error)));
  }
  if (static_cast<size_t>(wrote) != bytes) {
    // Only a full disk or a file size limit cuts a write to a regular file
    // short. Writing the rest could land after another worker's lines, in
    // the middle of the file: stop instead. The other workers' writes fail
    // the same way, so the torn line stays last and a restart cuts it.
    return absl::DataLossError(absl::StrCat(
        "cannot write ", name_, ": wrote ", wrote, " of ", bytes,
        " bytes (disk full or file too large?)"));
  }
  written_->fetch_add(lines, std::memory_order_relaxed);
  return absl::OkStatus();
}

}  // namespace batch_worker
