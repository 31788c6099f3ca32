#!/usr/bin/env bash
# The callback listener's cost per request in CPU instructions, against a bare Hummingbird route (the `bare-route`
# product: the same framework and the same page, with no judging, events or output). Instruction counts from
# valgrind's callgrind do not depend on how busy the machine is, so this figure is stable where the request rate
# of benchmarks/listener_throughput.sh is not (a shared machine, a CI runner).
#
# Each server runs under callgrind twice, answering N1 and then N2 requests of one keep-alive client; the
# difference of the two totals divided by N2 - N1 is the cost of one request with start-up and shut-down taken
# out. Everything the process does counts: the framework, our judging, the event, the bus, the JSONL line and
# its write (to /dev/null), on every thread.
#
# Reports instructions per request for both and their ratio (the goal is <= 1.11: our per-callback work should
# cost at most 10 % of the rate, i.e. the bare route's rate / ours >= 0.90). Needs valgrind and a build:
#   swift build -c release --product oauthscope && swift build -c release --product bare-route
# Usage: benchmarks/listener_instructions.sh [PATH/TO/oauthscope] [PATH/TO/bare-route]
#   N1 (500), N2 (2500), OUTPUT (jsonl: what `listen` prints; plain also works), PROFILE (a directory: keep the
#   N2 profiles there, requests only, for `callgrind_annotate --inclusive=yes FILE | swift demangle --simplified`)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-$(swift build -c release --show-bin-path)/oauthscope}"
bare="${2:-$(dirname "$bin")/bare-route}"
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)"; exit 2; }
[ -x "$bin" ] && [ -x "$bare" ] || { echo "build first: swift build -c release --product oauthscope && swift build -c release --product bare-route"; exit 2; }
# valgrind 3.19 cannot read the DWARF 5 debug info Swift writes: measure copies without it (the symbol table
# stays, so callgrind_annotate still names every function).
command -v strip >/dev/null || { echo "strip is not installed (apt-get install binutils)"; exit 2; }
n1=${N1:-500}
n2=${N2:-2500}
[ "$n2" -gt "$n1" ] || { echo "N2 must be larger than N1"; exit 2; }
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
strip --strip-debug -o "$tmp/oauthscope" "$bin"
strip --strip-debug -o "$tmp/bare-route" "$bare"
bin="$tmp/oauthscope"
bare="$tmp/bare-route"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Sends COUNT requests for PATH on one keep-alive connection, one after the other, and checks each got an answer.
client() {
  python3 - "$1" "$2" "$3" <<'PY'
import socket, sys
port, path, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
s = socket.create_connection(("127.0.0.1", port))
req = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
buf = b""
for _ in range(count):
    s.sendall(req)
    while True:
        head_end = buf.find(b"\r\n\r\n")
        if head_end >= 0:
            head = buf[:head_end].decode("latin-1").lower()
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip() == "content-length":
                    length = int(value)
            if len(buf) >= head_end + 4 + length:
                buf = buf[head_end + 4 + length:]
                break
        chunk = s.recv(65536)
        if not chunk:
            sys.exit("the server closed the connection")
        buf += chunk
s.close()
PY
}

# valgrind 3.19 faults on libdispatch's sigsuspend (it writes to the signal mask, which libdispatch keeps in
# read-only memory), and every Swift program that uses async main waits there: a preloaded sigsuspend passes a
# writable copy of the mask instead. Built here, with any C compiler.
cat >"$tmp/sigsuspend.c" <<'C'
#define _GNU_SOURCE
#include <signal.h>
#include <unistd.h>
#include <sys/syscall.h>
int sigsuspend(const sigset_t *mask) {
    sigset_t copy = *mask;
    return (int)syscall(SYS_rt_sigsuspend, &copy, _NSIG / 8);
}
C
cc=$(command -v cc || command -v clang || command -v gcc) || { echo "no C compiler (cc, clang or gcc)"; exit 2; }
"$cc" -shared -fPIC -O2 -o "$tmp/sigsuspend.so" "$tmp/sigsuspend.c"

# Runs one server under callgrind, sends COUNT requests, has callgrind write its counts (callgrind_control: a
# signal does not reliably end a program under valgrind), ends it and prints its total instruction count.
measure() {
  local name=$1 count=$2 port out
  port=$(free_port)
  out="$tmp/$name.$count.callgrind"
  shift 2
  local argv=()
  for a in "$@"; do argv+=("${a//PORT/$port}"); done
  LD_PRELOAD="$tmp/sigsuspend.so" valgrind --tool=callgrind --callgrind-out-file="$out" "${argv[@]}" >/dev/null 2>"$tmp/$name.$count.log" &
  pid=$!
  for _ in $(seq 1 600); do
    curl -s -o /dev/null "http://127.0.0.1:$port/warmup" && break
    kill -0 "$pid" 2>/dev/null || { cat "$tmp/$name.$count.log" >&2; exit 1; }
    sleep 0.2
  done
  # Start-up out of the profile (the N1/N2 difference takes out what is left, such as the dump itself).
  callgrind_control --zero "$pid" >/dev/null 2>&1
  client "$port" "/cb?code=abc&state=xyz" "$count"
  callgrind_control --dump "$pid" >/dev/null 2>&1
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null || true
  pid=
  local dump
  dump=$(ls "$out".* 2>/dev/null | head -1)
  [ -n "$dump" ] && [ -s "$dump" ] || { echo "callgrind wrote no profile for $name" >&2; cat "$tmp/$name.$count.log" >&2; exit 1; }
  if [ -n "${PROFILE:-}" ] && [ "$count" = "$n2" ]; then mkdir -p "$PROFILE"; cp "$dump" "$PROFILE/$name.callgrind"; fi
  awk '/^(summary|totals):/ {print $2; exit}' "$dump"
}

bare1=$(measure bare "$n1" "$bare" PORT)
bare2=$(measure bare "$n2" "$bare" PORT)
osc1=$(measure oauthscope "$n1" "$bin" listen --redirect-uri "http://127.0.0.1:PORT/cb" --output "${OUTPUT:-jsonl}")
osc2=$(measure oauthscope "$n2" "$bin" listen --redirect-uri "http://127.0.0.1:PORT/cb" --output "${OUTPUT:-jsonl}")
python3 - "$n1" "$n2" "$bare1" "$bare2" "$osc1" "$osc2" <<'PY'
import sys
n1, n2, b1, b2, o1, o2 = map(int, sys.argv[1:])
b = (b2 - b1) / (n2 - n1)
o = (o2 - o1) / (n2 - n1)
print(f"bare Hummingbird route (same page):      {b:,.0f} instructions per request ({n1} and {n2} requests: {b1:,} and {b2:,})")
print(f"oauthscope listen (jsonl to /dev/null):  {o:,.0f} instructions per request ({n1} and {n2} requests: {o1:,} and {o2:,})")
print(f"our per-callback work: {o - b:,.0f} instructions, {(o - b) / o * 100:.1f} % of a request")
print(f"ratio: {o / b:.3f} of the bare route's instructions, so at most {b / o:.2f} of its rate when CPU-bound (goal >= 0.90)")
PY
