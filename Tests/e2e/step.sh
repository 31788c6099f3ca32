#!/usr/bin/env bash
# End-to-end checks of step mode (`demo --step --output jsonl`), driven through stdin as a script would: a pause
# before every hop with the request as it will be sent, edits typed at a pause (each a request.edited event, a
# bad line refused while the pause goes on), a code sent twice, and quitting at a pause.
# Usage: Tests/e2e/step.sh PATH/TO/oauthscope
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
bin="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

drive() { # drive NAME REPLIES_JSON ARGS...: runs the demo in step mode, answering each pause; events in $tmp/NAME.json
  local name="$1" replies="$2"; shift 2
  python3 "$here/stepdrive.py" "$replies" "$bin" demo --step --output jsonl --redirect-uri "http://127.0.0.1:$(free_port)/callback" "$@" \
    >"$tmp/$name.json" 2>"$tmp/$name.err"
  tail -n 1 "$tmp/$name.err" >"$tmp/$name.status"
}

# 1. Every hop pauses first, in flow order, each pause showing the request that then leaves unchanged.
drive all '{}' --then refresh,userinfo,introspect,revoke
check "step: the flow completes after every pause (exit 0)" test "$(cat "$tmp/all.status")" = 0
check "step: a pause before every hop, with the request exactly as then sent, secrets redacted" python3 - "$tmp/all.json" <<'PY'
import json, sys
events = json.load(open(sys.argv[1]))
hops = [e["hop"] for e in events if e["type"] == "step.waiting"]
assert hops == ["discovery", "redirect", "token", "jwks", "refresh", "userinfo", "introspect", "revoke"], hops
sent = {"token.request", "http.request"}
for i, e in enumerate(events):
    if e["type"] in sent:
        # The event just before a request is its own pause, showing that same request.
        before = [x for x in events[:i] if x["type"] == "step.waiting"][-1]
        assert before["hop"] == e["purpose"], (before["hop"], e["purpose"])
        r = before["request"]
        assert (r["method"], r["url"], r["headers"], r["body"]) == (e["method"], e["url"], e["headers"], e["body"]), (r, e)
    if e["type"] == "user.redirected":
        assert events[i - 1]["type"] == "step.waiting" and events[i - 1]["hop"] == "redirect"
token = next(e for e in events if e["type"] == "step.waiting" and e["hop"] == "token")
assert token["step"] == "exchange" and token["request"]["method"] == "POST"
assert "code=" in token["request"]["body"] and "\u2026(" in token["request"]["body"], token["request"]["body"]
assert token["request"]["headers"]["Authorization"].startswith("Basic ") and "\u2026(" in token["request"]["headers"]["Authorization"]
assert token["prompt"].startswith("About to exchange the code"), token["prompt"]
redirect = next(e for e in events if e["type"] == "step.waiting" and e["hop"] == "redirect")
built = next(e for e in events if e["type"] == "authorization.url_built")
assert redirect["request"]["url"] == built["url"]
assert events[-1]["type"] == "flow.completed"
PY

# 2. An edit at the token pause: the provider sees the wrong verifier and answers invalid_grant (RFC 7636 §4.6);
#    a bad line before it is refused with a message, and the pause goes on.
drive edit '{"token": ["frobnicate code", "set code_verifier=wrong-verifier-wrong-verifier-wrong-verifier-123"]}'
check "step edit: the flow fails (exit 1)" test "$(cat "$tmp/edit.status")" = 1
check "step edit: request.edited events, the refusal first, then invalid_grant from the provider" python3 - "$tmp/edit.json" <<'PY'
import json, sys
events = json.load(open(sys.argv[1]))
edits = [e for e in events if e["type"] == "request.edited"]
assert [e["ok"] for e in edits] == [False, True], edits
assert "unknown edit" in edits[0]["error"] and "set NAME=VALUE" in edits[0]["error"], edits[0]
assert edits[1]["hop"] == "token" and edits[1]["edit"].startswith("set code_verifier=") and "wrong-verifier" not in edits[1]["edit"], edits[1]
assert "code_verifier=" in edits[1]["request"]["body"]
req = next(e for e in events if e["type"] == "token.request")
assert req["body"] == edits[1]["request"]["body"], "the edited request is the one sent"
resp = next(e for e in events if e["type"] == "token.response")
assert resp["status"] == 400 and json.loads(resp["body"])["error"] == "invalid_grant", resp
failed = events[-1]
assert failed["type"] == "flow.failed" and failed["error"] == "invalid_grant", failed
PY

# 2b. With --reveal the edit is shown as typed, and the verifier sent is the typed one.
drive reveal '{"token": ["set code_verifier=wrong-verifier-wrong-verifier-wrong-verifier-123"]}' --reveal
check "step edit --reveal: the typed value is sent and shown" python3 - "$tmp/reveal.json" <<'PY'
import json, sys
events = json.load(open(sys.argv[1]))
edit = next(e for e in events if e["type"] == "request.edited")
assert edit["edit"] == "set code_verifier=wrong-verifier-wrong-verifier-wrong-verifier-123", edit
req = next(e for e in events if e["type"] == "token.request")
assert "code_verifier=wrong-verifier-wrong-verifier-wrong-verifier-123" in req["body"], req["body"]
PY

# 3. "again" at the pause after the exchange sends the token request once more: the spent code is refused.
drive again '{"jwks": ["again"]}'
check "step again: the flow still completes (exit 0)" test "$(cat "$tmp/again.status")" = 0
check "step again: the code sent twice, the second time refused with invalid_grant" python3 - "$tmp/again.json" <<'PY'
import json, sys
events = json.load(open(sys.argv[1]))
reqs = [e for e in events if e["type"] == "token.request"]
assert len(reqs) == 2 and reqs[0]["body"] == reqs[1]["body"], reqs
resps = [e for e in events if e["type"] == "token.response"]
assert [r["status"] for r in resps] == [200, 400], resps
assert json.loads(resps[1]["body"])["error"] == "invalid_grant"
again = next(e for e in events if e["type"] == "action.completed" and e["action"] == "again")
assert not again["ok"] and "invalid_grant" in again["summary"], again
jwks = [e for e in events if e["type"] == "step.waiting" and e["hop"] == "jwks"]
assert len(jwks) == 2, "the pause is shown again after the resend"
PY

# 3b. The same with a JWT client assertion and DPoP, then replay-code: each resend carries a new assertion and a new
#     proof (a jti is single-use, RFC 7523 §3, RFC 9449 §11.1), so what the provider refuses is the spent code.
drive againjwt '{"jwks": ["again"]}' --client-auth private-key-jwt --dpop --then replay-code
check "step again with private_key_jwt and DPoP: the flow completes (exit 0)" test "$(cat "$tmp/againjwt.status")" = 0
check "step again, replay-code with private_key_jwt and DPoP: fresh assertion and proof each time, the code refused with invalid_grant" python3 - "$tmp/againjwt.json" <<'PY'
import json, sys
events = json.load(open(sys.argv[1]))
# The DPoP nonce handshake (use_dpop_nonce, then the same request with the nonce) is not part of the lesson.
resps = [e for e in events if e["type"] in ("token.response", "http.response") and e.get("purpose", "token") in ("token", "replay-code")
         and json.loads(e["body"] or "{}").get("error") != "use_dpop_nonce"]
errors = [json.loads(r["body"]).get("error") for r in resps[1:]]
assert [r["status"] for r in resps] == [200, 400, 400] and errors == ["invalid_grant", "invalid_grant"], [(r["status"], r["body"]) for r in resps]
again = next(e for e in events if e["type"] == "action.completed" and e["action"] == "again")
assert "invalid_grant" in again["summary"], again
replay = next(e for e in events if e["type"] == "action.completed" and e["action"] == "replay-code")
assert replay["ok"] and replay.get("error") == "invalid_grant", replay
jtis = [e["claims"]["jti"] for e in events if e["type"] == "client.assertion" and e["hop"] in ("token", "replay-code")]
assert len(set(jtis)) == len(jtis) >= 3, jtis
proofs = [e["claims"]["jti"] for e in events if e["type"] == "dpop.proof" and e["hop"] in ("token", "replay-code")]
assert len(set(proofs)) == len(proofs) >= 2, proofs
PY

# 4. q at a pause ends the flow there: nothing is sent.
drive quit '{"discovery": null}'
check "step quit: exit 1, nothing sent" python3 - "$tmp/quit.json" "$(cat "$tmp/quit.status")" <<'PY'
import json, sys
events = json.load(open(sys.argv[1]))
assert sys.argv[2] == "1", sys.argv[2]
assert not any(e["type"] in ("http.request", "token.request") for e in events), [e["type"] for e in events]
assert events[-1]["type"] == "flow.failed" and "cancelled" in events[-1]["reason"], events[-1]
PY

# 5. Plain output shows the pending request and how to edit it, at every pause.
printf '\n\n\n\n\n\n' | "$bin" demo --step --output plain --redirect-uri "http://127.0.0.1:$(free_port)/callback" >"$tmp/plain.txt" 2>&1
check "step plain: each pause shows its request and the edit words" python3 - "$tmp/plain.txt" <<'PY'
import sys
text = open(sys.argv[1]).read()
for hop in ("discovery", "redirect", "token", "jwks"):
    assert f"waiting before {hop}:" in text, (hop, text)
assert "    POST http://127.0.0.1:" in text and "set NAME=VALUE" in text, text
PY

# 6. The terminal UI in tmux: e edits the paused token request (Tab picks a name), the provider refuses the wrong
#    verifier, then a runs the flow again and the edit is made again before the same refusal.
if command -v tmux >/dev/null; then
  sock="oauthscope-step-$$"
  t() { tmux -L "$sock" "$@"; }
  trap 't kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
  t new-session -d -s ui -x 120 -y 40 "env LANG=C.UTF-8 TERM=xterm-256color '$bin' demo --step --redirect-uri http://127.0.0.1:$(free_port)/callback; echo \"EXIT=\$?\"; sleep 60"
  check "tui step: pauses before discovery, showing the request" wait_for "BEFORE DISCOVERY" && grep -q "GET http://127.0.0.1:.*/.well-known/openid-configuration" "$tmp/screen"
  t send-keys -t ui c
  check "tui step: pauses before the redirect" wait_for "BEFORE REDIRECT"
  t send-keys -t ui c
  check "tui step: pauses before the token request, which has not happened yet" wait_for "BEFORE TOKEN" && grep -q "What will happen" "$tmp/screen" && grep -q "No token request has been sent yet" "$tmp/screen"
  t send-keys -t ui e
  check "tui step: e opens the edit line" wait_for "Edit token: "
  t send-keys -t ui Tab Tab Tab Tab
  check "tui step: Tab picks the body fields in turn" wait_for "Edit token: set code_verifier=" 5
  t send-keys -t ui -l "wrong-verifier-wrong-verifier-wrong-verifier-123"
  t send-keys -t ui Enter
  check "tui step: the edit is an event, shown on the hop and in the pending request" wait_for "request.edited .*token: set code_verifier=wron…(48)" 5 && grep -q "edited token: set code_verifier=wr" "$tmp/screen" && grep -q "&code_verifier=wron…(48)" "$tmp/screen"
  t send-keys -t ui c
  check "tui step: the provider refuses the edited verifier" wait_for "failed: invalid_grant" && grep -q "code_verifier does not match the code_challenge" "$tmp/screen"
  check "tui step: the status line offers a to run it again" grep -q "a runs it again" "$tmp/screen"
  t send-keys -t ui a
  check "tui step: a reruns the flow from discovery" wait_for "BEFORE DISCOVERY"
  t send-keys -t ui c
  wait_for "BEFORE REDIRECT" >/dev/null
  t send-keys -t ui c
  check "tui step: the rerun makes the edit again before the token pause" wait_for "BEFORE TOKEN" && grep -q "edited token: set code_verifier=wr" "$tmp/screen" && grep -q "&code_verifier=wron…(48)" "$tmp/screen"
  t send-keys -t ui c
  check "tui step: and fails the same way" wait_for "failed: invalid_grant"
  t send-keys -t ui q
  sleep 0.3
  t send-keys -t ui q
  check "tui step: q exits 1 after the failed flow" wait_for "EXIT=1" 10
else
  fail "tui step" "tmux is not installed (apt-get install tmux)"
fi

summary
