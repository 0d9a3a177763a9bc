#!/usr/bin/env bash
# One bounded libFuzzer run, as ctest runs it in the `fuzz` preset:
#   run_fuzz.sh TARGET CORPUS WORK_DIR SECONDS
# Starts from CORPUS (the seeds and the inputs kept in the tree), writes what it finds to
# WORK_DIR/corpus (never into the tree on its own) and a crashing input to WORK_DIR/artifacts/.
# Exits non-zero on a crash, a sanitizer finding, a leak, an input that takes over 10 s or an RSS
# over 2 GiB, printing the input so it can be kept as a regression seed.
# EDGEGW_FUZZ_GROW=1 merges the new inputs that add coverage into CORPUS afterwards (the corpus
# grows in the tree; commit what it added).
set -euo pipefail
target=$1 corpus=$2 work=$3 seconds=$4
name=$(basename "$target")

rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
# Sanitizer findings end the run (libFuzzer saves the input first).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

status=0
"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" "$corpus" >"$work/fuzz.log" 2>&1 || status=$?
if ((status != 0)); then
  tail -n 80 "$work/fuzz.log" >&2
  for input in "$work"/artifacts/*; do
    [[ -f $input ]] || continue
    echo "FAIL: $name: input $input (keep it in $corpus once fixed):" >&2
    od -A d -c "$input" | head -n 40 >&2
  done
  exit 1
fi
grep -E '^stat::(number_of_executed_units|new_units_added)' "$work/fuzz.log" | tr '\n' ' '
echo "($name, ${seconds}s, $(find "$corpus" -type f | wc -l) seed(s))"

if [[ ${EDGEGW_FUZZ_GROW:-0} == 1 ]]; then
  "$target" -merge=1 "$corpus" "$work/corpus" >"$work/merge.log" 2>&1 ||
    { tail -n 20 "$work/merge.log" >&2; exit 1; }
  echo "$name: corpus now $(find "$corpus" -type f | wc -l) file(s)"
fi
