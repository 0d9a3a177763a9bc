#!/usr/bin/env bash
# The edgegw demo (README's first command): installs the dependencies, builds, then runs the whole
# path on this machine with nothing from the internet:
#
#   Modbus simulator (pymodbus) ──┐                          ┌─► cloud emulator (mosquitto + TLS,
#   local mosquitto ◄─ mosquitto_pub ─┴─► edgegw ─TLS, signed ─┘   checks Alibaba signatures)
#
# It shows readings arriving at the "cloud" (decoded, labelled), publishes an Alink property set
# at the cloud and shows the register changing on the simulator and the set_reply arriving, calls a
# configured service over RRPC and shows its answer on the RRPC response topic, then
# stops everything (a trap on EXIT: nothing is left running). Exit 0 on success; non-zero with a
# message when something did not arrive within its deadline.
#
# Environment:
#   EDGEGW_DEMO_NO_BUILD=1    skip install-deps and the build (CI, after its own build)
#   EDGEGW_BINARY=PATH        the edgegw binary (default: build/edgegw)
#   EDGEGW_CLOUD_PLUGIN=PATH  the emulator's plugin (default: the newest one under build*/)
#   EDGEGW_DEMO_TIMEOUT=S     seconds to wait for each step (default 30)
#   EDGEGW_DEMO_KEEP=1        keep the work directory (logs, config) for a look afterwards
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
python=/usr/bin/python3  # Debian's python3 has pymodbus and paho; a pyenv one may not
timeout_s=${EDGEGW_DEMO_TIMEOUT:-30}

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
fail() {
  printf '\n\033[31mdemo failed: %s\033[0m\n' "$*" >&2
  exit 1
}

# --- 1. install and build ---------------------------------------------------------------------
if [[ "${EDGEGW_DEMO_NO_BUILD:-0}" != 1 ]]; then
  say "installing the dependencies (scripts/install-deps.sh)"
  bash scripts/install-deps.sh
  say "building edgegw and the cloud emulator's plugin (cmake -S . -B build && cmake --build build)"
  cmake -S . -B build >/dev/null
  # Only what the demo runs; `bash scripts/test.sh` builds and runs everything else.
  cmake --build build -j"$(nproc)" --target edgegw edgegw_cloud_plugin
fi
binary=${EDGEGW_BINARY:-$repo/build/edgegw}
[[ -x "$binary" ]] || fail "no edgegw binary at $binary (build it, or set EDGEGW_BINARY)"
plugin_args=()
if [[ -n "${EDGEGW_CLOUD_PLUGIN:-}" ]]; then
  plugin_args=(--plugin "$EDGEGW_CLOUD_PLUGIN")
elif [[ -f "$repo/build/tests/cloud/edgegw_cloud_plugin.so" ]]; then
  plugin_args=(--plugin "$repo/build/tests/cloud/edgegw_cloud_plugin.so")
fi
for tool in mosquitto mosquitto_sub mosquitto_pub openssl; do
  command -v "$tool" >/dev/null || fail "$tool is missing (run scripts/install-deps.sh)"
done

# --- processes and their cleanup --------------------------------------------------------------
work=$(mktemp -d /tmp/edgegw-demo.XXXXXX)
pids=()
cleanup() {
  local code=$?
  # Reverse order: edgegw first, so it says goodbye to brokers that are still there.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[i]}" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ $code -ne 0 ]]; then
    echo "--- edgegw log (last 30 lines) ---" >&2
    tail -n 30 "$work/edgegw.log" 2>/dev/null >&2 || true
  fi
  if [[ "${EDGEGW_DEMO_KEEP:-0}" == 1 ]]; then
    echo "work directory kept: $work" >&2
  else
    rm -rf "$work"
  fi
  exit $code
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.1 s until it succeeds.
wait_for() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    ((SECONDS < deadline)) || fail "$what did not happen within ${seconds}s"
    sleep 0.1
  done
}
free_port() {
  "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
json_field() {  # json_field FILE KEY[.KEY]: a value from the first line of FILE (JSON)
  "$python" -c 'import json, sys
v = json.loads(open(sys.argv[1]).readline())
for k in sys.argv[2].split("."): v = v[k]
print(v)' "$1" "$2"
}

# --- 2. the cloud emulator --------------------------------------------------------------------
product_key=a1DemoPK001
secret_meter=demo-secret-meter-1
secret_room=demo-secret-room-1
secret_gateway=demo-secret-edge-gw
say "starting the cloud emulator (Alibaba-style signing, TLS)"
tests/cloud/cloud-emulator "${plugin_args[@]}" --dir "$work/cloud" \
  --aliyun "$product_key:meter-1:$secret_meter" --aliyun "$product_key:room-1:$secret_room" \
  --aliyun "$product_key:edge-gw:$secret_gateway" \
  >"$work/cloud.json" 2>"$work/cloud.err" &
pids+=($!)
wait_for "$timeout_s" "the cloud emulator start" test -s "$work/cloud.json"
tls_port=$(json_field "$work/cloud.json" tls_port)
ca_file=$(json_field "$work/cloud.json" ca_file)
echo "cloud emulator: TLS on 127.0.0.1:$tls_port, CA $ca_file"

# --- 3. the Modbus simulator and the local broker ---------------------------------------------
modbus_port=$(free_port)
say "starting the Modbus simulator (pymodbus) on 127.0.0.1:$modbus_port"
"$python" tests/sim/modbus_sim.py --port "$modbus_port" --unit 1 >"$work/modbus.log" 2>&1 &
pids+=($!)
wait_for "$timeout_s" "the Modbus simulator start" grep -q ready "$work/modbus.log"

local_port=$(free_port)
say "starting the local MQTT broker (mosquitto) on 127.0.0.1:$local_port"
printf 'listener %s 127.0.0.1\nallow_anonymous true\n%s' "$local_port" \
  "$([[ $(id -u) == 0 ]] && echo 'user root')" >"$work/local-mosquitto.conf"
mosquitto -c "$work/local-mosquitto.conf" >"$work/local-mosquitto.log" 2>&1 &
pids+=($!)
local_up() { mosquitto_pub -h 127.0.0.1 -p "$local_port" -t demo/probe -m x 2>/dev/null; }
wait_for "$timeout_s" "the local broker start" local_up

# --- 4. edgegw --------------------------------------------------------------------------------
mkdir -m 0700 "$work/secrets"
(umask 077 && printf '%s' "$secret_meter" >"$work/secrets/meter-1" &&
  printf '%s' "$secret_room" >"$work/secrets/room-1" &&
  printf '%s' "$secret_gateway" >"$work/secrets/edge-gw")
cat >"$work/edgegw.toml" <<TOML
[gateway]
state_dir = "$work/state"
log_level = "info"
status_file = "$work/status.json"  # for `edgegw status` (under the systemd unit: /run/edgegw)
name = "edge-gw"                   # the gateway's own identity: health, events, remote operations
health_interval = "1m"

[gateway.cloud]
product_key = "$product_key"
device_name = "edge-gw"
device_secret_file = "$work/secrets/edge-gw"

[cloud]
platform = "aliyun"
host = "127.0.0.1"
port = $tls_port
ca_file = "$ca_file"
backoff_min = "200ms"
backoff_max = "5s"

[local_mqtt]
host = "127.0.0.1"
port = $local_port
client_id = "edgegw-demo"

[[modbus]]
name = "sim"
transport = "tcp"
host = "127.0.0.1"
port = $modbus_port
timeout = "500ms"

[[device]]
name = "meter-1"
[device.cloud]
product_key = "$product_key"
device_name = "meter-1"
device_secret_file = "$work/secrets/meter-1"
[device.modbus]
bus = "sim"
unit = 1
interval = "1s"
[[device.modbus.point]]
name = "voltage"
table = "holding"
address = 0
type = "u16"
scale = 0.1
[[device.modbus.point]]
name = "current"
table = "holding"
address = 1
type = "u16"
scale = 0.01
[[device.modbus.point]]
name = "setpoint"
table = "holding"
address = 10
type = "u16"
writable = true
[[device.command]]                 # the Alink service set_setpoint writes its "value" here
name = "set_setpoint"
write = { value = "setpoint" }
output = ["setpoint"]

[[device]]
name = "room-1"
[device.cloud]
product_key = "$product_key"
device_name = "room-1"
device_secret_file = "$work/secrets/room-1"
[device.mqtt]
topic = "sensors/room1/telemetry"
command_topic = "sensors/room1/set"
TOML
chmod 0600 "$work/edgegw.toml"

observer_user=$(json_field "$work/cloud.json" observer.username)
observer_password=$(json_field "$work/cloud.json" observer.password)
say "watching the cloud as the emulator's observer (mosquitto_sub -t '/sys/#')"
mosquitto_sub -h 127.0.0.1 -p "$tls_port" --cafile "$ca_file" -u "$observer_user" \
  -P "$observer_password" -q 1 -v -t "/sys/#" >"$work/cloud-messages.log" 2>"$work/observer.err" &
pids+=($!)
probe_seen() {
  mosquitto_pub -h 127.0.0.1 -p "$tls_port" --cafile "$ca_file" -u "$observer_user" \
    -P "$observer_password" -t "/sys/$product_key/meter-1/demo/probe" -m probe 2>/dev/null
  grep -q "demo/probe" "$work/cloud-messages.log"
}
wait_for "$timeout_s" "the observer's subscription" probe_seen

say "checking the configuration (edgegw check)"
"$binary" -c "$work/edgegw.toml" check
say "running edgegw"
"$binary" -c "$work/edgegw.toml" run >"$work/edgegw.log" 2>&1 &
pids+=($!)

# --- 5. readings at the cloud -----------------------------------------------------------------
show() {  # prints the observer's messages matching $1, decoded, with labels
  "$python" - "$work/cloud-messages.log" "$1" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    topic, _, payload = line.rstrip("\n").partition(" ")
    if sys.argv[2] not in topic:
        continue
    device = topic.split("/")[3]
    try:
        body = json.loads(payload)
    except ValueError:
        print("  %-8s %s  %s" % (device, topic, payload)); continue
    def fmt(v):
        v = v.get("value", v) if isinstance(v, dict) else v
        return "%.6g" % v if isinstance(v, float) else str(v)
    if "params" in body:
        values = ", ".join("%s=%s" % (k, fmt(v)) for k, v in body["params"].items())
        print("  %-8s id=%-5s %s   [%s]" % (device, body.get("id"), values, body.get("method")))
    else:
        print("  %-8s id=%-5s code=%s %s" % (device, body.get("id"), body.get("code"),
                                              body.get("message", "")))
PY
}
has_message() { grep -q "$1" "$work/cloud-messages.log"; }

wait_for "$timeout_s" "a Modbus reading at the cloud" \
  has_message "/sys/$product_key/meter-1/thing/event/property/post .*voltage"
say "Modbus readings arrived at the cloud (decoded from Alink JSON):"
show "meter-1/thing/event/property/post" | head -n 3

# edgegw subscribes once its link to the local broker is up: a reading published before has no
# one to go to (it connects beside the cloud sessions, in no fixed order).
wait_for "$timeout_s" "edgegw's link to the local broker" \
  grep -q "local broker 127.0.0.1:$local_port connected" "$work/edgegw.log"
say "a device publishes to the local broker: sensors/room1/telemetry {\"temperature\":21.5,\"humidity\":40}"
mosquitto_pub -h 127.0.0.1 -p "$local_port" -q 1 -t sensors/room1/telemetry \
  -m '{"temperature":21.5,"humidity":40}'
wait_for "$timeout_s" "the local MQTT reading at the cloud" \
  has_message "/sys/$product_key/room-1/thing/event/property/post .*temperature"
say "the local MQTT reading arrived at the cloud:"
show "room-1/thing/event/property/post"

# --- 6. a command back down -------------------------------------------------------------------
read_setpoint() {
  "$python" - "$modbus_port" <<'PY'
import sys
from pymodbus.client import ModbusTcpClient
c = ModbusTcpClient("127.0.0.1", port=int(sys.argv[1]))
c.connect()
r = c.read_holding_registers(10, 1, slave=1)
print(r.registers[0])
c.close()
PY
}
say "register 10 (setpoint) on the simulator before the command: $(read_setpoint)"
say "the cloud sends an Alink property set to meter-1: {\"setpoint\": 55}"
mosquitto_pub -h 127.0.0.1 -p "$tls_port" --cafile "$ca_file" -u "$observer_user" \
  -P "$observer_password" -q 1 -t "/sys/$product_key/meter-1/thing/service/property/set" \
  -m '{"id":"4242","version":"1.0","params":{"setpoint":55},"method":"thing.service.property.set"}'
wait_for "$timeout_s" "the set_reply at the cloud" \
  has_message "meter-1/thing/service/property/set_reply .*\"id\":\"4242\""
setpoint_is_55() { [[ "$(read_setpoint)" == 55 ]]; }
wait_for "$timeout_s" "the register change on the simulator" setpoint_is_55
say "register 10 (setpoint) on the simulator after the command: $(read_setpoint)"
say "the reply arrived at the cloud:"
show "meter-1/thing/service/property/set_reply"
has_message "set_reply .*\"code\":200" || fail "the set_reply did not report success"
wait_for "$timeout_s" "the new setpoint in a reading at the cloud" \
  has_message "meter-1/thing/event/property/post .*\"setpoint\":{\"value\":55"
say "and the next reading carries it:"
show "meter-1/thing/event/property/post" | grep "setpoint=55" | head -n 1

# --- 7. a service call (synchronous, RRPC) and its answer -------------------------------------
say "the cloud calls meter-1's service set_setpoint over RRPC: {\"value\": 66}"
mosquitto_pub -h 127.0.0.1 -p "$tls_port" --cafile "$ca_file" -u "$observer_user" \
  -P "$observer_password" -q 1 -t "/sys/$product_key/meter-1/rrpc/request/777001" \
  -m '{"id":"4243","version":"1.0","params":{"value":66},"method":"thing.service.set_setpoint"}'
wait_for "$timeout_s" "the RRPC response at the cloud" \
  has_message "meter-1/rrpc/response/777001 .*\"id\":\"4243\""
setpoint_is_66() { [[ "$(read_setpoint)" == 66 ]]; }
wait_for "$timeout_s" "the register change on the simulator" setpoint_is_66
say "register 10 (setpoint) after the service call: $(read_setpoint); the answer:"
grep "meter-1/rrpc/response/777001 " "$work/cloud-messages.log" | head -n 1
has_message "rrpc/response/777001 .*\"code\":200" || fail "the service call did not succeed"

# --- 8. the gateway's own health and a remote operation ---------------------------------------
wait_for "$timeout_s" "the gateway's health at the cloud" \
  has_message "/sys/$product_key/edge-gw/thing/event/property/post .*uptime_s"
say "the gateway reports its own health as the Alink properties of its identity edge-gw:"
show "edge-gw/thing/event/property/post" | grep uptime_s | tail -n 1
say "the cloud calls the gateway's service status (a remote operation)"
mosquitto_pub -h 127.0.0.1 -p "$tls_port" --cafile "$ca_file" -u "$observer_user" \
  -P "$observer_password" -q 1 -t "/sys/$product_key/edge-gw/thing/service/status" \
  -m '{"id":"4244","version":"1.0","params":{},"method":"thing.service.status"}'
wait_for "$timeout_s" "the status answer at the cloud" \
  has_message "edge-gw/thing/service/status_reply .*\"id\":\"4244\""
has_message "status_reply .*\"code\":200" || fail "the status operation did not succeed"
say "answered with the status document (first 200 characters):"
grep "edge-gw/thing/service/status_reply " "$work/cloud-messages.log" | head -n 1 | cut -c1-200

say "what an admin sees on the gateway (edgegw status)"
"$binary" -c "$work/edgegw.toml" status

say "demo complete: stopping edgegw, the brokers and the simulator"
