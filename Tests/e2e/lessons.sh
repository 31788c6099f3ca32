#!/usr/bin/env bash
# End-to-end checks of the lessons: `oauthscope lessons` lists them, an unknown name is a usage error (exit 2) that
# lists them, and every lesson run with `demo --lesson NAME --output jsonl` ends the way the lesson teaches. The
# outcome is read from the events (flow.failed's error, a callback's verdict, a follow-up's error, an ID-token
# check), never from text; lesson.started comes first and lesson.completed last. `demo --param` reaches the
# authorization request.
# Usage: Tests/e2e/lessons.sh PATH/TO/oauthscope
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
bin="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The lessons and how each must end: completed | error:CODE | verdict:VERDICT | action:NAME:CODE | check:NAME | refused:STEP
expectations=(
  "happy-path completed"
  "deny error:access_denied"
  "state-mismatch verdict:state_mismatch"
  "redirect-mismatch refused:redirect"
  "wrong-verifier error:invalid_grant"
  "code-replay action:replay-code:invalid_grant"
  "expired-code error:invalid_grant"
  "login-required error:login_required"
  "consent-required error:consent_required"
  "invalid-scope error:invalid_scope"
  "refresh-rotation action:check-rotation:invalid_grant"
  "bad-signature check:signature"
)

"$bin" lessons >"$tmp/list" 2>"$tmp/list.err"
check "lessons exits 0" test $? -eq 0
for e in "${expectations[@]}"; do
  name=${e%% *}
  if grep -Eq "^$name +[^ ]" "$tmp/list"; then pass "lessons lists $name with a line"; else fail "lessons lists $name with a line" "$(cat "$tmp/list")"; fi
done

"$bin" demo --lesson no-such-lesson --output jsonl >"$tmp/unknown.out" 2>"$tmp/unknown.err"
rc=$?
check "an unknown lesson is a usage error (exit 2)" test "$rc" -eq 2
check "an unknown lesson writes nothing on stdout" test ! -s "$tmp/unknown.out"
if grep -q -- "--lesson no-such-lesson" "$tmp/unknown.err" && grep -q "happy-path" "$tmp/unknown.err" && grep -q "bad-signature" "$tmp/unknown.err"; then
  pass "the usage error names the flag and lists the lessons"
else
  fail "the usage error names the flag and lists the lessons" "$(cat "$tmp/unknown.err")"
fi

"$bin" demo --lesson deny --personality github --output jsonl >"$tmp/persona.out" 2>"$tmp/persona.err"
rc=$?
check "--lesson with --personality is a usage error (exit 2)" test "$rc" -eq 2

# judge FILE NAME EXPECTATION EXIT: prints why when the events do not show the expected end.
judge() {
  python3 - "$@" <<'PY'
import json, sys
path, name, expect, rc = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
events = [json.loads(l) for l in open(path) if l.strip()]
problems = []
types = [e["type"] for e in events]
if not events or types[0] != "lesson.started" or events[0].get("name") != name:
    problems.append("the first event is not lesson.started for %s: %s" % (name, types[:1]))
ends = [e for e in events if e["type"] in ("flow.completed", "flow.failed")]
if len(ends) != 1:
    problems.append("expected one flow end, got %s" % [e["type"] for e in ends])
last = events[-1] if events else {}
if last.get("type") != "lesson.completed" or last.get("name") != name:
    problems.append("the last event is not lesson.completed for %s: %s" % (name, last.get("type")))
elif not last.get("as_expected") or not last.get("explanation") or not last.get("ref"):
    problems.append("lesson.completed says it went otherwise: %s" % last)
end = ends[-1] if ends else {}
failed = end.get("type") == "flow.failed"
kind, _, arg = expect.partition(":")
if kind in ("completed", "verdict", "action"):
    if failed: problems.append("the flow failed: %s" % end.get("reason"))
    if rc != 0: problems.append("exit %d, expected 0" % rc)
else:
    if not failed: problems.append("the flow did not fail")
    if rc != 1: problems.append("exit %d, expected 1" % rc)
if kind == "error" and end.get("error") != arg:
    problems.append("flow.failed error is %r, expected %r" % (end.get("error"), arg))
if kind == "verdict":
    verdicts = [e["verdict"] for e in events if e["type"] == "callback.received"]
    if not verdicts or verdicts[0] != arg or verdicts[-1] != "accepted":
        problems.append("callback verdicts %s, expected %s refused, then accepted" % (verdicts, arg))
if kind == "action":
    action, _, code = arg.partition(":")
    done = [e for e in events if e["type"] == "action.completed" and e.get("action") == action]
    if not done or done[-1].get("error") != code or not done[-1].get("ok"):
        problems.append("action %s: %s, expected it refused with %s" % (action, done[-1:] , code))
if kind == "check":
    checks = [c for e in events if e["type"] == "token.exchanged" for c in ((e.get("id_token") or {}).get("checks") or [])]
    if not any(c["name"] == arg and not c["ok"] for c in checks):
        problems.append("no failed %s check among %s" % (arg, checks))
    if end.get("error"): problems.append("an OAuth error %r, expected none" % end.get("error"))
if kind == "refused":
    if end.get("step") != arg or end.get("error"):
        problems.append("flow.failed at %r with error %r, expected at %r without one" % (end.get("step"), end.get("error"), arg))
    if "callback.received" in types:
        problems.append("a callback arrived, but the provider should not have redirected")
if problems:
    print("; ".join(problems))
    sys.exit(1)
PY
}

for e in "${expectations[@]}"; do
  name=${e%% *}
  expect=${e#* }
  timeout 60 "$bin" demo --lesson "$name" --output jsonl --redirect-uri "http://127.0.0.1:$(free_port)/callback" --timeout 20 \
    >"$tmp/$name.jsonl" 2>"$tmp/$name.err" </dev/null
  rc=$?
  if why=$(judge "$tmp/$name.jsonl" "$name" "$expect" "$rc"); then
    pass "lesson $name ends as it teaches ($expect)"
  else
    fail "lesson $name ends as it teaches ($expect)" "$why $(head -c 300 "$tmp/$name.err")"
  fi
done

# The replayed code's tokens were revoked: the introspection after the replay says so.
if python3 - "$tmp/code-replay.jsonl" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
done = [e for e in events if e["type"] == "action.completed" and e.get("action") == "introspect"]
sys.exit(0 if done and (done[-1].get("result") or {}).get("active") is False else 1)
PY
then pass "after a replayed code, its access token is no longer active"; else fail "after a replayed code, its access token is no longer active" "introspection did not say active=false"; fi

# A recorded lesson replays with the flow's exit status, though lesson.completed comes last.
timeout 60 "$bin" demo --lesson consent-required --output jsonl --record "$tmp/rec.jsonl" --redirect-uri "http://127.0.0.1:$(free_port)/callback" >/dev/null 2>&1 </dev/null
timeout 60 "$bin" replay "$tmp/rec.jsonl" --speed 0 --output jsonl >"$tmp/replayed.jsonl" 2>/dev/null
rc=$?
check "a replayed lesson whose flow failed exits 1" test "$rc" -eq 1
if [ "$(tail -1 "$tmp/replayed.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["type"])')" = lesson.completed ]; then
  pass "the replay ends with lesson.completed"; else fail "the replay ends with lesson.completed" "$(tail -1 "$tmp/replayed.jsonl")"; fi

# The plain output introduces the lesson and closes with what happened and the reference.
timeout 60 "$bin" demo --lesson deny --output plain --redirect-uri "http://127.0.0.1:$(free_port)/callback" >"$tmp/deny.txt" 2>&1 </dev/null
if grep -q "^Lesson deny" "$tmp/deny.txt" && grep -q "RFC 6749 §4.1.2.1" "$tmp/deny.txt" && grep -q "What happened" "$tmp/deny.txt"; then
  pass "plain output introduces the lesson and explains the end with its reference"
else
  fail "plain output introduces the lesson and explains the end with its reference" "$(cat "$tmp/deny.txt")"
fi

# demo --param: the extra parameter is in the authorization request, and prompt=none is answered at once.
timeout 60 "$bin" demo --param prompt=none --output jsonl --redirect-uri "http://127.0.0.1:$(free_port)/callback" >"$tmp/param.jsonl" 2>"$tmp/param.err" </dev/null
if python3 - "$tmp/param.jsonl" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
built = [e for e in events if e["type"] == "authorization.url_built"]
ends = [e for e in events if e["type"] == "flow.failed"]
ok = built and built[0]["params"].get("prompt") == "none" and ends and ends[-1].get("error") == "consent_required"
sys.exit(0 if ok else 1)
PY
then pass "demo --param prompt=none reaches the request and gets consent_required"; else fail "demo --param prompt=none reaches the request and gets consent_required" "$(tail -2 "$tmp/param.jsonl")"; fi

# The terminal UI shows the lesson's end and its introduction (in tmux, when there is one).
if command -v tmux >/dev/null; then
  export TMUX_TMPDIR="$tmp"
  tmux new-session -d -s lesson -x 120 -y 40 "env LANG=C.UTF-8 TERM=xterm-256color '$bin' demo --lesson deny --redirect-uri http://127.0.0.1:$(free_port)/callback; sleep 30"
  screen=""
  for _ in $(seq 1 40); do
    sleep 0.5
    screen=$(tmux capture-pane -p -t lesson 2>/dev/null)
    case "$screen" in *"lesson.completed"*) break ;; esac
  done
  tmux send-keys -t lesson g
  sleep 1
  screen=$(tmux capture-pane -p -t lesson 2>/dev/null)
  tmux kill-server 2>/dev/null
  if [[ "$screen" == *"Lesson deny: what happened"* && "$screen" == *"as the lesson expected"* && "$screen" == *"The lesson:"* ]]; then
    pass "the terminal UI shows the lesson's introduction and what happened"
  else
    fail "the terminal UI shows the lesson's introduction and what happened" "$screen"
  fi
fi

summary
