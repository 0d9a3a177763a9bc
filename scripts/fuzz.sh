#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (the `fuzz` preset: every module instrumented for coverage
# and built with ASan+UBSan) and runs each for EDGEGW_FUZZ_SECONDS (default 60) from its corpus in
# tests/fuzz/. A crash fails. `--grow` merges the new inputs that add coverage into the corpora in
# the tree (then commit them).
# Usage: scripts/fuzz.sh [--grow]
set -euo pipefail
cd "$(dirname "$0")/.."
[[ ${1:-} == --grow ]] && export EDGEGW_FUZZ_GROW=1

seconds=${EDGEGW_FUZZ_SECONDS:-60}
cmake --preset fuzz -DEDGEGW_FUZZ_SECONDS="$seconds" >/dev/null
cmake --build --preset fuzz -j "$(nproc)"
ctest --preset fuzz -j "$(nproc)"
