#!/usr/bin/env python3
"""Measures the real oauthscope binary in a pseudo-terminal, the way a person meets it:

  first-frame   time from exec to the first complete frame of `oauthscope listen` (its title row drawn)
  callback      time from sending a callback to the moment the screen shows it (a unique path in the log)
  key-in-flood  time from a key press (`?`) to the help overlay being drawn, while a flood of callbacks arrives
  idle          CPU seconds used and resident memory over a quiet period after the screen settled

Prints one line per figure, and a JSON summary on the last line. Usage:
  benchmarks/tui_latency.py PATH/TO/oauthscope [--samples N] [--flood-seconds S] [--flood-processes P]
"""
import argparse, json, multiprocessing, os, pty, select, signal, socket, statistics, struct, sys, fcntl, termios, time

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

class Term:
    def __init__(self, argv, cols=120, rows=40):
        self.start = time.monotonic()
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.environ.update({"TERM": "xterm-256color", "LANG": "C.UTF-8", "LINES": str(rows), "COLUMNS": str(cols)})
            os.execv(argv[0], argv)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        # A bytearray grows in place: the flood's frames add megabytes, and copying the whole buffer on every read
        # would make the harness, not the program, the slow part.
        self.buf = bytearray()

    def read_until(self, needle: bytes, timeout=10.0, since=0):
        """Reads output until `needle` appears after offset `since`; returns the time it was seen."""
        deadline = time.monotonic() + timeout
        while True:
            if self.buf.find(needle, since) >= 0:
                return time.monotonic()
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(needle)
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    raise TimeoutError(needle)
                self.buf += chunk

    def drain(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            r, _, _ = select.select([self.fd], [], [], max(0, end - time.monotonic()))
            if r:
                try: self.buf += os.read(self.fd, 65536)
                except OSError: return

    def send(self, data: bytes):
        os.write(self.fd, data)

    def close(self):
        try:
            os.kill(self.pid, signal.SIGTERM); os.waitpid(self.pid, 0)
        except OSError:
            pass

def http_get(port, path):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
    while s.recv(65536):
        pass
    s.close()

def flood_worker(port, stop, count):
    """One process sending callbacks back to back until `stop` is set (processes, not threads: the harness's own
    reader must not wait for Python's global lock behind the flood)."""
    n = 0
    while not stop.is_set():
        try:
            http_get(port, "/flood?code=x&state=y")
            n += 1
        except OSError:
            pass
    with count.get_lock():
        count.value += n

def proc_cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def proc_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")

def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--samples", type=int, default=30)
    ap.add_argument("--flood-seconds", type=float, default=5.0)
    ap.add_argument("--flood-processes", type=int, default=4)
    a = ap.parse_args()
    port = free_port()
    t = Term([a.binary, "listen", "--redirect-uri", f"http://127.0.0.1:{port}/cb"])
    results = {}
    try:
        seen = t.read_until(b"oauthscope listen", timeout=10)
        t.read_until(b"listening", timeout=10)
        results["first_frame_ms"] = round((seen - t.start) * 1000, 1)
        print(f"first frame: {results['first_frame_ms']} ms (exec to title row drawn)")
        t.drain(0.5)

        lat = []
        for i in range(a.samples):
            marker = f"/probe-{i}-{os.getpid()}"
            since = len(t.buf)
            sent = time.monotonic()
            http_get(port, marker)
            shown = t.read_until(marker.encode(), timeout=5, since=since)
            lat.append((shown - sent) * 1000)
            t.drain(0.05)
        results["callback_drawn_ms"] = {"median": round(statistics.median(lat), 1), "p95": round(pct(lat, 95), 1), "max": round(max(lat), 1)}
        print(f"callback to screen: median {results['callback_drawn_ms']['median']} ms, p95 {results['callback_drawn_ms']['p95']} ms, max {results['callback_drawn_ms']['max']} ms ({a.samples} samples; includes the HTTP round trip)")

        stop = multiprocessing.Event()
        sent = multiprocessing.Value("q", 0)
        workers = [multiprocessing.Process(target=flood_worker, args=(port, stop, sent), daemon=True) for _ in range(a.flood_processes)]
        for w in workers: w.start()
        keys = []
        end = time.monotonic() + a.flood_seconds
        while time.monotonic() < end:
            since = len(t.buf)
            pressed = time.monotonic()
            t.send(b"?")
            shown = t.read_until(b"Reveal / hide", timeout=5, since=since)
            keys.append((shown - pressed) * 1000)
            t.send(b"q")  # close the help again
            t.drain(0.1)
        stop.set()
        for w in workers: w.join()
        sent_count = [sent.value]
        results["key_in_flood_ms"] = {"median": round(statistics.median(keys), 1), "p95": round(pct(keys, 95), 1), "max": round(max(keys), 1), "presses": len(keys), "callbacks_sent": sent_count[0], "callbacks_per_s": round(sent_count[0] / a.flood_seconds)}
        print(f"key answered during a flood of {results['key_in_flood_ms']['callbacks_per_s']} callbacks/s: median {results['key_in_flood_ms']['median']} ms, p95 {results['key_in_flood_ms']['p95']} ms, max {results['key_in_flood_ms']['max']} ms ({len(keys)} presses)")

        t.drain(2.0)  # let the last frames settle
        cpu0 = proc_cpu_seconds(t.pid)
        t.drain(10.0)
        cpu1 = proc_cpu_seconds(t.pid)
        results["idle_cpu_seconds_per_10s"] = round(cpu1 - cpu0, 3)
        results["idle_rss_mb_after_flood"] = round(proc_rss_mb(t.pid), 1)
        print(f"idle: {results['idle_cpu_seconds_per_10s']} CPU seconds in 10 s, {results['idle_rss_mb_after_flood']} MB resident (after the flood)")
    finally:
        t.close()

    # Idle memory of a fresh screen, no flood.
    port = free_port()
    t = Term([a.binary, "listen", "--redirect-uri", f"http://127.0.0.1:{port}/cb"])
    try:
        t.read_until(b"listening", timeout=10)
        t.drain(2.0)
        cpu0 = proc_cpu_seconds(t.pid)
        t.drain(5.0)
        results["fresh_idle_cpu_seconds_per_5s"] = round(proc_cpu_seconds(t.pid) - cpu0, 3)
        results["fresh_idle_rss_mb"] = round(proc_rss_mb(t.pid), 1)
        print(f"fresh idle: {results['fresh_idle_rss_mb']} MB resident, {results['fresh_idle_cpu_seconds_per_5s']} CPU seconds in 5 s")
    finally:
        t.close()
    print(json.dumps(results))

if __name__ == "__main__":
    main()
