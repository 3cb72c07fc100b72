// Copyright 2026 The graceful Authors.
//
// The work loop of bench/stop_token_benchmark.cc as plain functions, for an
// instruction count that does not depend on the machine's load:
//
//   valgrind --tool=callgrind --callgrind-out-file=poll.out
//       bazel-bin/bench/poll_instructions --iterations=1000000   (one line)
//   callgrind_annotate poll.out | grep WorkLoop
//
// Each WorkLoop* function runs `iterations` work units (a serial chain of
// two mixer rounds, about 10 ns) and differs from WorkLoopUnpolled only in
// the poll before each unit: `(Ir(WorkLoopX) - Ir(WorkLoopUnpolled)) /
// iterations` is what one poll adds. bench/run.sh does this and
// bench/README.md records it, with the disassembly of the polled loop.
//
// Flags: --iterations=N (default 1000000).

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stop_token>

#include "absl/base/attributes.h"
#include "graceful/stop_token.h"

namespace {

inline uint64_t MixRound(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

inline uint64_t WorkUnit(uint64_t x) { return MixRound(MixRound(x)); }

std::atomic<bool> atomic_flag{false};

}  // namespace

// Not static, so that the symbols keep their names in the profile.
ABSL_ATTRIBUTE_NOINLINE uint64_t WorkLoopUnpolled(int64_t iterations,
                                                  uint64_t hash) {
  for (int64_t i = 0; i < iterations; ++i) hash = WorkUnit(hash);
  return hash;
}

// The token by value, as the runtime hands it to a worker.
ABSL_ATTRIBUTE_NOINLINE uint64_t WorkLoopStopToken(graceful::StopToken token,
                                                   int64_t iterations,
                                                   uint64_t hash) {
  for (int64_t i = 0; i < iterations; ++i) {
    if (token.stop_requested()) break;
    hash = WorkUnit(hash);
  }
  return hash;
}

// The token by reference: the compiler must reload the token's flag
// pointer after every acquire load (another thread may have changed the
// token), so the poll is two loads. Copy the token into a local to avoid it.
ABSL_ATTRIBUTE_NOINLINE uint64_t WorkLoopStopTokenByReference(
    const graceful::StopToken& token, int64_t iterations, uint64_t hash) {
  for (int64_t i = 0; i < iterations; ++i) {
    if (token.stop_requested()) break;
    hash = WorkUnit(hash);
  }
  return hash;
}

ABSL_ATTRIBUTE_NOINLINE uint64_t WorkLoopAtomicRelaxed(int64_t iterations,
                                                       uint64_t hash) {
  for (int64_t i = 0; i < iterations; ++i) {
    if (atomic_flag.load(std::memory_order_relaxed)) break;
    hash = WorkUnit(hash);
  }
  return hash;
}

// By value, as std::jthread passes it.
ABSL_ATTRIBUTE_NOINLINE uint64_t WorkLoopStdStopToken(std::stop_token token,
                                                      int64_t iterations,
                                                      uint64_t hash) {
  for (int64_t i = 0; i < iterations; ++i) {
    if (token.stop_requested()) break;
    hash = WorkUnit(hash);
  }
  return hash;
}

int main(int argc, char** argv) {
  int64_t iterations = 1000000;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--iterations=", 13) == 0) {
      iterations = std::atoll(argv[i] + 13);
    } else {
      std::fprintf(stderr, "usage: %s [--iterations=N]\n", argv[0]);
      return 2;
    }
  }
  graceful::StopSource source;
  std::stop_source std_source;
  uint64_t hash = 1;
  hash = WorkLoopUnpolled(iterations, hash);
  hash = WorkLoopStopToken(source.token(), iterations, hash);
  hash = WorkLoopStopTokenByReference(source.token(), iterations, hash);
  hash = WorkLoopAtomicRelaxed(iterations, hash);
  hash = WorkLoopStdStopToken(std_source.get_token(), iterations, hash);
  std::printf("iterations %lld hash %016llx\n",
              static_cast<long long>(iterations),
              static_cast<unsigned long long>(hash));
  return 0;
}
