#!/usr/bin/env bash
# End-to-end checks of what a hostile provider, recording or file can do to the terminal and the disk: nothing
# that reaches stdout or stderr can act on a terminal, recordings are private files, endpoints are checked.
# Usage: Tests/e2e/boundaries.sh PATH/TO/oauthscope
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
bin="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# No byte a terminal could act on: C0 other than \n, DEL, C1 (raw or UTF-8 encoded), ESC.
terminal_safe() {
  python3 - "$1" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
for i, b in enumerate(data):
    if (b < 0x20 and b != 0x0A) or b == 0x7F:
        sys.exit(f"byte 0x{b:02x} at {i}: {data[max(0, i - 20):i + 20]!r}")
text = data.decode("utf-8")
for i, c in enumerate(text):
    if 0x80 <= ord(c) <= 0x9F:
        sys.exit(f"C1 U+{ord(c):04X} at {i}")
PY
}

# 1. A crafted recording replayed as plain text: OSC title, OSC 52, OSC 8, CSI, an unknown event type.
osc8='\u001b]8;;https://evil.example/\u001b\\click\u001b]8;;\u001b\\'
cat >"$tmp/crafted.jsonl" <<JSONL
{"v":1,"seq":1,"time":"2026-01-01T00:00:01.000Z","flow":"f","type":"flow.started","mode":"demo\u001b[2J","provider":"p$osc8","client_id":"c\u009b1m","redirect_uri":"http://127.0.0.1/cb\u0007","exchange":"auto","step_mode":false}
{"v":1,"seq":2,"time":"2026-01-01T00:00:02.000Z","flow":"f","type":"finding","severity":"error","code":"x","message":"see $osc8","ref":"RFC \u001b]0;owned\u0007"}
{"v":1,"seq":3,"time":"2026-01-01T00:00:03.000Z","flow":"f","type":"evil\u001b]0;owned\u0007","message":"x"}
{"v":1,"seq":4,"time":"2026-01-01T00:00:04.000Z","flow":"f","type":"step.waiting","step":"exchange","prompt":"Press c\u001b]52;c;ZWNobyBvd25lZA==\u0007"}
{"v":1,"seq":5,"time":"2026-01-01T00:00:05.000Z","flow":"f","type":"token.exchanged","token_type":"Bearer\u001b]0;owned\u0007\u001b]52;c;ZWNobw==\u0007","expires_in":60,"access_token":"\u001b[2J…(40)"}
{"v":1,"seq":6,"time":"2026-01-01T00:00:06.000Z","flow":"f","type":"flow.failed","reason":"r\u001b[31m\u2028","hint":"h\u007f\u202e"}
JSONL
"$bin" replay "$tmp/crafted.jsonl" --output plain --speed 0 >"$tmp/replay.out" 2>"$tmp/replay.err"
check "replay of a crafted recording: stdout has no terminal control" terminal_safe "$tmp/replay.out"
check "replay of a crafted recording: stderr has no terminal control" terminal_safe "$tmp/replay.err"
check "replay shows the hostile values escaped" grep -qF '\x1b]52;c;' "$tmp/replay.out"
check "replay names the unknown event type, escaped" grep -qF 'evil\x1b]0;owned\x07' "$tmp/replay.err"
"$bin" replay "$tmp/crafted.jsonl" --output jsonl --speed 0 >"$tmp/replay.jsonl" 2>/dev/null
check "replay as JSONL: no terminal control, every line JSON" python3 - "$tmp/replay.jsonl" <<'PY'
import json, sys
data = open(sys.argv[1], "rb").read()
assert all(b >= 0x20 or b == 0x0A for b in data) and 0x7F not in data, "control byte in JSONL"
lines = [json.loads(l) for l in data.decode().splitlines()]
assert any("\x1b]52" in l.get("prompt", "") for l in lines), "the raw value survives as a JSON escape"
PY

# 2. Theme-file errors quote the file; they reach stderr escaped.
printf '"\\u001b]52;c;ZXZpbA==\\u0007" = "red"\n[palette]\nbad = "\\u001b[2J"\n' >"$tmp/evil.toml"
"$bin" themes preview "$tmp/evil.toml" >/dev/null 2>"$tmp/theme.err"
check "theme-file errors: stderr has no terminal control" terminal_safe "$tmp/theme.err"
check "theme-file errors are shown" grep -qF '\x1b]52;c;' "$tmp/theme.err"

# 3. Recordings are private files: 0600 when new, 0600 when they replace one, never through a symlink.
port() { free_port; }
"$bin" demo --output jsonl --record "$tmp/new.jsonl" --redirect-uri "http://127.0.0.1:$(port)/callback" >/dev/null 2>&1
check "a new recording is 0600" test "$(stat -c %a "$tmp/new.jsonl")" = 600
echo "old" >"$tmp/old.jsonl"; chmod 644 "$tmp/old.jsonl"
"$bin" demo --output jsonl --record "$tmp/old.jsonl" --redirect-uri "http://127.0.0.1:$(port)/callback" >/dev/null 2>&1
check "a replaced recording is 0600" test "$(stat -c %a "$tmp/old.jsonl")" = 600
check "a replaced recording holds the new session" grep -q flow.completed "$tmp/old.jsonl"
echo "precious" >"$tmp/target.txt"; ln -s "$tmp/target.txt" "$tmp/link.jsonl"
"$bin" demo --output jsonl --record "$tmp/link.jsonl" --redirect-uri "http://127.0.0.1:$(port)/callback" >/dev/null 2>"$tmp/link.err"; status=$?
check "a symlinked --record is refused with exit 2" test "$status" -eq 2
check "the refusal names the flag" grep -q -- "--record" "$tmp/link.err"
check "the symlink's target is untouched" test "$(cat "$tmp/target.txt")" = precious

# 4. kill -9 in the middle of a flow (step mode waits on stdin): the recording is valid JSONL up to the last event.
sleep 30 | "$bin" demo --step --output plain --record "$tmp/killed.jsonl" --redirect-uri "http://127.0.0.1:$(port)/callback" >/dev/null 2>&1 &
victim=$!
for _ in $(seq 1 100); do grep -q step.waiting "$tmp/killed.jsonl" 2>/dev/null && break; sleep 0.1; done
kill -9 "$victim" 2>/dev/null; wait "$victim" 2>/dev/null
check "after kill -9 every recorded line is a whole event" python3 - "$tmp/killed.jsonl" <<'PY'
import json, sys
data = open(sys.argv[1], "rb").read()
assert data.endswith(b"\n"), "the file ends mid-line"
types = [json.loads(l)["type"] for l in data.decode().splitlines()]
assert "step.waiting" in types and "flow.started" in types, types
PY

# 5. The browser gets the URL as one literal argument, never through a shell.
cat >"$tmp/fake-browser" <<'SH'
#!/bin/sh
for a in "$@"; do printf '%s\0' "$a"; done >"$ARGV_FILE"
SH
chmod +x "$tmp/fake-browser"
mkdir -p "$tmp/cwd"
authorize='http://127.0.0.1:9/auth;touch$IFS$9PWNED;$(touch$IFS$9PWNED2)'
(cd "$tmp/cwd" && ARGV_FILE="$tmp/argv" "$bin" flow --authorize-url "$authorize" --token-url http://127.0.0.1:9/token --client-id x \
  --browser "$tmp/fake-browser --flag {url}" --timeout 2 --output jsonl --redirect-uri "http://127.0.0.1:$(port)/callback" >"$tmp/browser.jsonl" 2>&1)
for _ in $(seq 1 20); do [ -s "$tmp/argv" ] && break; sleep 0.1; done
check "the browser got --flag and the URL as one literal argument" python3 - "$tmp/argv" "$authorize" <<'PY'
import sys
args = open(sys.argv[1], "rb").read().split(b"\0")[:-1]
assert len(args) == 2 and args[0] == b"--flag", args
assert args[1].decode().startswith(sys.argv[2] + "?"), args[1]
PY
check "nothing in the URL ran" test ! -e "$tmp/cwd/PWNED" -a ! -e "$tmp/cwd/PWNED2"

# 6. Plain http to a remote host: an error finding and nothing sent, unless --allow-insecure-http.
"$bin" flow --issuer http://remote-host.invalid --client-id x --no-browser --output jsonl --redirect-uri "http://127.0.0.1:$(port)/callback" >"$tmp/insecure.jsonl" 2>/dev/null; status=$?
check "--issuer http://remote-host fails the flow" test "$status" -eq 1
check "--issuer http://remote-host is an error finding, and discovery is not attempted" python3 - "$tmp/insecure.jsonl" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
f = [e for e in events if e["type"] == "finding" and e["code"] == "endpoint.insecure_http"]
assert f and f[0]["severity"] == "error" and f[0]["ref"] == "RFC 8414 §2", f
assert not any(e["type"] in ("http.request", "discovery.completed") for e in events), [e["type"] for e in events]
assert "--allow-insecure-http" in events[-1].get("hint", ""), events[-1]
PY
"$bin" flow --issuer http://remote-host.invalid --client-id x --no-browser --allow-insecure-http --output jsonl --redirect-uri "http://127.0.0.1:$(port)/callback" >"$tmp/allowed.jsonl" 2>/dev/null
check "--allow-insecure-http turns it into a warning and goes on" python3 - "$tmp/allowed.jsonl" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
f = [e for e in events if e["type"] == "finding" and e["code"] == "endpoint.insecure_http"]
assert f and f[0]["severity"] == "warn", f
PY

summary
