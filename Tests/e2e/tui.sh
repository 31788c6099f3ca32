#!/usr/bin/env bash
# The real ncurses front, driven in tmux as a person would: `oauthscope demo` in a 120x40 terminal, all four
# steps reach done, `?` shows help, `q` exits 0 and leaves the terminal usable; a hostile callback cannot retitle
# the terminal. Usage: Tests/e2e/tui.sh PATH/TO/oauthscope
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
bin="$1"
tmp=$(mktemp -d)
sock="oauthscope-e2e-$$"
t() { tmux -L "$sock" "$@"; }
trap 't kill-server 2>/dev/null; rm -rf "$tmp"' EXIT

wait_for() { # wait_for PATTERN [SECONDS]: until the pane shows PATTERN
  local deadline=$((SECONDS + ${2:-20}))
  while [ $SECONDS -lt $deadline ]; do
    t capture-pane -p -t ui >"$tmp/screen" 2>/dev/null
    grep -q -- "$1" "$tmp/screen" && return 0
    sleep 0.2
  done
  return 1
}

port=$(free_port)
t new-session -d -s ui -x 120 -y 40 "env LANG=C.UTF-8 TERM=xterm-256color '$bin' demo --redirect-uri http://127.0.0.1:$port/callback; echo \"EXIT=\$?\"; stty -a >'$tmp/stty'; sleep 60"
check "tui: the demo completes on screen" wait_for "completed in"
for label in "URL built" "User redirected" "Code received" "Token exchanged"; do
  check "tui: '$label' reaches done" grep -q "✓ $label" "$tmp/screen"
done
check "tui: no step failed" bash -c "! grep -q '✗ ' '$tmp/screen'"
check "tui: secrets are redacted on screen" grep -q "…(" "$tmp/screen"
t send-keys -t ui '?'
check "tui: ? shows the help generated from the key table" wait_for "Reveal / hide the secrets" 5
t send-keys -t ui q
sleep 0.3
t send-keys -t ui q
check "tui: q exits 0" wait_for "EXIT=0" 10
check "tui: the terminal is restored (echo and canonical mode back on)" bash -c "sleep 0.5; grep -q ' icanon' '$tmp/stty' && grep -q ' echo ' '$tmp/stty'"

# A hostile callback must not retitle the terminal: the title sequence is shown escaped, never interpreted.
port=$(free_port)
t new-session -d -s hostile -x 120 -y 40 "env LANG=C.UTF-8 '$bin' flow --authorize-url http://127.0.0.1:9/authorize --token-url http://127.0.0.1:9/token --client-id c --no-browser --redirect-uri http://127.0.0.1:$port/callback; sleep 60"
t set-option -t hostile set-titles on >/dev/null
sleep 2
before=$(t display-message -p -t hostile '#{pane_title}')
curl -s -o /dev/null "http://127.0.0.1:$port/callback?code=x&state=y&evil=%1b%5d2%3bowned%07"
sleep 1
t send-keys -t hostile Tab   # focus the detail pane of the failed step
t send-keys -t hostile G     # to its end, where the callback's parameters are
sleep 0.5
t capture-pane -p -t hostile >"$tmp/hostile"
after=$(t display-message -p -t hostile '#{pane_title}')
check "tui: a hostile parameter does not change the terminal title" test "$before" = "$after"
check "tui: the hostile parameter is shown escaped" grep -q 'x1b' "$tmp/hostile"
t send-keys -t hostile Q

summary
