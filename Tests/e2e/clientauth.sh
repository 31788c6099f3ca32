#!/usr/bin/env bash
# Client authentication and pushed authorization requests end to end: `demo --output jsonl` with every
# --client-auth method (a private key from a PEM and from a JWK file made here with openssl, and the demo's own
# generated key), a wrong key refused as invalid_client and explained, bad key files refused with what to fix,
# --par (the pushed request, an authorization URL with only client_id and request_uri), --par --step pausing
# before the par hop, a provider that requires PAR, and the terminal UI showing the Pushed request step and the
# decoded assertion. Usage: Tests/e2e/clientauth.sh PATH/TO/oauthscope
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
bin="$1"
tmp=$(mktemp -d)
sock="oauthscope-e2e-ca-$$"
t() { tmux -L "$sock" "$@"; }
trap 't kill-server 2>/dev/null; rm -rf "$tmp"' EXIT

demo() { # demo NAME ARGS...: events in $tmp/NAME.jsonl, stderr in $tmp/NAME.err, exit status in $tmp/NAME.status
  local name="$1"; shift
  "$bin" demo --output jsonl --redirect-uri "http://127.0.0.1:$(free_port)/callback" "$@" >"$tmp/$name.jsonl" 2>"$tmp/$name.err"
  echo $? >"$tmp/$name.status"
}

# Keys made the way people make them: EC P-256 in PKCS#8 and in SEC1, RSA in PKCS#1, and a private JWK.
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/ec-sec1.pem" 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in "$tmp/ec-sec1.pem" -out "$tmp/ec-pkcs8.pem"
openssl genrsa -traditional -out "$tmp/rsa-pkcs1.pem" 2048 2>/dev/null || openssl genrsa -out "$tmp/rsa-pkcs1.pem" 2048 2>/dev/null
openssl ec -in "$tmp/ec-sec1.pem" -pubout -out "$tmp/ec-public.pem" 2>/dev/null
openssl ecparam -name secp384r1 -genkey -noout -out "$tmp/p384.pem" 2>/dev/null
python3 - "$tmp/ec-sec1.pem" "$tmp/key.jwk" <<'PY'
# The JWK of the same key, from openssl's own dump of it: d, then the uncompressed point 04 || x || y.
import base64, re, subprocess, sys
text = subprocess.run(["openssl", "ec", "-in", sys.argv[1], "-text", "-noout"], capture_output=True, text=True).stdout
def block(name):
    m = re.search(name + r":\s*((?:\s+[0-9a-f:]+)+)", text)
    return bytes.fromhex(re.sub(r"[\s:]", "", m.group(1)))
d, pub = block("priv"), block("pub")
d = d[-32:].rjust(32, b"\0")
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
open(sys.argv[2], "w").write('{"kty":"EC","crv":"P-256","kid":"e2e-key","d":"%s","x":"%s","y":"%s"}' % (b64(d), b64(pub[1:33]), b64(pub[33:65])))
PY

cat >"$tmp/read.py" <<'PY'
# read.py FILE METHOD ALG: the flow completed; the token request authenticated by METHOD; for the JWT methods a
# client.assertion event with the claims of RFC 7523 §3 came before the token request, and the raw JWT in it is
# redacted.
import json, sys
path, method, alg = sys.argv[1], sys.argv[2], sys.argv[3]
events = [json.loads(l) for l in open(path) if l.strip()]
types = [e["type"] for e in events]
assert events[-1]["type"] == "flow.completed", events[-1]
req = next(e for e in events if e["type"] == "token.request")
body = req["body"]
auth = req["headers"].get("Authorization", "")
if method == "client_secret_basic":
    assert auth.startswith("Basic ") and "client_secret" not in body, (auth, body)
elif method == "client_secret_post":
    assert not auth and "client_secret=" in body and "oauthscope-demo-secret" not in body, body
elif method == "none":
    assert not auth and "client_secret" not in body and "client_assertion" not in body and "client_id=" in body, body
else:
    assert not auth and "client_secret" not in body, body
    assert "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer" in body, body
    raw = body.split("client_assertion=")[1].split("&")[0]
    assert "\u2026(" in raw and raw.count(".") == 0, raw   # redacted: a prefix and a length, no JWT
    a = [e for e in events if e["type"] == "client.assertion"]
    assert len(a) == 1 and a[0]["hop"] == "token" and a[0]["method"] == method, a
    a = a[0]
    assert types.index("client.assertion") < types.index("token.request"), types
    assert a["header"]["alg"] == alg and a["header"]["typ"] == "JWT", a["header"]
    c = a["claims"]
    assert c["iss"] == c["sub"] == "oauthscope-demo", c
    assert c["aud"] == req["url"], (c["aud"], req["url"])
    assert c["exp"] - c["iat"] == 60 and len(c["jti"]) >= 16, c
    assert a["ref"] and "RFC 7523" in a["ref"] and a["explanation"], a
    if method == "private_key_jwt":
        assert a["header"].get("kid"), a["header"]
PY

for m in client-secret-basic client-secret-post client-secret-jwt private-key-jwt none; do
  demo "$m" --client-auth "$m"
  check "client-auth $m: the flow completes (exit 0)" test "$(cat "$tmp/$m.status")" = 0
  alg=HS256; [ "$m" = private-key-jwt ] && alg=ES256
  check "client-auth $m: the token request authenticates that way, the assertion shown decoded" python3 "$tmp/read.py" "$tmp/$m.jsonl" "${m//-/_}" "$alg"
done
demo alias --token-auth post
check "--token-auth post (the alias) still works" python3 "$tmp/read.py" "$tmp/alias.jsonl" client_secret_post -

for key in ec-pkcs8.pem ec-sec1.pem rsa-pkcs1.pem key.jwk; do
  demo "key-$key" --client-auth private-key-jwt --private-key "$tmp/$key"
  alg=ES256; [ "$key" = rsa-pkcs1.pem ] && alg=RS256
  check "private-key-jwt with --private-key $key: completes, $alg" python3 "$tmp/read.py" "$tmp/key-$key.jsonl" private_key_jwt "$alg"
done
check "the JWK's kid names the key in the assertion header" grep -q '"kid":"e2e-key"' "$tmp/key-key.jwk.jsonl"

# The device grant polls the token endpoint several times: each poll must carry a fresh assertion (a jti is single-use).
demo device-jwt --grant device --client-auth private-key-jwt
check "device grant with private-key-jwt: every poll's assertion is fresh, the flow completes" python3 - "$tmp/device-jwt.jsonl" <<'PY'
import json, sys, base64
events = [json.loads(l) for l in open(sys.argv[1])]
polls = [e for e in events if e["type"] == "device.poll"]
assert len(polls) >= 2, [e["type"] for e in events]
assert events[-1]["type"] == "flow.completed", events[-1]
PY

# A key the provider does not know: the demo registers the key it is given, so sign with another one through a
# provider serve that has only the first key's public JWK.
port=$(free_port)
python3 - "$tmp/key.jwk" "$tmp/client.jwks" <<'PY'
import json, sys
k = json.load(open(sys.argv[1])); k.pop("d")
json.dump({"keys": [k]}, open(sys.argv[2], "w"))
PY
"$bin" provider serve --port "$port" --auto-approve --client-jwks "$tmp/client.jwks" >"$tmp/serve.out" 2>&1 &
serve_pid=$!
for _ in $(seq 50); do grep -q "Ctrl-C" "$tmp/serve.out" && break; sleep 0.1; done
flow() { # flow NAME ARGS...
  local name="$1"; shift
  "$bin" flow --issuer "http://127.0.0.1:$port" --client-id oauthscope-demo --output jsonl --no-browser --timeout 1 \
    --redirect-uri "http://127.0.0.1:$(free_port)/callback" --exchange never "$@" >"$tmp/$name.jsonl" 2>"$tmp/$name.err"
  echo $? >"$tmp/$name.status"
}
check "provider serve --client-jwks registers the client for private_key_jwt" grep -q "private_key_jwt" "$tmp/serve.out"
# The push authenticates the client too, so a wrong key is refused there, before any browser: invalid_client, explained.
flow wrongkey --par --client-auth private-key-jwt --private-key "$tmp/ec-pkcs8.pem"
check "a wrong key: the flow fails (exit 1)" test "$(cat "$tmp/wrongkey.status")" = 1
check "a wrong key: invalid_client (401) naming the signature, with a hint" python3 - "$tmp/wrongkey.jsonl" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
last = events[-1]
assert last["type"] == "flow.failed" and last["error"] == "invalid_client" and last["step"] == "par", last
assert "signature" in last["error_description"] and "assertion" in last["hint"], last
resp = next(e for e in events if e["type"] == "http.response" and e["purpose"] == "par")
assert resp["status"] == 401, resp
PY
flow rightkey --par --client-auth private-key-jwt --private-key "$tmp/key.jwk"
check "the registered key passes the same push" python3 -c "
import json,sys
ev=[json.loads(l) for l in open('$tmp/rightkey.jsonl') if l.strip()]
assert any(e['type']=='authorization.pushed' for e in ev), [e['type'] for e in ev]"
kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null

# Bad key files: exit 2 with one line naming the flag and saying what to fix; never a crash.
badkey() { # badkey NAME FILE WORDS
  "$bin" demo --output jsonl --client-auth private-key-jwt --private-key "$2" >/dev/null 2>"$tmp/$1.err"; local s=$?
  check "bad key ($1): exit 2, says '$3'" bash -c "[ $s = 2 ] && grep -q -- '--private-key' '$tmp/$1.err' && grep -q '$3' '$tmp/$1.err'"
}
badkey public "$tmp/ec-public.pem" "only a public key"
badkey p384 "$tmp/p384.pem" "P-384"
head -c 100000 /dev/zero | tr '\0' 'A' >"$tmp/huge.pem"
badkey huge "$tmp/huge.pem" "at most"
echo '{"kty":"oct","k":"c2VjcmV0"}' >"$tmp/oct.jwk"
badkey oct "$tmp/oct.jwk" "symmetric"
badkey missing "$tmp/no-such-file" "cannot read"

# PAR: the pushed request before the redirect, the browser carrying only client_id and request_uri.
demo par --par --client-auth client-secret-jwt
check "--par: the flow completes (exit 0)" test "$(cat "$tmp/par.status")" = 0
check "--par: flow.started names the grant; the push (201, authenticated) before the redirect; only client_id and request_uri in the URL" python3 - "$tmp/par.jsonl" <<'PY'
import json, sys
from urllib.parse import urlsplit, parse_qsl
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
types = [e["type"] for e in events]
assert events[0]["type"] == "flow.started" and events[0]["grant"] == "authorization_code+par", events[0]
req = next(e for e in events if e["type"] == "http.request" and e["purpose"] == "par")
resp = next(e for e in events if e["type"] == "http.response" and e["purpose"] == "par")
assert req["method"] == "POST" and req["url"].endswith("/par") and resp["status"] == 201, (req, resp)
for p in ("response_type=code", "code_challenge=", "state=", "redirect_uri=", "client_assertion="):
    assert p in req["body"], (p, req["body"])
pushed = next(e for e in events if e["type"] == "authorization.pushed")
assert pushed["request_uri"].startswith("urn:ietf:params:oauth:request_uri:") and pushed["expires_in"] == 60 and pushed["status"] == 201, pushed
q = parse_qsl(urlsplit(pushed["url"]).query)
assert [k for k, _ in q] == ["client_id", "request_uri"] and dict(q)["request_uri"] == pushed["request_uri"], q
order = [types.index(t) for t in ("authorization.url_built", "authorization.pushed", "user.redirected", "code.received", "token.exchanged")]
assert order == sorted(order), types
hops = [e["hop"] for e in events if e["type"] == "client.assertion"]
assert hops == ["par", "token"], hops
PY
demo noparlike --client-auth client-secret-basic
check "without --par: no grant name, no push (the four steps as before)" python3 -c "
import json
ev=[json.loads(l) for l in open('$tmp/noparlike.jsonl') if l.strip()]
assert 'grant' not in ev[0] and not any(e['type']=='authorization.pushed' or e.get('purpose')=='par' for e in ev)"

# --par --step: the first pause after the URL is built is before the par hop, with the request it will send.
python3 "$here/stepdrive.py" '{}' "$bin" demo --step --par --output jsonl --redirect-uri "http://127.0.0.1:$(free_port)/callback" >"$tmp/step.json" 2>"$tmp/step.err"
check "--par --step: completes" test "$(tail -n 1 "$tmp/step.err")" = 0
check "--par --step: pauses before discovery, par, redirect, token, jwks; the par pause shows the push" python3 - "$tmp/step.json" <<'PY'
import json, sys
events = json.load(open(sys.argv[1]))
waits = [e for e in events if e["type"] == "step.waiting"]
assert [w["hop"] for w in waits] == ["discovery", "par", "redirect", "token", "jwks"], [w["hop"] for w in waits]
par = waits[1]
assert par["step"] == "par" and par["request"]["method"] == "POST" and par["request"]["url"].endswith("/par"), par
assert "About to push" in par["prompt"], par["prompt"]
redirect = waits[2]
assert "request_uri=" in redirect["request"]["url"] and "code_challenge" not in redirect["request"]["url"], redirect
PY

# A provider that requires PAR: a flow without --par is refused with the server's words, and a warning said so.
demo required --require-par
check "--require-par without --par: fails (exit 1) with invalid_request from the provider, explained" python3 - "$tmp/required.jsonl" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
last = events[-1]
assert last["type"] == "flow.failed" and last["error"] == "invalid_request" and "pushed" in last["error_description"], last
assert "--par" in last["hint"], last
assert any(e["type"] == "finding" and e["code"] == "par.required" for e in events)
PY
demo requiredok --require-par --par
check "--require-par with --par: completes" test "$(cat "$tmp/requiredok.status")" = 0
demo par200 --par --fault par-status-200
check "a PAR answer of 200: a par.status finding citing RFC 9126 §2.2, and the flow goes on" python3 -c "
import json
ev=[json.loads(l) for l in open('$tmp/par200.jsonl') if l.strip()]
f=[e for e in ev if e['type']=='finding' and e['code']=='par.status']
assert f and f[0]['ref']=='RFC 9126 §2.2' and ev[-1]['type']=='flow.completed', (f, ev[-1])"
demo audissuer --client-auth private-key-jwt --fault assertion-aud-issuer-only
check "a provider that wants the issuer as aud: invalid_client naming aud" python3 -c "
import json
ev=[json.loads(l) for l in open('$tmp/audissuer.jsonl') if l.strip()]
assert ev[-1]['type']=='flow.failed' and ev[-1]['error']=='invalid_client' and 'aud' in ev[-1]['error_description'], ev[-1]"

# The terminal UI: the Pushed request step between URL built and User redirected, and the decoded assertion.
if command -v tmux >/dev/null; then
  port=$(free_port)
  t new-session -d -s ui -x 120 -y 40 "env LANG=C.UTF-8 TERM=xterm-256color '$bin' demo --par --client-auth private-key-jwt --redirect-uri http://127.0.0.1:$port/callback; sleep 60"
  check "tui --par: the demo completes on screen" wait_for "completed in"
  check "tui --par: the five steps, Pushed request between URL built and User redirected" python3 - "$tmp/screen" <<'PY'
import sys
s = open(sys.argv[1]).read()
pos = [s.find("✓ " + l) for l in ("URL built", "Pushed request", "User redirected", "Code received", "Token exchanged")]
assert all(p >= 0 for p in pos) and pos == sorted(pos), pos
PY
  check "tui: the token step shows its decoded assertion" wait_for "Client assertion (private_key_jwt" 5
  # scroll_until PATTERN...: scrolls the focused detail down a few lines at a time (a page at a time could step
  # over a table that straddles two pages) until one screen shows every PATTERN.
  scroll_until() {
    for _ in $(seq 120); do
      t capture-pane -p -t ui >"$tmp/screen"
      local all=1 p
      for p in "$@"; do grep -q -- "$p" "$tmp/screen" || all=0; done
      [ $all = 1 ] && return 0
      t send-keys -t ui Down Down Down Down; sleep 0.2
    done
    return 1
  }
  t send-keys -t ui Tab
  check "tui: the assertion's claims, decoded: iss the client id, aud the token endpoint, a jti" scroll_until "iss .*oauthscope-demo" "aud .*http://127.0.0.1" "jti "
  cp "$tmp/screen" "$tmp/token-screen"
  # Back to the steps (past the event log), then up from the token step: Code received, User redirected, Pushed request.
  t send-keys -t ui Tab Tab
  t send-keys -t ui k k k
  check "tui --par: the Pushed request step is selected" wait_for "Pushed request · done" 5
  check "tui --par: it shows the pushed request" wait_for "Pushed authorization request (back channel" 5
  cp "$tmp/screen" "$tmp/par-screen"
  t send-keys -t ui Tab
  check "tui --par: the request_uri the browser carries, and the push's own assertion" scroll_until "What the browser carries now" "request_uri" "Client assertion (private_key_jwt"
  [ -n "${SHOW_SCREEN:-}" ] && cat "$tmp/token-screen" "$tmp/par-screen" "$tmp/screen"
else
  fail "tui --par" "tmux is not installed"
fi

summary
