#!/usr/bin/env bash
# REST features and defects of issue 14 against the real gateway (devnode + mamgated + plugin) over
# real HTTP (curl, Python's http.client): reads of unknown channels, invalid feed input counted by
# reason, Idempotency-Key, bulk watches, the multi-channel stream, own keys on watches of own
# channels.
set -u
. "$(dirname "$0")/../fuzz/gateway_lib.sh"

trytes81() { printf "$1%.0s" $(seq 81); }
# wait_count CHANNEL N: until the channel has at least N stored packets (10 s at most)
wait_count() {
  for _ in $(seq 100); do
    api GET "/v1/channels/$1/messages?limit=1000"
    [ "$status" = 200 ] && [ "$(echo "$body" | json 'len(d["messages"])')" -ge "$2" ] && return 0
    sleep 0.1
  done
  return 1
}

start_node || finish
start_gateway || finish

api POST /v1/channels '{"height":3}'; check "create channel" 201 "$status"
ch=$(echo "$body" | json 'd["channel_id"]')

# ---- reads of a channel that is neither own nor watched: 404 with the error JSON
unknown=$(trytes81 Q)
for path in "/v1/channels/$unknown/messages" "/v1/channels/$unknown/messages/$(printf 'A%.0s' $(seq 21))" \
  "/v1/channels/$unknown/stream"; do
  api GET "$path"
  check "GET $path of an unknown channel" "404 not_found" "$status $(echo "$body" | json 'd["error"]["code"]' 2>&1)"
done
api GET "/v1/channels/$ch/messages"; check "messages of an own channel" "200 0" "$status $(echo "$body" | json 'len(d["messages"])')"
watched=$(trytes81 W)
api POST /v1/watches "{\"channel_id\":\"$watched\",\"backfill\":false}"; check "watch" 201 "$status"
api GET "/v1/channels/$watched/messages"; check "messages of a watched channel" "200 0" "$status $(echo "$body" | json 'len(d["messages"])')"

# ---- junk and forged copies at a watched address are counted as invalid, by reason
# attach.py NODE MODE BUNDLE [HEADER_BUNDLE]: re-attaches the bundle's transactions through the node
# (attachToTangle, store, broadcast). MODE copy: unchanged; forge: one fragment tryte changed in each
# transaction (the bundle hash does not cover fragments, so the copy is a valid bundle); junk: fragments of Ms and a
# fresh message id in the tag, with the header's packet order (HEADER_BUNDLE gives it).
cat >"$work/attach.py" <<'PY'
import json, random, sys, urllib.request
node, mode, bundle = sys.argv[1:4]
ALPHABET = "9ABCDEFGHIJKLMNOPQRSTUVWXYZ"
def call(cmd):
    req = urllib.request.Request("http://" + node, json.dumps(cmd).encode(),
                                 {"Content-Type": "application/json", "X-IOTA-API-Version": "1"})
    return json.load(urllib.request.urlopen(req))
def bundle_txs(h):
    hashes = call({"command": "findTransactions", "bundles": [h]})["hashes"]
    txs = call({"command": "getTrytes", "hashes": hashes})["trytes"]
    by_index = {}
    for t in txs:  # one transaction per index (the first attachment's)
        by_index.setdefault(t[2331:2340], t)
    return [by_index[k] for k in sorted(by_index, key=lambda k: sum(ALPHABET.index(c) * 27 ** i for i, c in enumerate(k)))]
txs = bundle_txs(bundle)
if mode == "forge":
    txs = [ALPHABET[(ALPHABET.index(t[100]) + 1) % 27].join([t[:100], t[101:]]) for t in txs]
elif mode == "junk":
    order = bundle_txs(sys.argv[4])[0][2592 + 21:2619]
    tag = "".join(random.choice(ALPHABET) for _ in range(21)) + order
    txs = ["M" * 2187 + t[2187:2592] + tag + t[2619:] for t in txs]  # no MAM version reads "M"
tips = call({"command": "getTransactionsToApprove", "depth": 3})
attached = call({"command": "attachToTangle", "trunkTransaction": tips["trunkTransaction"],
                 "branchTransaction": tips["branchTransaction"], "minWeightMagnitude": 9,
                 "trytes": list(reversed(txs))})["trytes"]
call({"command": "storeTransactions", "trytes": attached})
call({"command": "broadcastTransactions", "trytes": attached})
PY
# invalid REASON: the count of /metrics; wait_invalid REASON N: until it is N (10 s at most)
invalid() {
  api GET /metrics
  echo "$body" | sed -n "s/^mamgate_feed_invalid_reason_total{reason=\"$1\"} //p"
}
wait_invalid() {
  for _ in $(seq 100); do [ "$(invalid "$1")" = "$2" ] && return 0; sleep 0.1; done
  bad "invalid $1: expected $2, got $(invalid "$1")"; return 1
}
attach() { python3 "$work/attach.py" "$node_api" "$@" || bad "attach.py $*"; }
api POST /v1/watches "{\"channel_id\":\"$ch\",\"backfill\":false}"; check "watch the own channel" 201 "$status"
sleep 0.3
api POST "/v1/channels/$ch/messages" '{"payload":"genuine","checksum":"signature","packets":2}'
check "publish 2 packets" 201 "$status"
b1=$(echo "$body" | json 'd["bundles"][0]'); b2=$(echo "$body" | json 'd["bundles"][1]')
wait_count "$ch" 2 || bad "the genuine message was not decoded"
api GET /v1/info; check "nothing invalid yet" 0 "$(echo "$body" | json 'd["counters"]["feed_invalid"]')"
# the message is complete, so the reader holds no context for it: a copy of its last packet cannot
# be checked, and the stored packet shows it is a copy
attach forge "$b2"
wait_invalid closed_message_copy 1 && ok
# a genuine reattachment of the header bundle is read again (no harm, not invalid); a copy of it
# with a changed checksum is forged
attach copy "$b1"
attach forge "$b1"
wait_invalid forged_copy 1 && ok
attach junk "$b2" "$b1"
wait_invalid decode_failed 1 && ok
api GET /v1/info
check "feed_invalid is the sum of the reasons (the genuine reattachment is not invalid)" 3 \
  "$(echo "$body" | json 'd["counters"]["feed_invalid"]')"
check "by reason in /v1/info" "1 1 1" \
  "$(echo "$body" | json '" ".join(str(d["invalid"]["by_reason"][k]) for k in ("closed_message_copy", "forged_copy", "decode_failed"))')"
check "the junk's decode error" 1 "$(echo "$body" | json 'sum(d["invalid"]["decode_rejected"].values())')"
check "info: store engine, last feed frame, queued" "sqlite True True" \
  "$(echo "$body" | json '"%s %s %s" % (d["store"], isinstance(d["feed_last_frame_at"], int) and d["feed_last_frame_at"] > 1.7e12, d["queued"] >= 0)')"
api GET "/v1/channels/$ch/messages"
check "the stored message is the genuine one" "genuine 2" \
  "$(echo "$body" | json '"".join(m["payload"] or "" for m in d["messages"]) + " " + str(len(d["messages"]))')"

# ---- Idempotency-Key: a retry gets the first answer and spends nothing more
# idem.py HOST TOKEN KEY PATH BODY N: sends N requests with the key at once (Python http.client,
# one thread each) and prints "status body" lines, sorted
cat >"$work/idem.py" <<'PY'
import http.client, sys, threading
host, token, key, path, body, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
out, barrier = [], threading.Barrier(n)
def send():
    c = http.client.HTTPConnection(host, timeout=120)
    barrier.wait()
    c.request("POST", path, body, {"Authorization": "Bearer " + token, "Idempotency-Key": key,
                                   "Content-Type": "application/json"})
    r = c.getresponse()
    out.append("%d %s" % (r.status, r.read().decode().strip()))
threads = [threading.Thread(target=send) for _ in range(n)]
for t in threads: t.start()
for t in threads: t.join()
print("\n".join(sorted(out)))
PY
idem() { python3 "$work/idem.py" "$http" "$token" "$@"; }
remaining() { api GET "/v1/channels/$1"; echo "$body" | json 'd["remaining_signatures"]'; }
before=$(remaining "$ch")
first=$(idem key-1 "/v1/channels/$ch/messages" '{"payload":"once","checksum":"signature"}' 1)
check "first request with a key" 201 "${first%% *}"
again=$(idem key-1 "/v1/channels/$ch/messages" '{"payload":"once","checksum":"signature"}' 1)
check "a retry gets the same answer" "$first" "$again"
check "the retry spent no leaf" $((before - 1)) "$(remaining "$ch")"
other=$(idem key-1 "/v1/channels/$ch/messages" '{"payload":"twice","checksum":"signature"}' 1)
check "the key with another body" "422 idempotency_key_reused" "${other%% *} $(echo "${other#* }" | json 'd["error"]["code"]')"
# five at once with a fresh key: one publishes, the others see it running (409) or its answer
racing=$(idem key-2 "/v1/channels/$ch/messages" '{"payload":"race","checksum":"signature"}' 5)
check "racing requests: one answer" 1 "$(echo "$racing" | grep '^201 ' | sort -u | wc -l)"
check "racing requests: only 201 or 409" 5 "$(echo "$racing" | grep -cE '^(201|409) ')"
check "racing requests spent one leaf" $((before - 2)) "$(remaining "$ch")"
wait_count "$ch" 4 || bad "the keyed messages were not decoded"
api GET "/v1/channels/$ch/messages?limit=100"
check "each keyed message stored once" "once 1 race 1" \
  "$(echo "$body" | json '" ".join("%s %d" % (p, sum(m["payload"] == p for m in d["messages"])) for p in ("once", "race"))')"
chan1=$(idem key-3 /v1/channels '{"height":1}' 1); chan2=$(idem key-3 /v1/channels '{"height":1}' 1)
check "channel creation replayed" "$chan1" "$chan2"
api GET /v1/channels; n_channels=$(echo "$body" | json 'len(d["channels"])')
ep1=$(idem key-4 "/v1/channels/$ch/endpoints" '{"height":1}' 1); ep2=$(idem key-4 "/v1/channels/$ch/endpoints" '{"height":1}' 1)
check "endpoint creation replayed" "201" "${ep1%% *}"; check "endpoint creation replayed, same body" "$ep1" "$ep2"
api GET "/v1/channels/$ch"; check "one endpoint created" 1 "$(echo "$body" | json 'len(d["endpoints"])')"
bad_key=$(idem "$(printf 'k%.0s' $(seq 256))" /v1/channels '{"height":1}' 1)
check "an overlong key" 400 "${bad_key%% *}"
api GET /v1/channels; check "no channel for the refused key" "$n_channels" "$(echo "$body" | json 'len(d["channels"])')"
# durable: the answer survives a restart; scoped by token: another token's same key is new
stop_gateway
start_gateway || finish
check "replayed after a restart" "$first" "$(idem key-1 "/v1/channels/$ch/messages" '{"payload":"once","checksum":"signature"}' 1)"
stop_gateway
token=other-token-0123456789
MAMGATE_TOKEN=$token start_gateway --set idempotency_ttl_s=2 || finish
new=$(idem key-1 "/v1/channels/$ch/messages" '{"payload":"once","checksum":"signature"}' 1)
check "another token's key is its own" 201 "${new%% *}"
[ "$new" != "$first" ] && ok || bad "another token got the first token's answer"
sleep 3
expired=$(idem key-1 "/v1/channels/$ch/messages" '{"payload":"once","checksum":"signature"}' 1)
check "after idempotency_ttl_s the key is new again" 201 "${expired%% *}"
[ "$expired" != "$new" ] && ok || bad "an expired key was replayed"

# ---- bulk watches: a list, stored in one transaction, all or none
w1=$(trytes81 A) w2=$(trytes81 B) w3=$(trytes81 C)
api POST /v1/watches "[{\"channel_id\":\"$w1\",\"backfill\":false},{\"channel_id\":\"$w2\"}]"
check "a list of watches" 201 "$status"
check "the list's answer" "$w1 False $w2 True" "$(echo "$body" | json '" ".join("%s %s" % (w["channel_id"], w["backfill"]) for w in d["watches"])')"
watch_count() { api GET /v1/watches; echo "$body" | json 'len(d["watches"])'; }
n_watches=$(watch_count)
api POST /v1/watches "[{\"channel_id\":\"$w3\"},{\"channel_id\":\"$w1\"}]"
check "a list with a watched channel" "409 conflict" "$status $(echo "$body" | json 'd["error"]["code"]')"
echo "$body" | grep -q '"watch 1 (' && ok || bad "the error names the element: $body"
check "nothing of the refused list is stored" "$n_watches" "$(watch_count)"
api POST /v1/watches "[{\"channel_id\":\"$w3\"},{\"channel_id\":\"$w3\"}]"
check "a list naming a channel twice" 409 "$status"
api POST /v1/watches "[{\"channel_id\":\"$w3\"},{\"channel_id\":\"nope\"}]"
check "a list with a malformed element" "400 watch 1: channel_id" "$status $(echo "$body" | json 'd["error"]["message"][:19]')"
api POST /v1/watches "[{\"channel_id\":\"$w3\"},{\"channel_id\":\"$(trytes81 D)\",\"ntru_key_ids\":[\"$(printf 'N%.0s' $(seq 27))\"]}]"
check "a list with an unknown NTRU key" "404 watch 1" "$status $(echo "$body" | json 'd["error"]["message"][:7]')"
check "still nothing stored" "$n_watches" "$(watch_count)"
api POST /v1/watches '[]'; check "an empty list" 400 "$status"
api POST /v1/watches '[1'; check "a malformed list" "400 bad_json" "$status $(echo "$body" | json 'd["error"]["code"]')"
api POST /v1/watches "[$(for i in $(seq 65); do printf '{"channel_id":"%s"},' "$(trytes81 E)"; done){}]"
check "a list longer than max_list" 413 "$status"
api POST /v1/watches "[{\"channel_id\":\"$w3\"}]"; check "the list after the refusals" 201 "$status"

# ---- the multi-channel stream: GET /v1/stream?channels=ID,ID (all watched channels without it)
# sse [CURL ARGS...] PATH: "channel-initial:cursor" of each event the stream sends in 2 s
sse() {
  curl -sN -m 2 -H "Authorization: Bearer $token" "${@:1:$#-1}" "http://$http${!#}" >"$work/sse.txt"
  python3 - "$work/sse.txt" <<'PY'
import json, sys
events, ident = [], None
for line in open(sys.argv[1]):
    if line.startswith("id: "): ident = int(line[4:])
    if line.startswith("data: "):
        m = json.loads(line[6:])
        assert m["cursor"] == ident, "id is not the cursor"
        events.append((ident, m["channel_id"]))
assert [e[0] for e in events] == sorted(e[0] for e in events), "not in cursor order"
print(" ".join("%s:%d" % (c[:3], i) for i, c in events))
PY
}
api POST /v1/channels '{"height":2}'; ch2=$(echo "$body" | json 'd["channel_id"]')
api POST /v1/watches "{\"channel_id\":\"$ch2\",\"backfill\":false}"; check "watch a second channel" 201 "$status"
sleep 0.3
api POST "/v1/channels/$ch2/messages" '{"payload":"second","checksum":"mac"}'; check "publish on the second channel" 201 "$status"
wait_count "$ch2" 1 || bad "the second channel's message was not decoded"
api GET "/v1/channels/$ch/messages?limit=1000"; ch_events=$(echo "$body" | json '" ".join("%s:%d" % (m["channel_id"][:3], m["cursor"]) for m in d["messages"])')
api GET "/v1/channels/$ch2/messages"; ch2_events=$(echo "$body" | json '" ".join("%s:%d" % (m["channel_id"][:3], m["cursor"]) for m in d["messages"])')
ch2_cursor=$(echo "$body" | json 'd["messages"][0]["cursor"]')
both=$(echo "$ch_events $ch2_events" | tr ' ' '\n' | sort -t: -k2 -n | paste -sd' ')
check "both channels, in cursor order" "$both" "$(sse "/v1/stream?channels=$ch,$ch2")"
check "every watched channel without the query" "$both" "$(sse /v1/stream)"
check "one channel" "$ch2_events" "$(sse "/v1/stream?channels=$ch2")"
last=$(echo "$ch_events" | awk '{print $2}' | cut -d: -f2)
check "resumed after Last-Event-ID" "$(echo "$both" | tr ' ' '\n' | awk -F: -v l="$last" '$2 > l' | paste -sd' ')" \
  "$(sse -H "Last-Event-ID: $last" "/v1/stream?channels=$ch,$ch2")"
check "resumed after the cursor query" "$ch2_events" "$(sse "/v1/stream?channels=$ch2&cursor=$((ch2_cursor - 1))")"
api GET "/v1/stream?channels=$ch,$unknown"
check "an unknown channel in the list, named" "404 channel QQQQQQQQQQQQ..." "$status $(echo "$body" | json '" ".join(d["error"]["message"].split()[:2])')"
api GET "/v1/stream?channels=$ch,"; check "a malformed list" 400 "$status"
api DELETE "/v1/watches/$ch2"; check "unwatch the second channel" 204 "$status"
check "a channel no longer watched leaves the default stream" "$ch_events" "$(sse /v1/stream)"

# ---- a watch of an own channel decodes with the gateway's own PSKs and NTRU keys
api POST /v1/psks '{}'; psk_id=$(echo "$body" | json 'd["id"]')
api POST /v1/ntru-keys; ntru_pk=$(echo "$body" | json 'd["public_key"]')
api POST /v1/channels '{"height":2}'; mine=$(echo "$body" | json 'd["channel_id"]')
api POST /v1/channels '{"height":2}'; opted_out=$(echo "$body" | json 'd["channel_id"]')
api POST /v1/watches "[{\"channel_id\":\"$mine\",\"backfill\":false},{\"channel_id\":\"$opted_out\",\"backfill\":false,\"own_keys\":false}]"
check "watch own channels, with and without own keys" "201 True False" \
  "$status $(echo "$body" | json '" ".join(str(w["own_keys"]) for w in d["watches"])')"
api GET /v1/watches
check "own_keys listed" "True False" \
  "$(echo "$body" | json '" ".join(str(w["own_keys"]) for c in ("'"$mine"'", "'"$opted_out"'") for w in d["watches"] if w["channel_id"] == c)')"
sleep 0.3
api GET /metrics; irrelevant_before=$(echo "$body" | sed -n 's/^mamgate_decode_rejected_total{reason="no keyload matches a key we hold"} //p')
api POST "/v1/channels/$mine/messages" "{\"payload\":\"to my psk\",\"psks\":[\"$psk_id\"],\"checksum\":\"mac\"}"
check "publish to the own PSK" 201 "$status"
api POST "/v1/channels/$mine/messages" "{\"payload\":\"to my ntru key\",\"ntru_public_keys\":[\"$ntru_pk\"],\"checksum\":\"mac\"}"
check "publish to the own NTRU key" 201 "$status"
api POST "/v1/channels/$opted_out/messages" "{\"payload\":\"not read\",\"psks\":[\"$psk_id\"],\"checksum\":\"mac\"}"
check "publish to the own PSK on the opted-out channel" 201 "$status"
wait_count "$mine" 2 || bad "messages to the own keys were not decoded"
api GET "/v1/channels/$mine/messages"
check "decoded with the own keys" "to my psk|to my ntru key" "$(echo "$body" | json '"|".join(m["payload"] or "" for m in d["messages"])')"
for _ in $(seq 50); do
  api GET /metrics
  [ "$(echo "$body" | sed -n 's/^mamgate_decode_rejected_total{reason="no keyload matches a key we hold"} //p')" = $((${irrelevant_before:-0} + 1)) ] && break
  sleep 0.1
done
check "own_keys false: the keyload is not for this watch" $((${irrelevant_before:-0} + 1)) \
  "$(echo "$body" | sed -n 's/^mamgate_decode_rejected_total{reason="no keyload matches a key we hold"} //p')"
api GET "/v1/channels/$opted_out/messages"; check "own_keys false: nothing decoded" 0 "$(echo "$body" | json 'len(d["messages"])')"
api POST /v1/watches "{\"channel_id\":\"$(trytes81 F)\",\"own_keys\":1}"; check "own_keys must be a boolean" 400 "$status"
# a key made after the watch counts at once
api POST /v1/psks '{}'; later_psk=$(echo "$body" | json 'd["id"]')
api POST "/v1/channels/$mine/messages" "{\"payload\":\"to a later psk\",\"psks\":[\"$later_psk\"],\"checksum\":\"mac\"}"
check "publish to a PSK made after the watch" 201 "$status"
wait_count "$mine" 3 || bad "the message to a PSK made after the watch was not decoded"
api GET "/v1/channels/$mine/messages"; check "decoded with the later key" "to a later psk" "$(echo "$body" | json 'd["messages"][-1]["payload"]')"

finish
