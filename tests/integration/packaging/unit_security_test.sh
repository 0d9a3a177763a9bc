#!/usr/bin/env bash
# The unit's sandbox: `systemd-analyze security --offline=yes` must rate it at most 2.0, and the
# directives the daemon's contract depends on must be there.
# Usage: unit_security_test.sh SOURCE_DIR
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
unit="$1/systemd/edgegw.service"
command -v systemd-analyze >/dev/null || skip "systemd-analyze not installed"

report=$(systemd-analyze security --offline=yes "$unit" 2>&1) || true
line=$(grep -m1 'Overall exposure level' <<<"$report" || true)
echo "$line"
score=$(sed -nE 's/.*Overall exposure level for [^:]*: ([0-9]+\.[0-9]+).*/\1/p' <<<"$line")
if [[ -z $score ]]; then
  fail "no exposure level in: $report"
elif ! awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
  echo "$report" >&2
  fail "exposure $score > 2.0"
fi
# The same bound through systemd's own threshold (0..100 scale).
check "--threshold=20" systemd-analyze security --offline=yes --threshold=20 "$unit" >/dev/null

# shellcheck disable=SC2016 # $MAINPID is literal unit text
for directive in 'Type=notify' 'NotifyAccess=main' 'WatchdogSec=30s' 'Restart=on-failure' \
  'ExecReload=/bin/kill -HUP $MAINPID' 'User=edgegw' 'SupplementaryGroups=dialout' \
  'StateDirectory=edgegw' 'RuntimeDirectory=edgegw' 'ConfigurationDirectory=edgegw' \
  'LimitNOFILE=65536' 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK' \
  'CapabilityBoundingSet=' 'DeviceAllow=char-ttyUSB rw' \
  'ExecStart=/usr/bin/edgegw -c /etc/edgegw/edgegw.toml run'; do
  grep -qxF "$directive" "$unit" || fail "missing: $directive"
done
# Ordered after time-set.target, but never waiting for network time.
grep -qE '^After=.*\btime-set\.target\b' "$unit" || fail "not ordered after time-set.target"
grep -qE '^(After|Wants|Requires)=.*time-sync\.target' "$unit" && fail "waits for time-sync.target"
# PrivateDevices= would hide the serial lines.
grep -qE '^PrivateDevices=(yes|true|1)' "$unit" && fail "PrivateDevices hides /dev/ttyUSB*"
finish
