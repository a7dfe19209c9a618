#!/usr/bin/env bash
# End-to-end: the real devnode, the real mamgated loading the real mamgate.so with dlopen, real
# HTTP over loopback and a real ZeroMQ consumer. Publishes public, PSK and NTRU messages with MAC
# and signatures, single and multi-packet, on channels and endpoints; checks that they decode only
# with the right keys, arrive on ZeroMQ and the live stream, survive restarts (no leaf index
# reused, no duplicate), that rotation is followed, and that bad requests get the right errors.
set -u
build=${MAMGATE_BUILDDIR:-$(pwd)}
work=$(mktemp -d)
base=$((20000 + RANDOM % 12000)) # below the ephemeral port range (32768 up)
node_api=127.0.0.1:$base node_zmq=tcp://127.0.0.1:$((base + 1))
http=127.0.0.1:$((base + 2)) pub=tcp://127.0.0.1:$((base + 3))
pass=0 fail=0 node_pid= gw_pid= sub_pid=

cleanup() {
  for p in $sub_pid $gw_pid $node_pid; do kill -TERM "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { if [ "$2" = "$3" ]; then ok; else bad "$1: expected '$2', got '$3'"; fi; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

start_node() {
  "$build/devnode/devnode" --api "$node_api" --zmq "$node_zmq" --data-dir "$work/node" --mwm 9 >>"$work/node.log" 2>&1 &
  node_pid=$!
}
start_gateway() {
  MAMGATE_NODE_API=http://$node_api MAMGATE_NODE_ZMQ=$node_zmq MAMGATE_HTTP=$http MAMGATE_ZMQ_PUB=$pub \
    MAMGATE_DATA_DIR=$work/var MAMGATE_MWM=9 "$build/host/mamgated" --plugin "$build/plugin/.libs/mamgate.so" \
    --set max_payload_bytes=4096 --set rotate_threshold=2 "$@" >>"$work/gw.log" 2>&1 &
  gw_pid=$!
  for _ in $(seq 100); do curl -sf "http://$http/v1/health" >/dev/null && return 0; sleep 0.1; done
  bad "gateway did not start"; cat "$work/gw.log"; return 1
}
stop_gateway() { kill -"${1:-TERM}" "$gw_pid"; wait "$gw_pid" 2>/dev/null; }

# api METHOD PATH [BODY|@FILE] [TOKEN]: sets $status and $body. TOKEN: unset for the gateway's
# token, "" for no Authorization header, anything else is sent as given.
api() {
  local auth=() tok=${4-$token}
  [ -n "$tok" ] && auth=(-H "Authorization: Bearer $tok")
  body=$(curl -s -o /dev/stdout -w '\n%{http_code}' -X "$1" "${auth[@]}" "http://$http$2" ${3:+--data-binary "$3"})
  status=${body##*$'\n'}
  body=${body%$'\n'*}
}
expect_status() { # name, want, method, path, [body], [token]
  if [ $# -ge 6 ]; then api "$3" "$4" "$5" "$6"; else api "$3" "$4" "${5-}"; fi
  if [ "$status" = "$2" ]; then ok; else bad "$1: status $status (want $2): $body"; fi
}
wait_count() { # channel, n: waits until the channel has n stored packets
  for _ in $(seq 100); do
    api GET "/v1/channels/$1/messages?limit=1000"
    [ "$(echo "$body" | json 'len(d["messages"])')" -ge "$2" ] && return 0
    sleep 0.1
  done
  return 1
}

start_node
sleep 0.5
start_gateway || exit 1
token=$(cat "$work/var/token")
check "token file is private" 600 "$(stat -c %a "$work/var/token")"
check "seed file is private" 600 "$(stat -c %a "$work/var/seed")"
check "database is private" 600 "$(stat -c %a "$work/var/mamgate.db")"

# ---- channels, keys, watches
api POST /v1/channels '{"height":2}'; check "create channel" 201 "$status"
ch=$(echo "$body" | json 'd["channel_id"]')
api POST /v1/channels '{"height":1}'; other=$(echo "$body" | json 'd["channel_id"]')
api POST /v1/psks '{}'; check "create psk" 201 "$status"
psk_id=$(echo "$body" | json 'd["id"]'); psk_key=$(echo "$body" | json 'd["key"]')
api POST /v1/ntru-keys; check "create ntru key" 201 "$status"
ntru_id=$(echo "$body" | json 'd["id"]'); ntru_pk=$(echo "$body" | json 'd["public_key"]')
api POST /v1/watches "{\"channel_id\":\"$ch\",\"psks\":[{\"id\":\"$psk_id\",\"key\":\"$psk_key\"}],\"ntru_key_ids\":[\"$ntru_id\"]}"
check "watch with keys" 201 "$status"
# own_keys false: the gateway's own PSK must not decode what this watch is not given the key for
api POST /v1/watches "{\"channel_id\":\"$other\",\"own_keys\":false}"; check "watch without keys" 201 "$status"
"$build/mamgate-sub" --endpoint "$pub" --channel "$ch" --count 6 --timeout 60 >"$work/zmq.txt" 2>"$work/zmq.err" &
sub_pid=$!
sleep 0.3

# ---- publishing: every keyload, checksums, multi-packet, endpoint
api POST "/v1/channels/$ch/messages" '{"payload":"public mac","checksum":"mac"}'; check "publish public mac" 201 "$status"
api POST "/v1/channels/$ch/messages" "{\"payload\":\"secret psk\",\"psks\":[\"$psk_id\"],\"checksum\":\"signature\"}"
check "publish psk signed" 201 "$status"; check "signatures left" 3 "$(echo "$body" | json 'd["remaining_signatures"]')"
api POST "/v1/channels/$ch/messages" "{\"payload\":\"c2VjcmV0IG50cnU=\",\"encoding\":\"base64\",\"ntru_public_keys\":[\"$ntru_pk\"],\"checksum\":\"none\",\"packets\":3}"
check "publish ntru 3 packets" 201 "$status"; check "3 bundles" 3 "$(echo "$body" | json 'len(d["bundles"])')"
ntru_msg=$(echo "$body" | json 'd["message_id"]')
api POST "/v1/channels/$other/messages" "{\"payload\":\"not for you\",\"psks\":[\"$psk_id\"],\"checksum\":\"mac\"}"
check "publish psk on other" 201 "$status"
wait_count "$ch" 5 || bad "decoded packets did not arrive"
api GET "/v1/channels/$ch/messages?limit=100"
check "payloads in order, bytes never split" "public mac|secret psk|secr|et n|tru" "$(echo "$body" | json '"|".join(m["payload_trytes"] and (m["payload"] or "") for m in d["messages"])')"
check "checksums" "mac,signature,none,none,none" "$(echo "$body" | json '",".join(m["checksum"] for m in d["messages"])')"
check "last flags" "True,True,False,False,True" "$(echo "$body" | json '",".join(str(m["last"]) for m in d["messages"])')"
api GET "/v1/channels/$ch/messages/$ntru_msg"; check "message by id" 3 "$(echo "$body" | json 'len(d["packets"])')"
sleep 1
api GET "/v1/channels/$other/messages"; check "PSK message without the key is not decoded" 0 "$(echo "$body" | json 'len(d["messages"])')"
api GET /metrics
echo "$body" | grep -q 'mamgate_decode_rejected_total{reason="no keyload matches a key we hold"} 1' && ok || bad "keyload rejection not counted"

# an endpoint announced by the channel (the reader learns to trust it), messages on it, and
# rotation to a fresh endpoint when its signatures fall to the threshold (2)
api POST "/v1/channels/$ch/endpoints" '{"height":2}'; check "create endpoint" 201 "$status"
ep=$(echo "$body" | json 'd["endpoint_id"]')
check "announcing costs no endpoint leaf" 4 "$(echo "$body" | json 'd["remaining_signatures"]')"
api POST "/v1/channels/$ch/messages" "{\"payload\":\"from endpoint\",\"endpoint_id\":\"$ep\",\"checksum\":\"signature\"}"
check "publish on endpoint" 201 "$status"; check "no rotation yet" "" "$(echo "$body" | json 'd.get("rotated_to","")')"
api POST "/v1/channels/$ch/messages" "{\"payload\":\"endpoint again\",\"endpoint_id\":\"$ep\",\"checksum\":\"signature\"}"
check "rotated at the threshold" 81 "$(echo "$body" | json 'len(d.get("rotated_to",""))')"
rotated=$(echo "$body" | json 'd.get("rotated_to","")')
api POST "/v1/channels/$ch/messages" '{"payload":"after rotation","checksum":"signature"}'
check "publish after rotation" 201 "$status"; check "the new endpoint signs" "$rotated" "$(echo "$body" | json 'd["endpoint_id"]')"
wait_count "$ch" 10 || bad "endpoint messages did not arrive"
api GET "/v1/channels/$ch/messages?cursor=0&limit=100"
check "endpoint messages decoded with their signers" "$ep $ep $ep $rotated $rotated" \
  "$(echo "$body" | json '" ".join(m["endpoint_id"] for m in d["messages"][5:])')"
check "endpoint payloads" "|from endpoint|endpoint again||after rotation" \
  "$(echo "$body" | json '"|".join(m["payload"] or "" for m in d["messages"][5:])')"

wait "$sub_pid"; check "ZeroMQ consumer got 6 messages" 6 "$(wc -l <"$work/zmq.txt")"; sub_pid=

# live stream from a cursor
(timeout 3 curl -sN "http://$http/v1/channels/$ch/stream?cursor=5" >"$work/sse.txt") ; true
check "stream resumes after cursor 5" "6 7 8 9 10" "$(grep '^id:' "$work/sse.txt" | cut -d' ' -f2 | tr '\n' ' ' | sed 's/ $//')"

# ---- a message written offline by mamgate-cli, attached and stored through devnode's own API
seed=$(printf 'CLISEED9%.0s' $(seq 10))A
"$build/mamgate-cli" write --seed "$seed" --state "$work/cli.state" --height 2 --checksum sig \
  --text "written offline" >"$work/cli.txs" 2>"$work/cli.err" && ok || bad "mamgate-cli write failed: $(cat "$work/cli.err")"
cli_ch=$(sed -n 's/^channel //p' "$work/cli.err")
api POST /v1/watches "{\"channel_id\":\"$cli_ch\"}"; check "watch the CLI channel" 201 "$status"
python3 - "$node_api" "$work/cli.txs" <<'PY' && ok || bad "could not attach the CLI transactions"
import json, sys, urllib.request
node, txs = sys.argv[1], [l.strip() for l in open(sys.argv[2]) if l.strip()]
def call(cmd):
    req = urllib.request.Request("http://" + node, json.dumps(cmd).encode(),
                                 {"Content-Type": "application/json", "X-IOTA-API-Version": "1"})
    return json.load(urllib.request.urlopen(req))
tips = call({"command": "getTransactionsToApprove", "depth": 3})
attached = call({"command": "attachToTangle", "trunkTransaction": tips["trunkTransaction"],
                 "branchTransaction": tips["branchTransaction"], "minWeightMagnitude": 9,
                 "trytes": list(reversed(txs))})["trytes"]
call({"command": "storeTransactions", "trytes": attached})
call({"command": "broadcastTransactions", "trytes": attached})
PY
wait_count "$cli_ch" 1 || bad "the CLI message was not decoded"
api GET "/v1/channels/$cli_ch/messages"
check "CLI message decoded and verified" "written offline signature True" \
  "$(echo "$body" | json '" ".join([d["messages"][0]["payload"], d["messages"][0]["checksum"], str(d["messages"][0]["verified"])])')"

# ---- errors
expect_status "no token" 401 POST /v1/channels '{"height":1}' ""
expect_status "wrong token" 403 POST /v1/channels '{"height":1}' nope
expect_status "malformed json" 400 POST /v1/channels '{"height":'
expect_status "bad height" 400 POST /v1/channels '{"height":99}'
expect_status "unknown channel" 404 GET "/v1/channels/$(printf 'A%.0s' $(seq 81))"
expect_status "bad channel id" 400 GET /v1/channels/abc
expect_status "unknown route" 404 GET /v1/nothing
expect_status "wrong method" 405 DELETE /v1/channels
expect_status "payload too large" 413 POST "/v1/channels/$ch/messages" "{\"payload\":\"$(head -c 5000 /dev/zero | tr '\0' x)\"}"
{ printf '{"x":"'; head -c 1100000 /dev/zero | tr '\0' x; printf '"}'; } >"$work/big.json"
expect_status "body too large" 413 POST /v1/psks "@$work/big.json"
expect_status "duplicate watch" 409 POST /v1/watches "{\"channel_id\":\"$ch\"}"
expect_status "duplicate psk" 409 POST /v1/psks "{\"id\":\"$psk_id\"}"
# a PSK id shorter than 27 trytes is padded with 9, as the reference's users pad theirs
short_padded=SHORTPSK$(printf '9%.0s' $(seq 19))
api POST /v1/psks '{"id":"SHORTPSK"}'; check "short psk id" "201 $short_padded" "$status $(echo "$body" | json 'd["id"]')"
expect_status "short psk id is the padded one" 409 POST /v1/psks "{\"id\":\"$short_padded\"}"
expect_status "publish with the padded psk id" 201 POST "/v1/channels/$other/messages" "{\"payload\":\"padded\",\"psks\":[\"$short_padded\"]}"
# ... wherever a PSK id is named: publishing, a watch's own PSK, deleting
expect_status "publish with the short psk id" 201 POST "/v1/channels/$other/messages" '{"payload":"short","psks":["SHORTPSK"]}'
expect_status "publish with a lowercase psk id" 400 POST "/v1/channels/$other/messages" '{"payload":"short","psks":["shortpsk"]}'
short_key=$(printf 'K%.0s' $(seq 81))
api POST /v1/watches "{\"channel_id\":\"$(printf 'W%.0s' $(seq 81))\",\"psks\":[{\"id\":\"WATCHPSK\",\"key\":\"$short_key\"}],\"backfill\":false}"
check "watch with a short psk id" "201 WATCHPSK$(printf '9%.0s' $(seq 19))" "$status $(curl -s "http://$http/v1/watches" | json '[w for w in d["watches"] if w["channel_id"].startswith("WWW")][0]["psk_ids"][0]')"
expect_status "delete with the short psk id" 204 DELETE /v1/psks/SHORTPSK
expect_status "the padded id is gone" 404 DELETE "/v1/psks/$short_padded"
expect_status "psk id of 28 trytes" 400 POST /v1/psks "{\"id\":\"$(printf 'A%.0s' $(seq 28))\"}"
expect_status "empty psk id" 400 POST /v1/psks '{"id":""}'
expect_status "lowercase psk id" 400 POST /v1/psks '{"id":"short"}'
expect_status "psk id not a string" 400 POST /v1/psks '{"id":7}'
expect_status "unknown psk" 404 POST "/v1/channels/$ch/messages" "{\"payload\":\"x\",\"psks\":[\"$(printf 'B%.0s' $(seq 27))\"]}"
expect_status "bad encoding" 400 POST "/v1/channels/$ch/messages" '{"payload":"x","encoding":"rot13"}'
expect_status "bad cursor" 400 GET "/v1/channels/$ch/messages?cursor=-1"
api POST /v1/channels '{"height":0}'; small=$(echo "$body" | json 'd["channel_id"]')
expect_status "last signature" 201 POST "/v1/channels/$small/messages" '{"payload":"one","checksum":"signature"}'
expect_status "exhausted" 422 POST "/v1/channels/$small/messages" '{"payload":"two","checksum":"signature"}'
api GET /v1/psks; echo "$body" | grep -q "$psk_key" && bad "a PSK key leaked into GET /v1/psks" || ok
api GET /v1/watches; echo "$body" | grep -q "$psk_key" && bad "a PSK key leaked into GET /v1/watches" || ok
grep -q "$psk_key" "$work/gw.log" && bad "a PSK key leaked into the log" || ok

# ---- the web console: the plugin's files, served on the REST service's server
api GET /; check "console page served" 200 "$status"
echo "$body" | grep -qi "<!doctype html" && ok || bad "GET / is not the console's page"
expect_status "a console file" 200 GET /console/app.js

# ---- OpenAPI: every route the server answers is documented, and the reverse
api GET /v1/openapi.json; check "openapi served" 200 "$status"
echo "$body" | python3 -c '
import json, sys
doc = json.load(sys.stdin)
assert doc["openapi"].startswith("3."), "not OpenAPI 3"
want = {("GET","/v1/health"),("GET","/v1/info"),("GET","/v1/openapi.json"),("GET","/metrics"),("POST","/v1/channels"),
 ("GET","/v1/channels"),("GET","/v1/channels/{channel_id}"),("POST","/v1/channels/{channel_id}/endpoints"),
 ("POST","/v1/channels/{channel_id}/messages"),("GET","/v1/channels/{channel_id}/messages"),
 ("GET","/v1/channels/{channel_id}/messages/{message_id}"),("GET","/v1/channels/{channel_id}/stream"),("GET","/v1/stream"),
 ("POST","/v1/psks"),("GET","/v1/psks"),("DELETE","/v1/psks/{id}"),("POST","/v1/ntru-keys"),("GET","/v1/ntru-keys"),
 ("GET","/v1/ntru-keys/{id}"),("POST","/v1/watches"),("GET","/v1/watches"),("DELETE","/v1/watches/{channel_id}")}
have = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
assert have == want, (have ^ want)
' && ok || bad "OpenAPI document does not match the routes"

# ---- restarts: stop and restart the gateway and the node mid-stream; nothing lost or doubled
api GET "/v1/channels/$ch"; before=$(echo "$body" | json 'd["remaining_signatures"]')
stop_gateway KILL
kill -TERM "$node_pid"; wait "$node_pid" 2>/dev/null
start_node; sleep 0.5
start_gateway || exit 1
api GET "/v1/channels/$ch"; check "signatures left after restart" "$before" "$(echo "$body" | json 'd["remaining_signatures"]')"
api POST "/v1/channels/$ch/messages" '{"payload":"after restart","checksum":"mac"}'; check "publish after restart" 201 "$status"
wait_count "$ch" 11 || bad "message after restart did not arrive"
sleep 1
api GET "/v1/channels/$ch/messages?limit=1000"
check "no duplicates after restart and back-fill" 11 "$(echo "$body" | json 'len(d["messages"])')"
check "unique (message, ord)" 11 "$(echo "$body" | json 'len({(m["message_id"],m["ord"]) for m in d["messages"]})')"
stop_gateway TERM
check "clean stop" 0 "$?"
grep -q "plugin mamgate stopped" "$work/gw.log" && ok || bad "cleanup not logged"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
