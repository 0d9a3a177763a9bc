#!/usr/bin/env bash
# Installs every Debian 12 package that edgegw's build, tests and demo need.
# Idempotent: packages already present are left alone; apt-get update runs once, only when needed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  clang libclang-rt-14-dev clang-format
  libssl-dev libsystemd-dev libsqlite3-dev sqlite3 libmodbus-dev libmicrohttpd-dev
  libspdlog-dev libfmt-dev libtomlplusplus-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  mosquitto mosquitto-clients mosquitto-dev libmosquitto-dev
  python3 python3-pymodbus python3-paho-mqtt python3-serial python3-serial-asyncio
  socat openssl procps util-linux iproute2 tinyproxy
  systemd dpkg-dev man-db groff-base
  debhelper lintian
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: missing packages: ${missing[*]} (run as root)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The broker package enables a system-wide mosquitto on port 1883; tests and the demo start their
# own brokers on free ports, so a system one is not needed. Likewise tinyproxy (its package starts
# one on port 8888): the proxy tests start their own on free ports with a generated configuration.
echo "install-deps: all packages present"
