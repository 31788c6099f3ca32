#!/usr/bin/env bash
# The callback listener's request rate against a bare Hummingbird route (the `bare-route` product of this package:
# the same framework and the same page, with no judging, events or output) and, when nginx is installed, nginx
# serving a static page; all measured in the same run with wrk on loopback, interleaved over several rounds.
# Reports our listener's ratio to the bare route (the goal is >= 0.90: our per-callback work should cost at most
# 10 %). Needs wrk (apt-get install wrk; nginx-light for the nginx figure) and a release build:
#   swift build -c release --product oauthscope && swift build -c release --product bare-route
# Usage: benchmarks/listener_throughput.sh [PATH/TO/oauthscope] [PATH/TO/bare-route]
#   ROUNDS (5), SECONDS_PER_RUN (8), THREADS (1), CONNECTIONS (32)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-$(swift build -c release --show-bin-path)/oauthscope}"
bare="${2:-$(dirname "$bin")/bare-route}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 2; }
[ -x "$bin" ] && [ -x "$bare" ] || { echo "build first: swift build -c release --product oauthscope && swift build -c release --product bare-route"; exit 2; }
tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$tmp"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port_b=$(free_port); port_o=$(free_port); port_n=
"$bare" "$port_b" >/dev/null 2>&1 &
pids+=($!)
"$bin" listen --redirect-uri "http://127.0.0.1:$port_o/cb" --output jsonl >/dev/null 2>&1 &
osc=$!
pids+=($osc)
if command -v nginx >/dev/null; then
  port_n=$(free_port)
  mkdir -p "$tmp/www"
  echo '<!doctype html><title>ok</title><p>ok' >"$tmp/www/cb"
  cat >"$tmp/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/error.log;
events { worker_connections 1024; }
http { access_log off; server { listen 127.0.0.1:$port_n; root $tmp/www; location / { } } }
CONF
  nginx -c "$tmp/nginx.conf" -e "$tmp/error.log" &
  pids+=($!)
fi
for p in $port_b $port_o $port_n; do
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$p/" && break; sleep 0.1; done
done
rate() { wrk -t"${THREADS:-1}" -c"${CONNECTIONS:-32}" -d"${SECONDS_PER_RUN:-8}s" "$1" | awk '/Requests\/sec/ {print $2}'; }
# The machine is shared: run them interleaved, several rounds, and compare medians.
bs=(); os=(); ns=()
for round in $(seq 1 "${ROUNDS:-5}"); do
  bs+=("$(rate "http://127.0.0.1:$port_b/cb?code=abc&state=xyz")")
  os+=("$(rate "http://127.0.0.1:$port_o/cb?code=abc&state=xyz")")
  if [ -n "$port_n" ]; then ns+=("$(rate "http://127.0.0.1:$port_n/cb")"); fi
done
rss=$(awk '/VmRSS/ {print $2/1024}' /proc/$osc/status)
python3 - "${bs[*]}" "${os[*]}" "${ns[*]:-}" "$rss" <<'PY'
import statistics, sys
b = [float(x) for x in sys.argv[1].split()]
o = [float(x) for x in sys.argv[2].split()]
n = [float(x) for x in sys.argv[3].split()]
fmt = lambda xs: ", ".join(f"{x:.0f}" for x in xs)
print(f"bare Hummingbird route (same page):       {fmt(b)} -> median {statistics.median(b):.0f} requests/s")
print(f"oauthscope listen (jsonl to /dev/null):   {fmt(o)} -> median {statistics.median(o):.0f} requests/s, {float(sys.argv[4]):.1f} MB resident after the run")
if n:
    print(f"nginx (one worker per core, static page): {fmt(n)} -> median {statistics.median(n):.0f} requests/s")
print(f"ratio of medians: {statistics.median(o) / statistics.median(b):.2f} of the bare route (goal >= 0.90)"
      + (f", {statistics.median(o) / statistics.median(n):.2f} of nginx" if n else ""))
PY
