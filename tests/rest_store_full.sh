#!/usr/bin/env bash
# A full store answers the same at every route that writes: 507 with code storage_failed, nothing
# changed, the gateway up and serving reads; other store failures are 500 (one map in services/rest/rest.c).
# The data directory sits on a small tmpfs (needs root to mount; skipped otherwise) that a filler
# file fills up.
set -u
. "$(dirname "$0")/../fuzz/gateway_lib.sh"

small=$work/small
mkdir -p "$small"
mount -t tmpfs -o size=8m tmpfs "$small" 2>/dev/null || { echo "SKIP: cannot mount a tmpfs (needs root)"; exit 77; }
on_exit+=("umount '$small' 2>/dev/null")
data=$small/var
start_node || finish
start_gateway || finish

api POST /v1/psks '{}'; check "a PSK before the disk fills" 201 "$status"
dd if=/dev/zero of="$small/filler" bs=64k 2>/dev/null

# answer NAME METHOD PATH BODY: the route answers 507 storage_failed on the full disk
full() {
  api "$2" "$3" "$4"
  check "$1 on a full disk" "507 storage_failed" "$status $(echo "$body" | json 'd["error"]["code"]' 2>/dev/null)"
}
full "new NTRU key" POST /v1/ntru-keys '{}'
full "new PSK" POST /v1/psks '{}'
full "new watch" POST /v1/watches "{\"channel_id\":\"$(printf 'A%.0s' $(seq 81))\"}"
full "new channel" POST /v1/channels '{"height":2}'
api GET /v1/psks; check "PSKs readable on a full disk" 200 "$status"
check "one PSK, as before" 1 "$(echo "$body" | json 'len(d["psks"])')"
api GET /v1/ntru-keys; check "no NTRU key was half-stored" 0 "$(echo "$body" | json 'len(d["ntru_keys"])')"
healthy && ok || bad "gateway unhealthy on a full disk"

rm -f "$small/filler"
api POST /v1/ntru-keys '{}'; check "a new NTRU key once space is back" 201 "$status"
finish
