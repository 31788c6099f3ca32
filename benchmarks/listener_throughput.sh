#!/usr/bin/env bash
# The callback listener's request rate against nginx serving a static page on the same machine, both measured
# with wrk on loopback (bounded: 2 threads, 50 connections, 10 s each). Needs: apt-get install nginx-light wrk.
# Usage: benchmarks/listener_throughput.sh PATH/TO/oauthscope (a release build: swift build -c release)
set -euo pipefail
bin="$1"
tmp=$(mktemp -d)
port_n=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
port_o=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
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
nginx -c "$tmp/nginx.conf" &
ngx=$!
"$bin" listen --redirect-uri "http://127.0.0.1:$port_o/cb" --output jsonl >/dev/null 2>&1 &
osc=$!
trap 'kill $ngx $osc 2>/dev/null; rm -rf "$tmp"' EXIT
sleep 1
rate() { wrk -t2 -c50 -d"${SECONDS_PER_RUN:-8}s" "$1" | awk '/Requests\/sec/ {print $2}'; }
# The machine is shared: run the two interleaved, several rounds, and compare medians.
ns=(); os=()
for round in $(seq 1 "${ROUNDS:-5}"); do
  ns+=("$(rate "http://127.0.0.1:$port_n/cb")")
  os+=("$(rate "http://127.0.0.1:$port_o/cb?code=abc&state=xyz")")
done
rss=$(awk '/VmRSS/ {print $2/1024}' /proc/$osc/status)
python3 - "${ns[*]}" "${os[*]}" "$rss" <<'PY'
import statistics, sys
n = [float(x) for x in sys.argv[1].split()]
o = [float(x) for x in sys.argv[2].split()]
print("nginx (one worker per core, static page):", ", ".join(f"{x:.0f}" for x in n), f"-> median {statistics.median(n):.0f} requests/s")
print("oauthscope listen (jsonl to /dev/null):  ", ", ".join(f"{x:.0f}" for x in o), f"-> median {statistics.median(o):.0f} requests/s,", f"{float(sys.argv[3]):.1f} MB resident after the run")
print(f"ratio of medians: {statistics.median(o) / statistics.median(n) * 100:.0f} % of nginx")
PY
