#!/usr/bin/env bash
# scripts/test.sh prints, after every step, each failed test's first failed assertion. A failed
# test whose output ran past a pipe's 64 KiB (a broker's log after "Failure") made `head` close
# the pipe early; under `set -o pipefail` the writer's SIGPIPE (141) ended the whole script before
# its summary, and CI exited 141 instead of 1 without saying which step failed.
# Usage: failure_summary_test.sh path/to/scripts/test.sh
set -euo pipefail
script=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tree=$work/build/demo/Testing/Temporary
mkdir -p "$tree"
echo "1:Big.FailingTest" >"$tree/LastTestsFailed.log"
{
  echo "1/1 Testing: Big.FailingTest"
  echo "big_test.cpp:12: Failure"
  echo "Expected: the first assertion"
  for i in $(seq 1 5000); do echo "broker log line $i ...................................."; done
  echo "<end of output>"
} >"$tree/LastTest.log"

# The function alone, as test.sh defines it, run the way test.sh runs (errexit and pipefail).
out=$(cd "$work" && bash -c 'set -euo pipefail
  source <(sed -n "/^failed_tests()/,/^}/p" "$1")
  failed_tests demo
  echo "summary reached"' _ "$script") || {
  echo "FAIL: the report ended the script (exit $?)"
  exit 1
}

grep -q -- "--- demo: Big.FailingTest" <<<"$out" || { echo "FAIL: the test is not named"; exit 1; }
grep -q "Expected: the first assertion" <<<"$out" || { echo "FAIL: no assertion shown"; exit 1; }
grep -q "summary reached" <<<"$out" || { echo "FAIL: the script ended in the report"; exit 1; }
[[ $(grep -c "broker log line" <<<"$out") -le 30 ]] || { echo "FAIL: more than 30 lines"; exit 1; }
echo "ok"
