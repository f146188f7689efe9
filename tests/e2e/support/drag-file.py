#!/usr/bin/python3
"""Drags a file onto a window as a person would, under Xvfb: a small GTK window holding the
file (a drag source offering text/uri-list) is put in a corner, and XTest presses the pointer
on it, moves it onto the point X,Y of the screen and lets go, so the target gets a real XDND
drop with the file's path. Usage: drag-file.py PATH X Y. Prints "dropped" or "failed"."""
import sys
import urllib.parse

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("Gdk", "3.0")
from gi.repository import GLib, Gdk, Gtk  # noqa: E402
from Xlib import X, display  # noqa: E402
from Xlib.ext import xtest  # noqa: E402

path, tx, ty = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
uri = "file://" + urllib.parse.quote(path)
d = display.Display()
screen = d.screen()
sx, sy = screen.width_in_pixels - 40, screen.height_in_pixels - 40

win = Gtk.Window(type=Gtk.WindowType.POPUP)
win.set_default_size(60, 60)
win.move(sx - 30, sy - 30)
box = Gtk.EventBox()
box.add(Gtk.Label(label="file"))
win.add(box)
box.drag_source_set(Gdk.ModifierType.BUTTON1_MASK, [Gtk.TargetEntry.new("text/uri-list", 0, 0)], Gdk.DragAction.COPY)
box.drag_source_add_uri_targets()
result = {"ok": False}


def on_get(_w, _ctx, data, _info, _time):
    data.set_uris([uri])


def on_end(_w, _ctx):
    result["ok"] = True
    GLib.timeout_add(300, Gtk.main_quit)


box.connect("drag-data-get", on_get)
box.connect("drag-end", on_end)
win.show_all()

steps = []
steps.append(lambda: xtest.fake_input(d, X.MotionNotify, x=sx, y=sy))
steps.append(lambda: xtest.fake_input(d, X.ButtonPress, 1))
# past the drag threshold first, then across the screen in small moves
for i in range(1, 31):
    x = int(sx + (tx - sx) * i / 30)
    y = int(sy + (ty - sy) * i / 30)
    steps.append(lambda x=x, y=y: xtest.fake_input(d, X.MotionNotify, x=x, y=y))
for _ in range(5):
    steps.append(lambda: xtest.fake_input(d, X.MotionNotify, x=tx, y=ty))
steps.append(lambda: xtest.fake_input(d, X.ButtonRelease, 1))


def step():
    if not steps:
        return False
    steps.pop(0)()
    d.sync()
    return True


GLib.timeout_add(500, lambda: GLib.timeout_add(40, step) and False)
GLib.timeout_add(15000, Gtk.main_quit)
Gtk.main()
print("dropped" if result["ok"] else "failed")
