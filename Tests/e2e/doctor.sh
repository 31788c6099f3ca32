#!/usr/bin/env bash
# oauthscope doctor end to end: the embedded provider passes every probe; each planted weakness is caught by
# exactly its probe (exit 1 when it fails); the plain report card; and the doctor against oidc-provider-mock,
# a third-party OIDC server from PyPI, whose known deviations (PKCE not enforced, no state on access_denied) come
# out as fail with their references.
# Usage: Tests/e2e/doctor.sh PATH/TO/oauthscope [PATH/TO/oidc-provider-mock]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
bin="$1"
server="${2:-}"
tmp=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill $server_pid 2>/dev/null; [ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT

probes="metadata-consistent pkce-s256-advertised state-echoed iss-parameter pkce-verifier-checked code-single-use token-no-store id-token-alg-allowed refresh-rotated pkce-required client-auth-required error-has-state redirect-uri-exact"

# Reads a doctor JSONL run: every probe once, between probe.started and probe.completed, and the counts.
cat >"$tmp/read.py" <<'PY'
import json, sys
path, want_exit, expect = sys.argv[1], int(sys.argv[2]), sys.argv[3]
probes = sys.argv[4].split()
events = [json.loads(l) for l in open(path) if l.strip()]
types = [e["type"] for e in events]
assert types[0] == "doctor.started" or "doctor.started" in types, types[:5]
plan = next(e for e in events if e["type"] == "doctor.started")
assert plan["probes"] == probes and plan["approvals"] > 0, plan
done = [e for e in events if e["type"] == "probe.completed"]
assert [e["probe"] for e in done] == probes, [e["probe"] for e in done]
started = [e["probe"] for e in events if e["type"] == "probe.started"]
assert started == probes, started
for e in done:
    assert e["result"] in ("pass", "fail", "warn", "skip") and e["detail"] and e["ref"], e
    if e["result"] in ("fail", "warn"):
        assert e.get("fix"), e
# Hops appear between a probe's start and end as the usual events.
assert any(t in ("token.request", "http.request") for t in types)
last = events[-1]
assert last["type"] == "doctor.completed", last
counts = last["counts"]
results = {e["probe"]: e["result"] for e in done}
assert counts["fail"] == sum(1 for r in results.values() if r == "fail"), (counts, results)
assert (1 if counts["fail"] else 0) == want_exit, (counts, want_exit)
if expect == "clean":
    bad = {p: r for p, r in results.items() if r != "pass"}
    assert not bad, bad
else:
    # expect = PROBE: that probe fails or warns, and every other one passes.
    assert results[expect] in ("fail", "warn"), (expect, results[expect])
    others = {p: r for p, r in results.items() if p != expect and r != "pass"}
    assert not others, others
# No secret of the demo client and no code in clear.
text = open(path).read()
assert "oauthscope-demo-secret" not in text
PY

"$bin" doctor --demo --output jsonl >"$tmp/clean.jsonl" 2>"$tmp/clean.err"; status=$?
check "doctor --demo: nothing fails (exit 0)" test "$status" -eq 0
check "doctor --demo: every probe id once, in order, each passes; doctor.completed counts" python3 "$tmp/read.py" "$tmp/clean.jsonl" 0 clean "$probes"
check "doctor --demo: nothing on stderr" test ! -s "$tmp/clean.err"

# A personality's preset says which probes cannot apply (GitHub: no ID tokens, no refresh tokens); every other
# probe still runs against the imitation, with the endpoints the preset gives.
"$bin" doctor --demo --personality github --output jsonl >"$tmp/github.jsonl" 2>"$tmp/github.err"; status=$?
check "doctor --demo --personality github: the preset's probes are skipped with why, the others run" python3 - "$tmp/github.jsonl" <<'PY'
import json, sys
done = {e["probe"]: e for e in map(json.loads, open(sys.argv[1])) if e["type"] == "probe.completed"}
assert done["id-token-alg-allowed"]["result"] == "skip" and "ID tokens" in done["id-token-alg-allowed"]["detail"], done["id-token-alg-allowed"]
assert done["refresh-rotated"]["result"] == "skip" and "refresh tokens" in done["refresh-rotated"]["detail"], done["refresh-rotated"]
# GitHub documents that a path under the registered callback is accepted: that variant is no fault there.
r = done["redirect-uri-exact"]
assert r["result"] == "pass" and "documented rule allows" in r["detail"] and "an extra path segment" in r["detail"], r
for p in ("state-echoed", "pkce-verifier-checked", "code-single-use", "client-auth-required"):
    assert done[p]["result"] != "skip", (p, done[p])
PY

for pair in pkce-not-enforced:pkce-verifier-checked code-reusable:code-single-use redirect-uri-lenient:redirect-uri-exact \
            no-state-on-error:error-has-state refresh-not-rotated:refresh-rotated no-client-auth:client-auth-required \
            no-store-missing:token-no-store; do
  fault=${pair%%:*}; probe=${pair#*:}
  "$bin" doctor --demo --fault "$fault" --output jsonl >"$tmp/$fault.jsonl" 2>/dev/null; status=$?
  want=1
  # A confidential client's refresh token that does not rotate is a risk, not a MUST broken (RFC 9700 §4.14.2).
  [ "$fault" = refresh-not-rotated ] && want=0
  check "doctor --demo --fault $fault: exit $want" test "$status" -eq "$want"
  check "doctor --demo --fault $fault: $probe catches it, and only it" python3 "$tmp/read.py" "$tmp/$fault.jsonl" "$want" "$probe" "$probes"
done

"$bin" doctor --demo --fault pkce-not-enforced --output plain >"$tmp/card.txt" 2>&1; status=$?
check "plain: the report card names the failed probe with its rule and how to fix it" \
  bash -c "grep -q 'FAIL pkce-verifier-checked .*(RFC 7636 §4.6, RFC 9700 §2.1.1)' '$tmp/card.txt' && grep -q 'how to fix it' '$tmp/card.txt' && grep -q '13 probes: 12 pass, 1 fail, 0 warn, 0 skip' '$tmp/card.txt'"
check "plain: one line per probe" test "$(grep -cE '^(✓|✗|!|·|ok|FAIL) +(PASS|FAIL|WARN|SKIP) ' "$tmp/card.txt")" -eq 13

"$bin" doctor --fault code-reusable --output jsonl >/dev/null 2>"$tmp/usage.err"; status=$?
check "--fault without --demo is bad usage (exit 2)" test "$status" -eq 2
check "the usage error names the flag" grep -q -- "--fault" "$tmp/usage.err"

# The terminal UI's report card, in tmux at 120x40 and 80x24: the rows, the failed probe shown with its evidence,
# what it means and the rule.
if command -v tmux >/dev/null; then
  sock="$tmp/tmux.sock"
  tmux -S "$sock" new-session -d -s wide -x 120 -y 40 "$bin doctor --demo --fault pkce-not-enforced --output tui"
  for _ in $(seq 1 100); do tmux -S "$sock" capture-pane -p -t wide >"$tmp/wide.txt" 2>/dev/null; grep -q "doctor finished" "$tmp/wide.txt" && break; sleep 0.1; done
  check "tui 120x40: the report card with a row per probe and the counts" \
    bash -c "grep -q 'Doctor report card' '$tmp/wide.txt' && grep -q '13 probes: 12 pass, 1 fail' '$tmp/wide.txt' && [ \$(grep -cE '(✓|✗) [a-z0-9]+-[a-z0-9-]+ ' '$tmp/wide.txt') -eq 13 ]"
  check "tui 120x40: the failed probe is shown with its hop, what it means and its rule" \
    bash -c "grep -q '▸✗ pkce-verifier-checked' '$tmp/wide.txt' && grep -q 'Evidence · pkce-verifier-checked' '$tmp/wide.txt' && grep -q 'HTTP 200 (token' '$tmp/wide.txt' && grep -q 'What this means, how to fix it' '$tmp/wide.txt' && grep -q 'RFC 7636 §4.6' '$tmp/wide.txt'"
  check "tui: no secret in clear on screen" bash -c "! grep -q 'oauthscope-demo-secret' '$tmp/wide.txt'"
  tmux -S "$sock" send-keys -t wide q
  sock="$tmp/tmux2.sock"
  tmux -S "$sock" new-session -d -s narrow -x 80 -y 24 "$bin doctor --demo --output tui"
  for _ in $(seq 1 100); do tmux -S "$sock" capture-pane -p -t narrow >"$tmp/narrow.txt" 2>/dev/null; grep -q "doctor finished" "$tmp/narrow.txt" && break; sleep 0.1; done
  check "tui 80x24: the report card, the shown probe's evidence and its meaning fit" \
    bash -c "grep -q 'Doctor report card' '$tmp/narrow.txt' && grep -q 'Evidence' '$tmp/narrow.txt' && grep -q 'What this means' '$tmp/narrow.txt' && grep -q '13 pass, 0 fail' '$tmp/narrow.txt'"
  tmux -S "$sock" send-keys -t narrow q
  sleep 0.5
  tmux -S "$sock" kill-server 2>/dev/null
fi

if [ -n "$server" ]; then
  as_port=$(free_port)
  "$server" --port "$as_port" --require-registration >"$tmp/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$as_port/.well-known/openid-configuration" >/dev/null && break; sleep 0.1; done
  issuer="http://127.0.0.1:$as_port"
  cb_port=$(free_port)
  redirect="http://127.0.0.1:$cb_port/callback"
  curl -s -X POST -H 'Content-Type: application/json' -d "{\"redirect_uris\":[\"$redirect\"]}" "$issuer/oauth2/clients" >"$tmp/client.json"
  client_id=$(python3 -c "import json; print(json.load(open('$tmp/client.json'))['client_id'])")
  client_secret=$(python3 -c "import json; print(json.load(open('$tmp/client.json'))['client_secret'])")
  env BROWSER="$here/play-user-oidc-provider-mock.sh" DOCTOR_SECRET="$client_secret" "$bin" doctor --issuer "$issuer" --client-id "$client_id" \
    --client-secret-env DOCTOR_SECRET --scope "openid email" --redirect-uri "$redirect" --timeout 10 --output jsonl >"$tmp/pypi.jsonl" 2>"$tmp/pypi.err"; status=$?
  check "doctor against oidc-provider-mock: a probe fails (exit 1)" test "$status" -eq 1
  check "oidc-provider-mock: pkce-verifier-checked and error-has-state fail with their references; the probes that can pass, pass" python3 - "$tmp/pypi.jsonl" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
done = {e["probe"]: e for e in events if e["type"] == "probe.completed"}
assert done["pkce-verifier-checked"]["result"] == "fail", done["pkce-verifier-checked"]
assert "RFC 7636 §4.6" in done["pkce-verifier-checked"]["ref"]
assert done["error-has-state"]["result"] == "fail", done["error-has-state"]
assert "access_denied" in done["error-has-state"]["detail"], done["error-has-state"]
assert "RFC 6749 §4.1.2.1" in done["error-has-state"]["ref"]
for p in ("metadata-consistent", "state-echoed"):
    assert done[p]["result"] == "pass", done[p]
assert done["redirect-uri-exact"]["result"] == "skip", done["redirect-uri-exact"]
assert events[-1]["type"] == "doctor.completed" and events[-1]["counts"]["fail"] >= 2, events[-1]
PY
  check "oidc-provider-mock: the client secret never appears" bash -c "! grep -q '$client_secret' '$tmp/pypi.jsonl'"
fi

summary
