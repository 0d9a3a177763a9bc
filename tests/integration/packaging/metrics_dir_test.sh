#!/usr/bin/env bash
# The Prometheus textfile recipe works on a stock system: the shipped tmpfiles.d snippet creates
# /var/lib/edgegw/metrics, which the daemon's user can write and another user (node_exporter's,
# `prometheus` on Debian) can read, while the state directory stays unlisted; the unit's
# StateDirectoryMode= keeps the mode tmpfiles gave (systemd resets it at each start); and the docs
# point both gateway.metrics_file and node_exporter's --collector.textfile.directory at it.
# Usage: metrics_dir_test.sh SOURCE_DIR
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
source_dir=$1
metrics=/var/lib/edgegw/metrics
for tool in systemd-sysusers systemd-tmpfiles setpriv; do
  command -v "$tool" >/dev/null || skip "$tool not installed"
done
[[ $(id -u) -eq 0 ]] || skip "needs root (owners of the created directories, other users)"

root=$scratch/root
mkdir -p "$root/etc"
chmod 0755 "$scratch" # other users must be able to reach the tree below
check "sysusers" systemd-sysusers --root="$root" "$source_dir/systemd/sysusers.conf"
check "tmpfiles" systemd-tmpfiles --root="$root" --create "$source_dir/systemd/tmpfiles.conf"
uid=$(awk -F: '$1 == "edgegw" { print $3 }' "$root/etc/passwd")
gid=$(awk -F: '$1 == "edgegw" { print $3 }' "$root/etc/group")
[[ -n $uid && -n $gid ]] || { fail "no user edgegw"; finish; }
[[ $(stat -c '%a %u:%g' "$root$metrics") == "755 $uid:$gid" ]] ||
  fail "$metrics is $(stat -c '%a %u:%g' "$root$metrics"), want 755 $uid:$gid"

as_daemon() { setpriv --reuid="$uid" --regid="$gid" --clear-groups "$@"; }
as_exporter() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
prom=$root$metrics/edgegw.prom
check "the daemon's user writes the textfile" as_daemon sh -c "echo 'edgegw_up 1' >$prom.tmp && mv $prom.tmp $prom"
check "another user reads the textfile" as_exporter cat "$prom"
check "another user lists the textfile directory" as_exporter ls "$root$metrics"
as_exporter ls "$root/var/lib/edgegw" >/dev/null 2>&1 && fail "another user can list /var/lib/edgegw"
as_daemon touch "$root/var/lib/edgegw/outbox.db" || fail "the daemon's user cannot write its state"

# systemd applies StateDirectoryMode= at each start: it must be what tmpfiles made.
unit_mode=$(sed -n 's/^StateDirectoryMode=0*//p' "$source_dir/systemd/edgegw.service")
[[ $unit_mode == "$(stat -c %a "$root/var/lib/edgegw")" ]] ||
  fail "StateDirectoryMode=$unit_mode but tmpfiles makes /var/lib/edgegw $(stat -c %a "$root/var/lib/edgegw")"

docs=$source_dir/docs/operations.md
grep -qF "metrics_file = \"$metrics/edgegw.prom\"" "$docs" || fail "operations.md: no metrics_file in $metrics"
grep -qF -- "--collector.textfile.directory=$metrics" "$docs" ||
  fail "operations.md does not point node_exporter at $metrics"
grep -qF 'metrics_file = "/var/lib/prometheus' "$docs" && fail "operations.md still writes into node_exporter's own directory"
finish
