#!/usr/bin/env bash
# `systemctl reload` with a broken configuration must fail, and with a good one signal the daemon.
# The unit's ExecReload= lines are run here the way systemd runs them (in order, each must exit 0
# or the reload fails and the rest are skipped), with /usr/bin/edgegw pointed at the built binary,
# the configuration path at a test file and $MAINPID at a stand-in daemon that records SIGHUP:
#   - the check runs on the same file as ExecStart=, before the signal;
#   - a broken configuration: the reload fails and the daemon gets no SIGHUP;
#   - a configuration with `credential:` secrets, with $CREDENTIALS_DIRECTORY set as LoadCredential=
#     sets it for every command of the unit: the reload succeeds and the daemon gets SIGHUP.
# Usage: exec_reload_test.sh SOURCE_DIR BINARY_DIR
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
source_dir=$1 binary_dir=$2
unit=$source_dir/systemd/edgegw.service
[[ -x $binary_dir/edgegw ]] || { fail "no binary at $binary_dir/edgegw"; finish; }

value_of() { sed -n "s/^$1=//p" "$unit"; }
mapfile -t reload_lines < <(value_of ExecReload)
start_line=$(value_of ExecStart)
((${#reload_lines[@]} >= 2)) || fail "ExecReload= has ${#reload_lines[@]} line(s): ${reload_lines[*]}"
conf_of() { sed -n 's/.* -c \([^ ]*\) .*/\1/p' <<<"$1"; }
[[ ${reload_lines[0]} == "/usr/bin/edgegw -c $(conf_of "$start_line") check" ]] ||
  fail "the first ExecReload= is not the check of ExecStart='s file: ${reload_lines[0]}"
# shellcheck disable=SC2016 # the literal text of the unit
[[ ${reload_lines[-1]} == '/bin/kill -HUP $MAINPID' ]] ||
  fail "the last ExecReload= does not signal the daemon: ${reload_lines[-1]}"

# A stand-in daemon: appends a line to $scratch/hups for each SIGHUP.
: >"$scratch/hups"
bash -c "trap 'echo hup >>$scratch/hups' HUP; while :; do sleep 0.05; done" &
daemon_pid=$!
trap 'kill "$daemon_pid" 2>/dev/null; rm -rf "$scratch"' EXIT

config=$scratch/edgegw.toml
# reload: runs the ExecReload= lines as systemd would; exit status of the first that fails.
reload() {
  local line
  for line in "${reload_lines[@]}"; do
    [[ $line =~ ^[-@+!:] ]] && { echo "unsupported ExecReload= prefix: $line" >&2; return 99; }
    line=${line//\/usr\/bin\/edgegw/$binary_dir/edgegw}
    line=${line//\/etc\/edgegw\/edgegw.toml/$config}
    line=${line//\$MAINPID/$daemon_pid}
    # systemd splits on whitespace without a shell; so does an unquoted expansion here.
    # shellcheck disable=SC2086
    $line || return $?
  done
}
wait_for_hups() {
  local deadline=$((SECONDS + 10))
  while (($(wc -l <"$scratch/hups") < $1)); do
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
}

mkdir -p "$scratch/state" "$scratch/credentials"
printf 's3cret\n' >"$scratch/credentials/meter-1.mqtt"
chmod 0600 "$scratch/credentials/meter-1.mqtt"
good_config() {
  cat <<TOML
[gateway]
state_dir = "$scratch/state"
[cloud]
platform = "mqtt"
host = "127.0.0.1"
port = 8883
[cloud.mqtt]
telemetry_topic = "devices/{device}/telemetry"
[local_mqtt]
host = "127.0.0.1"
[[device]]
name = "meter-1"
[device.cloud]
username = "meter-1"
password_file = "credential:meter-1.mqtt"
[device.mqtt]
topic = "sensors/meter-1"
TOML
}

# A broken configuration: the check refuses it (78), the daemon is not signalled.
good_config >"$config"
echo 'log_level = "loud"' >>"$config"
status=0
CREDENTIALS_DIRECTORY=$scratch/credentials reload >"$scratch/broken.out" 2>&1 || status=$?
[[ $status == 78 ]] || fail "reload with a broken configuration exited $status, want 78: $(cat "$scratch/broken.out")"
grep -q 'edgegw.toml:.*' "$scratch/broken.out" || fail "the refused reload does not say why"
[[ -s $scratch/hups ]] && fail "the daemon was signalled although the configuration is broken"

# A good configuration with a credential: secret, in the unit's context: reload succeeds.
good_config >"$config"
if ! CREDENTIALS_DIRECTORY=$scratch/credentials reload >"$scratch/good.out" 2>&1; then
  fail "reload with a good configuration failed: $(cat "$scratch/good.out")"
fi
wait_for_hups 1 || fail "the daemon got no SIGHUP after a good reload"
finish
