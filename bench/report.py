#!/usr/bin/env python3
# Copyright 2026 The graceful Authors.
"""Turns the raw outputs of bench/run.sh into bench/README.md's tables and
the data files bench/plot.gp draws.

    bench/report.py RESULTS_DIR README

reads, from RESULTS_DIR:
  stop_token.json          Google Benchmark JSON of stop_token_benchmark
                           (with repetitions: medians are used)
  poll_instructions.txt    callgrind_annotate output for poll_instructions
  poll_loop.asm            the disassembled polled loop
  shutdown_latency.csv     one row per trial of shutdown_latency_benchmark
  unprivileged.csv         the same, run without CAP_SYS_NICE (optional)
  unprivileged.stderr      its stderr (the runtime's fallback line)
  machine.txt              what run.sh recorded about the machine and load

writes RESULTS_DIR/latency_boxes.tsv for the plot, and replaces the text
between the `<!-- generated:begin -->` and `<!-- generated:end -->` lines
of README with the tables. Standard library only (Debian's python3).
"""

import csv
import json
import math
import os
import re
import sys
from collections import defaultdict

ALTERNATIVES = [
    "sigwait_cv",
    "sigwait_futex",
    "signalfd_epoll",
    "self_pipe",
    "jthread_stop_token",
    "naive_sleep_poll",
]
# The alternatives the target compares against ("the best of the
# condition-variable / futex / signalfd alternatives").
BEST_OF = ["sigwait_cv", "sigwait_futex", "signalfd_epoll"]
MECHANISMS = ["graceful", "graceful_inherit", "graceful_idle_workers"] + ALTERNATIVES
STYLES = ["sleep", "queue", "compute"]


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, int(p / 100.0 * len(ordered)))
    return ordered[index]


def fmt_us(value):
    if value >= 10000:
        return "%.1f ms" % (value / 1000.0)
    if value >= 1000:
        return "%.2f ms" % (value / 1000.0)
    return "%.0f us" % value


def fmt_ratio(value):
    return "%.2f" % value


# --- stop token ---------------------------------------------------------------


def load_benchmark_aggregate(path, aggregate):
    """{run name: run} for one aggregate ("min", "median"); without
    repetitions there are no aggregates and the single run is used."""
    with open(path) as f:
        data = json.load(f)
    runs = {}
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != aggregate:
            continue
        name = b.get("run_name", b["name"])
        if b.get("run_type") == "iteration" and name in runs:
            continue
        runs[name] = b
    return data.get("context", {}), runs


def stop_token_tables(results):
    path = os.path.join(results, "stop_token.json")
    if not os.path.exists(path):
        return "(stop_token.json missing)\n"
    context, runs = load_benchmark_aggregate(path, "min")
    cpu = {name: run["cpu_time"] for name, run in runs.items()}
    _, median_runs = load_benchmark_aggregate(path, "median")
    median = {name: run["cpu_time"] for name, run in median_runs.items()}
    out = []
    variants = [
        ("StopToken", "`graceful::StopToken::stop_requested()`"),
        ("AtomicBoolRelaxed", "`std::atomic<bool>` relaxed load"),
        ("AtomicBoolAcquire", "`std::atomic<bool>` acquire load"),
        ("AtomicBoolSeqCst", "`std::atomic<bool>` seq_cst load"),
        ("VolatileSigAtomic", "`volatile std::sig_atomic_t`"),
        ("StdStopToken", "`std::stop_token::stop_requested()`"),
        ("AbslNotification", "`absl::Notification::HasBeenNotified()`"),
        ("EmptyLoop", "empty loop (no poll)"),
    ]
    base = cpu.get("BM_Poll_AtomicBoolRelaxed")
    out.append("CPU time, the fastest of 15 repetitions interleaved at random "
               "with all other benchmarks (the median in parentheses).")
    out.append("")
    out.append("| poll | ratio to relaxed load | ns per loop iteration |"
               " overhead in a ~12 ns unit | in a ~80 ns unit |")
    out.append("|---|---|---|---|---|")
    unit3 = cpu.get("BM_PollInWork_EmptyLoop/mix_rounds:3")
    unit20 = cpu.get("BM_PollInWork_EmptyLoop/mix_rounds:20")
    for key, label in variants:
        poll = cpu.get("BM_Poll_" + key)
        w3 = cpu.get("BM_PollInWork_%s/mix_rounds:3" % key)
        w20 = cpu.get("BM_PollInWork_%s/mix_rounds:20" % key)
        if poll is None:
            continue
        cells = [label, fmt_ratio(poll / base) if base else "-",
                 "%.3f (%.3f)" % (poll, median.get("BM_Poll_" + key, float("nan")))]
        for w, unit in ((w3, unit3), (w20, unit20)):
            if w is None or unit is None or key == "EmptyLoop":
                cells.append("-" if key != "EmptyLoop" else "(%.1f ns)" % unit)
            else:
                cells.append("%+.1f %%" % (100.0 * (w - unit) / unit))
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    out.append("Contention: one thread polls while another thread writes "
               "(the two pinned to different CPUs). CPU time per poll, fastest "
               "repetition (median in parentheses), ratio to the uncontended "
               "`StopToken` poll; the writer's rate shows it was busy.")
    out.append("")
    out.append("| writer | poll | ratio | ns per poll | writer's rate |")
    out.append("|---|---|---|---|---|")
    alone = cpu.get("BM_Poll_StopToken")
    rows = [
        ("BM_PollContended_OtherLine", "(a) a counter on another cache line",
         "StopToken"),
        ("BM_PollContended_OtherLineLocked",
         "(a') the same with a locked fetch_add", "StopToken"),
        ("BM_PollContended_RuntimeState",
         "(b) the runtime's busiest state: Submit() loop + pool thread",
         "the Runtime's token"),
        ("BM_PollContended_SameLine",
         "(c) a counter on the flag's own cache line (what graceful avoids)",
         "`std::atomic<bool>`"),
        ("BM_PollContended_TokenCopies_StopToken",
         "(d) copying the token in a loop", "StopToken"),
        ("BM_PollContended_TokenCopies_StdStopToken",
         "(d) copying the token in a loop", "`std::stop_token`"),
    ]
    for name, writer, poll in rows:
        if name in cpu and alone:
            run = runs[name]
            if "tasks_per_us" in run:
                rate = "%.2f tasks/us" % run["tasks_per_us"]
            elif "writes_per_us" in run:
                rate = "%.0f writes/us" % run["writes_per_us"]
            else:
                rate = "-"
            out.append("| %s | %s | %s | %.3f (%.3f) | %s |" % (
                writer, poll, fmt_ratio(cpu[name] / alone), cpu[name],
                median.get(name, float("nan")), rate))
    out.append("")
    out.append("Copying a token (`BM_TokenCopy_*`): StopToken %.2f ns, "
               "std::stop_token %.2f ns (an atomic increment and decrement "
               "of a shared reference count)." % (
                   cpu.get("BM_TokenCopy_StopToken", float("nan")),
                   cpu.get("BM_TokenCopy_StdStopToken", float("nan"))))
    out.append("")
    return "\n".join(out) + "\n"


def instruction_table(results):
    path = os.path.join(results, "poll_instructions.txt")
    if not os.path.exists(path):
        return "(poll_instructions.txt missing)\n"
    ir = {}
    iterations = None
    with open(path) as f:
        text = f.read()
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+)\s.*\b(WorkLoop\w+)\(", line)
        if m:
            ir[m.group(2)] = int(m.group(1).replace(",", ""))
    m = re.search(r"iterations (\d+)", text)
    if m:
        iterations = int(m.group(1))
    if not ir or not iterations:
        return "(could not parse poll_instructions.txt)\n"
    base = ir.get("WorkLoopUnpolled")
    out = ["| loop (%d work units of 2 mixer rounds) | instructions | per unit |"
           " added per poll |" % iterations, "|---|---|---|---|"]
    labels = [
        ("WorkLoopUnpolled", "no poll"),
        ("WorkLoopStopToken", "`graceful::StopToken` (by value)"),
        ("WorkLoopStopTokenByReference", "`graceful::StopToken` (by const&)"),
        ("WorkLoopAtomicRelaxed", "`std::atomic<bool>` relaxed"),
        ("WorkLoopStdStopToken", "`std::stop_token` (by value)"),
    ]
    for key, label in labels:
        if key not in ir:
            continue
        added = "-" if key == "WorkLoopUnpolled" else "%+.2f" % (
            (ir[key] - base) / iterations)
        out.append("| %s | %s | %.2f | %s |" % (
            label, format(ir[key], ","), ir[key] / iterations, added))
    asm_path = os.path.join(results, "poll_loop.asm")
    if os.path.exists(asm_path):
        with open(asm_path) as f:
            asm = f.read().rstrip()
        out.append("")
        out.append("The polled loop as compiled (`objdump -d`, "
                   "`WorkLoopStopToken`):")
        out.append("")
        out.append("```")
        out.append(asm)
        out.append("```")
    return "\n".join(out) + "\n"


# --- shutdown latency -------------------------------------------------------------


def load_samples(path):
    points = defaultdict(lambda: {"seen": [], "last": [], "joined": []})
    if not os.path.exists(path):
        return points
    with open(path) as f:
        for row in csv.DictReader(f):
            if row.get("joined_us") is None:
                continue  # a row cut short (the file is still being written)
            key = (row["mechanism"], row["style"], int(row["workers"]))
            points[key]["seen"].append(float(row["seen_us"]))
            points[key]["last"].append(float(row["last_us"]))
            points[key]["joined"].append(float(row["joined_us"]))
    return points


def latency_tables(results):
    points = load_samples(os.path.join(results, "shutdown_latency.csv"))
    if not points:
        return "(shutdown_latency.csv missing)\n"
    counts = sorted({k[2] for k in points if k[1] in STYLES})
    trials = min(len(v["joined"]) for v in points.values())
    out = []

    def p50(mech, style, n, what="joined"):
        key = (mech, style, n)
        if key not in points:
            return None
        return percentile(points[key][what], 50)

    # Ratios first.
    out.append("#### Ratios (p50 of SIGTERM to all joined; below 1.00 means "
               "graceful is faster)")
    out.append("")
    out.append("| workers | style | graceful / best of cv, futex, signalfd "
               "| best of them is | graceful's speed-up over "
               "jthread+stop_token | graceful / naive 10 ms poll |")
    out.append("|---|---|---|---|---|---|")
    for style in STYLES:
        for n in counts:
            g = p50("graceful", style, n)
            if g is None:
                continue
            best = min((p50(m, style, n), m) for m in BEST_OF
                       if p50(m, style, n) is not None)
            jt = p50("jthread_stop_token", style, n)
            nv = p50("naive_sleep_poll", style, n)
            out.append("| %d | %s | **%s** | %s (%s) | %.2fx | %s |" % (
                n, style, fmt_ratio(g / best[0]), best[1], fmt_us(best[0]),
                jt / g, fmt_ratio(g / nv)))
    out.append("")

    # The signal thread under full load.
    out.append("#### Signal seen under full load (compute-bound workers): "
               "kill() to the stop requested")
    out.append("")
    out.append("| workers | " + " | ".join(
        "%s p50 / p99" % m for m in
        ["graceful", "graceful_inherit", "graceful_idle_workers",
         "sigwait_cv", "signalfd_epoll", "jthread_stop_token"]) + " |")
    out.append("|---" * 7 + "|")
    for n in counts:
        cells = []
        for m in ["graceful", "graceful_inherit", "graceful_idle_workers",
                  "sigwait_cv", "signalfd_epoll", "jthread_stop_token"]:
            key = (m, "compute", n)
            if key not in points:
                cells.append("-")
                continue
            seen = points[key]["seen"]
            cells.append("%s / %s" % (fmt_us(percentile(seen, 50)),
                                      fmt_us(percentile(seen, 99))))
        out.append("| %d | %s |" % (n, " | ".join(cells)))
    unpriv = load_samples(os.path.join(results, "unprivileged.csv"))
    if unpriv:
        out.append("")
        out.append("Without CAP_SYS_NICE (`capsh --drop=cap_sys_nice`, "
                   "RLIMIT_RTPRIO 0), default options, compute-bound "
                   "workers:")
        out.append("")
        out.append("| mechanism | workers | seen p50 | seen p99 | joined p50 | trials |")
        out.append("|---|---|---|---|---|---|")
        for (m, style, n), v in sorted(unpriv.items()):
            out.append("| %s (unprivileged) | %d | %s | %s | %s | %d |" % (
                m, n, fmt_us(percentile(v["seen"], 50)),
                fmt_us(percentile(v["seen"], 99)),
                fmt_us(percentile(v["joined"], 50)), len(v["joined"])))
        stderr_path = os.path.join(results, "unprivileged.stderr")
        if os.path.exists(stderr_path):
            with open(stderr_path) as f:
                lines = [l.strip() for l in f if l.startswith("graceful:")]
            if lines:
                out.append("")
                out.append("What the runtime said on stderr:")
                out.append("")
                out.append("```")
                out.append(lines[0])
                out.append("```")
    out.append("")

    # Absolute times.
    out.append("#### Absolute times (us unless marked), %d trials per point" % trials)
    floor = points.get(("floor", "none", 0))
    if floor:
        out.append("")
        out.append("Floor, kill() to a sigwaitinfo thread running (no "
                   "workers): p50 %s, p90 %s, p99 %s, max %s." % (
                       fmt_us(percentile(floor["seen"], 50)),
                       fmt_us(percentile(floor["seen"], 90)),
                       fmt_us(percentile(floor["seen"], 99)),
                       fmt_us(percentile(floor["seen"], 100))))
    for style in STYLES:
        out.append("")
        out.append("Style `%s`:" % style)
        out.append("")
        out.append("| mechanism | workers | joined p50 | p90 | p99 | max |"
                   " seen p50 | seen p99 | last worker saw p50 |")
        out.append("|---|---|---|---|---|---|---|---|---|")
        for n in counts:
            for m in MECHANISMS:
                key = (m, style, n)
                if key not in points:
                    continue
                v = points[key]
                out.append("| %s | %d | %s | %s | %s | %s | %s | %s | %s |" % (
                    m, n, fmt_us(percentile(v["joined"], 50)),
                    fmt_us(percentile(v["joined"], 90)),
                    fmt_us(percentile(v["joined"], 99)),
                    fmt_us(percentile(v["joined"], 100)),
                    fmt_us(percentile(v["seen"], 50)),
                    fmt_us(percentile(v["seen"], 99)),
                    fmt_us(percentile(v["last"], 50))))
    out.append("")
    write_boxes(results, points, counts)
    return "\n".join(out) + "\n"


def write_boxes(results, points, counts):
    """One row per (panel, workers, mechanism): box statistics for gnuplot."""
    path = os.path.join(results, "latency_boxes.tsv")
    panels = [("sleep", "joined"), ("queue", "joined"), ("compute", "joined"),
              ("compute", "seen")]
    with open(path, "w") as f:
        f.write("# panel\tgroup\tmech\tx\tp1\tp25\tp50\tp75\tp99\n")
        for panel, (style, what) in enumerate(panels):
            for group, n in enumerate(counts):
                for mi, m in enumerate(MECHANISMS):
                    key = (m, style, n)
                    if key not in points:
                        continue
                    v = [max(x, 1.0) for x in points[key][what]]
                    x = group * (len(MECHANISMS) + 2) + mi
                    f.write("%d\t%d\t%d\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\n" % (
                        panel, group, mi, x, percentile(v, 1),
                        percentile(v, 25), percentile(v, 50),
                        percentile(v, 75), percentile(v, 99)))
            f.write("\n\n")  # gnuplot index separator


def machine_section(results):
    path = os.path.join(results, "machine.txt")
    if not os.path.exists(path):
        return ""
    with open(path) as f:
        return "```\n" + f.read().rstrip() + "\n```\n"


def main():
    results, readme = sys.argv[1], sys.argv[2]
    generated = "\n".join([
        "### Machine and load",
        "",
        machine_section(results),
        "### Flag-poll overhead",
        "",
        stop_token_tables(results),
        "### Instructions per poll (callgrind)",
        "",
        instruction_table(results),
        "### SIGTERM to all workers joined",
        "",
        latency_tables(results),
    ])
    with open(readme) as f:
        text = f.read()
    begin, end = "<!-- generated:begin -->", "<!-- generated:end -->"
    if begin not in text or end not in text:
        sys.exit("%s has no %s ... %s markers" % (readme, begin, end))
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    with open(readme, "w") as f:
        f.write(head + begin + "\n" + generated + "\n" + end + tail)


if __name__ == "__main__":
    main()
