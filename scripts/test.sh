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
# step NAME COMMAND...: runs COMMAND, prints its time, records a failure and carries on.
step() {
  local name=$1 started=$SECONDS
  shift
  echo "=== $name"
  if "$@"; then
    echo "=== $name: done in $((SECONDS - started)) s"
  else
    echo "=== $name: FAILED after $((SECONDS - started)) s"
    status=1
  fi
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

for preset in release asan; do
  step "test: $preset" ctest --preset "$preset" -j "$jobs" --timeout 600
done

# 5 targets x 60 s on $jobs cores.
step "fuzz" bash scripts/fuzz.sh
exit $status
