#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal and answers its prompts, as a person would type.

Usage: on_a_terminal.py PROMPT1 ANSWER1 [PROMPT2 ANSWER2 ...] -- CMD ARGS...
Waits for each PROMPT in the output before typing its ANSWER and Enter. Prints one JSON
object: {"status": exit code, "output": everything the terminal showed}.
"""
import json
import os
import pty
import select
import sys
import time

args = sys.argv[1:]
split = args.index("--")
pairs, cmd = args[:split], args[split + 1:]
steps = list(zip(pairs[0::2], pairs[1::2]))

pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)

output = b""
deadline = time.time() + 60


def read_some(timeout):
    global output
    r, _, _ = select.select([fd], [], [], timeout)
    if not r:
        return True
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        return False
    if not chunk:
        return False
    output += chunk
    return True


seen = 0
for prompt, answer in steps:
    while prompt.encode() not in output[seen:]:
        if time.time() > deadline or not read_some(0.5):
            break
    seen = output.find(prompt.encode(), seen) + len(prompt)
    time.sleep(0.1)  # the prompt is printed before echo is turned off: let it settle
    os.write(fd, answer.encode() + b"\n")
while time.time() < deadline and read_some(0.5):
    pass
_, status = os.waitpid(pid, 0)
print(json.dumps({"status": os.waitstatus_to_exitcode(status), "output": output.decode(errors="replace")}))
