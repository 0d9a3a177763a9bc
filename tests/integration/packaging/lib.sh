# shellcheck shell=bash
# Shared by the packaging tests: failure reporting, a scratch directory removed on exit, and the
# .deb built from the current build tree with cpack.
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

# build_deb BINARY_DIR OUT_DIR: prints the path of the package built from BINARY_DIR.
build_deb() {
  local binary_dir=$1 out=$2
  cpack --config "$binary_dir/CPackConfig.cmake" -G DEB -B "$out" >"$out.log" 2>&1 ||
    { cat "$out.log" >&2; return 1; }
  local debs=("$out"/edgegw_*.deb)
  [[ -f ${debs[0]} ]] || { echo "no .deb in $out" >&2; return 1; }
  echo "${debs[0]}"
}
