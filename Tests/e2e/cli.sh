#!/usr/bin/env bash
# End-to-end checks of the command line contract (DESIGN.md): the JSONL event order, exit statuses, redaction,
# usage errors, and a busy port. Usage: Tests/e2e/cli.sh PATH/TO/oauthscope
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
bin="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. demo --output jsonl: the canonical steps in order, each line JSON with the envelope.
"$bin" demo --output jsonl --redirect-uri "http://127.0.0.1:$(free_port)/callback" >"$tmp/demo.jsonl" 2>"$tmp/demo.err"
status=$?
check "demo jsonl exits 0" test "$status" -eq 0
check "demo jsonl: canonical order and envelope" python3 - "$tmp/demo.jsonl" <<'PY'
import json, sys
want = ["authorization.url_built", "user.redirected", "callback.received", "code.received",
        "token.request", "token.response", "token.exchanged", "flow.completed"]
events = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
for e in events:
    for k in ("v", "seq", "time", "flow", "type"):
        assert k in e, f"{k} missing in {e}"
    assert e["v"] == 1
got = [e["type"] for e in events if e["type"] in want]
assert got == want, got
seqs = [e["seq"] for e in events]
assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), seqs
assert events[-1]["type"] == "flow.completed"
PY

# 2. No secret in clear without --reveal; clear with it.
check "demo jsonl: secrets redacted" python3 - "$tmp/demo.jsonl" <<'PY'
import json, re, sys
events = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
text = open(sys.argv[1]).read()
assert "oauthscope-demo-secret" not in text
x = next(e for e in events if e["type"] == "token.exchanged")
assert re.fullmatch(r".{0,4}…\(\d+\)", x["access_token"]), x["access_token"]
c = next(e for e in events if e["type"] == "code.received")
assert re.fullmatch(r".{0,4}…\(\d+\)", c["code"]), c["code"]
r = next(e for e in events if e["type"] == "token.request")
assert "…(" in r["headers"]["Authorization"], r["headers"]
assert "code_verifier=" in r["body"] and re.search(r"code_verifier=[^&]*…", r["body"]), r["body"]
PY
"$bin" demo --output jsonl --reveal --redirect-uri "http://127.0.0.1:$(free_port)/callback" >"$tmp/reveal.jsonl" 2>/dev/null
check "demo jsonl --reveal: tokens in clear" python3 - "$tmp/reveal.jsonl" <<'PY'
import json, sys
events = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
x = next(e for e in events if e["type"] == "token.exchanged")
assert "…(" not in x["access_token"] and len(x["access_token"]) > 20, x["access_token"]
PY

# 3. plain output: one line per step, for a person.
"$bin" demo --output plain --redirect-uri "http://127.0.0.1:$(free_port)/callback" >"$tmp/plain.txt" 2>&1
status=$?
check "demo plain exits 0" test "$status" -eq 0
for label in "URL built" "User redirected" "Code received" "Token exchanged" "flow completed"; do
  check "demo plain shows '$label'" grep -q "$label" "$tmp/plain.txt"
done

# 4. Bad usage: exit 2 and one line naming the flag.
"$bin" flow --client-id x >"$tmp/out" 2>"$tmp/err"; status=$?
check "flow without a provider exits 2" test "$status" -eq 2
check "flow without a provider names the flags" grep -q -- "--issuer" "$tmp/err"
"$bin" demo --output xml >"$tmp/out" 2>"$tmp/err"; status=$?
check "an unknown --output value exits 2" test "$status" -eq 2
check "an unknown --output value names the flag" grep -qi "output" "$tmp/err"
"$bin" flow --issuer http://127.0.0.1:9 --client-id x --redirect-uri http://example.com/cb --output jsonl >"$tmp/out" 2>"$tmp/err"; status=$?
check "a non-loopback redirect URI exits 2 with RFC 8252" grep -q "RFC 8252" "$tmp/err"
check "a non-loopback redirect URI exits 2" test "$status" -eq 2

# 5. A busy port: one line naming the port and how to choose another.
port=$(free_port)
python3 -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',$port)); s.listen(); time.sleep(30)" &
holder=$!
sleep 0.5
"$bin" flow --issuer http://127.0.0.1:9 --client-id x --redirect-uri "http://127.0.0.1:$port/callback" --output jsonl >"$tmp/out" 2>"$tmp/err"; status=$?
kill $holder 2>/dev/null
check "a busy port exits 2" test "$status" -eq 2
check "a busy port names the port and the flag" grep -q "port $port.*--redirect-uri" "$tmp/err"
check "a busy port error is one line" test "$(wc -l <"$tmp/err")" -eq 1

# 6. An unreachable issuer fails the flow (exit 1), never crashes.
"$bin" flow --issuer http://127.0.0.1:9 --client-id x --no-browser --redirect-uri "http://127.0.0.1:$(free_port)/callback" --output jsonl >"$tmp/out" 2>"$tmp/err"; status=$?
check "an unreachable issuer exits 1" test "$status" -eq 1
check "an unreachable issuer ends with flow.failed" python3 -c "import json,sys; l=[json.loads(x) for x in open('$tmp/out')]; assert l[-1]['type']=='flow.failed' and 'refused' in l[-1]['reason'], l[-1]"

# 8. A profile in the config file runs a flow with no other flags; a wrong key names the file and line.
pport=$(free_port)
cport=$(free_port)
"$bin" provider serve --port "$pport" --auto-approve --client "prof-client:prof-secret" --redirect-uri "http://127.0.0.1:$cport/cb" >"$tmp/provider.log" 2>&1 &
provider_pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$pport/.well-known/openid-configuration" >/dev/null && break; sleep 0.1; done
mkdir -p "$tmp/xdg/oauthscope"
cat >"$tmp/xdg/oauthscope/config.toml" <<TOML
# a profile for the embedded provider
[profiles.local]
issuer = "http://127.0.0.1:$pport"
client_id = "prof-client"
client_secret_env = "PROF_SECRET"
scope = "openid email"
redirect_uri = "http://127.0.0.1:$cport/cb"
browser = "curl -s -L -o /dev/null"
then = ["userinfo", "refresh"]
timeout = 10
TOML
XDG_CONFIG_HOME="$tmp/xdg" PROF_SECRET=prof-secret "$bin" flow --profile local --output jsonl >"$tmp/profile.jsonl" 2>"$tmp/err"; status=$?
check "a profile runs a whole flow with no other flags" test "$status" -eq 0
check "the profile's --then hops ran" python3 -c "import json; a=[json.loads(l) for l in open('$tmp/profile.jsonl')]; acts=[e['action'] for e in a if e['type']=='action.completed' and e['ok']]; assert acts==['userinfo','refresh'], acts"
XDG_CONFIG_HOME="$tmp/xdg" PROF_SECRET=prof-secret OAUTHSCOPE_SCOPE=openid "$bin" flow --profile local --timeout 300 --output jsonl >"$tmp/origins.jsonl" 2>"$tmp/err"; status=$?
check "flag, environment and profile together run the flow" test "$status" -eq 0
check "flow.started says where each setting came from; a flag equal to the default beats the profile" python3 - "$tmp/origins.jsonl" <<'PY'
import json, sys
started = next(e for e in map(json.loads, open(sys.argv[1])) if e["type"] == "flow.started")
by = {s["name"]: (s["value"], s["source"]) for s in started["settings"]}
assert by["timeout"] == ("300", "flag"), by["timeout"]
assert by["scope"] == ("openid", "env"), by["scope"]
assert by["client_id"] == ("prof-client", "profile"), by["client_id"]
assert by["pkce"] == ("s256", "default"), by["pkce"]
assert "prof-secret" not in json.dumps(started), "a secret in flow.started"
PY
cat >>"$tmp/xdg/oauthscope/config.toml" <<'TOML'
[profiles.broken]
client_id = "x"
scopes = "typo for scope"
TOML
XDG_CONFIG_HOME="$tmp/xdg" "$bin" flow --profile broken --output jsonl >/dev/null 2>"$tmp/err"; status=$?
check "a wrong key in the config exits 2" test "$status" -eq 2
line=$(grep -n '^scopes' "$tmp/xdg/oauthscope/config.toml" | cut -d: -f1)
check "a wrong key names the file, the line and the key" grep -q "config.toml:$line: unknown key \"scopes\"" "$tmp/err"
kill $provider_pid 2>/dev/null

# 7. --record keeps every event; replay plays the same events back, and a damaged line is reported by number.
"$bin" demo --output jsonl --record "$tmp/rec.jsonl" --redirect-uri "http://127.0.0.1:$(free_port)/callback" >"$tmp/live.jsonl" 2>/dev/null
"$bin" replay "$tmp/rec.jsonl" --output jsonl --speed 0 >"$tmp/replayed.jsonl" 2>"$tmp/err"; status=$?
check "replay exits 0 for a completed flow" test "$status" -eq 0
check "record and replay keep every event type in order" python3 - "$tmp/live.jsonl" "$tmp/rec.jsonl" "$tmp/replayed.jsonl" <<'PY'
import json, sys
live, rec, rep = ([json.loads(l)["type"] for l in open(p) if l.strip()] for p in sys.argv[1:4])
assert rec[0] == "recording.header", rec[0]  # docs/recording-format.md: the header comes first, then the events
rec = rec[1:]
assert live == rec == rep, (live, rec, rep)
assert live[-1] == "flow.completed"
PY
{ head -3 "$tmp/rec.jsonl"; echo '{"v":1,"seq":"broken'; tail -n +4 "$tmp/rec.jsonl"; } >"$tmp/damaged.jsonl"
"$bin" replay "$tmp/damaged.jsonl" --output jsonl --speed 0 >"$tmp/replayed2.jsonl" 2>"$tmp/err"; status=$?
# Every line of the recording but its header comes back.
check "replay of a damaged recording still plays the rest" test "$(wc -l <"$tmp/replayed2.jsonl")" -eq "$(( $(wc -l <"$tmp/rec.jsonl") - 1 ))"
check "replay names the damaged line" grep -q "damaged.jsonl:4" "$tmp/err"

# 9. --version names the release and the commit the binary was built from.
"$bin" --version >"$tmp/version" 2>&1; status=$?
check "--version exits 0" test "$status" -eq 0
commit=$(git -C "$here/../.." rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
check "--version names the commit ($commit)" grep -Eq "^oauthscope [0-9]+\.[0-9]+\.[0-9]+ \(commit $commit(-dirty)?, " "$tmp/version"

summary
