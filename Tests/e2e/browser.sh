#!/usr/bin/env bash
# The demo with a real browser: headless Chromium, driven by selenium (Tests/e2e/chromium_user.py), is the
# --browser command of `oauthscope demo`. It asks for /favicon.ico on the callback origin (a stray, never the
# callback), reads the consent page, presses Approve or Deny, and lands back on the loopback callback: the consent
# page's Content-Security-Policy must let that redirect through (Chromium applies form-action to it). Then the
# device grant's verification page in Chromium (Tests/e2e/chromium_device.py): by its complete URI and by typing the
# code, a wrong code first, with no CSP violation in the console.
# Usage: Tests/e2e/browser.sh PATH/TO/oauthscope [PYTHON-WITH-SELENIUM]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
bin="$1"
python="${2:-python3}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for tool in /usr/bin/chromium /usr/bin/chromedriver; do
  [ -x "$tool" ] || { fail "browser: $tool is installed" "apt-get install chromium chromium-driver"; summary; exit 1; }
done
"$python" -c 'import selenium' 2>/dev/null || { fail "browser: selenium is importable by $python" "pip install selenium"; summary; exit 1; }

# run DECISION: the demo with Chromium as its browser; waits for the driver's report, since oauthscope does not
# wait for its browser command.
run() {
  local decision="$1"
  rm -f "$tmp/$decision.json"
  "$bin" demo --browser "$python $here/chromium_user.py --decision $decision --out $tmp/$decision.json" \
    --redirect-uri "http://127.0.0.1:$(free_port)/callback" --timeout 60 --output jsonl >"$tmp/$decision.jsonl" 2>"$tmp/$decision.err"
  echo $? >"$tmp/$decision.status"
  for _ in $(seq 1 600); do [ -e "$tmp/$decision.json" ] && break; sleep 0.1; done
}

run approve
check "browser: approve in Chromium completes the demo (exit 0)" test "$(cat "$tmp/approve.status")" -eq 0
check "browser: approve: flow.completed, the favicon is a stray, the consent page teaches, the landing page shows no code" \
  python3 - "$tmp/approve.jsonl" "$tmp/approve.json" approve <<'PY'
import json, sys, urllib.parse
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
seen = json.load(open(sys.argv[2]))
assert "error" not in seen, seen.get("error", "") + "\n" + "\n".join(seen.get("console", []))
assert events[-1]["type"] == "flow.completed", events[-1]
callbacks = [e for e in events if e["type"] == "callback.received"]
favicon = [c for c in callbacks if c["path"] == "/favicon.ico"]
assert favicon and all(c["verdict"] == "stray" for c in favicon), favicon
assert [c["verdict"] for c in callbacks if c["path"] == "/callback"] == ["accepted"], callbacks
redirected = [e for e in events if e["type"] == "user.redirected"]
assert redirected and redirected[0]["via"] == "browser", redirected
# The consent page: at the authorization server, which client asks for what, where the answer goes.
consent = seen["consent"]["text"]
redirect_uri = urllib.parse.parse_qs(urllib.parse.urlsplit(seen["consent"]["url"]).query)["redirect_uri"][0]
for words in ["You are now at the authorization server", "oauthscope-demo asks for", "openid", redirect_uri, "access_denied"]:
    assert words in consent, (words, consent)
assert "form-action 'self' " + redirect_uri.rsplit("/", 1)[0] in seen["consent_csp"], seen["consent_csp"]
# The landing page: what happened, and no code (the URL carries it; the page must not).
landed = seen["landed"]
code = urllib.parse.parse_qs(urllib.parse.urlsplit(landed["url"]).query)["code"][0]
assert len(code) >= 20, landed["url"]
assert landed["title"] == "oauthscope: Signed in", landed["title"]
assert "authorization code" in landed["text"] and "exchanges it for tokens" in landed["text"], landed["text"]
assert code not in landed["html"] and code[:8] not in landed["html"], "the landing page shows the code"
PY

run deny
check "browser: deny in Chromium fails the demo (exit 1)" test "$(cat "$tmp/deny.status")" -eq 1
check "browser: deny: flow.failed with access_denied, and the landing page says so" \
  python3 - "$tmp/deny.jsonl" "$tmp/deny.json" deny <<'PY'
import json, sys, urllib.parse
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
seen = json.load(open(sys.argv[2]))
assert "error" not in seen, seen.get("error", "") + "\n" + "\n".join(seen.get("console", []))
last = events[-1]
assert last["type"] == "flow.failed" and last.get("error") == "access_denied", last
assert not any(e["type"] == "token.request" for e in events)
callbacks = [e for e in events if e["type"] == "callback.received"]
assert [c["verdict"] for c in callbacks if c["path"] == "/callback"] == ["error_response"], callbacks
assert all(c["verdict"] == "stray" for c in callbacks if c["path"] == "/favicon.ico"), callbacks
landed = seen["landed"]
query = urllib.parse.parse_qs(urllib.parse.urlsplit(landed["url"]).query)
assert query.get("error") == ["access_denied"] and "code" not in query, landed["url"]
assert "Sign-in did not complete" in landed["text"] and "access_denied" in landed["text"] and "Deny" in landed["text"], landed["text"]
# The provider's own description stays in the terminal: the page echoes nothing from the request.
assert query["error_description"][0] not in landed["text"], landed["text"]
PY

# response_mode=fragment in a real browser: Chromium lands on the redirect URI with the response in the fragment;
# the listener's page (its script allowed only by nonce) posts it back, and it is judged like a query.
port=$(free_port); app=$(free_port)
python3 -m http.server "$app" --bind 127.0.0.1 >/dev/null 2>&1 &
apppid=$!
"$bin" listen --redirect-uri "http://127.0.0.1:$port/cb" --expect-state frag-state --output jsonl >"$tmp/fragment.jsonl" 2>"$tmp/fragment.err" &
lpid=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
"$python" "$here/chromium_fragment.py" --out "$tmp/fragment.json" "http://127.0.0.1:$port/cb#code=browser-frag-code&state=frag-state"
check "browser: fragment: the page posted the fragment back, said why, and it was judged accepted with response_mode fragment" \
  python3 - "$tmp/fragment.jsonl" "$tmp/fragment.json" <<'PY'
import json, sys
seen = json.load(open(sys.argv[2]))
assert "error" not in seen, seen.get("error", "") + "\n" + "\n".join(seen.get("console", []))
assert "sent the URL fragment back to oauthscope because the provider used response_mode=fragment" in seen["status"], seen
assert "#" not in seen["landed"], seen["landed"]   # the page took the code out of the address bar
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cbs = [e for e in events if e["type"] == "callback.received" and e["path"] == "/cb"]
assert [(e["method"], e.get("response_mode"), e["verdict"]) for e in cbs] == [("GET", None, "stray"), ("POST", "fragment", "accepted")], cbs
assert cbs[1]["query"]["state"] == "frag-state", cbs[1]
headers = {k.lower(): v for k, v in cbs[1]["headers"].items()}
assert headers.get("sec-fetch-site") == "same-origin" and headers.get("content-type") == "application/x-oauthscope-fragment", headers
PY
kill -INT "$lpid" 2>/dev/null; wait "$lpid" 2>/dev/null
port2=$(free_port)
"$bin" listen --redirect-uri "http://127.0.0.1:$port2/cb" --forward "http://127.0.0.1:$app/app/cb" --output jsonl >"$tmp/fragfwd.jsonl" 2>"$tmp/fragfwd.err" &
lpid=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port2/" && break; sleep 0.1; done
"$python" "$here/chromium_fragment.py" --forward "http://127.0.0.1:$app/app/cb" --out "$tmp/fragfwd.json" "http://127.0.0.1:$port2/cb#code=fwd-frag-code&state=s"
check "browser: fragment with --forward: the page sends the browser on to the application with the same fragment" \
  python3 -c "import json,sys; s=json.load(open(sys.argv[1])); assert 'error' not in s, s; assert s['landed'] == 'http://127.0.0.1:$app/app/cb#code=fwd-frag-code&state=s', s" "$tmp/fragfwd.json"
kill -INT "$lpid" 2>/dev/null; wait "$lpid" 2>/dev/null
kill "$apppid" 2>/dev/null

# The device grant's verification page (RFC 8628 §3.3) in Chromium, under the page's strict CSP: the demo polls
# with no simulated user (--no-browser) while Chromium opens verification_uri_complete and approves; then, on a
# second run, the bare verification_uri where a wrong code is typed first, then the right one.
"$python" "$here/chromium_device.py" --bin "$bin" --out "$tmp/device.json"
check "browser: device: Chromium approves at verification_uri_complete and at verification_uri with the code typed; the polling client gets its tokens each time" \
  python3 - "$tmp/device.json" <<'PY'
import json, sys
seen = json.load(open(sys.argv[1]))
assert "error" not in seen, seen["error"] + "\n" + json.dumps({k: {"console": v.get("console"), "stderr": v.get("stderr")} for k, v in seen.items() if isinstance(v, dict)})
for name in ("complete", "typed"):
    run = seen[name]
    types = [e["type"] for e in run["events"]]
    assert run["status"] == 0, (name, run["status"], run["stderr"])
    assert types[-1] == "flow.completed" and "token.exchanged" in types, (name, types)
    assert [e["via"] for e in run["events"] if e["type"] == "user.redirected"] == ["printed"], name
    polls = [e["status"] for e in run["events"] if e["type"] == "device.poll"]
    assert polls[-1] == "approved" and all(p in ("pending", "slow_down") for p in polls[:-1]), (name, polls)
    assert "default-src 'none'" in run["csp"] and "form-action 'self'" in run["csp"], run["csp"]
    last = run["pages"][-1]
    assert last["title"] == "Device connected" and "You approved oauthscope-demo" in last["text"], last
code = seen["complete"]["authorization"]["user_code"]
assert seen["complete"]["pages"][0]["code_field"] == code, seen["complete"]["pages"][0]
PY
check "browser: device: the bare verification_uri asks for the code; a wrong one gets a page saying so, and the flow goes on to its tokens" \
  python3 - "$tmp/device.json" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))["typed"]
empty, wrong = run["pages"][0], run["pages"][1]
assert empty["title"] == "Connect a device" and empty["code_field"] == "", empty
assert wrong["title"] == "Connect a device" and wrong["code_field"] == run["wrong_code"], wrong
assert f"The code {run['wrong_code']} is not one waiting here" in wrong["text"] and "Check the code on the device" in wrong["text"], wrong["text"]
assert any("status of 400" in m for m in run["console"]), run["console"]
assert not any(e["type"] == "flow.failed" for e in run["events"])
PY
check "browser: device: no Content-Security-Policy violation in the console on any page" \
  python3 - "$tmp/device.json" <<'PY'
import json, sys
seen = json.load(open(sys.argv[1]))
console = [m for name in ("complete", "typed") for m in seen[name]["console"]]
bad = [m for m in console if "Content Security Policy" in m or "Refused to" in m]
assert not bad, bad
PY

summary
