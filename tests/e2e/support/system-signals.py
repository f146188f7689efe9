#!/usr/bin/python3
"""A stand-in for logind and NetworkManager on the test's private session bus (the app
listens there when BANTER_SYSTEM_BUS_ADDRESS names it): owns org.freedesktop.login1 and
org.freedesktop.NetworkManager, as the real services do on the system bus, so the app's
check that a signal comes from the name's owner holds. Reads commands on stdin, one a line:
  sleep false        PrepareForSleep(false) on /org/freedesktop/login1 (the machine resumed)
  sleep true         PrepareForSleep(true)
  nm STATE           StateChanged(uint32 STATE) on /org/freedesktop/NetworkManager (70: global)
and answers each with "emitted CMD" once the signal is on the bus. Prints "ready" first.
NetworkManager's State property is not offered: the app then judges the first change alone."""
import sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

LOGIN = "org.freedesktop.login1"
NM = "org.freedesktop.NetworkManager"


class Login(dbus.service.Object):
    @dbus.service.signal(LOGIN + ".Manager", signature="b")
    def PrepareForSleep(self, start):
        pass


class Network(dbus.service.Object):
    @dbus.service.signal(NM, signature="u")
    def StateChanged(self, state):
        pass


def main():
    DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    names = [dbus.service.BusName(LOGIN, bus), dbus.service.BusName(NM, bus)]  # kept: dropping them drops the names
    login = Login(bus, "/org/freedesktop/login1")
    network = Network(bus, "/org/freedesktop/NetworkManager")
    loop = GLib.MainLoop()

    def on_line(source, _cond):
        line = source.readline()
        if not line:
            loop.quit()
            return False
        words = line.split()
        if words[:1] == ["sleep"] and len(words) == 2:
            login.PrepareForSleep(dbus.Boolean(words[1] == "true"))
        elif words[:1] == ["nm"] and len(words) == 2 and words[1].isdigit():
            network.StateChanged(dbus.UInt32(int(words[1])))
        else:
            print(f"unknown {line.strip()}", flush=True)
            return True
        bus.flush()
        print(f"emitted {line.strip()}", flush=True)
        return True

    GLib.io_add_watch(sys.stdin, GLib.IO_IN | GLib.IO_HUP, on_line)
    print("ready", flush=True)
    loop.run()
    del names


if __name__ == "__main__":
    main()
