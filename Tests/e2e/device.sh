#!/usr/bin/env bash
# End-to-end checks of the device grant (RFC 8628) against the embedded provider: `demo --grant device` in jsonl
# (the codes, pending polls, the approval, the tokens), each device fault ending at its poll status with a
# failure naming the step, the GitHub and Google imitations with their deviations as findings, step mode pausing
# before the device authorization and before each poll, Ctrl-C while polling, plain output with the user code and
# a QR code that zxing-cpp decodes to verification_uri_complete, and the terminal UI's four steps and QR code.
# Usage: Tests/e2e/device.sh PATH/TO/oauthscope PATH/TO/python   (python with zxing-cpp and numpy)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
bin="$1"
py="${2:-python3}"
tmp=$(mktemp -d)
sock="oauthscope-device-$$"
t() { tmux -L "$sock" "$@"; }
trap 't kill-server 2>/dev/null; rm -rf "$tmp"' EXIT

run() { # run NAME ARGS...: demo --grant device --output jsonl; events in $tmp/NAME.jsonl, exit status in $tmp/NAME.status
  local name="$1"; shift
  timeout 60 "$bin" demo --grant device --output jsonl "$@" >"$tmp/$name.jsonl" 2>"$tmp/$name.err"
  echo $? >"$tmp/$name.status"
}

# 1. The whole grant: codes, at least one pending poll, then the approval and the tokens.
run ok
check "device: demo --grant device completes (exit 0)" test "$(cat "$tmp/ok.status")" = 0
check "device: device.authorization, pending polls, approval, tokens, in order; the device code redacted" python3 - "$tmp/ok.jsonl" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
types = [e["type"] for e in events]
start = events[0]
assert start["type"] == "flow.started" and start["grant"] == "device", start
auth = next(e for e in events if e["type"] == "device.authorization")
for k in ("user_code", "verification_uri", "verification_uri_complete", "expires_in", "interval", "device_code"):
    assert k in auth, k
assert "\u2026(" in auth["device_code"], auth["device_code"]
assert auth["verification_uri_complete"].endswith("user_code=" + auth["user_code"]), auth
assert all(c in "BCDFGHJKLMNPQRSTVWXZ-" for c in auth["user_code"]) and len(auth["user_code"]) == 9, auth["user_code"]
polls = [e for e in events if e["type"] == "device.poll"]
statuses = [p["status"] for p in polls]
assert statuses[-1] == "approved" and statuses.count("pending") >= 1 and set(statuses[:-1]) == {"pending"}, statuses
assert [p["attempt"] for p in polls] == list(range(1, len(polls) + 1))
# Every poll goes to the token endpoint with the device_code grant; the code stays redacted on the wire capture.
sent = [e for e in events if e["type"] == "http.request" and e["purpose"] == "device-poll"]
assert len(sent) == len(polls)
assert all("device_code" in e["body"] and "\u2026(" in e["body"] and "grant-type%3Adevice_code" in e["body"] for e in sent)
assert types.index("device.authorization") < types.index("device.poll") < types.index("token.exchanged") < types.index("flow.completed")
assert types[-1] == "flow.completed"
tokens = next(e for e in events if e["type"] == "token.exchanged")
assert tokens["token_type"] == "Bearer" and "\u2026(" in tokens["access_token"]
PY

# 2. Each fault: its poll status, and a failure naming the step.
run slow --fault device-slow-down
check "device: slow_down raises the interval by 5 s, then the grant completes" python3 - "$tmp/slow.jsonl" "$(cat "$tmp/slow.status")" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
assert sys.argv[2] == "0", sys.argv[2]
auth = next(e for e in events if e["type"] == "device.authorization")
polls = [e for e in events if e["type"] == "device.poll"]
assert polls[0]["status"] == "slow_down" and polls[0]["interval"] == auth["interval"] + 5, polls[0]
assert all(p["interval"] == auth["interval"] + 5 for p in polls[1:]), polls
assert polls[-1]["status"] == "approved"
assert any(e["type"] == "finding" and e["code"] == "device.slow_down" and e["ref"] == "RFC 8628 §3.5" for e in events)
PY
for case in "denied:device-denied:denied:access_denied" "expired:device-expired:expired:expired_token"; do
  IFS=: read -r name fault status error <<<"$case"
  run "$name" --fault "$fault"
  check "device: --fault $fault ends with poll status $status and flow.failed at the step that failed (exit 1)" python3 - "$tmp/$name.jsonl" "$(cat "$tmp/$name.status")" "$status" "$error" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
assert sys.argv[2] == "1", sys.argv[2]
polls = [e for e in events if e["type"] == "device.poll"]
assert polls[-1]["status"] == sys.argv[3] and polls[-1]["error"] == sys.argv[4], polls[-1]
end = events[-1]
assert end["type"] == "flow.failed" and end["step"] == "verify" and end["error"] == sys.argv[4], end
assert "RFC 8628 §3.5" in end["hint"], end["hint"]
assert not any(e["type"] == "token.exchanged" for e in events)
PY
done

# 3. The imitations: their paths, and their deviations as findings.
run github --personality github
check "device: the GitHub imitation completes; its missing verification_uri_complete is a finding (no QR code)" python3 - "$tmp/github.jsonl" "$(cat "$tmp/github.status")" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
assert sys.argv[2] == "0", sys.argv[2]
req = next(e for e in events if e["type"] == "http.request" and e["purpose"] == "device-authorization")
assert req["url"].endswith("/login/device/code"), req["url"]
auth = next(e for e in events if e["type"] == "device.authorization")
assert "verification_uri_complete" not in auth and auth["verification_uri"].endswith("/login/device")
f = next(e for e in events if e["type"] == "finding" and e["code"] == "device.no_complete_uri")
assert f["ref"] == "RFC 8628 §3.3.1" and f["step"] == "device_code"
PY
run google --personality google
check "device: the Google imitation's verification_url is read, with a finding citing RFC 8628 §3.2" python3 - "$tmp/google.jsonl" "$(cat "$tmp/google.status")" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
assert sys.argv[2] == "0", sys.argv[2]
req = next(e for e in events if e["type"] == "http.request" and e["purpose"] == "device-authorization")
assert req["url"].endswith("/device/code"), req["url"]
f = next(e for e in events if e["type"] == "finding" and e["code"] == "device.verification_url")
assert f["ref"] == "RFC 8628 §3.2"
assert next(e for e in events if e["type"] == "device.authorization")["verification_uri"].endswith("/device")
PY
run microsoft --personality microsoft
check "device: the Microsoft imitation polls its tenant's token endpoint" python3 - "$tmp/microsoft.jsonl" "$(cat "$tmp/microsoft.status")" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
assert sys.argv[2] == "0", sys.argv[2]
urls = [e["url"] for e in events if e["type"] == "http.request"]
assert any(u.endswith("/common/oauth2/v2.0/devicecode") for u in urls) and any(u.endswith("/common/oauth2/v2.0/token") for u in urls), urls
PY

# 4. Step mode: a pause before the device authorization and before every poll, each showing the request sent.
timeout 60 python3 "$here/stepdrive.py" '{}' "$bin" demo --grant device --step --output jsonl >"$tmp/step.json" 2>"$tmp/step.err"
check "device: --step pauses before the device authorization hop and before each poll" python3 - "$tmp/step.json" "$(tail -n 1 "$tmp/step.err")" <<'PY'
import json, sys
events = json.load(open(sys.argv[1]))
assert sys.argv[2] == "0", sys.argv[2]
hops = [e["hop"] for e in events if e["type"] == "step.waiting"]
polls = [e for e in events if e["type"] == "device.poll"]
assert hops[:2] == ["discovery", "device-authorization"], hops
assert hops.count("device-poll") == len(polls) >= 2, (hops, len(polls))
for i, e in enumerate(events):
    if e["type"] == "http.request" and e["purpose"] in ("device-authorization", "device-poll"):
        before = [x for x in events[:i] if x["type"] == "step.waiting"][-1]
        assert before["hop"] == e["purpose"] and before["request"]["body"] == e["body"], (before, e)
        assert before["step"] == ("device_code" if e["purpose"] == "device-authorization" else "poll"), before["step"]
PY

# 5. Ctrl-C while the device waits between polls ends the flow at once, naming the step.
"$bin" demo --grant device --fault device-slow-down --output jsonl >"$tmp/int.jsonl" 2>/dev/null &
pid=$!
for _ in $(seq 50); do grep -q '"slow_down"' "$tmp/int.jsonl" 2>/dev/null && break; sleep 0.2; done
kill -INT "$pid"
for _ in $(seq 25); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fail "device: Ctrl-C while polling ends the flow" "still running 5 s after SIGINT"
else check "device: Ctrl-C while polling ends the flow with flow.failed at the polling step" python3 -c '
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
end = events[-1]
assert end["type"] == "flow.failed" and end["step"] == "poll", end' "$tmp/int.jsonl"
fi

# 6. Plain output on a terminal: the user code, and a QR code an independent reader decodes.
script -qec "timeout 60 '$bin' demo --grant device --output plain" /dev/null >"$tmp/plain.txt" 2>&1
check "device: plain output shows the user code and where to enter it" grep -Eq "enter the code [B-Z]{4}-[B-Z]{4}" "$tmp/plain.txt"
user_code=$(grep -Eo "enter the code [B-Z]{4}-[B-Z]{4}" "$tmp/plain.txt" | head -1 | awk '{print $4}')
decoded=$("$py" "$here/qrdecode.py" <"$tmp/plain.txt" 2>"$tmp/qr.err")
check "device: the plain QR code decodes (zxing-cpp) to verification_uri_complete with the user code" \
  bash -c "[ -n '$user_code' ] && [[ '$decoded' == http://127.0.0.1:*/device?user_code=$user_code ]] && grep -q -- '$decoded' '$tmp/plain.txt'"
timeout 60 "$bin" demo --grant device --output plain >"$tmp/piped.txt" 2>&1
check "device: no QR code when stdout is not a terminal" bash -c "grep -q 'enter the code' '$tmp/piped.txt' && ! grep -q '█' '$tmp/piped.txt'"
check "device: never a QR code in jsonl" bash -c "! grep -q '█' '$tmp/ok.jsonl'"

# 7. The terminal UI: the four steps done, and the QR code in the detail of the first one.
if command -v tmux >/dev/null; then
  t new-session -d -s ui -x 120 -y 40 "env LANG=C.UTF-8 TERM=xterm-256color '$bin' demo --grant device; sleep 60"
  check "device tui: the grant completes on screen" wait_for "completed in"
  for label in "Device code issued" "User verifies" "Polling" "Token exchanged"; do
    check "device tui: '$label' reaches done" grep -q "✓ $label" "$tmp/screen"
  done
  t send-keys -t ui g
  check "device tui: the first step's detail shows the user code and the QR code" wait_for "or scan (verification_uri_complete" 5
  tui_decoded=$("$py" "$here/qrdecode.py" <"$tmp/screen" 2>>"$tmp/qr.err")
  tui_code=$(grep -Eo "enter [B-Z]{4}-[B-Z]{4}" "$tmp/screen" | head -1 | awk '{print $2}')
  check "device tui: the QR code on screen decodes (zxing-cpp) to the complete URI with the code shown" \
    bash -c "[ -n '$tui_code' ] && [[ '$tui_decoded' == http://127.0.0.1:*/device?user_code=$tui_code ]]"
  t kill-session -t ui
  t new-session -d -s small -x 80 -y 24 "env LANG=C.UTF-8 TERM=xterm-256color '$bin' demo --grant device; sleep 60"
  check "device tui 80x24: the grant completes" bash -c "for i in \$(seq 100); do tmux -L '$sock' capture-pane -p -t small | grep -q 'completed in' && exit 0; sleep 0.2; done; exit 1"
else
  fail "device tui" "tmux is not installed"
fi
[ -s "$tmp/qr.err" ] && sed 's/^/  qrdecode: /' "$tmp/qr.err"
summary
