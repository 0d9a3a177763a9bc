#!/usr/bin/env bash
# `systemd-analyze verify` accepts the unit: every directive parses, the commands exist and the
# Documentation= man pages resolve. ExecStart= and ExecReload= are pointed at the built binary,
# since /usr/bin/edgegw is not installed here, and MANPATH at the repository's pages.
# Usage: unit_verify_test.sh SOURCE_DIR BINARY_DIR
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
source_dir=$1 binary_dir=$2
command -v systemd-analyze >/dev/null || skip "systemd-analyze not installed"
[[ -x $binary_dir/edgegw ]] || { fail "no binary at $binary_dir/edgegw"; finish; }

mkdir -p "$scratch/unit" "$scratch/man/man8" "$scratch/man/man5"
sed -E "s|^(Exec[A-Za-z]+)=/usr/bin/edgegw |\1=$binary_dir/edgegw |" \
  "$source_dir/systemd/edgegw.service" >"$scratch/unit/edgegw.service"
ln -s "$source_dir/man/edgegw.8" "$scratch/man/man8/"
ln -s "$source_dir/man/edgegw.toml.5" "$scratch/man/man5/"

if ! out=$(MANPATH="$scratch/man" systemd-analyze verify "$scratch/unit/edgegw.service" 2>&1); then
  fail "systemd-analyze verify: $out"
elif [[ -n $out ]]; then
  fail "systemd-analyze verify warned: $out"
fi
finish
