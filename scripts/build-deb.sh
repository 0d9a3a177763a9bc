#!/usr/bin/env bash
# Builds the Debian package the Debian way (dpkg-buildpackage -b with debian/) from a copy of this
# tree, puts edgegw_VERSION_ARCH.deb (and its .buildinfo/.changes) into build/deb/, and runs lintian
# on it: an error or a warning that debian/edgegw.lintian-overrides does not justify fails.
# Usage: scripts/build-deb.sh [--no-lintian]
set -euo pipefail
cd "$(dirname "$0")/.."

out=$PWD/build/deb
rm -rf "$out"
mkdir -p "$out/src"
# A copy without build trees: dpkg-buildpackage writes obj-*/ and debian/edgegw/ into the source and
# the packages next to it, which must not land in the working tree.
tar --exclude=./build --exclude=./.git --exclude='./obj-*' -cf - . | tar -xf - -C "$out/src"

started=$(date +%s)
(cd "$out/src" && dpkg-buildpackage -b -us -uc -j"$(nproc)") >"$out/build.log" 2>&1 ||
  { tail -n 60 "$out/build.log" >&2; echo "build-deb: dpkg-buildpackage failed ($out/build.log)" >&2; exit 1; }
rm -rf "$out/src"
debs=("$out"/edgegw_*.deb)
echo "build-deb: ${debs[0]} in $(($(date +%s) - started)) s"

if [[ ${1:-} != --no-lintian ]]; then
  # -E experimental, -v verbose, -I info, -L +pedantic: everything lintian knows; info and pedantic
  # tags are printed, errors and warnings fail.
  lintian -EvIL +pedantic --fail-on error,warning "${debs[0]}"
  echo "build-deb: lintian found no error and no unjustified warning"
fi
