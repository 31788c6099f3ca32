#!/usr/bin/env bash
# `oauthscope listen` on several redirect URIs: each forwarded to its own application, each with its own expected
# state; form_post and fragment responses (the fragment delivered through the page's post-back, as its script
# would); `listen --exchange` picking each flow's code_verifier by state from a file; and the listen view in tmux.
# Usage: Tests/e2e/listenview.sh PATH/TO/oauthscope
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
bin="$1"
tmp=$(mktemp -d)
pids=()
sock="$tmp/tmux"
t() { tmux -S "$sock" "$@"; }
trap 't kill-server 2>/dev/null; kill "${pids[@]}" 2>/dev/null; rm -rf "$tmp"' EXIT

wait_port() { for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.1; done; return 1; }
events() { python3 -c "import json,sys; [print(json.dumps(json.loads(l))) for l in open(sys.argv[1]) if l.strip()]" "$1"; }

# Two small applications that record what reaches them.
app() { # app PORT NAME: answers 200 and appends each request line to $tmp/NAME.log
  python3 - "$1" "$tmp/$2.log" <<'PY' &
import http.server, sys
port, log = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        open(log, "a").write(self.path + "\n")
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
PY
  pids+=($!)
}
pa=$(free_port); pb=$(free_port)
app "$pa" appA; app "$pb" appB

# Two redirect URIs, each forwarded to its own application, each expecting its own state.
la=$(free_port); lb=$(free_port)
A="http://127.0.0.1:$la/cb"; B="http://127.0.0.1:$lb/return"
"$bin" listen --redirect-uri "$A" --redirect-uri "$B" --forward "$A=http://127.0.0.1:$pa/app-a" --forward "$B=http://127.0.0.1:$pb/app-b" \
  --expect-state "$A=state-a" --expect-state "$B=state-b" --output jsonl >"$tmp/two.jsonl" 2>"$tmp/two.err" &
lpid=$!; pids+=($lpid)
wait_port "$la"; wait_port "$lb"
check "listenview: A's callback is forwarded to app A with its query" bash -c "curl -s -L -o /dev/null '$A?code=code-a1&state=state-a' && grep -q '^/app-a?code=code-a1&state=state-a$' '$tmp/appA.log'"
check "listenview: B's callback is forwarded to app B with its query" bash -c "curl -s -L -o /dev/null '$B?code=code-b1&state=state-b' && grep -q '^/app-b?code=code-b1&state=state-b$' '$tmp/appB.log'"
check "listenview: A's state at B is still passed on to app B (the application judges too)" bash -c "curl -s -L -o /dev/null '$B?code=code-b2&state=state-a' && grep -q '^/app-b?code=code-b2&state=state-a$' '$tmp/appB.log'"
check "listenview: a form_post callback at A is judged and forwarded (307)" test "$(curl -s -o /dev/null -w '%{http_code}' --data 'code=code-a2&state=state-a' -H 'Sec-Fetch-Dest: document' "$A")" = 307
sleep 0.3
kill -INT "$lpid"; wait "$lpid" 2>/dev/null
check "listenview: each listener.started names its forward and expected state; callbacks say their redirect URI, response mode and per-URI verdict" python3 - "$tmp/two.jsonl" "$A" "$B" "$pa" "$pb" <<'PY'
import json, sys
path, A, B, pa, pb = sys.argv[1:]
events = [json.loads(l) for l in open(path) if l.strip()]
ls = {e["redirect_uri"]: e for e in events if e["type"] == "listener.started"}
assert ls[A]["forward"] == f"http://127.0.0.1:{pa}/app-a" and ls[A]["expect_state"] == "state-a", ls[A]
assert ls[B]["forward"] == f"http://127.0.0.1:{pb}/app-b" and ls[B]["expect_state"] == "state-b", ls[B]
cbs = [e for e in events if e["type"] == "callback.received" and e["verdict"] != "stray"]
got = [(e["redirect_uri"], e["verdict"], e.get("response_mode"), e.get("status")) for e in cbs]
want = [(A, "accepted", "query", 307), (B, "accepted", "query", 307), (B, "state_mismatch", "query", 307), (A, "accepted", "form_post", 307)]
assert got == want, got
assert cbs[0]["forwarded"].startswith(f"http://127.0.0.1:{pa}/app-a?code="), cbs[0]
assert cbs[2]["forwarded"].startswith(f"http://127.0.0.1:{pb}/app-b?code="), cbs[2]
assert "state differs from --expect-state" in cbs[2]["detail"], cbs[2]
PY

# Usage errors name the flag.
"$bin" listen --redirect-uri "$A" --forward "http://127.0.0.1:9/x=http://127.0.0.1:1/y" --output jsonl >/dev/null 2>"$tmp/err"; status=$?
check "listenview: --forward for a redirect URI not listened on exits 2 and names it" bash -c "[ $status -eq 2 ] && grep -q 'http://127.0.0.1:9/x is not one of the redirect URIs' '$tmp/err'"
"$bin" listen --redirect-uri "$A" --redirect-uri "$B" --forward "http://127.0.0.1:1/a" --forward "http://127.0.0.1:1/b" --output jsonl >/dev/null 2>"$tmp/err"; status=$?
check "listenview: two plain --forward with two redirect URIs exits 2 and says to write URI=URL" bash -c "[ $status -eq 2 ] && grep -q 'URI=VALUE' '$tmp/err'"
"$bin" listen --redirect-uri "$A" --forward "$A=ftp://example.com/x" --output jsonl >/dev/null 2>"$tmp/err"; status=$?
check "listenview: a forward target that is not http(s) exits 2" bash -c "[ $status -eq 2 ] && grep -q 'not an absolute http(s) URL' '$tmp/err'"
"$bin" listen --redirect-uri "$A" --expect-state "$A=one" --expect-state "$A=two" --output jsonl >/dev/null 2>"$tmp/err"; status=$?
check "listenview: two --expect-state for one redirect URI exits 2" bash -c "[ $status -eq 2 ] && grep -q 'given twice for' '$tmp/err'"

# A single --forward URL with a single redirect URI keeps working; the plain --expect-state applies to all.
lc=$(free_port); C="http://127.0.0.1:$lc/cb"
"$bin" listen --redirect-uri "$C" --forward "http://127.0.0.1:$pa/single" --expect-state plain --output jsonl >"$tmp/single.jsonl" 2>&1 &
lpid=$!; pids+=($lpid)
wait_port "$lc"
check "listenview: a single plain --forward still forwards" bash -c "curl -s -L -o /dev/null '$C?code=code-c&state=plain' && grep -q '^/single?code=code-c&state=plain$' '$tmp/appA.log'"

# The fragment page: fetched like a browser lands on it, then its post-back made as its script makes it.
page=$(curl -s -D "$tmp/page.headers" "$C")
token=$(printf '%s' "$page" | python3 -c 'import re,sys; m=re.search(r"\"X-OAuthscope-Fragment-Token\": \"([A-Za-z0-9_-]+)\"", sys.stdin.read()); print(m.group(1) if m else "")')
nonce=$(printf '%s' "$page" | python3 -c 'import re,sys; m=re.search(r"<script nonce=\"([A-Za-z0-9_-]+)\">", sys.stdin.read()); print(m.group(1) if m else "")')
check "listenview: the page without query parameters carries a token and a nonce'd script" test -n "$token" -a -n "$nonce"
check "listenview: the page's CSP allows only that nonce's script, nothing by default, fetches to itself" \
  grep -qi "^content-security-policy: default-src 'none'; script-src 'nonce-$nonce'; connect-src 'self'" "$tmp/page.headers"
check "listenview: the page says why it sends the fragment back" bash -c "printf '%s' \"\$1\" | grep -q 'sends the URL fragment back to oauthscope because the provider used response_mode=fragment'" _ "$page"
post() { curl -s -o "$tmp/post.body" -D "$tmp/post.headers" -w '%{http_code}' -X POST -H 'Content-Type: application/x-oauthscope-fragment' \
  -H 'Sec-Fetch-Site: same-origin' -H 'Sec-Fetch-Dest: empty' "$@" "$C"; }
check "listenview: the fragment posted back with the page's token is judged (200)" test "$(post -H "X-OAuthscope-Fragment-Token: $token" --data-binary 'code=frag-1&state=plain')" = 200
check "listenview: the answer names the forward target for the page to go on to" grep -qi "^x-oauthscope-forward: http://127.0.0.1:$pa/single" "$tmp/post.headers"
check "listenview: the same token again is refused (403)" test "$(post -H "X-OAuthscope-Fragment-Token: $token" --data-binary 'code=frag-2&state=plain')" = 403
check "listenview: a post-back without a token is refused (403)" test "$(post --data-binary 'code=frag-3&state=plain')" = 403
page2=$(curl -s "$C"); token2=$(printf '%s' "$page2" | python3 -c 'import re,sys; m=re.search(r"\"X-OAuthscope-Fragment-Token\": \"([A-Za-z0-9_-]+)\"", sys.stdin.read()); print(m.group(1) if m else "")')
check "listenview: a fragment with a wrong state is a state_mismatch (400)" test "$(post -H "X-OAuthscope-Fragment-Token: $token2" --data-binary '#code=frag-4&state=evil')" = 400
page3=$(curl -s "$C"); token3=$(printf '%s' "$page3" | python3 -c 'import re,sys; m=re.search(r"\"X-OAuthscope-Fragment-Token\": \"([A-Za-z0-9_-]+)\"", sys.stdin.read()); print(m.group(1) if m else "")')
python3 -c "print('code=big&state=plain&pad=' + 'a' * 70000, end='')" >"$tmp/big"
check "listenview: an oversized fragment is refused (413)" test "$(post -H "X-OAuthscope-Fragment-Token: $token3" --data-binary @"$tmp/big")" = 413
page4=$(curl -s "$C"); token4=$(printf '%s' "$page4" | python3 -c 'import re,sys; m=re.search(r"\"X-OAuthscope-Fragment-Token\": \"([A-Za-z0-9_-]+)\"", sys.stdin.read()); print(m.group(1) if m else "")')
check "listenview: a cross-site post-back is refused (403) even with a token" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/x-oauthscope-fragment' -H 'Sec-Fetch-Site: cross-site' -H "X-OAuthscope-Fragment-Token: $token4" --data-binary 'code=frag-5&state=plain' "$C")" = 403
sleep 0.3
kill -INT "$lpid"; wait "$lpid" 2>/dev/null
check "listenview: fragment callbacks are callback.received with response_mode fragment, judged like a query" python3 - "$tmp/single.jsonl" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cbs = [e for e in events if e["type"] == "callback.received" and e["path"] == "/cb"]
got = [(e["method"], e.get("response_mode"), e["verdict"], e.get("status")) for e in cbs]
want = [("GET", "query", "accepted", 307),
        ("GET", None, "stray", 200), ("POST", "fragment", "accepted", 200), ("POST", "fragment", "stray", 403), ("POST", "fragment", "stray", 403),
        ("GET", None, "stray", 200), ("POST", "fragment", "state_mismatch", 400),
        ("GET", None, "stray", 200), ("POST", "fragment", "stray", 413),
        ("GET", None, "stray", 200), ("POST", "fragment", "stray", 403)]
assert got == want, got
frag = cbs[2]
assert frag["query"]["state"] == "plain" and "frag-1" not in json.dumps(frag["query"]), frag["query"]   # the code is redacted
assert frag["forwarded"].startswith("http://127.0.0.1:") and "#code=" in frag["forwarded"], frag
PY

# listen --exchange with a verifier file: each code is redeemed with the verifier of its flow's state; a state
# without a verifier is not exchanged, and a finding says why.
pport=$(free_port); lport=$(free_port)
R="http://127.0.0.1:$lport/cb"
"$bin" provider serve --port "$pport" --auto-approve --client "app:app-secret" --redirect-uri "$R" >"$tmp/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$pport/.well-known/openid-configuration" >/dev/null && break; sleep 0.1; done
# Two flows of the application, each with its own verifier (the RFC 7636 Appendix B one, and another).
v1=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk
v2=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')
c1=$(python3 -c 'import base64,hashlib,sys; print(base64.urlsafe_b64encode(hashlib.sha256(sys.argv[1].encode()).digest()).rstrip(b"=").decode())' "$v1")
c2=$(python3 -c 'import base64,hashlib,sys; print(base64.urlsafe_b64encode(hashlib.sha256(sys.argv[1].encode()).digest()).rstrip(b"=").decode())' "$v2")
printf '# state verifier\nflow-one %s\nflow-two %s\n' "$v1" "$v2" >"$tmp/verifiers"
chmod 644 "$tmp/verifiers"
"$bin" listen --redirect-uri "$R" --exchange --code-verifier-file "$tmp/verifiers" --issuer "http://127.0.0.1:$pport" --client-id app --client-secret app-secret \
  --scope openid --output jsonl >"$tmp/exchange.jsonl" 2>"$tmp/exchange.err" &
lpid=$!; pids+=($lpid)
wait_port "$lport"
enc=$(python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1], safe=""))' "$R")
authorize() { curl -s -L -o /dev/null "http://127.0.0.1:$pport/authorize?response_type=code&client_id=app&redirect_uri=$enc&scope=openid&state=$1&code_challenge=$2&code_challenge_method=S256"; }
authorize flow-two "$c2"
authorize flow-one "$c1"
authorize flow-unknown "$c1"
for _ in $(seq 1 100); do [ "$(grep -c '"flow.completed"\|"flow.failed"\|listen.not_exchanged' "$tmp/exchange.jsonl")" -ge 3 ] && break; sleep 0.1; done
kill -INT "$lpid"; wait "$lpid" 2>/dev/null
check "listenview: listen --exchange picks each flow's verifier by state, and says why a state without one is not exchanged" python3 - "$tmp/exchange.jsonl" "$tmp/verifiers" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cbs = [e for e in events if e["type"] == "callback.received" and e["verdict"] == "accepted"]
assert [e["query"]["state"] for e in cbs] == ["flow-two", "flow-one", "flow-unknown"], cbs
flows = [e["exchange"] for e in cbs]
assert len(set(flows)) == 3, flows
def of(flow): return [e for e in events if e["flow"] == flow]
for f in flows[:2]:
    types = [e["type"] for e in of(f)]
    assert "token.exchanged" in types and types[-1] == "flow.completed", (f, types)
unknown = of(flows[2])
assert [e["type"] for e in unknown] == ["finding"] and unknown[0]["code"] == "listen.not_exchanged", unknown
assert "flow-unknown" in unknown[0]["message"], unknown[0]
loose = [e for e in events if e["type"] == "finding" and e["code"] == "listen.verifier_file_readable"]
assert loose and sys.argv[2] in loose[0]["message"] and "644" in loose[0]["message"], loose
PY
"$bin" listen --redirect-uri "$R" --exchange --code-verifier not=a=valid!verifier --issuer "http://127.0.0.1:$pport" --client-id app --client-secret app-secret --output jsonl >/dev/null 2>"$tmp/err"; status=$?
check "listenview: a verifier outside RFC 7636's alphabet exits 2 citing it" bash -c "[ $status -eq 2 ] && grep -q 'RFC 7636 §4.1' '$tmp/err'"

# The listen view in tmux: the callbacks table per redirect URI, without the four steps of a flow.
if command -v tmux >/dev/null; then
  lv=$(free_port); V="http://127.0.0.1:$lv/cb"
  t new-session -d -s ui -x 120 -y 40 "$bin listen --redirect-uri $V --expect-state good --output tui 2>$tmp/tui.err"
  wait_port "$lv"
  curl -s -o /dev/null "$V?code=tui-code&state=good"
  curl -s -o /dev/null "$V?code=tui-code-2&state=bad"
  if wait_for "state_mismatch" 20; then pass "listenview: the callbacks table shows the callbacks"; else fail "listenview: the callbacks table shows the callbacks" "$(cat "$tmp/screen")"; fi
  check "listenview: the view names the redirect URI with its expected state" grep -q "$V" "$tmp/screen"
  check "listenview: no step of an authorization-code flow is drawn" bash -c "! grep -qE 'URL built|User redirected|Token exchanged' '$tmp/screen'"
  cp "$tmp/screen" "${LISTENVIEW_SCREEN:-/dev/null}" 2>/dev/null
  t send-keys -t ui q
else
  fail "listenview: tmux is installed" "apt-get install tmux"
fi

summary
