# Shared helpers for the end-to-end checks: each check prints "ok - NAME" or "not ok - NAME: why", and the
# summary line is the plain "N passed, N failed" the CI reads.
E2E_PASSED=0
E2E_FAILED=0
pass() { E2E_PASSED=$((E2E_PASSED + 1)); echo "ok - $1"; }
fail() { E2E_FAILED=$((E2E_FAILED + 1)); echo "not ok - $1: $2"; }
check() { # check NAME COMMAND...: passes when the command succeeds
  local name="$1"; shift
  if "$@"; then pass "$name"; else fail "$name" "command failed: $*"; fi
}
summary() { echo "e2e: $E2E_PASSED passed, $E2E_FAILED failed"; [ "$E2E_FAILED" -eq 0 ]; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
# wait_for PATTERN [SECONDS]: until the tmux pane "ui" shows PATTERN (the caller defines t, the tmux command
# on its own socket, and $tmp; the last screen is left in $tmp/screen).
wait_for() {
  local deadline=$((SECONDS + ${2:-20}))
  while [ $SECONDS -lt $deadline ]; do
    t capture-pane -p -t ui >"$tmp/screen" 2>/dev/null
    grep -q -- "$1" "$tmp/screen" && return 0
    sleep 0.2
  done
  return 1
}
