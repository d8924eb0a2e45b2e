#!/usr/bin/env python3
"""BlueZ on a private system bus, for the tests of mimamori-node and `mimamori scan`/`node`.

Starts a private D-Bus system bus and python-dbusmock's `bluez5` template on it (python-dbusmock
0.32.1 or later: LEAdvertisingManager1), adds the adapters named on the command line (default
hci0), prints one JSON line `{"ready": true, "address": "<DBUS_SYSTEM_BUS_ADDRESS>"}` and then
answers one JSON command per line on standard input with one JSON line on standard output, until
standard input closes (then the bus and the mock stop):

  {"cmd": "device", "adapter": "hci0", "address": "C0:..", "service_data": {"<uuid>": "<hex>"},
   "rssi": -60}
      Adds the device if it is new (with every property bluez-async needs: Address,
      AddressType, Paired, Connected, ServicesResolved, Trusted, Blocked, LegacyPairing), else
      updates its ServiceData and RSSI (PropertiesChanged), as BlueZ does when an advertisement
      is heard again. ServiceData is an a{sv} of byte arrays (the template's default has the
      wrong type). "service_data" and "rssi" are optional.
  {"cmd": "remove_device", "adapter": "hci0", "address": "C0:.."}
  {"cmd": "add_adapter", "adapter": "hci1"}
  {"cmd": "remove_adapter", "adapter": "hci0"}    (its devices go with it)
  {"cmd": "adverts", "adapter": "hci0"}
      The advertisements registered now through LEAdvertisingManager1 on that adapter, each
      read back from the client that registered it: {"adverts": [{"path", "owner", "Type",
      "ServiceUUIDs", "ServiceData": {"<uuid>": "<hex>"}, "Includes", ...}] (BlueZ's property
      names),
      "registrations": <RegisterAdvertisement calls so far>}.
  {"cmd": "discovery", "adapter": "hci0"}
      The adapter's Discovering flag and the last discovery filter set (DuplicateData etc.).

  {"cmd": "quit"}                                  stops the mock and the bus, no answer

Every answer is a JSON object; a failure is {"error": "..."}.
"""

import json
import os
import subprocess
import sys

import dbus
import dbusmock
from dbusmock import DBusTestCase

ADAPTER = "org.bluez.Adapter1"
DEVICE = "org.bluez.Device1"
ADVERTISEMENT = "org.bluez.LEAdvertisement1"
MOCK = "org.freedesktop.DBus.Mock"
OBJECT_MANAGER = "org.freedesktop.DBus.ObjectManager"


def plain(value):
    """A D-Bus value as JSON: byte arrays as hex, dictionaries and arrays recursively."""
    if isinstance(value, dbus.Array) and value.signature == "y":
        return bytes(value).hex()
    if isinstance(value, (dbus.Dictionary, dict)):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (dbus.Array, list, dbus.Struct, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, dbus.Boolean):
        return bool(value)
    if isinstance(value, (dbus.Byte, dbus.Int16, dbus.UInt16, dbus.Int32, dbus.UInt32, dbus.Int64, dbus.UInt64)):
        return int(value)
    if isinstance(value, dbus.Double):
        return float(value)
    return str(value)


def service_data(entries):
    return dbus.Dictionary(
        {uuid: dbus.Array(bytes.fromhex(hex_value), signature="y") for uuid, hex_value in entries.items()},
        signature="sv",
    )


class Harness:
    def __init__(self, adapters):
        DBusTestCase.start_system_bus()
        self.bus = DBusTestCase.get_dbus(system_bus=True)
        self.process, self.root = DBusTestCase.spawn_server_template("bluez5", {}, stdout=subprocess.DEVNULL)
        for adapter in adapters:
            self.root.AddAdapter(adapter, "mimamori-test", dbus_interface="org.bluez.Mock")

    def mock_object(self, path):
        return self.bus.get_object("org.bluez", path)

    def device(self, command):
        adapter = command.get("adapter", "hci0")
        address = command["address"]
        adapter_path = f"/org/bluez/{adapter}"
        path = f"{adapter_path}/dev_{address.replace(':', '_').upper()}"
        changed = {}
        if "service_data" in command:
            changed["ServiceData"] = service_data(command["service_data"])
        if "rssi" in command:
            changed["RSSI"] = dbus.Int16(command["rssi"])
        managed = self.root.GetManagedObjects(dbus_interface=OBJECT_MANAGER)
        if adapter_path not in managed:
            raise ValueError(f"no adapter {adapter}")
        if path in managed:
            if changed:
                self.mock_object(path).UpdateProperties(DEVICE, changed, dbus_interface=MOCK)
            return {"path": path, "added": False}
        properties = {
            "Address": dbus.String(address),
            "AddressType": dbus.String("random"),
            "Alias": dbus.String(address.replace(":", "-")),
            "Adapter": dbus.ObjectPath(adapter_path),
            "Paired": dbus.Boolean(False),
            "Connected": dbus.Boolean(False),
            "Trusted": dbus.Boolean(False),
            "Blocked": dbus.Boolean(False),
            "LegacyPairing": dbus.Boolean(False),
            "ServicesResolved": dbus.Boolean(False),
            "UUIDs": dbus.Array(list(command.get("service_data", {}).keys()), signature="s"),
            "ServiceData": service_data(command.get("service_data", {})),
            "ManufacturerData": dbus.Dictionary({}, signature="qv"),
        }
        if "rssi" in command:
            properties["RSSI"] = dbus.Int16(command["rssi"])
        self.root.AddObject(path, DEVICE, properties, [], dbus_interface=MOCK)
        self.root.EmitSignal(
            OBJECT_MANAGER,
            "InterfacesAdded",
            "oa{sa{sv}}",
            [dbus.ObjectPath(path), dbus.Dictionary({DEVICE: properties}, signature="sa{sv}")],
            dbus_interface=MOCK,
        )
        return {"path": path, "added": True}

    def remove_device(self, command):
        adapter = command.get("adapter", "hci0")
        path = f"/org/bluez/{adapter}/dev_{command['address'].replace(':', '_').upper()}"
        self.mock_object(f"/org/bluez/{adapter}").RemoveDevice(dbus.ObjectPath(path), dbus_interface=ADAPTER)
        return {"removed": path}

    def add_adapter(self, command):
        return {"path": str(self.root.AddAdapter(command["adapter"], "mimamori-test", dbus_interface="org.bluez.Mock"))}

    def remove_adapter(self, command):
        self.root.RemoveAdapterWithDevices(command["adapter"], dbus_interface="org.bluez.Mock")
        return {"removed": command["adapter"]}

    def adverts(self, command):
        adapter = self.mock_object(f"/org/bluez/{command.get('adapter', 'hci0')}")
        registered = [str(call[1][0]) for call in adapter.GetMethodCalls("RegisterAdvertisement", dbus_interface=MOCK)]
        unregistered = [str(call[1][0]) for call in adapter.GetMethodCalls("UnregisterAdvertisement", dbus_interface=MOCK)]
        live = list(registered)
        for path in unregistered:
            if path in live:
                live.remove(path)
        # The clients: every connection but this harness's own and the mock's (calling either
        # would only time out).
        skip = {str(self.bus.get_unique_name()), str(self.bus.get_name_owner("org.bluez"))}
        names = [str(name) for name in self.bus.list_names() if str(name).startswith(":") and str(name) not in skip]
        adverts = []
        for path in live:
            for name in names:
                try:
                    properties = self.bus.get_object(name, path, introspect=False).GetAll(
                        ADVERTISEMENT, dbus_interface=dbus.PROPERTIES_IFACE, timeout=2
                    )
                except dbus.exceptions.DBusException:
                    continue
                advert = {"path": path, "owner": name}
                for key, value in properties.items():
                    advert[str(key)] = plain(value)
                adverts.append(advert)
                break
        return {"adverts": adverts, "registrations": len(registered)}

    def discovery(self, command):
        adapter = self.mock_object(f"/org/bluez/{command.get('adapter', 'hci0')}")
        props = adapter.GetAll(ADAPTER, dbus_interface=dbus.PROPERTIES_IFACE)
        filters = adapter.GetMethodCalls("SetDiscoveryFilter", dbus_interface=MOCK)
        return {
            "discovering": bool(props["Discovering"]),
            "filter": plain(filters[-1][1][0]) if filters else None,
            "start_calls": len(adapter.GetMethodCalls("StartDiscovery", dbus_interface=MOCK)),
        }


def main():
    adapters = sys.argv[1:] or ["hci0"]
    harness = Harness(adapters)

    print(json.dumps({"ready": True, "address": os.environ["DBUS_SYSTEM_BUS_ADDRESS"],
                      "dbusmock": dbusmock.__version__}), flush=True)
    try:
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            try:
                command = json.loads(line)
                if command.get("cmd") == "quit":
                    break
                answer = getattr(harness, command["cmd"])(command)
            except Exception as error:  # every failure is answered, the harness goes on
                answer = {"error": f"{type(error).__name__}: {error}"}
            print(json.dumps(answer), flush=True)
    finally:
        harness.process.terminate()
        harness.process.wait()
        DBusTestCase.tearDownClass()


if __name__ == "__main__":
    main()
