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
rate() { wrk -t2 -c50 -d10s "$1" | awk '/Requests\/sec/ {print $2}'; }
n=$(rate "http://127.0.0.1:$port_n/cb")
o=$(rate "http://127.0.0.1:$port_o/cb?code=abc&state=xyz")
rss=$(awk '/VmRSS/ {print $2/1024}' /proc/$osc/status)
echo "nginx (one worker per core, static page): $n requests/s"
echo "oauthscope listen (jsonl to /dev/null): $o requests/s, $rss MB resident after the run"
python3 -c "print(f'ratio: {float($o)/float($n)*100:.0f} % of nginx')"
