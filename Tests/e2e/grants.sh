#!/usr/bin/env bash
# End-to-end checks of the grants without a redirect: client credentials (RFC 6749 §4.4), refresh (RFC 6749 §6) and
# token exchange (RFC 8693). Each on `demo` (the embedded provider seeds the token a grant presents, and says so),
# each error and fault failing at the step that shows it with the RFC's explanation, `flow` against `oauthscope
# provider serve`, step mode pausing before the token hop, and each grant's own steps in the terminal UI.
# Usage: Tests/e2e/grants.sh PATH/TO/oauthscope
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
bin="$1"
tmp=$(mktemp -d)
sock="oauthscope-grants-$$"
t() { tmux -L "$sock" "$@"; }
server_pid=""
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; t kill-server 2>/dev/null; rm -rf "$tmp"' EXIT

run() { # run NAME ARGS...: oauthscope ARGS with jsonl output; events in $tmp/NAME.jsonl, exit status in $tmp/NAME.rc
  local name="$1"; shift
  timeout 60 "$bin" "$@" --output jsonl >"$tmp/$name.jsonl" 2>"$tmp/$name.err"
  echo $? >"$tmp/$name.rc"
}
rc() { cat "$tmp/$1.rc"; }
events() { # events NAME PYTHON: runs PYTHON with `events` (the list) and `rc` bound; an assertion failure fails the check
  python3 - "$tmp/$1.jsonl" "$(rc "$1")" "$2" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rc = int(sys.argv[2])
def of(t): return [e for e in events if e["type"] == t]
def one(t):
    found = of(t)
    assert found, f"no {t} event"
    return found[0]
def findings(): return {f["code"]: f for f in of("finding")}
exec(sys.argv[3])
PY
}

# 1. Each grant on demo, with no other flags: its steps' events, in order, and a completed flow.
run cc demo --grant client-credentials
check "demo client-credentials completes (exit 0)" test "$(rc cc)" = 0
check "demo client-credentials: grant_type=client_credentials with Basic authentication, an access token, no refresh token" events cc '
assert one("flow.started")["grant"] == "client-credentials"
r = one("token.request")
assert "grant_type=client_credentials" in r["body"] and "scope=api.read" in r["body"], r["body"]
assert r["headers"]["Authorization"].startswith("Basic "), r["headers"]
x = one("token.exchanged")
assert x.get("refresh_token") is None and x.get("id_token") is None, x
assert [e["type"] for e in events if e["type"] in ("token.request", "token.response", "token.exchanged", "flow.completed")] == ["token.request", "token.response", "token.exchanged", "flow.completed"]
assert not of("listener.started") and not of("user.redirected")
'
run refresh demo --grant refresh-token
check "demo refresh-token completes (exit 0)" test "$(rc refresh)" = 0
check "demo refresh-token: the seeded refresh token is said and presented, rotation shown, the ID token checked" events refresh '
f = findings()
assert "demo.seeded_token" in f and f["demo.seeded_token"]["step"] == "request", f.keys()
assert "grant_type=refresh_token" in one("token.request")["body"]
assert f["refresh.rotated"]["step"] == "exchange" and f["refresh.rotated"]["ref"] == "RFC 9700 §4.14.2"
x = one("token.exchanged")
assert x["refresh_token"] and x["id_token"]["checks"] and all(c["ok"] for c in x["id_token"]["checks"]), x
assert {"signature", "iss", "aud", "exp"} <= {c["name"] for c in x["id_token"]["checks"]}
assert events[-1]["type"] == "flow.completed"
'
run exchange demo --grant token-exchange
check "demo token-exchange completes (exit 0)" test "$(rc exchange)" = 0
check "demo token-exchange: the seeded access token as subject_token, issued_token_type in the answer" events exchange '
assert "demo.seeded_token" in findings()
body = one("token.request")["body"]
assert "subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token" in body, body
assert "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange" in body, body
assert one("token.exchanged")["extra"]["issued_token_type"] == "urn:ietf:params:oauth:token-type:access_token"
assert events[-1]["type"] == "flow.completed"
'
run idtoken demo --grant token-exchange --requested-token-type id_token --audience https://api.example.com --resource https://api.example.com/
check "demo token-exchange for an ID token: token_type N_A, no finding about it" events idtoken '
assert rc == 0, rc
assert one("token.exchanged")["token_type"] == "N_A"
assert not [c for c in findings() if c.startswith("token_exchange.") or c == "token.token_type_unusual"], findings().keys()
'

# 2. Errors and faults: each fails (or warns) at the step that shows it, explained with its section.
run audience demo --grant token-exchange --audience https://unknown.example
check "unknown audience: invalid_target at the token step, explained (RFC 8693 §2.2.2)" events audience '
assert rc == 1, rc
f = events[-1]
assert f["type"] == "flow.failed" and f["error"] == "invalid_target" and f["step"] == "exchange", f
assert "RFC 8693 §2.2.2" in f["hint"], f["hint"]
'
run noissued demo --grant token-exchange --fault no-issued-token-type
check "fault no-issued-token-type: the flow fails at the token step (RFC 8693 §2.2.1)" events noissued '
assert rc == 1, rc
f = events[-1]
assert f["type"] == "flow.failed" and f["step"] == "exchange" and "RFC 8693 §2.2.1" in f["reason"], f
assert findings()["token_exchange.issued_token_type_missing"]["severity"] == "error"
'
run ccrefresh demo --grant client-credentials --fault cc-refresh-token
check "fault cc-refresh-token: a warning at the token step (RFC 6749 §4.4.3 SHOULD NOT)" events ccrefresh '
f = findings()["client_credentials.refresh_token"]
assert f["severity"] == "warn" and f["step"] == "exchange" and f["ref"] == "RFC 6749 §4.4.3", f
'
run widescope demo --grant refresh-token --scope "openid admin"
check "refresh with a wider scope: invalid_scope, explained (RFC 6749 §6)" events widescope '
assert rc == 1, rc
f = events[-1]
assert f["error"] == "invalid_scope" and f["step"] == "exchange" and "RFC 6749 §6" in f["hint"], f
'
"$bin" demo --grant token-exchange --subject-token-type bearer --output jsonl >/dev/null 2>"$tmp/badtype.err"
check "a token type that is neither a short name nor a URI is a usage error naming the flag (exit 2)" \
  bash -c "test $? = 2 && grep -q -- '--subject-token-type bearer' '$tmp/badtype.err'"

# 3. flow against `oauthscope provider serve`, which prints the tokens of the grant it seeds for each client.
port=$(free_port)
"$bin" provider serve --port "$port" --client app:app-secret --client pub: >"$tmp/serve.out" 2>&1 &
server_pid=$!
for _ in $(seq 50); do grep -q "seeded grant for app " "$tmp/serve.out" 2>/dev/null && break; sleep 0.2; done
line=$(grep "seeded grant for app " "$tmp/serve.out")
refresh=$(echo "$line" | sed -E 's/.*refresh token ([^ ]+).*/\1/')
access=$(echo "$line" | sed -E 's/.*access token ([^ ]+).*/\1/')
check "provider serve prints a seeded grant for each client" test -n "$refresh" -a -n "$access"
export APP_SECRET=app-secret SUBJECT="$access"
base="http://127.0.0.1:$port"

run flowcc flow --grant client-credentials --token-url "$base/token" --client-id app --client-secret-env APP_SECRET --scope "api.read api.write" --token-param resource=x
check "flow client-credentials against provider serve completes, --token-param and --scope sent" events flowcc '
assert rc == 0, rc
body = one("token.request")["body"]
assert "scope=api.read+api.write" in body and "resource=x" in body, body
assert not of("listener.started")
'
run flowpub flow --grant client-credentials --token-url "$base/token" --client-id pub --token-auth none
check "a public client on client_credentials: warned, then unauthorized_client at the token step (RFC 6749 §4.4)" events flowpub '
assert rc == 1, rc
assert findings()["client_credentials.public_client"]["step"] == "request"
f = events[-1]
assert f["error"] == "unauthorized_client" and f["step"] == "exchange" and "RFC 6749 §4.4" in f["hint"], f
'
"$bin" flow --grant client-credentials --token-url "$base/token" --client-id app --output jsonl >/dev/null 2>"$tmp/nosecret.err"
check "client-credentials without client authentication is a usage error (exit 2) naming the grant and RFC 6749 §4.4" \
  bash -c "test $? = 2 && grep -q -- '--grant client-credentials' '$tmp/nosecret.err' && grep -q 'RFC 6749 §4.4' '$tmp/nosecret.err'"
printf '%s\n' "$refresh" >"$tmp/refresh-token"
chmod 600 "$tmp/refresh-token"
run flowrefresh flow --grant refresh-token --issuer "$base" --client-id app --client-secret-env APP_SECRET --refresh-token-file "$tmp/refresh-token"
check "flow refresh-token with --refresh-token-file: rotated" events flowrefresh '
assert rc == 0, rc
assert "refresh.rotated" in findings()
'
run reuse flow --grant refresh-token --issuer "$base" --client-id app --client-secret-env APP_SECRET --refresh-token-file "$tmp/refresh-token"
check "the rotated refresh token reused: invalid_grant at the token step, explained (RFC 9700 §4.14.2)" events reuse '
assert rc == 1, rc
f = events[-1]
assert f["error"] == "invalid_grant" and f["step"] == "exchange" and "RFC 9700 §4.14.2" in f["hint"], f
'
run flowexchange flow --grant token-exchange --issuer "$base" --client-id app --client-secret-env APP_SECRET --subject-token-env SUBJECT --audience https://api.example.com
check "flow token-exchange with --subject-token-env and --audience completes" events flowexchange '
assert rc == 0, rc
assert "audience=https%3A%2F%2Fapi.example.com" in one("token.request")["body"]
'
"$bin" flow --grant refresh-token --token-url "$base/token" --client-id app --client-secret-env APP_SECRET --output jsonl >/dev/null 2>"$tmp/notoken.err"
check "refresh-token without a refresh token is a usage error (exit 2) naming the flags" \
  bash -c "test $? = 2 && grep -q -- '--refresh-token-env NAME or --refresh-token-file PATH' '$tmp/notoken.err'"
kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; server_pid=""

# 4. Step mode pauses before the token hop, in the grant's first step, worded for the grant.
python3 "$here/stepdrive.py" '{}' "$bin" demo --grant client-credentials --step --output jsonl >"$tmp/step.json" 2>"$tmp/step.err"
check "step: client-credentials pauses before discovery and the token hop, then completes" python3 - "$tmp/step.json" "$(tail -n 1 "$tmp/step.err")" <<'PY'
import json, sys
events = json.load(open(sys.argv[1]))
assert sys.argv[2] == "0", sys.argv[2]
waits = [e for e in events if e["type"] == "step.waiting"]
assert [w["hop"] for w in waits] == ["discovery", "token"], [w["hop"] for w in waits]
token = waits[1]
assert token["step"] == "request" and "client credentials" in token["prompt"], token
i = events.index(token)
assert events[i + 1]["type"] == "token.request" and events[i + 1]["body"] == token["request"]["body"]
PY

# 5. The terminal UI shows each grant's own steps (where tmux is installed, as for Tests/e2e/tui.sh).
command -v tmux >/dev/null || { echo "tmux is not installed: the terminal UI checks are skipped"; summary; exit; }
for spec in "client-credentials:Token requested:Token issued" "refresh-token:Refresh requested:Token refreshed" "token-exchange:Exchange requested:Token issued"; do
  IFS=: read -r grant first second <<<"$spec"
  t new-session -d -s ui -x 120 -y 40 "env LANG=C.UTF-8 TERM=xterm-256color '$bin' demo --grant $grant; echo \"EXIT=\$?\"; sleep 30"
  if wait_for "completed in"; then
    check "tui $grant: '$first' done" grep -q "✓ $first" "$tmp/screen"
    check "tui $grant: '$second' done" grep -q "✓ $second" "$tmp/screen"
    check "tui $grant: no authorization-code step on screen" bash -c "! grep -q 'URL built\|Code received' '$tmp/screen'"
    cp "$tmp/screen" "$tmp/screen-$grant"
  else
    fail "tui $grant completes on screen" "$(cat "$tmp/screen")"
  fi
  t send-keys -t ui q
  sleep 0.3
  t send-keys -t ui q
  wait_for "EXIT=0" 10 || fail "tui $grant: q exits 0" "$(tail -n 3 "$tmp/screen")"
  t kill-session -t ui 2>/dev/null
done
[ -n "${GRANTS_SCREENS:-}" ] && cp "$tmp"/screen-* "$GRANTS_SCREENS"/ 2>/dev/null

summary
