#!/bin/sh
# A BingX listen key from any language's point of view: plain curl and openssl.
# The signature is HMAC-SHA256 (lowercase hex) over the query string exactly as sent,
# without `signature` (docs/contract.md, "signing"). Usage:
#   BASE=http://127.0.0.1:8080 API_KEY=... API_SECRET=... sh docs/recipes/listen_key.sh
set -eu
path=/openApi/user/auth/userDataStream

signed() {  # signed "listenKey=abc" -> "listenKey=abc&timestamp=...&signature=..."
  query="${1:+$1&}timestamp=$(($(date +%s) * 1000))"
  signature=$(printf '%s' "$query" | openssl dgst -sha256 -hmac "$API_SECRET" | sed 's/^.*= //')
  printf '%s&signature=%s' "$query" "$signature"
}

call() {  # call METHOD QUERY: the answer's body; fails on an HTTP error or an error code
  body=$(curl -sf -X "$1" -H "X-BX-APIKEY: $API_KEY" "$BASE$path?$(signed "$2")")
  case "$body" in *'"code":'[1-9]*) echo "refused: $body" >&2; exit 1 ;; esac
  printf '%s' "$body"
}

key=$(call POST "" | sed 's/.*"listenKey":"\([0-9a-f]*\)".*/\1/')
echo "listenKey $key"
call PUT "listenKey=$key" >/dev/null     # keep it alive: every 30 minutes
call DELETE "listenKey=$key" >/dev/null  # and close it when done
echo "extended and deleted"
