#!/usr/bin/env bash
# The real ncurses front, driven in tmux as a person would: `oauthscope demo` in a 120x40 terminal, all four
# steps reach done, `?` shows help, `q` exits 0 and leaves the terminal usable; a hostile callback cannot retitle
# the terminal; `d` draws the sequence diagram (120x40, 80x24, ASCII, a replay). Usage: Tests/e2e/tui.sh PATH/TO/oauthscope
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
bin="$1"
tmp=$(mktemp -d)
sock="oauthscope-e2e-$$"
t() { tmux -L "$sock" "$@"; }
trap 't kill-server 2>/dev/null; rm -rf "$tmp"' EXIT


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

# Themes: two themes draw the demo in visibly different colours; NO_COLOR=1 draws none (capture-pane -e keeps SGR).
sgr() { grep -o $'\e\[[0-9;:]*m' "$1" | sort -u; }
for theme in default solarized-dark; do
  port=$(free_port)
  t new-session -d -s "th-$theme" -x 120 -y 40 "env LANG=C.UTF-8 TERM=xterm-256color COLORTERM=truecolor '$bin' demo --theme $theme --redirect-uri http://127.0.0.1:$port/callback; sleep 60"
  for _ in $(seq 1 100); do t capture-pane -p -t "th-$theme" | grep -q "completed in" && break; sleep 0.2; done
  t capture-pane -e -p -t "th-$theme" >"$tmp/$theme.ansi"
  t send-keys -t "th-$theme" Q
done
check "themes: default and solarized-dark use different colours" bash -c "! diff -q <(grep -o \$'\\e\\[[0-9;:]*m' '$tmp/default.ansi' | sort -u) <(grep -o \$'\\e\\[[0-9;:]*m' '$tmp/solarized-dark.ansi' | sort -u) >/dev/null"
port=$(free_port)
t new-session -d -s nocolor -x 120 -y 40 "env LANG=C.UTF-8 TERM=xterm-256color NO_COLOR=1 '$bin' demo --redirect-uri http://127.0.0.1:$port/callback; sleep 60"
for _ in $(seq 1 100); do t capture-pane -p -t nocolor | grep -q "completed in" && break; sleep 0.2; done
t capture-pane -e -p -t nocolor >"$tmp/nocolor.ansi"
t send-keys -t nocolor Q
check "themes: NO_COLOR=1 draws with attributes only" bash -c "grep -q 'completed in' '$tmp/nocolor.ansi' && ! grep -oE $'\\e\\[[0-9;]*m' '$tmp/nocolor.ansi' | grep -qE '(^|\\[|;)(3[0-7]|38|4[0-7]|48|9[0-7]|10[0-7])(;|m)'"
printf 'inherits = "default"\n[palette]\nred = "#zz0000"\n' >"$tmp/bad.toml"
port=$(free_port)
t new-session -d -s badtheme -x 120 -y 40 "env LANG=C.UTF-8 '$bin' demo --theme '$tmp/bad.toml' --redirect-uri http://127.0.0.1:$port/callback; sleep 60"
for _ in $(seq 1 100); do t capture-pane -p -t badtheme | grep -q "completed in" && break; sleep 0.2; done
check "themes: a bad theme still starts, on the default theme" bash -c "tmux -L '$sock' capture-pane -p -t badtheme | grep -q 'completed in'"
t send-keys -t badtheme Q

# The sequence diagram: `d` swaps the steps for one arrow per hop between the lanes, at 120x40 and (lanes
# compressed) at 80x24; `k` picks an earlier hop and its raw HTTP shows in the detail pane; `d` again is the steps.
diagram() { # diagram SESSION COLUMNS ROWS: run the demo with userinfo (the API lane), press d, capture the pane
  local port; port=$(free_port)
  t new-session -d -s "$1" -x "$2" -y "$3" "env LANG=C.UTF-8 TERM=xterm-256color '$bin' demo --then userinfo --redirect-uri http://127.0.0.1:$port/callback; sleep 60"
  for _ in $(seq 1 100); do t capture-pane -p -t "$1" | grep -q "completed in" && break; sleep 0.2; done
  t send-keys -t "$1" d
  sleep 0.5
  t capture-pane -p -t "$1" >"$tmp/$1"
}
diagram diag120 120 40
for lane in "User/Browser" "oauthscope (client)" "Authorization" "API"; do
  check "diagram 120x40: lane '$lane'" grep -q -- "$lane" "$tmp/diag120"
done
for hop in "discovery 200" "authorize via simulated" "callback accepted 200" "token 200" "jwks 200" "userinfo 200"; do
  check "diagram 120x40: arrow '$hop'" grep -q -- "$hop" "$tmp/diag120"
done
check "diagram 120x40: arrows drawn both ways" bash -c "grep -q '─▶│' '$tmp/diag120' && grep -q '│◀╌' '$tmp/diag120'"
check "diagram 120x40: the newest hop's HTTP is in the detail pane" grep -q "Hop · userinfo · 200" "$tmp/diag120"
t send-keys -t diag120 k
sleep 0.3
t send-keys -t diag120 k
sleep 0.5
t capture-pane -p -t diag120 >"$tmp/diag120k"
check "diagram 120x40: k k picks the token hop and shows its request" bash -c "grep -q 'Hop · token · 200' '$tmp/diag120k' && grep -q 'POST http://127.0.0.1:' '$tmp/diag120k'"
t send-keys -t diag120 d
sleep 0.5
t capture-pane -p -t diag120 >"$tmp/diag120d"
check "diagram 120x40: d again shows the steps" grep -q "✓ Token exchanged" "$tmp/diag120d"
t send-keys -t diag120 Q
diagram diag80 80 24
for lane in "Browser" "oauthscope" "server" "API"; do
  check "diagram 80x24: lane '$lane'" grep -q -- "$lane" "$tmp/diag80"
done
check "diagram 80x24: arrows drawn" bash -c "grep -q '─▶│' '$tmp/diag80' && grep -q 'userinfo 200' '$tmp/diag80'"
check "diagram 80x24: the key line offers the way back" grep -q "d steps" "$tmp/diag80"
t send-keys -t diag80 Q
# A replay feeds the same bus, so the recorded demo draws the same diagram.
t new-session -d -s diagreplay -x 120 -y 40 "env LANG=C.UTF-8 TERM=xterm-256color '$bin' replay '$here/../Fixtures/recordings/demo-2026-12-04.jsonl'; sleep 60"
for _ in $(seq 1 100); do t capture-pane -p -t diagreplay | grep -q "completed in" && break; sleep 0.2; done
t send-keys -t diagreplay d
sleep 0.5
t capture-pane -p -t diagreplay >"$tmp/diagreplay"
check "diagram of a replay: every recorded hop" bash -c "grep -q 'User/Browser' '$tmp/diagreplay' && grep -q 'token 200' '$tmp/diagreplay' && grep -q 'userinfo 200' '$tmp/diagreplay' && grep -q 'refresh 200' '$tmp/diagreplay'"
t send-keys -t diagreplay Q
port=$(free_port)
t new-session -d -s diagascii -x 80 -y 24 "env LANG=C LC_ALL=C TERM=xterm '$bin' demo --redirect-uri http://127.0.0.1:$port/callback; sleep 60"
for _ in $(seq 1 100); do t capture-pane -p -t diagascii | grep -q "completed in" && break; sleep 0.2; done
t send-keys -t diagascii d
sleep 0.5
t capture-pane -p -t diagascii >"$tmp/diagascii"
check "diagram ASCII: arrows in ASCII" bash -c "grep -q -- '--->|' '$tmp/diagascii' && grep -q -- '|< -' '$tmp/diagascii' && ! grep -q '▶' '$tmp/diagascii'"
t send-keys -t diagascii Q

summary
