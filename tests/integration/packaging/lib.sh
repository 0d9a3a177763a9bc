# shellcheck shell=bash
# Shared by the packaging tests: failure reporting and a scratch directory removed on exit.
set -euo pipefail

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
# check DESCRIPTION COMMAND...: runs COMMAND, records a failure if it does not succeed.
check() {
  local what=$1
  shift
  if ! "$@"; then fail "$what"; fi
}
finish() {
  if ((failures)); then
    echo "$failures check(s) failed" >&2
    exit 1
  fi
  echo "all checks passed"
}
skip() {
  echo "SKIP: $*"
  exit 77
}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/edgegw-packaging.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
