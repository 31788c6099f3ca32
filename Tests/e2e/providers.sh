#!/usr/bin/env bash
# Real-provider presets against the embedded provider's imitations (issue: real providers): every personality
# runs its preset end to end, and its token request has the provider's documented path, client authentication
# and body encoding; Bitbucket's redirect prefix rule and BitBadges' x-api-key are explained when broken.
# Usage: Tests/e2e/providers.sh PATH/TO/oauthscope
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
bin="$1"
tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$tmp"' EXIT

# The documented facts each imitation must reproduce: token path, client authentication, body encoding.
while read -r name path auth body; do
  "$bin" demo --personality "$name" --output jsonl --redirect-uri "http://127.0.0.1:$(free_port)/callback" >"$tmp/$name.jsonl" 2>"$tmp/$name.err"
  status=$?
  check "$name: the preset completes against its imitation" test "$status" -eq 0
  check "$name: token request is $path, $auth, $body" python3 - "$tmp/$name.jsonl" "$path" "$auth" "$body" <<'PY'
import json, sys
from urllib.parse import urlparse
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
path, auth, body = sys.argv[2:5]
r = next(e for e in events if e["type"] == "token.request")
assert urlparse(r["url"]).path == path, r["url"]
headers = {k.lower(): v for k, v in r["headers"].items()}
ct = headers.get("content-type", "")
assert (body == "json") == ("json" in ct), ct
if auth == "basic":
    assert headers.get("authorization", "").startswith("Basic "), headers
    assert "client_secret" not in r["body"], r["body"]
else:
    assert "authorization" not in headers, headers
    assert "client_secret" in r["body"], r["body"]
assert events[-1]["type"] == "flow.completed"
PY
done <<'FACTS'
bitbadges /api/v0/siwbb/token post json
bitbucket /site/oauth2/access_token basic form
atlassian /oauth/token post json
github /login/oauth/access_token post form
google /token post form
microsoft /common/oauth2/v2.0/token post form
oidc /token basic form
FACTS

check "github: the form-encoded answer unless JSON is asked for is noted, and Accept: application/json is sent" python3 -c "
import json
ev=[json.loads(l) for l in open('$tmp/github.jsonl')]
r=next(e for e in ev if e['type']=='token.request')
assert r['headers'].get('Accept')=='application/json', r['headers']
"
check "microsoft: expires_in as a string is a finding" python3 -c "
import json
ev=[json.loads(l) for l in open('$tmp/microsoft.jsonl')]
assert any(e['type']=='finding' and e['code']=='token.expires_in_string' for e in ev)
"
check "bitbadges: the extra response fields are kept" python3 -c "
import json
ev=[json.loads(l) for l in open('$tmp/bitbadges.jsonl')]
x=next(e for e in ev if e['type']=='token.exchanged')
assert {'address','chain','bitbadgesAddress','access_token_expires_at'} <= set(x['extra']), x['extra']
"
"$bin" demo --personality atlassian --then refresh,check-rotation,accessible-resources --output jsonl --redirect-uri "http://127.0.0.1:$(free_port)/callback" >"$tmp/atl.jsonl" 2>/dev/null
check "atlassian: refresh rotates, the old token is refused, accessible resources are listed" python3 -c "
import json
ev=[json.loads(l) for l in open('$tmp/atl.jsonl')]
a={e['action']:e for e in ev if e['type']=='action.completed'}
assert a['refresh']['rotated'] is True and a['check-rotation']['ok'] and a['accessible-resources']['ok'], a
"

# Bitbucket: a redirect_uri that does not extend the registered callback fails with the prefix rule explained.
"$bin" demo --personality bitbucket --registered-redirect-uri "http://127.0.0.1:8765/app" --redirect-uri "http://127.0.0.1:$(free_port)/other" --output jsonl >"$tmp/bb.jsonl" 2>/dev/null; status=$?
check "bitbucket: a wrong redirect_uri fails the flow (exit 1)" test "$status" -eq 1
check "bitbucket: the failure explains the prefix rule" python3 -c "
import json
ev=[json.loads(l) for l in open('$tmp/bb.jsonl')]
last=ev[-1]
assert last['type']=='flow.failed' and 'does not extend the callback URL' in last['reason'], last
assert any(e['type']=='finding' and e['code']=='redirect.prefix_mismatch' for e in ev)
"

# Bitbucket falls back to the registered callback: --omit-redirect-uri leaves redirect_uri out of both requests.
bport=$(free_port)
"$bin" demo --personality bitbucket --omit-redirect-uri --redirect-uri "http://127.0.0.1:$bport/cb" --output jsonl >"$tmp/omit.jsonl" 2>/dev/null; status=$?
check "bitbucket --omit-redirect-uri: the flow completes (exit 0)" test "$status" -eq 0
check "bitbucket --omit-redirect-uri: no redirect_uri sent, and a finding says why" python3 -c "
import json
ev=[json.loads(l) for l in open('$tmp/omit.jsonl')]
url=next(e for e in ev if e['type']=='authorization.url_built')
assert 'redirect_uri' not in url['params'], url['params']
tok=next(e for e in ev if e['type']=='token.request')
assert 'redirect_uri' not in tok['body'], tok['body']
assert any(e['type']=='finding' and e['code']=='redirect.omitted' for e in ev)
"

# GitHub: a loopback redirect_uri on another port than the registered callback is fine (RFC 8252 §7.3, GitHub docs).
"$bin" demo --personality github --registered-redirect-uri "http://127.0.0.1/callback" --redirect-uri "http://127.0.0.1:$(free_port)/callback" --output jsonl >"$tmp/gh.jsonl" 2>/dev/null; status=$?
check "github: a loopback callback on another port completes (exit 0)" test "$status" -eq 0
check "github: and raises no redirect finding" python3 -c "
import json
ev=[json.loads(l) for l in open('$tmp/gh.jsonl')]
bad=[e['code'] for e in ev if e['type']=='finding' and e['code'].startswith('redirect.')]
assert not bad, bad
"

# BitBadges: without x-api-key the flow is refused before it starts; a wrong key is refused by the provider, clearly.
"$bin" flow --preset bitbadges --client-id c --client-secret s --output jsonl >/dev/null 2>"$tmp/err"; status=$?
check "bitbadges: a missing x-api-key is a usage error (exit 2)" test "$status" -eq 2
check "bitbadges: the error names --token-header 'x-api-key: ...'" grep -q "token-header 'x-api-key" "$tmp/err"
pport=$(free_port); cport=$(free_port)
"$bin" provider serve --personality bitbadges --port "$pport" --auto-approve --client "bb-client:bb-secret" --redirect-uri "http://127.0.0.1:$cport/cb" >"$tmp/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$pport/siwbb/authorize" && break; sleep 0.1; done
BROWSER="curl -s -L -o /dev/null" "$bin" flow --preset bitbadges --preset-base "http://127.0.0.1:$pport" --client-id bb-client --client-secret bb-secret \
  --token-header 'x-api-key: not-the-key' --redirect-uri "http://127.0.0.1:$cport/cb" --timeout 10 --output jsonl >"$tmp/bbk.jsonl" 2>/dev/null; status=$?
check "bitbadges: a wrong x-api-key fails the exchange (exit 1)" test "$status" -eq 1
check "bitbadges: the failure carries the provider's message" python3 -c "
import json
ev=[json.loads(l) for l in open('$tmp/bbk.jsonl')]
last=ev[-1]
assert last['type']=='flow.failed' and last['step']=='exchange' and '401' in last['reason'] and len(last['reason'])>40, last
assert 'token-header' in last['hint'], last
"
summary
