#!/usr/bin/env bash
# bench/run.sh: rebuilds the benchmarks with -c opt, reruns all of them and
# regenerates bench/README.md's tables and bench/shutdown_latency.png.
#
#   bench/run.sh                 # everything (about 25 minutes on 2 CPUs)
#   TRIALS=20 bench/run.sh       # a quick pass (the README says how many)
#   PARTS=poll bench/run.sh      # only some parts: poll (flag-poll
#                                # benchmarks and instruction counts),
#                                # latency (every mechanism), unprivileged
#                                # (graceful without CAP_SYS_NICE); the
#                                # tables and plot are always regenerated
#                                # from whatever bench/results/ holds
#
# Needs: gnuplot (apt-get install gnuplot-nox), valgrind, python3, capsh
# (libcap2-bin), binutils' objdump. Raw outputs go to bench/results/.
# The machine should be otherwise idle: the script records `uptime` before
# and after each part, and the README shows it.
set -euo pipefail
cd "$(dirname "$0")/.."

trials="${TRIALS:-200}"
parts="${PARTS:-poll latency unprivileged}"
want() { [[ " ${parts} " == *" $1 "* ]]; }
results=bench/results

missing=()
for tool in gnuplot valgrind callgrind_annotate python3 capsh objdump; do
  command -v "${tool}" >/dev/null || missing+=("${tool}")
done
if ((${#missing[@]} > 0)); then
  echo "bench/run.sh: missing ${missing[*]}; on Debian:" \
    "apt-get install gnuplot-nox valgrind python3 libcap2-bin binutils" >&2
  exit 1
fi

# The real-time signal thread (graceful's default) needs, besides
# CAP_SYS_NICE, a cpu cgroup that grants real-time time where cgroup v1
# real-time group scheduling is on: a systemd started on the machine moves
# processes into init.scope, which grants none. Run from the root cpu
# cgroup when we can (root, cgroup v1); the unprivileged pass below shows
# the fallback anyway.
cpu_cgroup="$(awk -F: '$2 ~ /(^|,)cpu(,|$)/ { print $3 }' /proc/self/cgroup)"
rt_file="/sys/fs/cgroup/cpu${cpu_cgroup%/}/cpu.rt_runtime_us"
if [[ -n "${cpu_cgroup}" && -r "${rt_file}" && "$(cat "${rt_file}")" == 0 &&
  -w /sys/fs/cgroup/cpu/cgroup.procs ]]; then
  echo "bench/run.sh: moving into the root cpu cgroup (${cpu_cgroup} grants" \
    "no real-time time)" >&2
  echo $$ >/sys/fs/cgroup/cpu/cgroup.procs
fi

./bazelw build -c opt //bench:stop_token_benchmark //bench:poll_instructions \
  //bench:shutdown_latency_benchmark
bin="$(./bazelw info -c opt bazel-bin 2>/dev/null)/bench"
mkdir -p "${results}"

load() { echo "$1: $(uptime | sed 's/.*load average/load average/')"; }

machine_log="${results}/machine.txt"
if want latency || ! [[ -f "${machine_log}" ]]; then
  : >"${machine_log}"
fi
{
  echo "--- $(date -u +%FT%TZ) bench/run.sh, parts: ${parts}"
  echo "$(lscpu | grep -E '^(Model name|CPU\(s\)|Thread|Core|Socket|Hypervisor)' | tr -s ' ')"
  echo "kernel: $(uname -r); $(ldd --version | head -1); $(gcc --version | head -1)"
  echo "RLIMIT_RTPRIO: $(ulimit -r); effective capabilities: $(grep CapEff /proc/self/status | cut -f2)"
  echo "cpu cgroup: $(awk -F: '$2 ~ /(^|,)cpu(,|$)/ { print $3 }' /proc/self/cgroup)"
  load "before the run"
} >>"${machine_log}"

if want poll; then
# 1. Flag-poll overhead: 15 repetitions of each, interleaved at random
# with the other benchmarks; the tables use the fastest (see MinOf).
"${bin}/stop_token_benchmark" --benchmark_repetitions=15 \
  --benchmark_enable_random_interleaving=true \
  --benchmark_report_aggregates_only=true --benchmark_min_time=0.1 \
  --benchmark_out="${results}/stop_token.json" --benchmark_out_format=json \
  | tee "${results}/stop_token.txt"
load "after stop_token_benchmark" >>"${machine_log}"

# 2. Instructions: callgrind over the polled and unpolled loops.
valgrind --tool=callgrind --callgrind-out-file="${results}/poll.callgrind" \
  "${bin}/poll_instructions" --iterations=1000000 \
  >"${results}/poll_instructions.stdout" 2>/dev/null
{
  cat "${results}/poll_instructions.stdout"
  callgrind_annotate "${results}/poll.callgrind"
} >"${results}/poll_instructions.txt"
rm -f "${results}/poll.callgrind"
# The polled loop's disassembly, from the function's label to its return.
objdump -d --no-show-raw-insn "${bin}/poll_instructions" |
  awk '/<_Z17WorkLoopStopToken[^>]*>:$/ {p=1} p && /^$/ {p=0} p {print}' |
  cut -f2- >"${results}/poll_loop.asm"
fi

if want latency; then
# 3. Shutdown latency, every mechanism, trials interleaved.
"${bin}/shutdown_latency_benchmark" --trials="${trials}" \
  --samples_out="${results}/shutdown_latency.csv" \
  | tee "${results}/shutdown_latency.txt"
load "after shutdown_latency_benchmark" >>"${machine_log}"
fi

if want unprivileged; then
# 3b. The same runtime without the privilege for a real-time signal thread
# (the capability dropped from the bounding set, RLIMIT_RTPRIO 0): shows the
# fallback and what it costs under full load.
capsh --drop=cap_sys_nice -- -c "ulimit -r 0; exec '${bin}/shutdown_latency_benchmark' \
  --trials='${trials}' --styles=compute --workers=64,256 \
  --mechanisms=graceful --samples_out='${results}/unprivileged.csv'" \
  2>"${results}/unprivileged.stderr" | tee "${results}/unprivileged.txt"
load "after the unprivileged run" >>"${machine_log}"
fi

# 4. Tables and plot.
python3 bench/report.py "${results}" bench/README.md
gnuplot -e "results='${results}'" bench/plot.gp
echo "bench/run.sh: updated bench/README.md and bench/shutdown_latency.png"
