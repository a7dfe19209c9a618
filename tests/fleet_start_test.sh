#!/usr/bin/env bash
# Fleet start-up against a real PostgreSQL (tests/fleet_lib.sh: devnode, the server, instances A
# and B):
# - a location the server refuses for good (wrong password, unknown role, missing database,
#   malformed URI): mamgated exits 1 within seconds, saying why, never showing the password;
# - the database down at start: REST listens at once and answers 503 store_unavailable (JSON,
#   Retry-After; /v1/health 503, /v1/info store_ready false) while the gateway retries with a log
#   line; once the database is up the same routes answer 200/201;
# - a PSK made through B reaches A's own-channel watch while A runs: with shards, A alone decodes
#   the channel, and a PSK message published through B is read through A.
set -u
. "$(dirname "$0")/fleet_lib.sh"
password=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.urlparse(sys.argv[1]).password)' "$MAMGATE_TEST_PG_URI")
uri=$MAMGATE_TEST_PG_URI

# no_password FILE WHAT: the database password is nowhere in FILE.
no_password() { grep -qF "$password" "$1" && bad "$2: the database password is in the log" || ok; }

# ---- refused for good: exit status 1 within seconds, with the cause
# refused WHAT URI PATTERN
refused() {
  local log=$work/refused-${1// /-}.log started=$SECONDS rc=0
  MAMGATE_STORE=$2 timeout 20 "$build/host/mamgated" --plugin "$build/plugin/.libs/mamgate.so" \
    --set "http=${i_http[A]}" --set "data_dir=$work/var-refused" --set "node_api=http://$node_api" \
    --set "node_zmq=$node_zmq" >"$log" 2>&1 || rc=$?
  echo "$1: exit status $rc after $((SECONDS - started)) s"
  check "$1: exit status" 1 "$rc"
  [ $((SECONDS - started)) -le 10 ] && ok || bad "$1: took $((SECONDS - started)) s"
  grep -q "$3" "$log" && ok || { bad "$1: the log does not say '$3'"; cat "$log"; }
  no_password "$log" "$1"
}
refused "wrong password" "${uri/:$password@/:wrong$password@}" 'password authentication failed for user "mamgate"'
refused "unknown role" "${uri/mamgate:/nobody:}" 'password authentication failed for user "nobody"'
refused "missing database" "${uri%/mamgate_test}/mamgate_nope" 'database "mamgate_nope" does not exist'
refused "malformed URI" "$uri?no_such_option=1" 'invalid URI query parameter'

# ---- the database down at start
start_node || exit 1
pg_down || exit 1
launch_instance A --set shard=0/2
started=$SECONDS answer=000
while [ $((SECONDS - started)) -lt 10 ]; do
  answer=$(curl -s -m 2 -D "$work/down.headers" -o "$work/down.body" -w '%{http_code}' "http://$http/v1/watches" 2>/dev/null)
  [ "$answer" = 503 ] && break
  sleep 0.1
done
echo "the database down: REST answered $answer after $((SECONDS - started)) s"
check "a store route with the database down" 503 "$answer"
check "its error code" store_unavailable "$(json 'd["error"]["code"]' <"$work/down.body" 2>/dev/null)"
grep -qi '^Retry-After: [0-9]' "$work/down.headers" && ok || bad "no Retry-After on the 503"
check "/v1/health with the database down" 503 "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://$http/v1/health")"
api GET /v1/info
check "/v1/info with the database down" 200 "$status"
check "/v1/info says the store is not ready" False "$(echo "$body" | json 'd["store_ready"]' 2>/dev/null)"
gateway_alive && ok || bad "the gateway stopped while the database is down"
pg_up || exit 1
token=$(cat "$data/token")
started=$SECONDS
while [ $((SECONDS - started)) -lt 30 ]; do
  api GET /v1/watches
  [ "$status" = 200 ] && break
  sleep 0.2
done
echo "the database up: REST answered $status after $((SECONDS - started)) s"
check "the store route once the database is up" 200 "$status"
api GET /v1/info
check "/v1/info once the database is up" True "$(echo "$body" | json 'd["store_ready"]' 2>/dev/null)"
healthy && ok || bad "/v1/health once the database is up"
grep -q 'store postgresql://mamgate:\*\*\*@.* unreachable (attempt 1)' "$work/gw.log" && ok || bad "no retry line in the log"
grep -q 'reached after [0-9]* attempts' "$work/gw.log" && ok || bad "no line says the store was reached"
no_password "$work/gw.log" "the retries"

# ---- a PSK made through B reaches A's own-channel watch while A runs
start_instance B --set shard=1/2 || exit 1
for name in A B; do
  use $name
  for _ in $(seq 100); do
    api GET /v1/info
    [ "$(echo "$body" | json 'd["fleet"]["live"]' 2>/dev/null)" = 2 ] && break
    sleep 0.2
  done
  check "$name sees both instances live" 2 "$(echo "$body" | json 'd["fleet"]["live"]' 2>/dev/null)"
done
use A
# a channel of A's home share (read/shard.h: FNV-1a of its id, mod 2): B does not decode it
fnv() { python3 -c 'import sys
h = 0xcbf29ce484222325
for c in sys.argv[1].encode(): h = ((h ^ c) * 0x100000001b3) % 2**64
print(h % 2)' "$1"; }
ch=
for _ in $(seq 20); do
  api POST /v1/channels '{"height":3}'
  [ "$status" = 201 ] || { bad "create channel: $status $body"; break; }
  candidate=$(echo "$body" | json 'd["channel_id"]')
  [ "$(fnv "$candidate")" = 0 ] && { ch=$candidate; break; }
done
[ -n "$ch" ] || { bad "no channel of A's share"; finish; }
api POST /v1/watches "{\"channel_id\":\"$ch\"}"
check "A watches its channel" 201 "$status"
use B
api POST /v1/psks '{}'
check "a PSK made through B" 201 "$status"
psk=$(echo "$body" | json 'd["id"]')
api POST "/v1/channels/$ch/messages" "{\"payload\":\"for the PSK holders\",\"psks\":[\"$psk\"]}"
check "a PSK message published through B" 201 "$status"
message=$(echo "$body" | json 'd["message_id"]')
use A
started=$SECONDS
while [ $((SECONDS - started)) -lt 30 ]; do
  api GET "/v1/channels/$ch/messages/$message"
  [ "$status" = 200 ] && break
  sleep 0.3
done
echo "the PSK message through A: $status after $((SECONDS - started)) s"
check "A decoded the PSK message made with B's new key" 200 "$status"
echo "$body" | grep -q 'for the PSK holders' && ok || bad "A's copy lacks the payload: $body"

finish
