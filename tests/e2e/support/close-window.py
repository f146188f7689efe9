#!/usr/bin/python3
"""Asks the top-level windows of process PID to close, the way a window manager does when the
user clicks the close button: a WM_PROTOCOLS / WM_DELETE_WINDOW client message.
Usage: close-window.py PID. Prints how many windows were asked; exits 1 when none were found."""
import sys

from Xlib import X, display, protocol

pid = int(sys.argv[1])
d = display.Display()
root = d.screen().root
NET_WM_PID = d.intern_atom("_NET_WM_PID")
WM_PROTOCOLS = d.intern_atom("WM_PROTOCOLS")
WM_DELETE = d.intern_atom("WM_DELETE_WINDOW")

asked = 0
for w in root.query_tree().children:
    try:
        prop = w.get_full_property(NET_WM_PID, X.AnyPropertyType)
        attrs = w.get_attributes()
    except Exception:
        continue
    if not prop or prop.value[0] != pid or attrs.map_state != X.IsViewable:
        continue
    protocols = w.get_wm_protocols() or []
    if WM_DELETE not in protocols:
        continue
    ev = protocol.event.ClientMessage(window=w, client_type=WM_PROTOCOLS, data=(32, [WM_DELETE, X.CurrentTime, 0, 0, 0]))
    w.send_event(ev, event_mask=X.NoEventMask)
    asked += 1
d.sync()
print(asked)
sys.exit(0 if asked else 1)
