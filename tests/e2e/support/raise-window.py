#!/usr/bin/python3
"""Raises the top-level windows of process PID above the others and gives the last one the
input focus, as a window manager would on a click (there is none under Xvfb: the windows of
several app instances all sit at 0,0), so a screenshot of the screen shows that app and the
app knows it has the focus. Usage: raise-window.py PID. Prints how many windows were raised."""
import sys

from Xlib import X, display

pid = int(sys.argv[1])
d = display.Display()
root = d.screen().root
NET_WM_PID = d.intern_atom("_NET_WM_PID")
raised = 0
for w in root.query_tree().children:
    try:
        prop = w.get_full_property(NET_WM_PID, X.AnyPropertyType)
        attrs = w.get_attributes()
    except Exception:
        continue
    if not prop or prop.value[0] != pid or attrs.map_state != X.IsViewable:
        continue
    w.configure(stack_mode=X.Above)
    w.set_input_focus(X.RevertToParent, X.CurrentTime)
    raised += 1
d.sync()
print(raised)
