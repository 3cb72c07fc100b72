#!/usr/bin/env bash
# Measures batch_worker against batch_worker_baseline (examples/README.md):
#
#   ./bazelw run -c opt //examples:batch_worker_bench
#
# 1. Throughput at --work_us=0 with 1, 2 and 4 workers, against the
#    single-threaded baseline on the same records (ITEMS, default 5000000).
# 2. Resume start-up: a run over a complete 1,000,000-line output (nothing
#    left to do), and one with a single record left.
#
# Uses hyperfine (apt-get install hyperfine); the work happens in a
# temporary directory (TMPDIR), removed at the end.
set -euo pipefail

runfiles="${RUNFILES_DIR:-$0.runfiles}"
worker="${runfiles}/graceful/examples/batch_worker"
baseline="${runfiles}/graceful/examples/batch_worker_baseline"
items="${ITEMS:-5000000}"
runs="${RUNS:-20}"

if ! command -v hyperfine >/dev/null; then
  echo "batch_worker_bench: needs hyperfine (apt-get install hyperfine)" >&2
  exit 1
fi
work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

echo "== machine: $(nproc) CPUs, $(uname -r), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== throughput: ${items} records, --work_us=0"
hyperfine -N --warmup 2 --runs "${runs}" --export-json "${work}/throughput.json" \
  --prepare "rm -f ${work}/out" \
  -n baseline "${baseline} --items=${items} --output=${work}/out" \
  -n "batch_worker --workers=1" \
  "${worker} --items=${items} --work_us=0 --workers=1 --output=${work}/out" \
  -n "batch_worker --workers=2" \
  "${worker} --items=${items} --work_us=0 --workers=2 --output=${work}/out" \
  -n "batch_worker --workers=4" \
  "${worker} --items=${items} --work_us=0 --workers=4 --output=${work}/out"
# records/s and the ratio to the baseline, from the fastest run of each
# command (the least disturbed by anything else on the machine) and from the
# median; CPU is the mean user + system time.
python3 - "${work}/throughput.json" "${items}" <<'PYTHON'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
items = int(sys.argv[2])
base = next(r for r in results if r["command"] == "baseline")
print("| command | min wall | records/s | ratio | median wall | ratio | CPU |")
print("|---|---:|---:|---:|---:|---:|---:|")
for r in results:
    print("| `%s` | %.3f s | %.1f M | %.2f | %.3f s | %.2f | %.3f s |" % (
        r["command"], r["min"], items / r["min"] / 1e6,
        base["min"] / r["min"], r["median"], base["median"] / r["median"],
        r["user"] + r["system"]))
PYTHON

echo "== resume: start-up over a 1,000,000-line output"
"${worker}" --items=1000000 --work_us=0 --output="${work}/million" 2>/dev/null
wc -lc "${work}/million"
hyperfine -N --warmup 2 --runs "${runs}" --export-markdown "${work}/resume.md" \
  -n "1000000 done, 0 left" \
  "${worker} --items=1000000 --output=${work}/million" \
  -n "1000000 done, 1 left" \
  --prepare "sh -c 'head -n 999999 ${work}/million > ${work}/one_left'" \
  "${worker} --items=1000000 --work_us=0 --output=${work}/one_left"
cat "${work}/resume.md"
