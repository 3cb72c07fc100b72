// Copyright 2026 The graceful Authors.
//
// -----------------------------------------------------------------------------
// File: batch_worker_records.h
// -----------------------------------------------------------------------------
//
// The workload of the batch worker demo (examples/batch_worker.cc) and of
// its single-threaded baseline (examples/batch_worker_baseline.cc):
//
//   * `Records`: the records to process, numbered from 0. Either the lines
//     of a file (each line without its '\n', any bytes at all) or an
//     embedded workload whose record i is the ASCII text "item-<i>".
//   * `Fnv1a64()`: the result of a record, the FNV-1a 64-bit hash of its
//     bytes.
//   * `FormatLine()`: the output line of a record, "<id>\t<16 hex>\n".
//   * `BurnCpu()`: extra CPU work per record (`--work_us`).
//
// Thread safety: a `Records` is immutable once built; any number of threads
// may call `Get()` concurrently.

#ifndef GRACEFUL_EXAMPLES_BATCH_WORKER_RECORDS_H_
#define GRACEFUL_EXAMPLES_BATCH_WORKER_RECORDS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace batch_worker {

// Fnv1a64()
//
// The 64-bit FNV-1a hash of `bytes`.
// This function is async-signal-safe.
inline uint64_t Fnv1a64(absl::string_view bytes) {
  uint64_t hash = 0xcbf29ce484222325u;
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3u;
  }
  return hash;
}

// The longest line `FormatLine()` writes: 20 digits, a tab, 16 hex digits
// and a newline.
inline constexpr size_t kMaxLineBytes = 20 + 1 + 16 + 1;

// FormatLine()
//
// Writes "<id>\t<hash as 16 lowercase hex digits>\n" to `out`, which must
// hold `kMaxLineBytes`, and returns the number of bytes written.
// This function is async-signal-safe.
size_t FormatLine(uint64_t id, uint64_t hash, char* out);

// BurnCpu()
//
// Spins for about `micros` microseconds of wall time doing arithmetic, the
// stand-in for real per-record work. Returns at once when `micros` <= 0.
// This function is async-signal-safe.
void BurnCpu(int64_t micros, uint64_t seed);

class Records {
 public:
  // The embedded workload: `count` records, record i being "item-<i>".
  static Records Embedded(uint64_t count);

  // The lines of the file at `path`: record i is line i without its '\n';
  // a last line without '\n' is a record too, an empty file has none.
  // Regular files are mapped into memory, others (pipes, /dev/stdin) read
  // to the end. On error the status message names the file and the reason,
  // e.g. "cannot read --input=/x: No such file or directory".
  static absl::StatusOr<Records> FromFile(const std::string& path);

  Records(Records&&) noexcept;
  Records& operator=(Records&&) noexcept;
  ~Records();

  uint64_t size() const { return size_; }

  // Records::Get()
  //
  // The bytes of record `id` (< size()). For the embedded workload they are
  // written to `scratch`; for a file they point into the mapped file. The
  // view is valid while both `*this` and `scratch` are.
  // This function is async-signal-safe.
  absl::string_view Get(uint64_t id, char (&scratch)[32]) const;

 private:
  struct Mapping;

  Records() = default;

  uint64_t size_ = 0;
  // File records: the file's bytes, and where each line starts; line i is
  // [starts_[i], starts_[i + 1] - 1). A last line without '\n' gets a
  // virtual start one past the end of the data.
  std::unique_ptr<Mapping> mapping_;
  absl::string_view data_;
  std::vector<uint64_t> starts_;
};

}  // namespace batch_worker

#endif  // GRACEFUL_EXAMPLES_BATCH_WORKER_RECORDS_H_
