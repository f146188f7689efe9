#!/usr/bin/python3
"""A stand-in StatusNotifierWatcher for the tray tests (the machine has no panel): owns
org.kde.StatusNotifierWatcher on the session bus, records each RegisterStatusNotifierItem
call, and each Unity LauncherEntry Update signal (the launcher badge), as JSON lines.

  sni-watcher.py serve LOGFILE   prints "ready" once it owns the name
  sni-watcher.py show            prints the registered item: its properties and menu labels
  sni-watcher.py click LABEL     clicks the item's menu entry LABEL (com.canonical.dbusmenu Event)

`show` and `click` talk to the item itself, as a panel does: they find it through the
running watcher's RegisteredStatusNotifierItems."""
import json
import sys
import time

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop

NAME = "org.kde.StatusNotifierWatcher"
PATH = "/StatusNotifierWatcher"
IFACE = "org.kde.StatusNotifierWatcher"
PROPS = "org.freedesktop.DBus.Properties"
ITEM = "org.kde.StatusNotifierItem"
MENU = "com.canonical.dbusmenu"


class Watcher(dbus.service.Object):
    def __init__(self, bus, log):
        super().__init__(bus, PATH)
        self.bus = bus
        self.log = log
        self.items = []
        bus.add_signal_receiver(self.on_launcher_entry, signal_name="Update", dbus_interface="com.canonical.Unity.LauncherEntry",
                                sender_keyword="sender")
        bus.add_signal_receiver(self.on_owner_changed, signal_name="NameOwnerChanged", dbus_interface="org.freedesktop.DBus")

    def write(self, record):
        record["at"] = time.time()
        with open(self.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")

    @dbus.service.method(IFACE, in_signature="s", out_signature="", sender_keyword="sender")
    def RegisterStatusNotifierItem(self, service, sender=None):
        # libappindicator passes its object path; others pass a bus name (item at /StatusNotifierItem)
        item = f"{sender}{service}" if service.startswith("/") else f"{service}/StatusNotifierItem"
        if item not in self.items:
            self.items.append(item)
        self.write({"registered": item, "sender": str(sender)})
        self.StatusNotifierItemRegistered(item)

    @dbus.service.method(IFACE, in_signature="s", out_signature="")
    def RegisterStatusNotifierHost(self, service):
        pass

    @dbus.service.signal(IFACE, signature="s")
    def StatusNotifierItemRegistered(self, item):
        pass

    @dbus.service.signal(IFACE, signature="s")
    def StatusNotifierItemUnregistered(self, item):
        pass

    @dbus.service.signal(IFACE, signature="")
    def StatusNotifierHostRegistered(self):
        pass

    def props(self):
        return {
            "RegisteredStatusNotifierItems": dbus.Array(self.items, signature="s"),
            "IsStatusNotifierHostRegistered": dbus.Boolean(True),
            "ProtocolVersion": dbus.Int32(0),
        }

    @dbus.service.method(PROPS, in_signature="ss", out_signature="v")
    def Get(self, iface, prop):
        return self.props()[prop]

    @dbus.service.method(PROPS, in_signature="s", out_signature="a{sv}")
    def GetAll(self, iface):
        return self.props()

    def on_owner_changed(self, name, old, new):
        if new:
            return
        for item in [i for i in self.items if i.startswith(name + "/")]:
            self.items.remove(item)
            self.write({"unregistered": item})
            self.StatusNotifierItemUnregistered(item)

    def on_launcher_entry(self, app_uri, properties, sender=None):
        self.write({"badge": {str(k): v.real if isinstance(v, (dbus.Int64, dbus.Int32)) else bool(v) if isinstance(v, dbus.Boolean) else str(v)
                              for k, v in properties.items()}, "app_uri": str(app_uri)})


def serve(log):
    from gi.repository import GLib
    DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    watcher = Watcher(bus, log)
    # keep a reference to the BusName, or the name is dropped
    name = dbus.service.BusName(NAME, bus, do_not_queue=True)
    print("ready", flush=True)
    GLib.MainLoop().run()
    del name, watcher


def the_item(bus):
    items = bus.get_object(NAME, PATH).Get(IFACE, "RegisteredStatusNotifierItems", dbus_interface=PROPS)
    if not items:
        sys.exit("no item registered")
    service, _, path = str(items[-1]).partition("/")
    return bus.get_object(service, "/" + path), service


def menu_entries(bus, item, service):
    menu_path = item.Get(ITEM, "Menu", dbus_interface=PROPS)
    menu = bus.get_object(service, menu_path)
    _rev, layout = menu.GetLayout(0, -1, dbus.Array([], signature="s"), dbus_interface=MENU)
    entries = []

    def walk(node):
        nid, props, children = node
        if "label" in props:
            entries.append({
                "id": int(nid),
                "label": str(props["label"]).replace("_", ""),
                "enabled": bool(props.get("enabled", True)),
                "visible": bool(props.get("visible", True)),
                "toggle": str(props.get("toggle-type", "")),
                "checked": int(props.get("toggle-state", 0)) == 1,
            })
        for child in children:
            walk(child)

    walk(layout)
    return menu, entries


def show():
    bus = dbus.SessionBus()
    item, service = the_item(bus)
    props = item.GetAll(ITEM, dbus_interface=PROPS)
    _menu, entries = menu_entries(bus, item, service)
    keep = ("Id", "Title", "Status", "IconName", "IconThemePath", "Category")
    print(json.dumps({"item": {k: str(props[k]) for k in keep if k in props}, "menu": entries}))


def click(label):
    bus = dbus.SessionBus()
    item, service = the_item(bus)
    menu, entries = menu_entries(bus, item, service)
    match = [e for e in entries if e["label"] == label]
    if not match:
        sys.exit(f"no menu entry {label!r} in {[e['label'] for e in entries]}")
    menu.Event(dbus.Int32(match[0]["id"]), "clicked", dbus.Int32(0, variant_level=1), dbus.UInt32(int(time.time())),
               dbus_interface=MENU)
    print("clicked", label)


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "serve":
        serve(sys.argv[2])
    elif cmd == "show":
        show()
    elif cmd == "click":
        click(sys.argv[2])
    else:
        sys.exit(__doc__)
