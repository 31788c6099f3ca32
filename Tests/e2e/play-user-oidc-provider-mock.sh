#!/usr/bin/env bash
# Plays the user in a browser against oidc-provider-mock (a third-party OIDC server from PyPI): it submits the
# authorization form as the user would and follows the redirect back to oauthscope's listener.
#   PLAY_USER_ACTION=approve|deny   what the user chooses (default: what `oauthscope doctor` asks for in
#                                   OAUTHSCOPE_DOCTOR_CHOICE, else approve)
#   PLAY_USER_TAMPER=state          alter the state on the way back (a CSRF attempt)
set -euo pipefail
url="$1"
action="${PLAY_USER_ACTION:-${OAUTHSCOPE_DOCTOR_CHOICE:-approve}}"
if [ "$action" = deny ]; then
  location=$(curl -s -o /dev/null -w '%{redirect_url}' -X POST --data-urlencode action=deny "$url")
else
  location=$(curl -s -o /dev/null -w '%{redirect_url}' -X POST --data-urlencode sub=alice@example.com "$url")
fi
[ -n "$location" ] || { echo "play-user: the provider did not redirect" >&2; exit 1; }
if [ "${PLAY_USER_TAMPER:-}" = state ]; then
  location=$(printf '%s' "$location" | sed -E 's/([?&]state=)[^&]*/\1tampered-by-a-proxy/')
fi
curl -s -o /dev/null "$location"
