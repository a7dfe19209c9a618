#!/usr/bin/env bash
# Conditional and compressed REST reads against the real gateway (devnode + mamgated + plugin) over
# real HTTP with curl: ETag on message pages and single messages, If-None-Match -> 304 (lists, W/,
# *, malformed headers; the console's files too), gzip when Accept-Encoding allows it (curl --compressed) with its own tag,
# tags that change when a page gains rows and stay when a full page cannot, and after a restart.
set -u
node_mwm=1
. "$(dirname "$0")/../fuzz/gateway_lib.sh"

# get PATH [CURL ARGS...]: sets $status, $headers (lower-case names) and $body (the file $work/body).
get() {
  local path=$1
  shift
  rm -f "$work/body"
  status=$(curl -s -m 30 -D "$work/headers" -o "$work/body" -w '%{http_code}' "$@" "http://$http$path")
  headers=$(tr -d '\r' <"$work/headers" | tr 'A-Z' 'a-z')
  body=$(cat "$work/body" 2>/dev/null | tr -d '\0')
}
# header NAME: the value of that response header in $headers (NAME lower-case), original case.
header() { tr -d '\r' <"$work/headers" | awk -v n="$1" 'tolower($0) ~ "^" n ":" {sub(/^[^:]*: */, ""); print}'; }
wait_count() {
  for _ in $(seq 100); do
    get "/v1/channels/$1/messages?limit=1000"
    [ "$status" = 200 ] && [ "$(json 'len(d["messages"])' <"$work/body")" -ge "$2" ] && return 0
    sleep 0.1
  done
  bad "channel $1 did not reach $2 packets"
  return 1
}
publish() {
  api POST "/v1/channels/$1/messages" "{\"payload\":\"$2\",\"checksum\":\"mac\",\"packets\":$3}"
  check "publish" 201 "$status"
  mid=$(echo "$body" | json 'd["message_id"]')
}

start_node || finish
start_gateway || finish

api POST /v1/channels '{"height":2}'; check "create channel" 201 "$status"
ch=$(echo "$body" | json 'd["channel_id"]')
api POST /v1/watches "{\"channel_id\":\"$ch\",\"backfill\":false}"; check "watch" 201 "$status"
publish "$ch" "first message, three packets of it" 3
wait_count "$ch" 3 || finish
page=/v1/channels/$ch/messages

# ---- a page: strong ETag, Vary, no-cache; 304 for a matching If-None-Match
get "$page"
check "page" 200 "$status"
plain=$body
etag=$(header etag)
case $etag in '"'*'"') ok ;; *) bad "page ETag is not a strong entity tag: '$etag'" ;; esac
check "Vary" "accept-encoding" "$(header vary | tr 'A-Z' 'a-z')"
check "Cache-Control" "no-cache" "$(header cache-control)"
check "no Content-Encoding without Accept-Encoding" "" "$(header content-encoding)"
for inm in "$etag" "W/$etag" "\"other\", $etag" " , $etag ," "*"; do
  get "$page" -H "If-None-Match: $inm"
  check "If-None-Match: $inm" "304 0 $etag" "$status ${#body} $(header etag)"
done
for inm in '"other"' "${etag%\"}x\"" "$etag junk" "$etag, *" "${etag#\"}"; do
  get "$page" -H "If-None-Match: $inm"
  check "If-None-Match: $inm (no match)" "200" "$status"
  check "the full page after If-None-Match: $inm" "$plain" "$body"
done
get "$page" -I -H "If-None-Match: $etag"
check "HEAD with If-None-Match" 304 "$status"

# ---- gzip: the same JSON, its own tag; refused by q=0, chosen over a less wanted identity
get "$page" --compressed
check "compressed page" "200 gzip" "$status $(header content-encoding)"
check "compressed page decodes to the plain page" "$plain" "$body"
gz_etag=$(header etag)
[ "$gz_etag" != "$etag" ] && ok || bad "the gzip page has the plain page's ETag $etag"
get "$page" --compressed -H "If-None-Match: $gz_etag"
check "compressed page with its ETag" 304 "$status"
get "$page" --compressed -H "If-None-Match: $etag"
check "compressed page with the plain ETag" 200 "$status"
get "$page" -H "Accept-Encoding: gzip"
check "raw gzip body" "$plain" "$(gzip -dc <"$work/body")"
for ae in "gzip;q=0" "identity" "gzip;q=0.5, identity" "br" "gzip;q=1.5" "*;q=0"; do
  get "$page" -H "Accept-Encoding: $ae"
  check "Accept-Encoding: $ae" "200  $etag" "$status $(header content-encoding) $(header etag)"
done
for ae in "GZIP" "x-gzip;q=0.001" "*" "identity;q=0.5, gzip" "deflate, gzip;q=1.0"; do
  get "$page" -H "Accept-Encoding: $ae"
  check "Accept-Encoding: $ae" "200 gzip $gz_etag" "$status $(header content-encoding) $(header etag)"
done

# ---- a single message: its tag and 304
get "$page/$mid"
check "message" 200 "$status"
msg_etag=$(header etag)
get "$page/$mid" -H "If-None-Match: $msg_etag"
check "message with its ETag" 304 "$status"
[ "$msg_etag" != "$etag" ] && ok || bad "the message and the page share a tag"

# ---- new rows: the open page changes, a full page of the first rows cannot
get "$page?limit=2"
full_etag=$(header etag)
publish "$ch" "second message" 1
wait_count "$ch" 4 || finish
get "$page" -H "If-None-Match: $etag"
check "page after a new message" 200 "$status"
check "the page has the new row" 4 "$(json 'len(d["messages"])' <"$work/body")"
[ "$(header etag)" != "$etag" ] && ok || bad "the page kept its ETag after a new row"
get "$page?limit=2" -H "If-None-Match: $full_etag"
check "full page of the first rows after a new message" 304 "$status"
get "$page?limit=2&cursor=0" -H "If-None-Match: $full_etag"
check "the same page with the cursor spelt out" 304 "$status"

# ---- the console's files revalidate through the same matcher
get /console/app.js
console_etag=$(header etag)
get /console/app.js -H "If-None-Match: \"x\", W/$console_etag"
check "console file with its ETag" 304 "$status"
get /console/app.js -H "If-None-Match: $console_etag junk"
check "console file with a malformed If-None-Match" 200 "$status"

# ---- a restart changes every tag
etag=$(get "$page" >/dev/null; header etag)
stop_gateway
start_gateway || finish
get "$page" -H "If-None-Match: $etag"
check "page after a restart" 200 "$status"
[ "$(header etag)" != "$etag" ] && ok || bad "the ETag survived a restart"

finish
