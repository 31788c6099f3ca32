"""Drives `oauthscope ... --step --output jsonl` through its pauses: reads the events as they come, and at each
step.waiting writes the lines given for that hop (then an empty line, which sends it). Prints the events as one
JSON array on stdout, and the exit status on stderr's last line.

Usage: stepdrive.py REPLIES_JSON COMMAND...   REPLIES_JSON: {"token": ["set code_verifier=wrong"], ...}; a hop's
list is used at its first pause only. A reply of null for a hop quits there ("q").
"""
import json, subprocess, sys, threading

replies = json.loads(sys.argv[1])
proc = subprocess.Popen(sys.argv[2:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
# A flow that never pauses or never ends must not hang the suite.
timer = threading.Timer(60, proc.kill)
timer.start()
events = []
for line in proc.stdout:
    e = json.loads(line)
    events.append(e)
    if e["type"] == "step.waiting" and proc.poll() is None:
        hop = e.get("hop", "")
        lines = replies.pop(hop, [])
        try:
            if lines is None:
                proc.stdin.write("q\n")
            else:
                for l in lines:
                    proc.stdin.write(l + "\n")
                proc.stdin.write("\n")
            proc.stdin.flush()
        except BrokenPipeError:
            pass
status = proc.wait()
timer.cancel()
print(json.dumps(events))
print(status, file=sys.stderr)
