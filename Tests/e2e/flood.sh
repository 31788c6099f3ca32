#!/usr/bin/env bash
# `oauthscope listen` in the real UI under a flood of callbacks for 30 s (issue: a listener that holds under a
# flood): the process stays up and keeps answering, its memory stops growing once its bounded windows are full,
# and a key pressed during the flood is answered. Timing limits here are generous on purpose; the speed goals are
# measured by benchmarks/tui_latency.py. Usage: Tests/e2e/flood.sh PATH/TO/oauthscope [SECONDS]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
bin="$1"
duration="${2:-30}"
tmp=$(mktemp -d)
sock="oauthscope-flood-$$"
t() { tmux -L "$sock" "$@"; }
trap 't kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
port=$(free_port)
t new-session -d -s ui -x 120 -y 40 "env LANG=C.UTF-8 '$bin' listen --redirect-uri http://127.0.0.1:$port/cb; echo \"EXIT=\$?\"; sleep 60"
for _ in $(seq 1 100); do t capture-pane -p -t ui | grep -q "listening" && break; sleep 0.1; done
pid=$(pgrep -f "oauthscope listen --redirect-uri http://127.0.0.1:$port/cb" | head -1)
check "flood: the listener is up" test -n "$pid"

rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0; }
python3 - "$port" "$duration" >"$tmp/load.json" <<'PY' &
import json, socket, sys, threading, time
port, duration = int(sys.argv[1]), float(sys.argv[2])
ok = errors = 0
lock = threading.Lock()
end = time.monotonic() + duration
def worker(n):
    global ok, errors
    i = 0
    while time.monotonic() < end:
        i += 1
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(f"GET /cb?code=c{n}-{i}&state=s{i} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk: break
                data += chunk
            s.close()
            with lock:
                if data.startswith(b"HTTP/1.1 "): ok += 1
                else: errors += 1
        except OSError:
            with lock: errors += 1
threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
for th in threads: th.start()
for th in threads: th.join()
print(json.dumps({"ok": ok, "errors": errors, "per_second": round(ok / duration)}))
PY
load=$!
sleep $((duration / 3))
rss_early=$(rss)
sleep $((duration / 2))
t send-keys -t ui '?'
answered=no
for _ in $(seq 1 30); do t capture-pane -p -t ui | grep -q "Reveal / hide" && { answered=yes; break; }; sleep 0.1; done
check "flood: a key pressed during the flood is answered" test "$answered" = yes
t send-keys -t ui q
wait $load
rss_late=$(rss)
check "flood: the process stayed up" kill -0 "$pid"
check "flood: every request was answered" python3 -c "import json; d=json.load(open('$tmp/load.json')); print('  load:', d); assert d['ok'] > 1000 and d['errors'] == 0, d"
echo "  resident memory: ${rss_early} kB at $((duration / 3)) s, ${rss_late} kB at the end"
check "flood: memory stopped growing once the windows were full (< 16 MB more in the last two thirds)" test $((rss_late - rss_early)) -lt 16384
t capture-pane -p -t ui >"$tmp/screen"; [ -n "${SHOW_SCREEN:-}" ] && cat "$tmp/screen"
check "flood: the screen counts the callbacks" grep -Eq "Events \([0-9]{1,3}[ ,]?[0-9]{3}" "$tmp/screen"
t send-keys -t ui q
for _ in $(seq 1 50); do t capture-pane -p -t ui | grep -q "EXIT=" && break; sleep 0.1; done
check "flood: q still exits 0 afterwards" bash -c "tmux -L '$sock' capture-pane -p -t ui | grep -q 'EXIT=0'"
summary
