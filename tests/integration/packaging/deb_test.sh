#!/usr/bin/env bash
# The .deb built by scripts/build-deb.sh (dpkg-buildpackage with debian/): its files, conffiles,
# dependencies and maintainer scripts; then a round trip through dpkg in a throwaway root (dpkg
# --root with --force-script-chrootless, so the maintainer scripts run against DPKG_ROOT):
#   install  -> the binary, unit, user edgegw (in dialout) and directories with their modes exist;
#   remove   -> the binary and unit are gone, /etc/edgegw and /var/lib/edgegw stay;
#   reinstall-> an edited conffile is kept;
#   purge    -> /etc/edgegw and /var/lib/edgegw are gone, the user stays.
# systemctl must never be called for a root that is not the running system.
# The package is $EDGEGW_DEB (scripts/test.sh sets it: a missing file then fails), else
# SOURCE_DIR/build/deb/edgegw_*.deb; without either the test is skipped.
# Usage: deb_test.sh SOURCE_DIR
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
source_dir=$1
for tool in dpkg-deb dpkg systemd-sysusers systemd-tmpfiles; do
  command -v "$tool" >/dev/null || skip "$tool not installed"
done

if [[ -n ${EDGEGW_DEB:-} ]]; then
  deb=$EDGEGW_DEB
  [[ -f $deb ]] || { fail "no package at EDGEGW_DEB=$deb"; finish; }
else
  debs=("$source_dir"/build/deb/edgegw_*.deb)
  [[ -f ${debs[0]} ]] || skip "no package: build it with scripts/build-deb.sh"
  deb=${debs[0]}
fi
echo "package: $deb"

# --- contents
contents=$(dpkg-deb -c "$deb" | awk '{ print $1, $6 }')
has() { grep -qE "^$1 \./$2\$" <<<"$contents" || fail "package lacks $2 ($1)"; }
has '-rwxr-xr-x' usr/bin/edgegw
has '-rw-r--r--' lib/systemd/system/edgegw.service
has '-rw-r--r--' usr/lib/sysusers.d/edgegw.conf
has '-rw-r--r--' usr/lib/tmpfiles.d/edgegw.conf
has '-rw-r--r--' usr/share/man/man8/edgegw.8.gz
has '-rw-r--r--' usr/share/man/man5/edgegw.toml.5.gz
has '-rw-r-----' etc/edgegw/edgegw.toml
has '-rw-r--r--' usr/share/doc/edgegw/examples/edgegw.toml
has '-rw-r--r--' usr/share/doc/edgegw/copyright
has '-rw-r--r--' usr/share/doc/edgegw/changelog.gz
grep -q 'usr/local' <<<"$contents" && fail "package installs under /usr/local"

control=$scratch/control
dpkg-deb -e "$deb" "$control"
[[ $(cat "$control/conffiles") == /etc/edgegw/edgegw.toml ]] ||
  fail "conffiles: $(cat "$control/conffiles")"
for script in postinst prerm postrm; do
  [[ -x $control/$script ]] || fail "no executable $script"
  check "$script is valid sh" sh -n "$control/$script"
done
# The debhelper snippets are the only callers of systemd (deb-systemd-invoke honours policy-rc.d).
grep -qE '^[^#]*systemctl (start|stop|restart|try-restart|enable)' "$control"/post* "$control"/pre* &&
  fail "a maintainer script calls systemctl directly"
grep -q 'systemd-sysusers' "$control/postinst" || fail "postinst does not create the user (sysusers)"
grep -q 'systemd-tmpfiles' "$control/postinst" || fail "postinst does not create the directories (tmpfiles)"
depends=$(dpkg-deb -f "$deb" Depends)
grep -q 'systemd' <<<"$depends" || fail "Depends lacks systemd: $depends"
grep -q 'libc6' <<<"$depends" || fail "Depends lacks the shared libraries (shlibdeps): $depends"
[[ $(dpkg-deb -f "$deb" Package) == edgegw ]] || fail "package name"
[[ $(dpkg-deb -f "$deb" Recommends) == *ca-certificates* ]] || fail "Recommends lacks ca-certificates"
# One version: the changelog's is the package's, and CMake's project() must agree.
cmake_version=$(sed -n 's/^project(edgegw VERSION \([0-9.]*\).*/\1/p' "$source_dir/CMakeLists.txt")
[[ $(dpkg-deb -f "$deb" Version) == "$cmake_version"* ]] ||
  fail "package version $(dpkg-deb -f "$deb" Version) but CMakeLists.txt says $cmake_version"

# --- round trip
if [[ $(id -u) -ne 0 ]]; then
  ((failures == 0)) || finish
  skip "dpkg --root round trip needs root (owners of the installed files)"
fi
root=$scratch/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/etc"
touch "$root/var/lib/dpkg/status"
# A systemctl that records being called: a chrootless install must not touch the host's systemd.
mkdir -p "$scratch/stubs"
printf '#!/bin/sh\necho "$@" >>"%s/systemctl.calls"\n' "$scratch" >"$scratch/stubs/systemctl"
chmod +x "$scratch/stubs/systemctl"

dpkg_root() {
  PATH="$scratch/stubs:$PATH" dpkg --root="$root" --force-script-chrootless --force-depends \
    --force-confold "$@" >>"$scratch/dpkg.log" 2>&1 || { cat "$scratch/dpkg.log" >&2; return 1; }
}
mode_owner() { stat -c '%a %u:%g' "$1"; }
id_of() { awk -F: -v n="$2" '$1 == n { print $3 }' "$root/etc/$1"; }

check "dpkg -i" dpkg_root -i "$deb"
uid=$(id_of passwd edgegw)
gid=$(id_of group edgegw)
[[ -n $uid && -n $gid ]] || fail "user/group edgegw not created"
grep -qE '^dialout:[^:]*:[0-9]+:(.*,)?edgegw(,.*)?$' "$root/etc/group" || fail "edgegw not in dialout"
grep -q '^edgegw:.*:/usr/sbin/nologin$' "$root/etc/passwd" || fail "edgegw has a login shell"
check "binary installed" test -x "$root/usr/bin/edgegw"
check "unit installed" test -f "$root/lib/systemd/system/edgegw.service"
[[ $(mode_owner "$root/etc/edgegw") == "750 0:$gid" ]] ||
  fail "/etc/edgegw is $(mode_owner "$root/etc/edgegw")"
for d in conf.d secrets; do
  [[ $(mode_owner "$root/etc/edgegw/$d") == "750 0:$gid" ]] || fail "/etc/edgegw/$d wrong"
done
[[ $(mode_owner "$root/etc/edgegw/edgegw.toml") == "640 0:$gid" ]] ||
  fail "edgegw.toml is $(mode_owner "$root/etc/edgegw/edgegw.toml"), want 640 0:$gid"
[[ $(mode_owner "$root/var/lib/edgegw") == "751 $uid:$gid" ]] ||
  fail "/var/lib/edgegw is $(mode_owner "$root/var/lib/edgegw")"
[[ $(mode_owner "$root/var/lib/edgegw/metrics") == "755 $uid:$gid" ]] ||
  fail "/var/lib/edgegw/metrics is $(mode_owner "$root/var/lib/edgegw/metrics")"
dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status}' edgegw | grep -q 'install ok installed' ||
  fail "not installed according to dpkg"

# remove keeps configuration and state
echo '# edited by the operator' >>"$root/etc/edgegw/edgegw.toml"
edited=$(cat "$root/etc/edgegw/edgegw.toml")
echo secret >"$root/etc/edgegw/secrets/meter-1"
echo outbox >"$root/var/lib/edgegw/outbox.db"
check "dpkg -r" dpkg_root -r edgegw
[[ -e $root/usr/bin/edgegw ]] && fail "binary left after remove"
[[ -e $root/lib/systemd/system/edgegw.service ]] && fail "unit left after remove"
[[ $(cat "$root/etc/edgegw/edgegw.toml" 2>/dev/null) == "$edited" ]] || fail "remove lost edgegw.toml"
check "remove kept secrets" test -f "$root/etc/edgegw/secrets/meter-1"
check "remove kept the outbox" test -f "$root/var/lib/edgegw/outbox.db"

# reinstall (and install over an installed package: the upgrade path) keeps the edited conffile
check "dpkg -i again" dpkg_root -i "$deb"
check "dpkg -i over itself" dpkg_root -i "$deb"
[[ $(cat "$root/etc/edgegw/edgegw.toml") == "$edited" ]] || fail "reinstall replaced edgegw.toml"
check "outbox survived reinstall" test -f "$root/var/lib/edgegw/outbox.db"

# purge removes configuration and state, keeps the user
check "dpkg -P" dpkg_root -P edgegw
[[ -e $root/etc/edgegw ]] && fail "/etc/edgegw left after purge"
[[ -e $root/var/lib/edgegw ]] && fail "/var/lib/edgegw left after purge"
[[ -n $(id_of passwd edgegw) ]] || fail "purge removed the system user"
dpkg-query --admindir="$root/var/lib/dpkg" -W edgegw >/dev/null 2>&1 && fail "dpkg still knows edgegw"

[[ -e $scratch/systemctl.calls ]] && fail "systemctl called for a foreign root: $(cat "$scratch/systemctl.calls")"
finish
