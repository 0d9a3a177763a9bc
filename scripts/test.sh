#!/usr/bin/env bash
# The README's test command: installs the Debian packages, builds the release and the ASan+UBSan
# trees, builds the Debian package and runs lintian on it (scripts/build-deb.sh), runs every test in
# both trees with ctest (the packaging tests take that package), then builds the libFuzzer targets
# with clang and runs each for a bounded time (scripts/fuzz.sh). Exits non-zero if anything fails.
# Each step prints how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

jobs=$(nproc)
status=0
summary=()
# step NAME COMMAND...: runs COMMAND, prints its time, records a failure and carries on.
step() {
  local name=$1 started=$SECONDS log=build/step-${1//[^a-z]/-}.log
  shift
  echo "=== $name"
  mkdir -p build
  if "$@" 2>&1 | tee "$log"; then
    echo "=== $name: done in $((SECONDS - started)) s"
    summary+=("ok      $name ($((SECONDS - started)) s)")
  else
    echo "=== $name: FAILED after $((SECONDS - started)) s"
    summary+=("FAILED  $name ($((SECONDS - started)) s), ending: $(tail -n 3 "$log" | tr '\n' ' ')")
    status=1
  fi
}

# failed_tests PRESET: the names of the tests that failed in build/PRESET's last ctest run, and the
# end of each one's output. Printed again at the very end, because a CI log is often read from its
# tail and ctest's own report of a failure is hundreds of lines above it.
failed_tests() {
  local dir=build/$1/Testing/Temporary
  [[ -s $dir/LastTestsFailed.log ]] || return 0
  local name
  while IFS=: read -r _ name; do
    echo "--- $1: $name"
    awk -v name="$name" '
      $0 ~ /^[0-9]+\/[0-9]+ Testing: / { sub(/^[0-9]+\/[0-9]+ Testing: /, ""); on = ($0 == name); next }
      on && /^<end of output>/ { on = 0 }
      on' "$dir/LastTest.log" >"$dir/failed-output.txt"
    # From the first failed assertion if there is one, else the end of the output. head closes the
    # pipe early; under pipefail sed's SIGPIPE (141) would end the script before its summary.
    if grep -q -m1 'Failure$' "$dir/failed-output.txt"; then
      sed -n '/Failure$/,$p' "$dir/failed-output.txt" | head -n 30 || true
    else
      tail -n 25 "$dir/failed-output.txt"
    fi
  done < <(head -n 5 "$dir/LastTestsFailed.log")
}

for preset in release asan; do
  echo "=== build: $preset"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
done

step "debian package and lintian" bash scripts/build-deb.sh
# The packaging test installs this package; if the build failed, the test fails too.
debs=(build/deb/edgegw_*.deb)
export EDGEGW_DEB=$PWD/${debs[0]}

# Sanitizer settings: any finding fails the test that caused it.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Two tests per core: the suites mostly wait (the release suite used a quarter of 2 cores) and take
# about half the time so. Test processes claim their free ports from each other
# (tests/support/net.cpp); before that claim two of them picked the same port about once in two
# ASan runs at this -j ("Unable to create websockets listener").
for preset in release asan; do
  rm -f "build/$preset/Testing/Temporary/LastTestsFailed.log"
  step "test: $preset" ctest --preset "$preset" -j $((jobs * 2)) --timeout 600
done

# 8 targets x 30 s on $jobs cores: bounded, so the whole run stays under 45 minutes on 2 cores
# (at 60 s it took 48). Longer runs: EDGEGW_FUZZ_SECONDS=600 bash scripts/fuzz.sh.
EDGEGW_FUZZ_SECONDS=${EDGEGW_FUZZ_SECONDS:-30} step "fuzz" bash scripts/fuzz.sh

echo "=== summary"
for preset in release asan; do failed_tests "$preset"; done
printf '%s\n' "${summary[@]}"
exit $status
