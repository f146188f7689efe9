#!/usr/bin/python3
"""A stand-in notification server for tests: owns org.freedesktop.Notifications on the
session bus and appends each Notify call to a log file as one JSON line (with the actions
it offers: a clickable notification offers "default").
Usage: notify-witness.py LOGFILE   (prints "ready" once it owns the name).

A test clicks a notification as a user would, through the witness's private test
interface: it emits ActionInvoked(id, action) as a notification server does then.
  dbus-send --session --type=method_call --dest=org.freedesktop.Notifications \
    /org/freedesktop/Notifications chat.banter.Test.Notifications.Invoke uint32:ID string:default"""
import json
import sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

IFACE = "org.freedesktop.Notifications"
TEST_IFACE = "chat.banter.Test.Notifications"


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
            f.write(json.dumps({"id": nid, "app_name": str(app_name), "summary": str(summary), "body": str(body), "icon": str(icon),
                                "actions": [str(a) for a in actions]}) + "\n")
        return dbus.UInt32(nid)

    @dbus.service.method(IFACE, in_signature="", out_signature="as")
    def GetCapabilities(self):
        return ["body", "actions"]

    @dbus.service.method(IFACE, in_signature="", out_signature="ssss")
    def GetServerInformation(self):
        return ("banter-test-witness", "banter", "1.0", "1.2")

    @dbus.service.method(IFACE, in_signature="u", out_signature="")
    def CloseNotification(self, nid):
        self.NotificationClosed(nid, dbus.UInt32(3))

    @dbus.service.signal(IFACE, signature="us")
    def ActionInvoked(self, nid, action):
        pass

    @dbus.service.signal(IFACE, signature="uu")
    def NotificationClosed(self, nid, reason):
        pass

    @dbus.service.method(TEST_IFACE, in_signature="us", out_signature="")
    def Invoke(self, nid, action):
        """The user clicks notification `nid` (`default`) or one of its action buttons; the
        server then closes it (reason 2: dismissed by the user), as most servers do."""
        self.ActionInvoked(nid, action)
        self.NotificationClosed(nid, dbus.UInt32(2))


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
