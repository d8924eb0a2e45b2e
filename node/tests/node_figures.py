#!/usr/bin/env python3
"""Measures `mimamori node` on BlueZ emulated by python-dbusmock (run by scripts/node-figures).

Starts the mock (bluez_mock.Harness) with one adapter and N simulated phones, runs the node
binary on it in real time for the given minutes and prints its CPU time (user + system, as a
share of one core) and resident memory (peak VmHWM and last VmRSS) from /proc, with the node's
own count of windows and sightings.

The phones are heard as BlueZ reports them: only while a discovery is running (the node scans
4 s every 210-300 s), every phone's ServiceData and RSSI change about every 250 ms (GAEN phones
advertise every 200-270 ms), each one a PropertiesChanged signal. The mock delivers as many as
one Python process can send; the figure printed says how many it did.
"""

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

import dbus
from dbusmock import DBusTestCase

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bluez_mock import ADAPTER, DEVICE, MOCK, Harness  # noqa: E402

FD6F = "0000fd6f-0000-1000-8000-00805f9b34fb"


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def memory_kib(pid):
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    return values


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default="target/release/mimamori")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--devices", type=int, default=200)
    args = parser.parse_args()

    harness = Harness(["hci0"])
    adapter = harness.mock_object("/org/bluez/hci0")
    addresses = [f"C0:{i >> 8 & 0xFF:02X}:{i & 0xFF:02X}:00:00:01" for i in range(args.devices)]
    for index, address in enumerate(addresses):
        harness.device({"adapter": "hci0", "address": address,
                        "service_data": {FD6F: f"{index:08x}" + "5a" * 16}, "rssi": -70})
    data_dir = tempfile.mkdtemp(prefix="mimamori-node-figures-")
    env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=os.environ["DBUS_SYSTEM_BUS_ADDRESS"])
    log = open(os.path.join(data_dir, "node.log"), "w")
    node = subprocess.Popen([args.binary, "node", "--data-dir", os.path.join(data_dir, "data")],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    time.sleep(2)
    started = time.monotonic()
    cpu_start = cpu_seconds(node.pid)
    deadline = started + args.minutes * 60
    updates = 0
    peak = 0
    try:
        while time.monotonic() < deadline:
            props = adapter.GetAll(ADAPTER, dbus_interface=dbus.PROPERTIES_IFACE)
            if not props["Discovering"]:
                peak = max(peak, memory_kib(node.pid).get("VmHWM", 0))
                time.sleep(0.05)
                continue
            round_start = time.monotonic()
            for index, address in enumerate(addresses):
                path = f"/org/bluez/hci0/dev_{address.replace(':', '_')}"
                harness.mock_object(path).UpdateProperties(DEVICE, {
                    "ServiceData": dbus.Dictionary({FD6F: dbus.Array(bytes.fromhex(f"{index:08x}" + "5a" * 16), signature="y")}, signature="sv"),
                    "RSSI": dbus.Int16(random.randint(-90, -50)),
                }, dbus_interface=MOCK)
                updates += 1
            time.sleep(max(0.0, 0.25 - (time.monotonic() - round_start)))
        elapsed = time.monotonic() - started
        cpu = cpu_seconds(node.pid) - cpu_start
        memory = memory_kib(node.pid)
    finally:
        node.send_signal(signal.SIGTERM)
        node.wait()
        log.close()
    with open(os.path.join(data_dir, "node.log")) as node_log:
        lines = node_log.read().splitlines()
    windows = [line for line in lines if " scan window " in line]
    print(f"run: {elapsed:.0f} s real time, {args.devices} simulated phones, "
          f"{updates} advertisement signals sent ({updates / max(1, len(windows)):.0f} per window)")
    print(f"node CPU: {cpu:.2f} s = {100 * cpu / elapsed:.2f} % of one core")
    print(f"node memory: peak resident {memory.get('VmHWM', peak) / 1024:.1f} MiB, "
          f"resident at the end {memory.get('VmRSS', 0) / 1024:.1f} MiB")
    print(f"node: {len(windows)} scan windows; last: {windows[-1] if windows else 'none'}")
    print(f"node's last line: {lines[-1] if lines else ''}")
    harness.process.terminate()
    harness.process.wait()
    DBusTestCase.tearDownClass()


if __name__ == "__main__":
    main()
