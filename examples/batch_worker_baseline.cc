// Copyright 2026 The graceful Authors.
//
// batch_worker_baseline: the yardstick for batch_worker's throughput. The
// same records, the same hash, the same output lines, written by a plain
// single-threaded loop through a buffered stdio stream: no runtime, no
// threads, no stop checks, no resume.
//
//   batch_worker_baseline [--input=FILE | --items=N] --output=FILE
//                         [--work_us=N]
//
// Records are appended to --output; remove it between measurements.
// examples/batch_worker_bench.sh compares the two (examples/README.md).

#include <cstdint>
#include <cstdio>
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
  std::FILE* out = std::fopen(output.c_str(), "a");
  if (out == nullptr) {
    std::perror(output.c_str());
    return 2;
  }
  // The same write size as batch_worker's workers use on a regular file.
  std::setvbuf(out, nullptr, _IOFBF, 64 * 1024);
  const int64_t work_us = absl::GetFlag(FLAGS_work_us);
  char scratch[32];
  char line[batch_worker::kMaxLineBytes];
  for (uint64_t id = 0; id < records->size(); ++id) {
    const uint64_t hash = batch_worker::Fnv1a64(records->Get(id, scratch));
    batch_worker::BurnCpu(work_us, hash);
    std::fwrite(line, 1, batch_worker::FormatLine(id, hash, line), out);
  }
  if (std::fclose(out) != 0) {
    std::perror(output.c_str());
    return 1;
  }
  return 0;
}
