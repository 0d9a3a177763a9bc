#!/usr/bin/env bash
# The README's test command: installs the Debian packages, builds the release and the ASan+UBSan
# trees, and runs every test in both with ctest. Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

jobs=$(nproc)
for preset in release asan; do
  echo "=== build: $preset"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
done

# Sanitizer settings: any finding fails the test that caused it.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

status=0
for preset in release asan; do
  echo "=== test: $preset"
  if ! ctest --preset "$preset" -j "$jobs" --timeout 600; then
    status=1
  fi
done
exit $status
