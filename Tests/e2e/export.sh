#!/usr/bin/env bash
# `oauthscope export`, each format checked by an independent reader: the HAR against the HAR 1.2 JSON schema
# (Tests/e2e/schemas/har-1.2.schema.json, with jsonschema) and loaded by haralyzer; the curl script parsed by
# `bash -n` and run against `oauthscope provider serve` (discovery and JWKS answer 200); the Markdown parsed by
# markdown-it-py (a well-formed mermaid sequenceDiagram). Secrets stay out without --reveal, even from a recording
# made with --reveal; a crafted recording cannot run commands, break the diagram or inject markup.
# Usage: Tests/e2e/export.sh PATH/TO/oauthscope [PYTHON with jsonschema, haralyzer, markdown-it-py]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
bin="$1"
py="${2:-$here/../../.build-venv/bin/python}"
tmp=$(mktemp -d)
provider_pid=""
sock="oauthscope-export-$$"
t() { tmux -L "$sock" "$@"; }
trap '[ -n "$provider_pid" ] && kill "$provider_pid" 2>/dev/null; command -v tmux >/dev/null && t kill-server 2>/dev/null; rm -rf "$tmp"' EXIT

if ! "$py" -c 'import jsonschema, haralyzer, markdown_it' 2>/dev/null; then
  echo "not ok - export: $py lacks jsonschema, haralyzer or markdown-it-py (pip install jsonschema haralyzer markdown-it-py)"
  exit 1
fi

# A recording made with --reveal: its secrets are in clear in the file.
"$bin" demo --output plain --reveal --then userinfo,refresh --record "$tmp/rec.jsonl" --redirect-uri "http://127.0.0.1:$(free_port)/callback" >/dev/null 2>&1
check "export: the demo recording was made" test -s "$tmp/rec.jsonl"
# The secrets to look for: the code, the verifier, the tokens.
"$py" - "$tmp/rec.jsonl" >"$tmp/secrets" <<'PY'
import json, sys, urllib.parse
out = set()
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["type"] == "code.received": out.add(e["code"])
    if e["type"] == "token.exchanged":
        out.add(e["access_token"]); out.add(e.get("refresh_token") or "")
    if e["type"] == "token.request":
        for k, v in urllib.parse.parse_qsl(e["body"]):
            if k in ("code", "code_verifier"): out.add(v)
for s in sorted(x for x in out if len(x) > 12): print(s)
PY
check "export: the --reveal recording holds clear secrets" test "$(wc -l <"$tmp/secrets")" -ge 3

for f in har curl markdown; do
  "$bin" export "$tmp/rec.jsonl" --format "$f" >"$tmp/out.$f" 2>"$tmp/err.$f"
  check "export: --format $f exits 0" test $? -eq 0
  check "export: --format $f has no secret without --reveal" bash -c "! grep -qF -f '$tmp/secrets' '$tmp/out.$f'"
  "$bin" export "$tmp/rec.jsonl" --format "$f" --reveal >"$tmp/revealed.$f" 2>/dev/null
  check "export: --format $f --reveal writes the recorded secrets" grep -qF -f "$tmp/secrets" "$tmp/revealed.$f"
done

# HAR: the schema, then a HAR library.
check "export: the HAR validates against the HAR 1.2 schema" "$py" - "$here/schemas/har-1.2.schema.json" "$tmp/out.har" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(schema)
har = json.load(open(sys.argv[2]))
jsonschema.validate(har, schema, cls=jsonschema.Draft7Validator, format_checker=jsonschema.FormatChecker())
for e in har["log"]["entries"]:
    t = e["timings"]
    # HAR 1.2: time is the sum of the timings that are not -1.
    assert e["time"] == sum(v for k, v in t.items() if not k.startswith("_") and k != "comment" and v != -1), e
PY
check "export: haralyzer loads the HAR: one page, the hops in order, the token form as params" "$py" - "$tmp/out.har" "$tmp/rec.jsonl" <<'PY'
import json, sys
from haralyzer import HarParser
har = json.load(open(sys.argv[1]))
events = [json.loads(l) for l in open(sys.argv[2])]
parser = HarParser(har)
assert len(parser.pages) == 1, parser.pages
page = parser.pages[0]
hops = [e for e in events if e["type"] in ("http.request", "token.request", "callback.received")]
assert len(page.entries) == len(hops), (len(page.entries), len(hops))
purposes = [e.raw_entry["_oauthscope_purpose"] for e in page.entries]
assert purposes == [h.get("purpose", "callback") for h in hops], purposes
token = next(e for e in page.entries if e.raw_entry["_oauthscope_purpose"] == "token")
assert token.request.method == "POST" and token.response.status == 200
names = [p["name"] for p in token.raw_entry["request"]["postData"]["params"]]
assert "grant_type" in names and "code" in names, names
callback = next(e for e in page.entries if e.raw_entry["_oauthscope_purpose"] == "callback")
assert callback.raw_entry["_oauthscope_verdict"] == "accepted"
assert any(c["name"] == "state" and c["ok"] for c in callback.raw_entry["_oauthscope_checks"])
PY

# curl: bash parses it; against `provider serve`, discovery and JWKS answer 200.
check "export: bash -n accepts the curl script" bash -n "$tmp/out.curl"
pport=$(free_port)
"$bin" provider serve --port "$pport" >"$tmp/provider.log" 2>&1 &
provider_pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$pport/.well-known/openid-configuration" >/dev/null && break; sleep 0.1; done
OAUTHSCOPE_ISSUER="http://127.0.0.1:$pport" bash "$tmp/out.curl" >"$tmp/curl.out" 2>"$tmp/curl.err"
check "export: the curl script replays discovery and JWKS with HTTP 200" "$py" - "$tmp/curl.out" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
sections = re.split(r"^>>> \d+ ", text, flags=re.M)[1:]
status = {}
for s in sections:
    purpose = s.split("\n", 1)[0].strip()
    m = re.search(r"^HTTP/[\d.]+ (\d{3})", s, flags=re.M)
    status.setdefault(purpose, m and int(m.group(1)))
assert status.get("discovery") == 200 and status.get("jwks") == 200, status
assert "token" in status, status
PY
check "export: the curl script names the missing secrets" grep -q "OAUTHSCOPE_CODE is not set" "$tmp/curl.err"

# Markdown: parsed by markdown-it-py; the diagram is a well-formed sequenceDiagram.
cat >"$tmp/check_md.py" <<'PY'
import re, sys
from markdown_it import MarkdownIt
md = MarkdownIt("commonmark").enable("table")
tokens = md.parse(open(sys.argv[1], encoding="utf-8").read())
fences = [t for t in tokens if t.type == "fence"]
mermaid = [t for t in fences if t.info.strip() == "mermaid"]
assert len(mermaid) == 1, [t.info for t in fences]
lines = mermaid[0].content.rstrip("\n").split("\n")
assert lines[0] == "sequenceDiagram", lines[0]
text = r"[A-Za-z0-9 .,/_+()?=@*!-]*(?:#\d+;[A-Za-z0-9 .,/_+()?=@*!-]*)*"
grammar = [rf"    participant [A-Z]\d? as {text}", rf"    [A-Z]\d?-?->>[A-Z]\d?: {text}", rf"    Note over [A-Z]\d?: {text}"]
for l in lines[1:]:
    assert any(re.fullmatch(g, l) for g in grammar), "not a sequenceDiagram line: " + repr(l)
assert any("->>" in l for l in lines), lines
assert not [t for t in tokens if t.type == "html_block"], "raw HTML block"
inline_html = [c for t in tokens if t.type == "inline" for c in (t.children or []) if c.type in ("html_inline", "link_open", "image")]
assert not inline_html, inline_html
headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
for h in ("Steps", "Findings", "Sequence", "Hops"):
    assert h in headings, headings
assert any(t.type == "table_open" for t in tokens)
assert len([t for t in fences if t.info.strip() == "http"]) >= 2
PY
check "export: markdown-it-py parses the report: steps, findings, a well-formed mermaid sequenceDiagram, hops" "$py" "$tmp/check_md.py" "$tmp/out.markdown"

# Files: --output is created 0600 and a symbolic link there is refused.
"$bin" export "$tmp/rec.jsonl" --format har --output "$tmp/file.har"
check "export: --output writes a 0600 file" test "$(stat -c %a "$tmp/file.har")" = 600
ln -s "$tmp/victim" "$tmp/link.har"
"$bin" export "$tmp/rec.jsonl" --format har --output "$tmp/link.har" 2>"$tmp/err"; status=$?
check "export: --output refuses a symbolic link (exit 2, nothing written through it)" bash -c "test $status -eq 2 && test ! -e '$tmp/victim' && grep -q 'symbolic link' '$tmp/err'"
"$bin" export "$tmp/rec.jsonl" --format pdf >/dev/null 2>"$tmp/err"; status=$?
check "export: an unknown format is refused with the formats to use" bash -c "test $status -eq 2 && grep -q \"'har', 'curl' or 'markdown'\" '$tmp/err'"
"$bin" export "$here/lib.sh" --format har >/dev/null 2>"$tmp/err"; status=$?
check "export: a file that is no recording is refused, saying what to give" bash -c "test $status -eq 2 && grep -q 'written by --record' '$tmp/err'"

# A crafted recording: hostile values everywhere the exports write them.
"$py" - "$tmp/rec.jsonl" "$tmp/hostile.jsonl" <<'PY'
import json, sys
evil = "x'\"; touch PWNED1 `touch PWNED2` $(touch PWNED3)\n</script><img src=x onerror=alert(1)>\n```\n;Note over O: forged\n#\x1b]2;owned\x07\u202e"
out = []
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["type"] == "flow.started": e["provider"] = evil
    if e["type"] == "callback.received": e["path"] = "/callback" + evil
    if e["type"] in ("http.request", "token.request"):
        e["purpose"] = e["purpose"] + evil
        e["headers"]["X-Evil"] = evil.replace("\n", " ")
        e["headers"]["@/etc/passwd"] = "x"
    if e["type"] in ("http.response", "token.response"):
        e["purpose"] = e["purpose"] + evil
        e["body"] = evil + "````"
    if e["type"] == "flow.completed":
        e = {"v": 1, "seq": e["seq"], "time": e["time"], "flow": e["flow"], "type": "flow.failed", "reason": evil, "error": evil, "hint": evil, "step": "exchange"}
    out.append(json.dumps(e))
open(sys.argv[2], "w").write("\n".join(out) + "\n")
PY
mkdir -p "$tmp/run" "$tmp/fakebin"
printf '#!/bin/sh\nfor a in "$@"; do printf "%%s\\n" "$a"; done\n' >"$tmp/fakebin/curl"
chmod +x "$tmp/fakebin/curl"
"$bin" export "$tmp/hostile.jsonl" --format curl >"$tmp/run/hostile.sh" 2>/dev/null
check "export: bash -n accepts the script of a crafted recording" bash -n "$tmp/run/hostile.sh"
(cd "$tmp/run" && PATH="$tmp/fakebin:$PATH" bash hostile.sh >"$tmp/hostile.out" 2>&1)
check "export: a crafted recording's script runs no command of its own" bash -c "! ls '$tmp/run' | grep -q PWNED"
check "export: a header curl would read as @file is left out" bash -c "! grep -q '^@/etc/passwd' '$tmp/hostile.out'"
"$bin" export "$tmp/hostile.jsonl" --format markdown >"$tmp/hostile.md" 2>/dev/null
check "export: a crafted recording cannot break the Markdown or its diagram" "$py" "$tmp/check_md.py" "$tmp/hostile.md"
"$bin" export "$tmp/hostile.jsonl" --format har >"$tmp/hostile.har" 2>/dev/null
check "export: no format writes a raw escape sequence or bidi override from a crafted recording" "$py" - "$tmp/run/hostile.sh" "$tmp/hostile.md" "$tmp/hostile.har" <<'PY'
import re, sys
for path in sys.argv[1:]:
    text = open(path, encoding="utf-8").read()
    bad = re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]", text)
    assert not bad, (path, bad)
PY
same=0
for f in har curl markdown; do
  "$bin" export "$tmp/hostile.jsonl" --format "$f" >"$tmp/stdout.$f" 2>/dev/null
  "$bin" export "$tmp/hostile.jsonl" --format "$f" --output "$tmp/file.$f" 2>/dev/null
  cmp -s "$tmp/stdout.$f" "$tmp/file.$f" && same=$((same + 1))
done
check "export: stdout and --output write the same bytes, even for a crafted recording" test "$same" -eq 3
check "export: a crafted recording still gives a valid HAR" "$py" -c "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])), cls=jsonschema.Draft7Validator)" "$here/schemas/har-1.2.schema.json" "$tmp/hostile.har"

# The terminal UI: a replay that starts paused, steps one event, jumps to the end, then `x` writes exports.
if command -v tmux >/dev/null; then
  abs_bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
  mkdir -p "$tmp/tui"
  t new-session -d -s ui -x 120 -y 40 "cd '$tmp/tui' && env LANG=C.UTF-8 TERM=xterm-256color '$abs_bin' replay '$tmp/rec.jsonl' --paused; echo \"EXIT=\$?\"; sleep 60"
  check "tui: replay --paused starts paused, with the replay keys in the footer" wait_for "replay paused"
  check "tui: nothing has played while paused" bash -c "! grep -q '✓ URL built' '$tmp/screen' && grep -q 'Space play' '$tmp/screen'"
  t send-keys -t ui '.'
  check "tui: . shows one event and stays paused" wait_for "One event (paused"
  t send-keys -t ui G
  check "tui: G jumps to the end of the replay" wait_for "completed in"
  t send-keys -t ui x
  check "tui: x asks for the format" wait_for "h HAR, c curl script, m Markdown"
  t send-keys -t ui m
  check "tui: the status line says where the export went" wait_for "Exported ./oauthscope-.*\.md (Markdown report)"
  t send-keys -t ui x
  sleep 0.3
  t send-keys -t ui h
  check "tui: x h writes a HAR too" wait_for "Exported ./oauthscope-.*\.har (HAR)"
  md=$(ls "$tmp/tui"/*.md 2>/dev/null | head -1)
  har=$(ls "$tmp/tui"/*.har 2>/dev/null | head -1)
  check "tui: x m wrote a private Markdown file in the current directory" bash -c "test -n '$md' && test \"\$(stat -c %a '$md')\" = 600"
  check "tui: the exported report parses, with its diagram" "$py" "$tmp/check_md.py" "$md"
  check "tui: the exports hold no secret of the --reveal recording" bash -c "! grep -qF -f '$tmp/secrets' '$md' '$har'"
  check "tui: the exported HAR validates" "$py" -c "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])), cls=jsonschema.Draft7Validator)" "$here/schemas/har-1.2.schema.json" "$har"
  t send-keys -t ui q
  sleep 0.3
  t send-keys -t ui q
  check "tui: q leaves the replay with status 0" wait_for "EXIT=0" 10
else
  fail "tui: export keys" "tmux is not installed (apt-get install tmux)"
fi

summary
