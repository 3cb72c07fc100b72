// Copyright 2026 The graceful Authors.
//
// -----------------------------------------------------------------------------
// File: batch_worker_output.h
// -----------------------------------------------------------------------------
//
// The output file of the batch worker demo: one "<id>\t<16 hex>\n" line per
// processed record, in any order, appended by every worker thread at once.
//
// Why a restart always repairs it. Every write is one write(2) of whole
// lines on an O_APPEND descriptor, inside a `graceful::CriticalSection`.
// On a regular file Linux appends each such write under the inode lock, so
// writes of different threads never interleave. The only way to leave part
// of a write behind is for the process to die in the middle of it (SIGKILL,
// or a forced exit that outlasted its critical-section bound); everything
// after that dies too, so the damage is always one torn line at the very
// end of the file, without its '\n'. `OutputFile::Open()` cuts it off
// before anything else is appended. Lines still in a worker's buffer when
// the process dies were never written: their records are not in the file,
// so the restart processes them again. Nothing is ever in the file twice,
// nothing done is lost.
//
//   * `ScanOutput()`: parses the text of an output file: which records are
//     done, where the torn tail starts.
//   * `OutputFile`: opens (creating) the file, cuts the torn tail, and
//     remembers which records are done.
//   * `LineBatch`: one worker's buffer of lines, flushed as a single write.

#ifndef GRACEFUL_EXAMPLES_BATCH_WORKER_OUTPUT_H_
#define GRACEFUL_EXAMPLES_BATCH_WORKER_OUTPUT_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "examples/batch_worker_records.h"
#include "graceful/stop_token.h"

namespace batch_worker {

// A fixed-size set of record ids.
//
// Thread safety: `Set()` must not race anything; once built, any number of
// threads may call `Test()` and `count()`.
class DoneSet {
 public:
  explicit DoneSet(uint64_t size = 0) : size_(size), words_((size + 63) / 64) {}

  uint64_t size() const { return size_; }
  // Number of ids in the set.
  uint64_t count() const { return count_; }

  bool Test(uint64_t id) const {
    return (words_[id / 64] >> (id % 64)) & 1;
  }
  // Adds `id` (< size()); returns false if it was already there.
  bool Set(uint64_t id) {
    uint64_t& word = words_[id / 64];
    const uint64_t bit = uint64_t{1} << (id % 64);
    if (word & bit) return false;
    word |= bit;
    ++count_;
    return true;
  }

 private:
  uint64_t size_;
  uint64_t count_ = 0;
  std::vector<uint64_t> words_;
};

struct OutputScan {
  explicit OutputScan(uint64_t total) : done(total) {}

  DoneSet done;               // records with a line in the file
  uint64_t lines = 0;         // complete lines
  uint64_t duplicates = 0;    // lines for a record already seen
  uint64_t valid_bytes = 0;   // up to and including the last '\n'
  uint64_t torn_bytes = 0;    // after the last '\n': a torn line to cut
};

// ScanOutput()
//
// Parses `contents`, the text of an output file, for a job of `total`
// records. Every complete line must be "<id>\t<16 lowercase hex>\n" with
// id < total; bytes after the last '\n' are a torn line. Hashes are not
// recomputed (that would cost as much as the work). A malformed line or an
// out-of-range id is an `InvalidArgument` error naming `name` (the flag and
// path, for messages) and the line number: the file belongs to another job.
absl::StatusOr<OutputScan> ScanOutput(absl::string_view contents,
                                      uint64_t total, absl::string_view name);

// OutputFile
//
// The open output file.
//
// Thread safety: `Open()` once in main; the descriptor is then shared by the
// workers' `LineBatch`es.
class OutputFile {
 public:
  // OutputFile::Open()
  //
  // Opens `path` for appending, creating it (mode 0644) if needed. If it is
  // a regular file, locks it (flock, exclusive) for as long as the process
  // lives, then reads it with `ScanOutput()` and cuts the torn last line
  // off. Other files (a pipe, a terminal, /dev/null) are written to, never
  // read or locked. On error, an `InvalidArgument` status whose message
  // names the flag, the path and the reason, e.g.
  // "cannot write --output=/no/such/dir/x: No such file or directory".
  //
  // Two processes appending to one output would both do the records
  // neither had done (a supervisor may start the next run while the
  // previous one still finishes its records): while another process holds
  // the lock, `Open()` calls `on_wait` once, then waits, checking `token`
  // every 20 ms; if a stop is requested meanwhile it returns `Cancelled`.
  static absl::StatusOr<OutputFile> Open(
      const std::string& path, uint64_t total,
      graceful::StopToken token = {},
      absl::FunctionRef<void()> on_wait = [] {});

  OutputFile(OutputFile&& other) noexcept;
  OutputFile& operator=(OutputFile&&) = delete;
  ~OutputFile();

  int fd() const { return fd_; }
  const OutputScan& scan() const { return scan_; }
  // The largest write a `LineBatch` may make: writes to a pipe larger than
  // PIPE_BUF may interleave with other writers, so pipes and other
  // non-regular files get PIPE_BUF, regular files 64 KiB.
  size_t max_write_bytes() const { return max_write_bytes_; }

 private:
  OutputFile(int fd, OutputScan scan, size_t max_write_bytes)
      : fd_(fd), scan_(std::move(scan)), max_write_bytes_(max_write_bytes) {}

  int fd_;
  OutputScan scan_;
  size_t max_write_bytes_;
};

// LineBatch
//
// One worker's output buffer. `Add()` appends a line, flushing first if the
// line would not fit in one write; `Flush()` writes every buffered line
// with a single write(2) inside a `graceful::CriticalSection`, then adds the
// number of lines written to `*written`.
//
// Thread safety: one per worker thread; `*written` may be shared.
class LineBatch {
 public:
  LineBatch(const OutputFile& file, std::atomic<uint64_t>* written,
            std::string name);

  // Returns an error if a flush it made failed.
  absl::Status Add(uint64_t id, uint64_t hash);

  // The hot path of `Add()`, without a status: `Append()` requires
  // `has_room()`.
  bool has_room() const { return capacity_ - used_ >= kMaxLineBytes; }
  void Append(uint64_t id, uint64_t hash) {
    used_ += FormatLine(id, hash, buffer_.data() + used_);
    ++lines_;
  }
  // A failed or short write is a `DataLoss`/`ResourceExhausted` status
  // naming the output; the lines of that batch count as not written.
  absl::Status Flush();

  size_t buffered_lines() const { return lines_; }

 private:
  const int fd_;
  const size_t capacity_;
  std::atomic<uint64_t>* const written_;
  const std::string name_;  // "--output=PATH", for messages
  std::string buffer_;
  size_t used_ = 0;
  size_t lines_ = 0;
};

}  // namespace batch_worker

#endif  // GRACEFUL_EXAMPLES_BATCH_WORKER_OUTPUT_H_
