#!/usr/bin/env bash
# `oauthscope listen`: scripted callbacks of every verdict produce the matching events, and --forward answers
# with a 307 to the application's callback with the query intact. Usage: Tests/e2e/listen.sh PATH/TO/oauthscope
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
bin="$1"
tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$tmp"' EXIT

# The readiness probe is itself a request to "/", so the first event is a stray.
wait_port() { for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.1; done; return 1; }

port=$(free_port)
"$bin" listen --redirect-uri "http://127.0.0.1:$port/cb" --expect-state good --output jsonl >"$tmp/events.jsonl" 2>"$tmp/err" &
pids+=($!)
wait_port "$port"
base="http://127.0.0.1:$port"
code() { curl -s -o /dev/null -w '%{http_code}' "$1"; }
check "listen: a code with the expected state is answered 200" test "$(code "$base/cb?code=c0de-1&state=good")" = 200
check "listen: the same code again is answered 400" test "$(code "$base/cb?code=c0de-1&state=good")" = 400
check "listen: another path is 404" test "$(code "$base/favicon.ico")" = 404
check "listen: a wrong state is answered 400" test "$(code "$base/cb?code=c0de-2&state=evil")" = 400
check "listen: an error response is answered 200" test "$(code "$base/cb?error=access_denied&error_description=no&state=good")" = 200
check "listen: a repeated state is answered 400" test "$(code "$base/cb?code=c0de-3&state=good&state=good")" = 400
check "listen: bad percent-encoding is answered 400" test "$(code "$base/cb?code=%ZZ&state=good")" = 400
check "listen: the success page forbids caching and referrers" bash -c "curl -s -D - -o /dev/null '$base/cb?code=c0de-4&state=good' | grep -qi '^cache-control: no-store' && curl -s -D - -o /dev/null '$base/cb?code=c0de-5&state=good' | grep -qi '^referrer-policy: no-referrer'"
check "listen: the page echoes nothing from the request" bash -c "! curl -s '$base/cb?code=%3Cscript%3Eecho-me&state=good' | grep -q 'echo-me'"
sleep 0.3
kill -INT "${pids[0]}"; wait "${pids[0]}" 2>/dev/null
check "listen: one callback.received per request, with the verdict of each" python3 - "$tmp/events.jsonl" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
verdicts = [e["verdict"] for e in events if e["type"] == "callback.received"]
want = ["stray", "accepted", "duplicate", "stray", "state_mismatch", "error_response", "malformed", "malformed", "accepted", "accepted", "accepted"]
assert verdicts == want, verdicts
for e in events:
    if e["type"] == "callback.received" and "code" in e["query"]:
        assert "c0de" not in json.dumps(e["query"]), e["query"]   # redacted
PY

# --forward: a 307 to the application's callback with the query intact.
port=$(free_port)
"$bin" listen --redirect-uri "http://127.0.0.1:$port/cb" --forward "http://127.0.0.1:3000/app/callback" --output jsonl >"$tmp/fwd.jsonl" 2>&1 &
pids+=($!)
wait_port "$port"
curl -s -o /dev/null -D "$tmp/headers" "http://127.0.0.1:$port/cb?code=abc%2Fdef&state=s%20t"
check "listen --forward: 307" grep -q "^HTTP/1.1 307" "$tmp/headers"
check "listen --forward: Location carries the query intact" grep -qi "^location: http://127.0.0.1:3000/app/callback?code=abc%2Fdef&state=s%20t" "$tmp/headers"

# --exchange: with client credentials, each arriving code is exchanged (here the application used PKCE with the
# RFC 7636 Appendix B verifier, handed over with --code-verifier).
pport=$(free_port); lport=$(free_port)
"$bin" provider serve --port "$pport" --auto-approve --client "app:app-secret" --redirect-uri "http://127.0.0.1:$lport/cb" >"$tmp/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$pport/.well-known/openid-configuration" >/dev/null && break; sleep 0.1; done
"$bin" listen --redirect-uri "http://127.0.0.1:$lport/cb" --exchange --expect-state app-state --issuer "http://127.0.0.1:$pport" --client-id app --client-secret app-secret \
  --scope openid --code-verifier dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk --output jsonl >"$tmp/exchange.jsonl" 2>"$tmp/exchange.err" &
lpid=$!
pids+=($lpid)
wait_port "$lport"
curl -s -L -o /dev/null "http://127.0.0.1:$pport/authorize?response_type=code&client_id=app&redirect_uri=http%3A%2F%2F127.0.0.1%3A$lport%2Fcb&scope=openid&state=app-state&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
for _ in $(seq 1 50); do grep -q '"flow.completed"\|"flow.failed"' "$tmp/exchange.jsonl" && break; sleep 0.1; done
kill -INT "$lpid"; wait "$lpid" 2>/dev/null
check "listen --exchange: the arriving code is exchanged for tokens" python3 - "$tmp/exchange.jsonl" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cb = [e for e in events if e["type"] == "callback.received" and e["verdict"] == "accepted"]
assert len(cb) == 1, [e["type"] for e in events]
x = [e for e in events if e["flow"] == "x1"]
types = [e["type"] for e in x]
assert "token.request" in types and "token.exchanged" in types and types[-1] == "flow.completed", types
PY
"$bin" listen --redirect-uri "http://127.0.0.1:$(free_port)/cb" --exchange --expect-state s --output jsonl >/dev/null 2>"$tmp/err"; status=$?
check "listen --exchange without a client is a usage error" test "$status" -eq 2
"$bin" listen --redirect-uri "http://127.0.0.1:$(free_port)/cb" --exchange --issuer "http://127.0.0.1:$pport" --client-id app --client-secret app-secret --output jsonl >/dev/null 2>"$tmp/err"; status=$?
check "listen --exchange without --expect-state or --exchange-any is a usage error" test "$status" -eq 2
check "listen --exchange without --expect-state says what to add" bash -c "grep -q -- '--expect-state' '$tmp/err' && grep -q -- '--exchange-any' '$tmp/err'"

# --exchange-any: allowed on purpose, with a warning finding; a code with any state is exchanged.
lport=$(free_port)
"$bin" listen --redirect-uri "http://127.0.0.1:$lport/cb" --exchange --exchange-any --issuer "http://127.0.0.1:$pport" --client-id app --client-secret app-secret \
  --scope openid --output jsonl >"$tmp/any.jsonl" 2>"$tmp/any.err" &
lpid=$!
pids+=($lpid)
wait_port "$lport"
sleep 0.3
kill -INT "$lpid"; wait "$lpid" 2>/dev/null
check "listen --exchange-any warns with listen.exchange_any" python3 -c "import json,sys; f=[json.loads(l) for l in open('$tmp/any.jsonl') if l.strip()]; w=[e for e in f if e['type']=='finding' and e['code']=='listen.exchange_any']; assert w and w[0]['severity']=='warn', f"

# Requests that are not callbacks: another Host (421), a browser's sub-resource load (403), an oversized form_post
# body (413). Each is answered and shown as a stray event, never judged as the callback.
port=$(free_port)
"$bin" listen --redirect-uri "http://127.0.0.1:$port/cb" --expect-state good --output jsonl >"$tmp/strays.jsonl" 2>"$tmp/err" &
spid=$!
pids+=($spid)
wait_port "$port"
base="http://127.0.0.1:$port"
check "listen: a foreign Host is answered 421" test "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: evil.example' "$base/cb?code=c0de-h&state=good")" = 421
check "listen: an <img> load (Sec-Fetch-Dest: image) is answered 403" test "$(curl -s -o /dev/null -w '%{http_code}' -H 'Sec-Fetch-Dest: image' "$base/cb?code=c0de-i&state=good")" = 403
check "listen: a navigation (Sec-Fetch-Dest: document) is judged" test "$(curl -s -o /dev/null -w '%{http_code}' -H 'Sec-Fetch-Dest: document' "$base/cb?code=c0de-d&state=good")" = 200
python3 -c "print('code=c0de-b&state=good&pad=' + 'a' * 70000, end='')" >"$tmp/big.form"
check "listen: a form_post body over 64 KB is answered 413" test "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @"$tmp/big.form" "$base/cb")" = 413
check "listen: a small form_post body still works" test "$(curl -s -o /dev/null -w '%{http_code}' --data 'code=c0de-p&state=good' "$base/cb")" = 200
sleep 0.3
kill -INT "$spid"; wait "$spid" 2>/dev/null
check "listen: each of them is a callback.received event with its status" python3 - "$tmp/strays.jsonl" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
got = [(e["verdict"], e.get("status")) for e in events if e["type"] == "callback.received"]
want = [("stray", 404), ("stray", 421), ("stray", 403), ("accepted", 200), ("stray", 413), ("accepted", 200)]
assert got == want, got
PY

# Slowloris: 300 connections that never finish their request head. They are closed after the 10 s idle/header
# timeout, at most 256 are served at once, and a real callback sent meanwhile still gets through.
port=$(free_port)
"$bin" listen --redirect-uri "http://127.0.0.1:$port/cb" --expect-state good --output jsonl >"$tmp/slow.jsonl" 2>"$tmp/err" &
slpid=$!
pids+=($slpid)
wait_port "$port"
check "listen: slowloris connections are closed by the listener and a real callback gets through" python3 - "$port" <<'PY'
import socket, subprocess, sys, time
port = int(sys.argv[1])
idle = []
for i in range(300):
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    s.sendall(b"GET /cb?code=slow HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % port)   # never ends its head
    idle.append(s)
code = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "40",
                       f"http://127.0.0.1:{port}/cb?code=real-one&state=good"], capture_output=True, text=True).stdout
assert code == "200", f"the real callback got {code!r}"
closed = 0
for s in idle:
    s.settimeout(40)
    try:
        closed += s.recv(1) == b""
    except OSError:
        closed += 1   # reset by the listener also counts as closed
    s.close()
print(f"  {closed} of {len(idle)} idle connections closed by the listener")
assert closed == len(idle), closed
PY
kill -INT "$slpid"; wait "$slpid" 2>/dev/null
check "listen: the real callback during the slowloris is accepted" python3 -c "import json; e=[json.loads(l) for l in open('$tmp/slow.jsonl') if l.strip()]; assert [x['verdict'] for x in e if x['type']=='callback.received' and x['verdict']=='accepted'] == ['accepted'], e"

# A non-loopback redirect URI is refused with the RFC.
"$bin" listen --redirect-uri "http://192.0.2.10:8080/cb" --output jsonl >/dev/null 2>"$tmp/err"; status=$?
check "listen: a non-loopback host exits 2" test "$status" -eq 2
check "listen: a non-loopback host cites RFC 8252" grep -q "RFC 8252 §8.3" "$tmp/err"

summary
