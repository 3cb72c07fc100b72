#!/usr/bin/env bash
# Runs //:worker as a user would: once to the end of its items, once stopped
# by SIGTERM; checks the exit status and the JSON report on stdout. Nothing is
# timed: Bazel's test timeout is the watchdog for a worker that hangs.
set -euo pipefail

worker=./worker
out="${TEST_TMPDIR}/out"
err="${TEST_TMPDIR}/err"

fail() {
  echo "FAIL: $*" >&2
  echo "--- stdout" >&2
  cat "${out}" >&2
  echo "--- stderr" >&2
  cat "${err}" >&2
  exit 1
}

expect_report() {
  grep -qF -- "$1" "${out}" || fail "the report lacks $1"
}

# 1. All items done: the runtime stops by itself, exit 0.
status=0
"${worker}" --items=200 --workers=4 --step=1ms >"${out}" 2>"${err}" ||
  status=$?
((status == 0)) || fail "exit status ${status}, want 0"
expect_report '"cause":"work done"'
expect_report '"exit_code":0'
grep -qF 'worker: processed 200 items' "${err}" || fail "not 200 items"

# 2. SIGTERM: every worker finishes its item, the process dies of SIGTERM.
# The files are emptied first: the background job's own redirections happen
# after this script goes on, and the wait below must not find run 1's line.
: >"${out}"
: >"${err}"
"${worker}" --step=5ms >"${out}" 2>"${err}" &
pid=$!
until grep -q 'worker: ready' "${out}"; do
  kill -0 "${pid}" 2>/dev/null || fail "exited before it was ready"
  sleep 0.1
done
kill -TERM "${pid}"
status=0
wait "${pid}" || status=$?
((status == 143)) || fail "exit status ${status}, want 143 (died of SIGTERM)"
expect_report '"cause":"signal"'
expect_report '"signal_name":"SIGTERM"'
expect_report "\"sender_pid\":$$,"
expect_report '"forced":"none"'
expect_report '"stragglers":[]'
echo "PASS"
