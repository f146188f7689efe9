#!/usr/bin/env python3
"""Resident memory of a group of processes counted once: the distinct physical pages
mapped by any of them (from /proc/PID/pagemap; needs root to see page frame numbers).
Usage: groupmem.py PID... → prints JSON {"uniqueMB": …, "pages": …}"""
import json, re, struct, sys

PAGE = 4096
def frames(pid, seen):
    rss_maps = []
    cur = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) ", line)
            if m:
                cur = (int(m.group(1), 16), int(m.group(2), 16))
                continue
            if line.startswith("Rss:") and cur and int(line.split()[1]) > 0:
                rss_maps.append(cur)
    with open(f"/proc/{pid}/pagemap", "rb") as pm:
        for lo, hi in rss_maps:
            addr = lo
            while addr < hi:
                n = min((hi - addr) // PAGE, 1 << 16)
                pm.seek((addr // PAGE) * 8)
                buf = pm.read(n * 8)
                for (e,) in struct.iter_unpack("<Q", buf):
                    if e >> 63:  # present
                        pfn = e & ((1 << 55) - 1)
                        if pfn == 0:
                            return False  # no PFNs visible (not root)
                        seen.add(pfn)
                addr += n * PAGE
    return True

seen = set()
ok = all(frames(int(p), seen) for p in sys.argv[1:])
print(json.dumps({"uniqueMB": round(len(seen) * PAGE / 1048576, 1) if ok else None, "pages": len(seen)}))
