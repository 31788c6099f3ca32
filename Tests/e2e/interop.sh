#!/usr/bin/env bash
# oauthscope against an authorization server nobody here wrote: oidc-provider-mock from PyPI (Flask + Authlib).
# Usage: Tests/e2e/interop.sh PATH/TO/oauthscope PATH/TO/oidc-provider-mock
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
bin="$1"
server="$2"
tmp=$(mktemp -d)
as_port=$(free_port)
"$server" --port "$as_port" --require-registration >"$tmp/server.log" 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null; [ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$as_port/.well-known/openid-configuration" >/dev/null && break; sleep 0.1; done
issuer="http://127.0.0.1:$as_port"

cb_port=$(free_port)
redirect="http://127.0.0.1:$cb_port/callback"
# Dynamic client registration (RFC 7591) gives a confidential client with client_secret_basic.
curl -s -X POST -H 'Content-Type: application/json' -d "{\"redirect_uris\":[\"$redirect\"]}" "$issuer/oauth2/clients" >"$tmp/client.json"
client_id=$(python3 -c "import json; print(json.load(open('$tmp/client.json'))['client_id'])")
client_secret=$(python3 -c "import json; print(json.load(open('$tmp/client.json'))['client_secret'])")
check "client registered" test -n "$client_id"

run_flow() { # run_flow OUTFILE [NAME=VALUE...] [-- FLAG...]
  local out="$1"; shift
  local envs=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  env BROWSER="$here/play-user-oidc-provider-mock.sh" "${envs[@]}" "$bin" flow --issuer "$issuer" --client-id "$client_id" \
    --client-secret-env INTEROP_SECRET --scope "openid email" --redirect-uri "$redirect" --timeout 20 --output jsonl "$@" >"$out" 2>"$tmp/stderr"
}

INTEROP_SECRET="$client_secret" run_flow "$tmp/ok.jsonl" INTEROP_SECRET="$client_secret"; status=$?
check "interop: the flow completes (exit 0)" test "$status" -eq 0
check "interop: canonical steps, every ID-token check passed, signature verified against the JWKS" python3 - "$tmp/ok.jsonl" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
types = [e["type"] for e in events]
for t in ["discovery.completed", "authorization.url_built", "user.redirected", "callback.received", "code.received",
          "token.request", "token.response", "token.exchanged", "flow.completed"]:
    assert t in types, (t, types)
x = next(e for e in events if e["type"] == "token.exchanged")
checks = {c["name"]: c for c in x["id_token"]["checks"]}
for name in ["signature", "iss", "aud", "exp", "iat", "nonce"]:
    assert name in checks and checks[name]["ok"], (name, checks.get(name))
assert "verified" in checks["signature"]["detail"], checks["signature"]
PY
check "interop: the client secret never appears" bash -c "! grep -q '$client_secret' '$tmp/ok.jsonl'"

# oidc-provider-mock sends its denial without state, so it cannot be told from a forged one: it is shown as
# unverified at once and ends the flow after the grace period (here 1 s) with no callback carrying the state.
PLAY_USER_ACTION=deny run_flow "$tmp/deny.jsonl" INTEROP_SECRET="$client_secret" PLAY_USER_ACTION=deny -- --unverified-error-grace 1; status=$?
check "interop: the user denies (exit 1)" test "$status" -eq 1
check "interop: denial is access_denied with a hint and no token request, marked unverified when it has no state" python3 - "$tmp/deny.jsonl" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert not any(e["type"] == "token.request" for e in events)
last = events[-1]
assert last["type"] == "flow.failed" and last["error"] == "access_denied" and last["hint"], last
cb = next(e for e in events if e["type"] == "callback.received")
assert cb["verdict"] == "error_response", cb
if "state" not in cb["query"]:
    assert any(e["type"] == "finding" and e["code"] == "callback.unverified_error" for e in events), [e["type"] for e in events]
PY

# An altered state cannot end the flow (it could be anyone's request): it is shown with a warning and the flow
# waits for its own callback until its timeout (here 3 s).
run_flow "$tmp/tamper.jsonl" INTEROP_SECRET="$client_secret" PLAY_USER_TAMPER=state -- --timeout 3; status=$?
check "interop: an altered state leaves the flow waiting until its timeout (exit 1)" test "$status" -eq 1
check "interop: altered state is state_mismatch with a warning, and no token request is made" python3 - "$tmp/tamper.jsonl" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert not any(e["type"] == "token.request" for e in events), [e["type"] for e in events]
cb = next(e for e in events if e["type"] == "callback.received")
assert cb["verdict"] == "state_mismatch", cb
assert any(e["type"] == "finding" and e["code"] == "callback.not_this_flow" for e in events)
assert events[-1]["type"] == "flow.failed" and "no callback arrived" in events[-1]["reason"], events[-1]
PY

summary
