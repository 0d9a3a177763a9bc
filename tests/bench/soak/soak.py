#!/usr/bin/env python3
"""Soak benchmark (issue 14): the real edgegw binary under a steady stream of local MQTT readings
while the cloud broker flaps (stopped and started again), long enough to cross several WAL
checkpoints and max_age commits. Prints memory (RSS), CPU, backlog and file sizes over time, and a
summary. Not run by ctest: run it by hand.

  tests/bench/soak/soak.py                       # the short run: 60 s
  tests/bench/soak/soak.py --duration 1800       # a real soak: 30 min

What to look for: RSS flat after warm-up (no growth per flap or per checkpoint), CPU proportional to
the rate, the backlog back to ~0 after each cloud outage, outbox.db-wal bounded (it is checkpointed
at ~4 MiB), and "lost 0" (every reading published reached the cloud broker's acknowledgement).
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_mosquitto(directory, name, port):
    conf = os.path.join(directory, name + ".conf")
    with open(conf, "w") as f:
        f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                "max_queued_messages 1000000\nmax_inflight_messages 100\n")
    log = open(os.path.join(directory, name + ".log"), "ab")
    proc = subprocess.Popen(["mosquitto", "-c", conf], stdout=log, stderr=log)
    deadline = time.time() + 5
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(name + ": mosquitto did not start")


def write_config(directory, cloud_port, local_port, devices, max_age):
    text = (f'[gateway]\nstate_dir = "{directory}/state"\nstatus_file = "{directory}/status.json"\n'
            f'[store]\nmax_age = "{max_age}"\n'
            f'[cloud]\nplatform = "mqtt"\nhost = "127.0.0.1"\nport = {cloud_port}\ntls = false\n'
            'allow_plaintext = true\nbackoff_min = "200ms"\nbackoff_max = "2s"\npublish_rate = 1000\n'
            f'[local_mqtt]\nport = {local_port}\nclient_id = "edgegw-local"\n')
    for i in range(devices):
        text += (f'[[device]]\nname = "d{i}"\n[device.cloud]\nclient_id = "edgegw-d{i}"\n'
                 f'[device.mqtt]\ntopic = "sensors/d{i}"\n')
    path = os.path.join(directory, "edgegw.toml")
    with open(path, "w") as f:
        f.write(text)
    os.makedirs(os.path.join(directory, "state"), exist_ok=True)
    return path


class Publisher(threading.Thread):
    """One mosquitto_pub -l per device, fed lines at `rate` readings/s in total."""

    def __init__(self, port, devices, rate):
        super().__init__(daemon=True)
        self.procs = [subprocess.Popen(
            ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-q", "1", "-i", f"soak-pub-{i}",
             "-t", f"sensors/d{i}", "-l"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL) for i in range(devices)]
        self.rate = rate
        self.sent = 0
        self.stop = threading.Event()

    def run(self):
        start = time.time()
        while not self.stop.is_set():
            due = int((time.time() - start) * self.rate)
            while self.sent < due:
                proc = self.procs[self.sent % len(self.procs)]
                proc.stdin.write(b'{"v": %d, "t": %.3f}\n' % (self.sent, time.time()))
                self.sent += 1
            for proc in self.procs:
                proc.stdin.flush()
            time.sleep(0.01)

    def close(self):
        self.stop.set()
        self.join()
        for proc in self.procs:
            proc.stdin.close()
            proc.wait(timeout=30)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def size_mib(path):
    try:
        return os.stat(path).st_size / (1 << 20)
    except OSError:
        return 0.0


def status(directory):
    try:
        with open(os.path.join(directory, "status.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_binary = os.path.join(here, "..", "..", "..", "build", "release", "edgegw")
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--duration", type=float, default=60, help="seconds of load (default 60)")
    p.add_argument("--devices", type=int, default=10)
    p.add_argument("--rate", type=float, default=1500, help="readings/s, all devices together")
    p.add_argument("--flap-every", type=float, default=15, help="the cloud goes down this often (s)")
    p.add_argument("--down-for", type=float, default=4, help="... for this long (s)")
    p.add_argument("--max-age", default="20s", help="store.max_age (drops show as 'dropped')")
    p.add_argument("--sample", type=float, default=2, help="seconds between samples")
    p.add_argument("--edgegw", default=os.path.normpath(default_binary))
    args = p.parse_args()

    with tempfile.TemporaryDirectory(prefix="edgegw-soak-") as directory:
        cloud_port, local_port = free_port(), free_port()
        cloud = start_mosquitto(directory, "cloud", cloud_port)
        local = start_mosquitto(directory, "local", local_port)
        config = write_config(directory, cloud_port, local_port, args.devices, args.max_age)
        log = open(os.path.join(directory, "edgegw.log"), "wb")
        daemon = subprocess.Popen([args.edgegw, "-c", config, "run"], stdout=log, stderr=log)
        deadline = time.time() + 20
        while time.time() < deadline and not (status(directory) or {}).get("local_broker") == "online":
            time.sleep(0.05)
        publisher = Publisher(local_port, args.devices, args.rate)
        publisher.start()
        start = time.time()
        last_cpu, last_t = cpu_seconds(daemon.pid), start
        next_flap, cloud_down_since = start + args.flap_every, None
        rss_samples, cpu_samples, flaps = [], [], 0
        print(f"{'t/s':>6} {'cloud':>5} {'sent':>8} {'acked':>8} {'backlog':>8} {'dropped':>7} "
              f"{'RSS/MiB':>8} {'CPU%':>6} {'db/MiB':>7} {'wal/MiB':>7}")
        while time.time() - start < args.duration:
            time.sleep(args.sample)
            now = time.time()
            if cloud_down_since is None and now >= next_flap:
                cloud.send_signal(signal.SIGTERM)
                cloud.wait()
                cloud_down_since, flaps = now, flaps + 1
            elif cloud_down_since is not None and now - cloud_down_since >= args.down_for:
                cloud = start_mosquitto(directory, "cloud", cloud_port)
                cloud_down_since, next_flap = None, now + args.flap_every
            cpu = cpu_seconds(daemon.pid)
            cpu_pct = 100 * (cpu - last_cpu) / (now - last_t)
            last_cpu, last_t = cpu, now
            rss = rss_mib(daemon.pid)
            rss_samples.append(rss)
            cpu_samples.append(cpu_pct)
            st = status(directory) or {}
            devices = st.get("devices", [])
            acked = sum(d.get("acknowledged", 0) for d in devices)
            dropped = sum(d.get("dropped", 0) for d in devices)
            db = os.path.join(directory, "state", "outbox.db")
            print(f"{now - start:6.0f} {'down' if cloud_down_since else 'up':>5} "
                  f"{publisher.sent:8d} {acked:8d} {st.get('total_backlog', 0):8d} {dropped:7d} "
                  f"{rss:8.1f} {cpu_pct:6.1f} {size_mib(db):7.1f} {size_mib(db + '-wal'):7.1f}",
                  flush=True)
        publisher.close()
        if cloud_down_since is not None:
            cloud = start_mosquitto(directory, "cloud", cloud_port)
        # Drain: every reading published reaches the cloud (or was dropped by max_age, counted).
        drain_deadline = time.time() + 60
        while time.time() < drain_deadline:
            st = status(directory) or {}
            if st.get("total_backlog", 1) == 0:
                break
            time.sleep(0.5)
        st = status(directory) or {}
        devices = st.get("devices", [])
        acked = sum(d.get("acknowledged", 0) for d in devices)
        dropped = sum(d.get("dropped", 0) for d in devices)
        daemon.send_signal(signal.SIGTERM)
        code = daemon.wait(timeout=30)
        for proc in (cloud, local):
            proc.send_signal(signal.SIGTERM)
            proc.wait()
        warm = rss_samples[len(rss_samples) // 4:] or rss_samples
        print(f"\nsummary: {args.duration:.0f} s, {flaps} cloud outage(s), {publisher.sent} readings "
              f"published, backlog {st.get('total_backlog')} at the end, {dropped} dropped by "
              f"max_age, {acked} cloud acknowledgements (resends included)")
        print(f"RSS: start {rss_samples[0]:.1f} MiB, max {max(rss_samples):.1f} MiB, end "
              f"{rss_samples[-1]:.1f} MiB, growth after warm-up {warm[-1] - warm[0]:+.1f} MiB; "
              f"CPU mean {sum(cpu_samples) / len(cpu_samples):.1f} %, max {max(cpu_samples):.1f} %; "
              f"store {st.get('store', {})}; edgegw exit {code}")
        return 0 if code == 0 and st.get("total_backlog") == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
