#!/usr/bin/env bash
# scripts/install.sh into a temporary prefix: the installed binary runs a demo with a bare environment (env -i),
# and the man page and the bash, zsh and fish completions are where the issue says, and sane.
# Usage: Tests/e2e/install.sh   (a release build: several minutes the first time)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix with space"

bash "$root/scripts/install.sh" "$prefix" >"$tmp/install.log" 2>&1; status=$?
check "install.sh exits 0" test "$status" -eq 0
[ "$status" -eq 0 ] || tail -30 "$tmp/install.log"
bin="$prefix/bin/oauthscope"
check "PREFIX/bin/oauthscope is executable" test -x "$bin"

env -i "$bin" demo --output plain >"$tmp/demo.out" 2>"$tmp/demo.err"; status=$?
check "env -i oauthscope demo --output plain exits 0" test "$status" -eq 0
check "the demo's flow completed" grep -q "flow completed" "$tmp/demo.out"
env -i "$bin" --version >"$tmp/version" 2>&1
check "--version names a release and a commit" grep -Eq '^oauthscope [0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]{12}(-dirty)?|unknown), ' "$tmp/version"
if ! grep -q "cannot link the Swift runtime statically" "$tmp/install.log"; then
  check "the Swift runtime is linked in (no libswiftCore.so needed)" bash -c "! ldd '$bin' | grep -q libswiftCore"
fi

man="$prefix/share/man/man1/oauthscope.1"
check "the man page is installed" test -s "$man"
check "the man page is roff with a title for oauthscope(1)" grep -Eqi '^\.(TH|Dt) OAUTHSCOPE 1' "$man"
check "the man page documents the subcommands and their options" bash -c "grep -q demo '$man' && grep -q listen '$man' && grep -q 'redirect-uri' '$man'"
if command -v man >/dev/null && man --help 2>&1 | grep -q -- '--local-file'; then
  check "man renders the page" bash -c "MANPAGER=cat man -l '$man' 2>/dev/null | grep -qi oauthscope"
fi

bashc="$prefix/share/bash-completion/completions/oauthscope"
check "the bash completion is installed and parses" bash -n "$bashc"
check "the bash completion registers oauthscope" grep -q "complete .*oauthscope" "$bashc"
check "the bash completion knows the subcommands" bash -c "grep -q demo '$bashc' && grep -q listen '$bashc'"
zshc="$prefix/share/zsh/site-functions/_oauthscope"
check "the zsh completion starts with #compdef oauthscope" bash -c "head -1 '$zshc' | grep -q '^#compdef oauthscope'"
if command -v zsh >/dev/null; then check "the zsh completion parses" zsh -n "$zshc"; fi
fishc="$prefix/share/fish/vendor_completions.d/oauthscope.fish"
check "the fish completion completes oauthscope" grep -Eq "complete -c '?oauthscope'?" "$fishc"
if command -v fish >/dev/null; then check "the fish completion parses" fish --no-execute "$fishc"; fi

bash "$root/scripts/install.sh" >/dev/null 2>&1; status=$?
check "install.sh without PREFIX is a usage error (exit 2)" test "$status" -eq 2

summary
