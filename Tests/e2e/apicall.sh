#!/usr/bin/env bash
# Calling the API with the token, and DPoP, end to end against the embedded provider: `--then call:METHOD:URL`
# (its request and response as hops of purpose api, a 403 explained from WWW-Authenticate), the presets' own calls
# against the personalities (GitHub /user, Atlassian myself with the cloud id from accessible-resources, Microsoft
# Graph /me), `--dpop` (the nonce handshake at the token endpoint and at the API, token_type DPoP, a proof with ath
# on the call, the code bound by dpop_jkt and its replay refused for the reused code), each DPoP fault giving its finding, step mode pausing before the call, a bad call argument refused
# with a clear error, and the TUI's call key in tmux. Usage: Tests/e2e/apicall.sh PATH/TO/oauthscope
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
bin="$1"
tmp=$(mktemp -d)
sock="oauthscope-apicall-$$"
t() { tmux -L "$sock" "$@"; }
trap 't kill-server 2>/dev/null; [ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
demo() { "$bin" demo --output jsonl --redirect-uri "http://127.0.0.1:$(free_port)/callback" "$@"; }

# 1. A call to the embedded provider's API (a path alone is taken relative to it), and one that needs a scope.
demo --then call:GET:/api/me >"$tmp/call.jsonl" 2>"$tmp/call.err"; status=$?
check "call: the flow completes (exit 0)" test "$status" -eq 0
check "call: the request and response are hops of purpose api, with the bearer token redacted" python3 - "$tmp/call.jsonl" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
req = next(e for e in events if e["type"] == "http.request" and e["purpose"] == "api")
assert req["method"] == "GET" and req["url"].endswith("/api/me"), req
auth = req["headers"]["Authorization"]
assert auth.startswith("Bearer ") and "…(" in auth, auth
resp = next(e for e in events if e["type"] == "http.response" and e["purpose"] == "api")
assert resp["status"] == 200 and json.loads(resp["body"])["sub"] == "alice", resp
done = next(e for e in events if e["type"] == "action.completed")
assert done["ok"] and done["action"].startswith("call:GET:http://127.0.0.1:") and done["result"]["sub"] == "alice", done
assert events[-1]["type"] == "flow.completed"
PY
demo --then call:GET:/api/admin >"$tmp/admin.jsonl" 2>/dev/null; status=$?
check "call: a 403 fails the --then hop (exit 1) with WWW-Authenticate explained as a finding" python3 - "$tmp/admin.jsonl" "$status" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
assert sys.argv[2] == "1", sys.argv[2]
f = next(e for e in events if e["type"] == "finding" and e["code"] == "api.refused")
assert f["ref"] == "RFC 6750 §3.1" and "insufficient_scope" in f["message"] and "403" in f["message"] and 'scope="admin"' in f["message"], f
last = events[-1]
assert last["type"] == "flow.failed" and "scope" in last["reason"], last
PY

# 2. The presets' own calls against the personalities.
"$bin" demo --personality github --output jsonl --then user >"$tmp/github.jsonl" 2>/dev/null
check "preset call: GitHub /user answers the user" python3 - "$tmp/github.jsonl" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
req = next(e for e in events if e["type"] == "http.request" and e["purpose"] == "user")
assert req["url"].endswith("/user") and req["headers"]["User-Agent"] == "oauthscope", req
done = next(e for e in events if e["type"] == "action.completed" and e["action"] == "user")
assert done["ok"] and done["result"]["login"] == "alice", done
PY
"$bin" demo --personality atlassian --output jsonl --then myself >"$tmp/atlassian.jsonl" 2>/dev/null
check "preset call: Atlassian myself runs accessible-resources first and uses its cloud id" python3 - "$tmp/atlassian.jsonl" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
acts = [e for e in events if e["type"] == "action.completed"]
assert [a["action"] for a in acts] == ["accessible-resources", "myself"] and all(a["ok"] for a in acts), acts
cloud = acts[0]["result"][0]["id"]
req = next(e for e in events if e["type"] == "http.request" and e["purpose"] == "myself")
assert req["url"].endswith("/ex/jira/%s/rest/api/3/myself" % cloud), (req["url"], cloud)
assert acts[1]["result"]["accountType"] == "atlassian", acts[1]
PY
"$bin" demo --personality microsoft --output jsonl --then me >"$tmp/microsoft.jsonl" 2>/dev/null
check "preset call: Microsoft Graph /me answers the user" python3 -c "import json,sys; a=[json.loads(l) for l in open('$tmp/microsoft.jsonl')]; d=[e for e in a if e['type']=='action.completed' and e['action']=='me']; assert d and d[0]['ok'] and d[0]['result']['displayName']=='Alice', d"

# 3. DPoP: the nonce handshake at the token endpoint and at the API, token_type DPoP, proofs with ath.
demo --dpop --then call:GET:/api/me,refresh >"$tmp/dpop.jsonl" 2>"$tmp/dpop.err"; status=$?
check "dpop: the flow completes (exit 0)" test "$status" -eq 0
check "dpop: nonce handshake shown and retried once; token_type DPoP bound to our key; the call carries a proof with ath" python3 - "$tmp/dpop.jsonl" <<'PY'
import json, sys, base64
events = [json.loads(l) for l in open(sys.argv[1])]
def b64(s): return json.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
tok_resps = [e for e in events if e["type"] == "token.response"]
assert [r["status"] for r in tok_resps] == [400, 200], [r["status"] for r in tok_resps]
assert json.loads(tok_resps[0]["body"])["error"] == "use_dpop_nonce" and tok_resps[0]["headers"].get("DPoP-Nonce"), tok_resps[0]
nonces = [e for e in events if e["type"] == "finding" and e["code"] == "dpop.nonce"]
assert len(nonces) == 2 and {n["ref"] for n in nonces} == {"RFC 9449 §8"}, nonces   # token endpoint, then the API
ex = next(e for e in events if e["type"] == "token.exchanged")
assert ex["token_type"] == "DPoP", ex
proofs = [e for e in events if e["type"] == "dpop.proof"]
thumb = proofs[0]["thumbprint"]
assert all(p["thumbprint"] == thumb for p in proofs)
assert ex["access_token_jwt"]["claims"]["cnf"]["jkt"] == thumb, ex["access_token_jwt"]
tokp = [p for p in proofs if p["hop"] == "token"]
assert len(tokp) == 2 and "nonce" not in tokp[0]["claims"] and tokp[1]["claims"]["nonce"] == tok_resps[0]["headers"]["DPoP-Nonce"], tokp
for p in tokp:
    assert p["header"]["typ"] == "dpop+jwt" and p["header"]["alg"] == "ES256" and p["header"]["jwk"]["kty"] == "EC" and "d" not in p["header"]["jwk"], p
    assert p["claims"]["htm"] == "POST" and p["claims"]["htu"].endswith("/token") and "ath" not in p["claims"], p
apip = [p for p in proofs if p["hop"] == "api"]
assert len(apip) == 2 and all(p["claims"]["htm"] == "GET" and p["claims"]["htu"].endswith("/api/me") and p["claims"]["ath"] for p in apip), apip
assert any(p["retry"] for p in apip)
reqs = [e for e in events if e["type"] == "http.request" and e["purpose"] == "api"]
assert all(r["headers"]["Authorization"].startswith("DPoP ") and "DPoP" in r["headers"] for r in reqs), reqs
resps = [e for e in events if e["type"] == "http.response" and e["purpose"] == "api"]
assert [r["status"] for r in resps] == [401, 200], [r["status"] for r in resps]
assert 'DPoP error="use_dpop_nonce"' in resps[0]["headers"]["WWW-Authenticate"], resps[0]
assert json.loads(resps[1]["body"])["cnf"]["jkt"] == thumb
refp = [p for p in proofs if p["hop"] == "refresh"]
assert refp and refp[0]["claims"]["nonce"], refp    # the token endpoint's nonce is remembered
assert not [e for e in events if e["type"] == "finding" and e["severity"] == "error"], "no error findings"
text = open(sys.argv[1]).read()
assert "oauthscope-demo-secret" not in text
PY

# 3b. The code's replay under DPoP: the authorization request binds the code to the run's key (dpop_jkt, RFC 9449
#     §10), so a replay without a proof would be refused for the proof; it carries a fresh one, and is refused for the
#     reused code (RFC 6749 §4.1.2).
demo --dpop --then replay-code >"$tmp/dpopreplay.jsonl" 2>/dev/null; status=$?
check "dpop replay-code: dpop_jkt sent, the replay carries a fresh proof (dpop.proof) and is refused with invalid_grant" python3 - "$tmp/dpopreplay.jsonl" "$status" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
assert sys.argv[2] == "0", sys.argv[2]
proofs = [e for e in events if e["type"] == "dpop.proof"]
thumb = proofs[0]["thumbprint"]
built = next(e for e in events if e["type"] == "authorization.url_built")
assert built["params"]["dpop_jkt"] == thumb, built["params"]
replay = next(e for e in events if e["type"] == "action.completed" and e["action"] == "replay-code")
assert replay["ok"] and replay.get("error") == "invalid_grant", replay
rp = [p for p in proofs if p["hop"] == "replay-code"]
assert rp and all(p["thumbprint"] == thumb and p["claims"]["htm"] == "POST" and p["claims"]["htu"].endswith("/token") and "ath" not in p["claims"] for p in rp), rp
assert rp[0]["claims"]["nonce"], rp     # the token endpoint's nonce is remembered
jtis = [p["claims"]["jti"] for p in proofs]
assert len(set(jtis)) == len(jtis), jtis
req = [e for e in events if e["type"] in ("http.request", "token.request") and e.get("purpose") == "replay-code"]
assert req and all("DPoP" in r["headers"] for r in req), req
resp = [e for e in events if e["type"] in ("http.response", "token.response") and e.get("purpose") == "replay-code"]
assert [r["status"] for r in resp] == [400] and json.loads(resp[0]["body"])["error"] == "invalid_grant", resp
PY

# 4. Each DPoP fault gives its finding.
demo --dpop --fault dpop-bearer --then call:GET:/api/me >"$tmp/bearer.jsonl" 2>/dev/null
check "dpop fault dpop-bearer: a Bearer answer to a DPoP request is finding dpop.token_type (RFC 9449 §5)" python3 - "$tmp/bearer.jsonl" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
f = next(e for e in events if e["type"] == "finding" and e["code"] == "dpop.token_type")
assert f["severity"] == "error" and f["ref"] == "RFC 9449 §5" and '"Bearer"' in f["message"], f
req = next(e for e in events if e["type"] == "http.request" and e["purpose"] == "api")
assert req["headers"]["Authorization"].startswith("Bearer "), req
PY
demo --dpop --fault dpop-wrong-jkt --then call:GET:/api/me >"$tmp/jkt.jsonl" 2>/dev/null; status=$?
check "dpop fault dpop-wrong-jkt: cnf.jkt against our thumbprint is finding dpop.jkt_mismatch, and the API refuses the token" python3 - "$tmp/jkt.jsonl" "$status" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
assert sys.argv[2] == "1"
f = next(e for e in events if e["type"] == "finding" and e["code"] == "dpop.jkt_mismatch")
thumb = next(e for e in events if e["type"] == "dpop.proof")["thumbprint"]
assert f["ref"] == "RFC 9449 §6.1" and thumb in f["message"], f
refused = next(e for e in events if e["type"] == "finding" and e["code"] == "api.refused")
assert "401" in refused["message"] and "DPoP" in refused["message"], refused
PY

# 5. Step mode pauses before the call like before any hop.
yes '' 2>/dev/null | head -30 | "$bin" demo --step --output jsonl --then call:GET:/api/me --redirect-uri "http://127.0.0.1:$(free_port)/callback" >"$tmp/step.jsonl" 2>/dev/null
check "step: a pause before the api hop, holding its request" python3 - "$tmp/step.jsonl" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
w = [e for e in events if e["type"] == "step.waiting" and e.get("hop") == "api"]
assert w and w[0]["request"]["url"].endswith("/api/me"), [e.get("hop") for e in events if e["type"] == "step.waiting"]
assert events[-1]["type"] == "flow.completed", events[-1]
PY

# 6. A bad call argument is refused before anything starts, with what is wrong (exit 2).
for pair in "call:get:/api/me|not an HTTP method" "call:GET:ftp://example.com/x|the scheme is ftp" "call:GET|names no URL" \
            "call:GET:https://example.com/#frag|fragment"; do
  arg=${pair%%|*}; want=${pair#*|}
  "$bin" demo --output jsonl --then "$arg" >"$tmp/bad.out" 2>"$tmp/bad.err"; status=$?
  check "bad --then $arg: exit 2, says '$want', nothing on stdout" bash -c "test $status -eq 2 && grep -q -- '$want' '$tmp/bad.err' && grep -q -- '--then' '$tmp/bad.err' && test ! -s '$tmp/bad.out'"
done
"$bin" flow --issuer https://id.example --client-id c --output jsonl --then call:GET:/api/me >"$tmp/flowpath.out" 2>"$tmp/flowpath.err"; status=$?
check "flow: a call's path alone is refused before anything starts (exit 2): a real provider's API needs the whole URL" \
  bash -c "test $status -eq 2 && grep -q -- 'only a path' '$tmp/flowpath.err' && test ! -s '$tmp/flowpath.out'"
demo --then call:GET:http://api.example.com/x >"$tmp/insecure.jsonl" 2>/dev/null; status=$?
check "call: a plain-http URL that is not loopback is refused, nothing sent there" python3 - "$tmp/insecure.jsonl" "$status" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
assert sys.argv[2] == "1"
assert any(e["type"] == "finding" and e["code"] == "endpoint.insecure_http" for e in events)
assert not any(e["type"] == "http.request" and "api.example.com" in e["url"] for e in events)
PY

# 7. The TUI: A asks for the call, Tab offers the demo's API, Enter sends it, the answer appears.
if command -v tmux >/dev/null; then
  port=$(free_port)
  t new-session -d -s ui -x 120 -y 40 "env LANG=C.UTF-8 TERM=xterm-256color '$bin' demo --dpop --redirect-uri http://127.0.0.1:$port/callback; sleep 60"
  check "tui: the demo completes" wait_for "completed in"
  t send-keys -t ui A
  check "tui: A asks for the call" wait_for "Call API (\[METHOD\] URL):" 5
  t send-keys -t ui Tab
  check "tui: Tab offers the demo's API" wait_for "Call API (\[METHOD\] URL): GET /api/me" 5
  t send-keys -t ui Enter
  check "tui: the answer appears under the follow-up requests" wait_for "call:GET:http://127.0.0.1:[0-9]*/api/me: HTTP 200" 10
  t send-keys -t ui A
  for c in G E T ' ' / a p i / a d m i n; do t send-keys -t ui -l "$c"; done
  t send-keys -t ui Enter
  check "tui: a typed call that is refused says why" wait_for "api/admin: HTTP 403" 10
  t send-keys -t ui Q
else
  echo "skip - tmux not installed: the TUI call key is not checked"
fi

summary
