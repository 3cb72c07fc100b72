// Copyright 2026 The graceful Authors.
//
// batch_worker_baseline: the yardstick for batch_worker's throughput. The
// same records, the same hash, the same output lines, written by a plain
// single-threaded loop in 64 KiB appends: no runtime, no threads, no stop
// checks, no critical sections, no resume.
//
//   batch_worker_baseline [--input=FILE | --items=N] --output=FILE
//                         [--work_us=N]
//
// Records are appended to --output; remove it between measurements.
// examples/batch_worker_bench.sh compares the two (examples/README.md).

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/statusor.h"
#include "examples/batch_worker_records.h"

ABSL_FLAG(std::string, input, "", "Records, one per line (as batch_worker).");
ABSL_FLAG(int64_t, items, 100000, "Embedded records, without --input.");
ABSL_FLAG(std::string, output, "batch_worker_baseline.out",
          "File the lines are appended to.");
ABSL_FLAG(int64_t, work_us, 0, "Extra CPU work per record, microseconds.");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string input = absl::GetFlag(FLAGS_input);
  absl::StatusOr<batch_worker::Records> records =
      input.empty() ? batch_worker::Records::Embedded(
                          static_cast<uint64_t>(absl::GetFlag(FLAGS_items)))
                    : batch_worker::Records::FromFile(input);
  if (!records.ok()) {
    std::fprintf(stderr, "batch_worker_baseline: %s\n",
                 std::string(records.status().message()).c_str());
    return 2;
  }
  const std::string output = absl::GetFlag(FLAGS_output);
  const int fd = open(output.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
                      0644);
  if (fd < 0) {
    std::perror(output.c_str());
    return 2;
  }
  // Lines go to a buffer written with one write(2) per 64 KiB: the same
  // write size as batch_worker's workers, without stdio's per-call locking.
  std::string buffer(64 * 1024, '\0');
  size_t used = 0;
  auto flush = [&] {
    if (used > 0 && write(fd, buffer.data(), used) != static_cast<ssize_t>(used)) {
      std::perror(output.c_str());
      std::exit(1);
    }
    used = 0;
  };
  const int64_t work_us = absl::GetFlag(FLAGS_work_us);
  char scratch[32];
  for (uint64_t id = 0; id < records->size(); ++id) {
    const uint64_t hash = batch_worker::Fnv1a64(records->Get(id, scratch));
    batch_worker::BurnCpu(work_us, hash);
    if (buffer.size() - used < batch_worker::kMaxLineBytes) flush();
    used += batch_worker::FormatLine(id, hash, buffer.data() + used);
  }
  flush();
  close(fd);
  return 0;
}
