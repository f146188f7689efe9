#!/usr/bin/python3
"""A stand-in notification server for tests: owns org.freedesktop.Notifications on the
session bus and appends each Notify call to a log file as one JSON line.
Usage: notify-witness.py LOGFILE   (prints "ready" once it owns the name)."""
import json
import sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

IFACE = "org.freedesktop.Notifications"


class Witness(dbus.service.Object):
    def __init__(self, bus, path, log):
        super().__init__(bus, path)
        self.log = log
        self.next_id = 1

    @dbus.service.method(IFACE, in_signature="susssasa{sv}i", out_signature="u")
    def Notify(self, app_name, replaces_id, icon, summary, body, actions, hints, timeout):
        nid = self.next_id
        self.next_id += 1
        with open(self.log, "a", encoding="utf-8") as f:
            f.write(json.dumps({"id": nid, "app_name": str(app_name), "summary": str(summary), "body": str(body), "icon": str(icon)}) + "\n")
        return dbus.UInt32(nid)

    @dbus.service.method(IFACE, in_signature="", out_signature="as")
    def GetCapabilities(self):
        return ["body", "actions"]

    @dbus.service.method(IFACE, in_signature="", out_signature="ssss")
    def GetServerInformation(self):
        return ("banter-test-witness", "banter", "1.0", "1.2")

    @dbus.service.method(IFACE, in_signature="u", out_signature="")
    def CloseNotification(self, nid):
        pass


def main():
    DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    # keep a reference to the BusName, or the name is dropped
    name = dbus.service.BusName(IFACE, bus, do_not_queue=True)
    witness = Witness(bus, "/org/freedesktop/Notifications", sys.argv[1])
    print("ready", flush=True)
    GLib.MainLoop().run()
    del name, witness


if __name__ == "__main__":
    main()
