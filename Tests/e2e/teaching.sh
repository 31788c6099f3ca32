#!/usr/bin/env bash
# What the demo says for a teacher outside the terminal UI: --explain prints each step's "what just happened, and
# why" under its line, and --bell rings the terminal (one BEL) when the callback arrives, never into a pipe or into
# JSONL. Usage: Tests/e2e/teaching.sh PATH/TO/oauthscope
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
bin="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
redirect() { echo "http://127.0.0.1:$(free_port)/callback"; }

"$bin" demo --output plain --explain --redirect-uri "$(redirect)" >"$tmp/explained" 2>&1; status=$?
"$bin" demo --output plain --redirect-uri "$(redirect)" >"$tmp/terse" 2>&1
check "teaching: demo --explain completes (exit 0)" test "$status" -eq 0
check "teaching: --explain prints each of the four steps' explanations, under the step's line" python3 - "$tmp/explained" "$tmp/terse" <<'PY'
import sys
explained, terse = open(sys.argv[1]).read(), open(sys.argv[2]).read()
lines = explained.splitlines()
def after(prefix):
    i = next(i for i, l in enumerate(lines) if l.lstrip("✓ok ").startswith(prefix))
    return " ".join(l.strip() for l in lines[i + 1:i + 12] if l.startswith("    "))
assert "authorization URL" in after("URL built") and "RFC 6749 §4.1.1" in after("URL built"), after("URL built")
assert "browser was sent" in after("User redirected"), after("User redirected")
assert "RFC 9207 §2.4" in after("Code received"), after("Code received")
assert "OIDC Core §3.1.3.7" in after("Token exchanged"), after("Token exchanged")
assert "RFC 6749 §4.1.1" not in terse and "RFC 9207 §2.4" not in terse, "without --explain the output stays terse"
PY

# --bell: in a terminal (script(1) gives the demo a pty), one BEL for the one callback; without it, none; and
# never in a pipe or in JSONL.
if command -v script >/dev/null; then
  script -qec "$bin demo --output plain --bell --redirect-uri $(redirect)" /dev/null >"$tmp/bell.tty" 2>&1
  script -qec "$bin demo --output plain --redirect-uri $(redirect)" /dev/null >"$tmp/nobell.tty" 2>&1
  check "teaching: --bell rings once in a terminal when the callback arrives" test "$(tr -cd '\007' <"$tmp/bell.tty" | wc -c)" -eq 1
  check "teaching: without --bell there is no BEL" test "$(tr -cd '\007' <"$tmp/nobell.tty" | wc -c)" -eq 0
else
  fail "teaching: script(1) is installed" "apt-get install util-linux"
fi
"$bin" demo --output jsonl --bell --redirect-uri "$(redirect)" >"$tmp/bell.jsonl" 2>"$tmp/bell.err"
check "teaching: --bell never writes a BEL into JSONL or a pipe" test "$(cat "$tmp/bell.jsonl" "$tmp/bell.err" | tr -cd '\007' | wc -c)" -eq 0
check "teaching: ... and the JSONL is still one JSON object per line" python3 -c '
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
assert events[-1]["type"] == "flow.completed", events[-1]' "$tmp/bell.jsonl"

# The terminal UI: --bell rings when the callback arrives, and b turns the bell on while the flow waits. tmux
# marks a window that rang (monitor-bell); the demos run in background windows, where tmux keeps that mark.
if command -v tmux >/dev/null; then
  export TMUX_TMPDIR="$tmp"
  t() { tmux -L teaching "$@"; }
  t new-session -d -s teach -x 120 -y 40 "sleep 120"
  t set -g monitor-bell on >/dev/null; t set -g bell-action any >/dev/null
  bell_flag() { t display -p -t "teach:$1" '#{window_bell_flag}'; }
  wait_for() { for _ in $(seq 1 100); do t capture-pane -p -t "teach:$1" | grep -q "$2" && return 0; sleep 0.1; done; return 1; }
  t new-window -d -t teach:1 "env LANG=C.UTF-8 '$bin' demo --bell --redirect-uri $(redirect); sleep 60"
  t new-window -d -t teach:2 "env LANG=C.UTF-8 '$bin' demo --redirect-uri $(redirect); sleep 60"
  wait_for 1 "Token exchanged · done"; wait_for 2 "Token exchanged · done"
  check "teaching: TUI with --bell: the window rang when the callback arrived" test "$(bell_flag 1)" = 1
  check "teaching: TUI without --bell: no bell" test "$(bell_flag 2)" = 0
  # b while the flow waits for its callback: a provider that approves at once, a browser that takes 3 s.
  pport=$(free_port); cb=$(redirect)
  "$bin" provider serve --port "$pport" --auto-approve --client "app:app-secret" --redirect-uri "$cb" >"$tmp/serve.log" 2>&1 &
  serve=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$pport/.well-known/openid-configuration" >/dev/null && break; sleep 0.1; done
  printf '#!/bin/sh\nsleep 3\ncurl -s -L -o /dev/null "$1"\n' >"$tmp/slow-browser"; chmod +x "$tmp/slow-browser"
  t new-window -d -t teach:3 "env LANG=C.UTF-8 '$bin' flow --issuer http://127.0.0.1:$pport --client-id app --client-secret app-secret --scope openid --redirect-uri $cb --browser '$tmp/slow-browser'; sleep 60"
  wait_for 3 "User redirected"
  t send-keys -t teach:3 b
  wait_for 3 "Bell on"; bell_on=$?
  wait_for 3 "Token exchanged · done"
  check "teaching: TUI: b turns the bell on and says so" test "$bell_on" -eq 0
  check "teaching: TUI: ... and the window rang when the callback arrived" test "$(bell_flag 3)" = 1
  kill "$serve" 2>/dev/null
  t kill-server
else
  fail "teaching: tmux is installed" "apt-get install tmux"
fi

summary
