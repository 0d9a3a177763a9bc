#!/usr/bin/env bash
# The man pages render with man-db (groff underneath) without a single warning, their NAME
# sections parse for whatis/apropos, and they hold the sections an operator looks for.
# Usage: man_pages_test.sh SOURCE_DIR
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
man_dir=$1/man
command -v man >/dev/null || skip "man-db not installed"

render() {
  local page=$1 out=$2
  LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=w -E UTF-8 -l "$page" >"$out" 2>"$out.err"
}

for page in edgegw.8 edgegw.toml.5; do
  out="$scratch/$page.txt"
  if ! render "$man_dir/$page" "$out"; then
    fail "$page: man failed: $(cat "$out.err")"
    continue
  fi
  [[ -s $out.err ]] && fail "$page: warnings: $(cat "$out.err")"
  (($(wc -l <"$out") > 100)) || fail "$page: rendered only $(wc -l <"$out") lines"
  if command -v lexgrog >/dev/null; then
    check "$page: NAME section for whatis" lexgrog "$man_dir/$page" >/dev/null
  fi
done

expect() {
  local page=$1
  shift
  for text in "$@"; do
    grep -qF -- "$text" "$scratch/$page.txt" || fail "$page: no \"$text\""
  done
}
expect edgegw.8 SYNOPSIS 'EXIT STATUS' SIGNALS ENVIRONMENT FILES 'JOURNAL FIELDS' \
  CREDENTIALS_DIRECTORY NOTIFY_SOCKET EDGEGW_DEVICE= SIGHUP 78 'edgegw [-c file] check'
expect edgegw.toml.5 '[gateway]' '[store]' '[cloud]' '[cloud.aliyun]' '[cloud.tencent]' \
  '[cloud.huawei]' '[cloud.mqtt]' '[local_mqtt]' '[[modbus]]' '[[device]]' '[device.cloud]' \
  '[device.modbus]' '[[device.modbus.point]]' '[device.mqtt]' 'max_size = "1GiB"' \
  'backoff_max = "5m"' 'credential:name' 'SECRETS'
finish
