#!/usr/bin/env bash
# A waiting flow and what reaches its callback: a forged callback (another state, no state) or an error without
# state never ends the flow at once (RFC 6749 §10.12, RFC 9700 §4.7), and the browser always gets its page, even
# when the flow ends at that very callback and the listener stops. Usage: Tests/e2e/callbacks.sh PATH/TO/oauthscope
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
bin="$1"
tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$tmp"' EXIT

pport=$(free_port); cport=$(free_port)
redirect="http://127.0.0.1:$cport/cb"
"$bin" provider serve --port "$pport" --auto-approve --client "app:app-secret" --redirect-uri "$redirect" >"$tmp/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$pport/.well-known/openid-configuration" >/dev/null && break; sleep 0.1; done
flow() { "$bin" flow --issuer "http://127.0.0.1:$pport" --client-id app --client-secret app-secret --scope openid --redirect-uri "$redirect" --output jsonl "$@"; }

# 1. Forged callbacks first (another state, no state, an error without state), then the user signs in.
cat >"$tmp/forger-then-user.sh" <<SH
#!/usr/bin/env bash
curl -s -o /dev/null -w '%{http_code}\n' "$redirect?code=attacker-code&state=attacker-state" >>"$tmp/forged-status"
curl -s -o /dev/null -w '%{http_code}\n' "$redirect?code=attacker-code-2" >>"$tmp/forged-status"
curl -s -o /dev/null -w '%{http_code}\n' "$redirect?error=access_denied&error_description=Call+this+number" >>"$tmp/forged-status"
curl -s -L -o /dev/null "\$1"
SH
chmod +x "$tmp/forger-then-user.sh"
flow --browser "$tmp/forger-then-user.sh" --timeout 20 >"$tmp/forged.jsonl" 2>"$tmp/err"; status=$?
check "callbacks: forged callbacks then the user's own: the flow completes (exit 0)" test "$status" -eq 0
check "callbacks: the forged ones were answered 400, 400 and 200 (a page each)" test "$(tr '\n' ' ' <"$tmp/forged-status")" = "400 400 200 "
check "callbacks: each is shown with its verdict and warning, and only the own code is exchanged" python3 - "$tmp/forged.jsonl" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
verdicts = [e["verdict"] for e in events if e["type"] == "callback.received"]
assert verdicts == ["state_mismatch", "state_mismatch", "error_response", "accepted"], verdicts
codes = [e["code"] for e in events if e["type"] == "finding"]
assert codes.count("callback.not_this_flow") == 2 and "callback.unverified_error" in codes, codes
requests = [e for e in events if e["type"] == "token.request"]
assert len(requests) == 1 and "code=atta" not in requests[0]["body"], requests
assert events[-1]["type"] == "flow.completed", events[-1]
PY

# 2. An error without state and nothing else: the flow ends with it after the grace period, marked unverified.
cat >"$tmp/stateless-error.sh" <<SH
#!/usr/bin/env bash
curl -s -o /dev/null "$redirect?error=access_denied&error_description=Call+this+number"
SH
chmod +x "$tmp/stateless-error.sh"
flow --browser "$tmp/stateless-error.sh" --unverified-error-grace 1 --timeout 20 >"$tmp/unverified.jsonl" 2>"$tmp/err"; status=$?
check "callbacks: an error without state ends the flow after its grace (exit 1)" test "$status" -eq 1
check "callbacks: ... as access_denied with its description marked unverified" python3 - "$tmp/unverified.jsonl" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
last = events[-1]
assert last["type"] == "flow.failed" and last["error"] == "access_denied", last
assert last["error_description"].startswith("(unverified)"), last
f = [e for e in events if e["type"] == "finding" and e["code"] == "callback.unverified_error"]
assert f and f[0]["severity"] == "warn" and "--unverified-error-grace" in f[0]["message"], f
assert not any(e["type"] == "token.request" for e in events)
PY

# 3. Only a forged callback: the flow waits for its own until its timeout.
cat >"$tmp/forger.sh" <<SH
#!/usr/bin/env bash
curl -s -o /dev/null "$redirect?code=attacker-code&state=attacker-state"
SH
chmod +x "$tmp/forger.sh"
flow --browser "$tmp/forger.sh" --timeout 2 >"$tmp/timeout.jsonl" 2>"$tmp/err"; status=$?
check "callbacks: a forged callback alone leaves the flow waiting until its timeout (exit 1)" test "$status" -eq 1
check "callbacks: ... which names the timeout, not the forgery" python3 -c "import json; e=[json.loads(l) for l in open('$tmp/timeout.jsonl') if l.strip()]; assert 'no callback arrived' in e[-1]['reason'], e[-1]"

# 4. The browser always gets its page: the flow ends at the callback (the user denies) and the listener stops
# at once; 40 runs, and curl must get the whole page every time (never "Empty reply from server").
cat >"$tmp/deny.sh" <<SH
#!/usr/bin/env bash
state=\$(printf '%s' "\$1" | sed -E 's/.*[?&]state=([^&]*).*/\1/')
curl -s -o "$tmp/page" -w '%{http_code}' "$redirect?error=access_denied&state=\$state" >"$tmp/deny-status"; echo " \$?" >>"$tmp/deny-status"
touch "$tmp/deny-done"
SH
chmod +x "$tmp/deny.sh"
bad=0
for run in $(seq 1 "${DRAIN_RUNS:-40}"); do
  rm -f "$tmp/page" "$tmp/deny-status" "$tmp/deny-done"
  "$bin" flow --authorize-url "http://127.0.0.1:9/authorize" --token-url "http://127.0.0.1:9/token" --client-id app --redirect-uri "$redirect" \
    --browser "$tmp/deny.sh" --timeout 20 --output jsonl >/dev/null 2>&1
  # The browser outlives the flow by a moment: wait until its curl has finished and said how it went.
  for _ in $(seq 1 100); do [ -e "$tmp/deny-done" ] && break; sleep 0.05; done
  if [ "$(cat "$tmp/deny-status" 2>/dev/null)" != "200 0" ] || ! grep -q "Sign-in did not complete" "$tmp/page" 2>/dev/null; then
    bad=$((bad + 1)); echo "  run $run: curl got '$(cat "$tmp/deny-status" 2>/dev/null)'"
  fi
done
check "callbacks: the browser got the whole page in every run where the flow ended at its callback" test "$bad" -eq 0

summary
