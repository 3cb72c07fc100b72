#!/usr/bin/env bash
# Runs a benchmark binary once, briefly, so that `bazel test //...` keeps it
# building and running. Asserts nothing about time: only that it runs and
# exits 0.
#
#   smoke_test.sh BINARY [ARGS...]
set -euo pipefail
binary="$1"
shift
"${binary}" "$@"
