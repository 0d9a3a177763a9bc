#!/usr/bin/env bash
# `cmake --install` puts everything in place, and never overwrites an existing
# /etc/edgegw/edgegw.toml: installing twice keeps the operator's edits.
# Usage: cmake_install_test.sh SOURCE_DIR BINARY_DIR
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
source_dir=$1 binary_dir=$2
dest=$scratch/root

install_once() {
  DESTDIR=$dest cmake --install "$binary_dir" --prefix /usr >"$scratch/install.log" 2>&1 ||
    { cat "$scratch/install.log" >&2; fail "cmake --install"; finish; }
}

install_once
for f in usr/bin/edgegw usr/lib/systemd/system/edgegw.service usr/lib/sysusers.d/edgegw.conf \
  usr/lib/tmpfiles.d/edgegw.conf usr/share/man/man8/edgegw.8 usr/share/man/man5/edgegw.toml.5 \
  usr/share/doc/edgegw/examples/edgegw.toml etc/edgegw/edgegw.toml; do
  [[ -e $dest/$f ]] || fail "not installed: /$f"
done
check "the binary is executable" test -x "$dest/usr/bin/edgegw"
# With prefix /usr the installed unit is the repository's, byte for byte.
check "unit differs from systemd/edgegw.service" \
  cmp -s "$source_dir/systemd/edgegw.service" "$dest/usr/lib/systemd/system/edgegw.service"
conf=$dest/etc/edgegw/edgegw.toml
[[ $(stat -c %a "$conf") == 640 ]] || fail "edgegw.toml mode $(stat -c %a "$conf"), want 640"
for example in "$source_dir"/etc/examples/*.toml; do
  [[ -e $example ]] || continue
  [[ -f $dest/usr/share/doc/edgegw/examples/$(basename "$example") ]] ||
    fail "example not installed: $(basename "$example")"
done

echo '# edited by the operator' >>"$conf"
edited=$(cat "$conf")
install_once
[[ $(cat "$conf") == "$edited" ]] || fail "a second install overwrote /etc/edgegw/edgegw.toml"
grep -q 'Keeping existing' "$scratch/install.log" || fail "install did not say it kept the config"

# Another prefix: the unit follows the binary and the configuration.
DESTDIR="" cmake --install "$binary_dir" --prefix "$scratch/opt" >/dev/null 2>&1 ||
  fail "install to $scratch/opt"
grep -qxF "ExecStart=$scratch/opt/bin/edgegw -c $scratch/opt/etc/edgegw/edgegw.toml run" \
  "$scratch/opt/lib/systemd/system/edgegw.service" || fail "unit not rewritten for the prefix"
grep -qxF "ExecReload=$scratch/opt/bin/edgegw -c $scratch/opt/etc/edgegw/edgegw.toml check" \
  "$scratch/opt/lib/systemd/system/edgegw.service" || fail "the reload check not rewritten for the prefix"
[[ -f $scratch/opt/etc/edgegw/edgegw.toml ]] || fail "no config under the prefix"
finish
