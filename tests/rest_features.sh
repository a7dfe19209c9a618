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
# transaction (the bundle hash does not cover fragments, so the copy is a valid bundle); junk: random fragments and a
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
    txs = ["".join(random.choice(ALPHABET) for _ in range(2187)) + t[2187:2592] + tag + t[2619:] for t in txs]
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
api GET "/v1/channels/$ch/messages"
check "the stored message is the genuine one" "genuine 2" \
  "$(echo "$body" | json '"".join(m["payload"] or "" for m in d["messages"]) + " " + str(len(d["messages"]))')"
