#!/usr/bin/env bash
# Reads never wait behind publishes, end to end (devnode + mamgated + plugin): with two REST
# worker threads and a proof of work heavy enough that a publish takes about a second, four
# publishes are sent at once; while they are still running, GET /v1/health and a message fetch
# must each answer within READ_LIMIT_MS, and every publish must then answer 201.
set -u
node_mwm=${PUBLISH_OFFLOAD_MWM:-13} # a heavy proof of work, on one thread per publish
. "$(dirname "$0")/../fuzz/gateway_lib.sh"

PUBLISHES=4
PAYLOAD=$(printf 'p%.0s' $(seq 3000)) # several transactions, each with its own proof of work
READ_LIMIT_MS=${READ_LIMIT_MS:-300}

# timed_get PATH: sets $status and $ms, the milliseconds the GET of PATH took as curl measures
# them (connection to last byte: the time the gateway made it wait, without curl's own start,
# which the busy proof of work slows).
timed_get() {
  local out secs frac
  out=$(curl -s -m 30 -o /dev/null -w '%{http_code} %{time_total}' -H "Authorization: Bearer $token" "http://$http$1")
  status=${out% *}
  secs=${out#* }
  frac=${secs#*.}000
  ms=$((10#${secs%%.*} * 1000 + 10#${frac:0:3}))
}

start_node || finish
start_gateway --set http_threads=2 --set pow_threads=1 || finish

api POST /v1/channels '{"height":4}'; check "channel created" 201 "$status"
ch=$(echo "$body" | json 'd["channel_id"]')
api POST /v1/watches "{\"channel_id\":\"$ch\"}"; check "channel watched" 201 "$status"
t0=$(date +%s%N)
api POST "/v1/channels/$ch/messages" '{"payload":"first"}'; check "first publish" 201 "$status"
one_ms=$((($(date +%s%N) - t0) / 1000000))
echo "one publish alone: $one_ms ms"
mid=$(echo "$body" | json 'd["message_id"]')
for _ in $(seq 200); do api GET "/v1/channels/$ch/messages/$mid"; [ "$status" = 200 ] && break; sleep 0.1; done
check "first message stored" 200 "$status"

pids=()
for i in $(seq $PUBLISHES); do
  curl -s -m 120 -o "$work/pub$i.json" -w '%{http_code} %{time_starttransfer}' -H "Authorization: Bearer $token" \
    --data-binary "{\"payload\":\"$i$PAYLOAD\"}" "http://$http/v1/channels/$ch/messages" \
    >"$work/pub$i.status" &
  pids+=($!)
done
sleep 0.2 # the publishes have reached the gateway

timed_get /v1/health; health_ms=$ms health_status=$status
timed_get "/v1/channels/$ch/messages/$mid"; fetch_ms=$ms fetch_status=$status
running=0
for i in $(seq $PUBLISHES); do [ -s "$work/pub$i.status" ] || running=$((running + 1)); done # written at the end
echo "while $running of $PUBLISHES publishes ran: health $health_ms ms, message fetch $fetch_ms ms"
check "health answered" 200 "$health_status"
check "message fetched" 200 "$fetch_status"
# The reads are only a test of anything when publishes were still in flight once they answered.
[ "$running" -ge 2 ] || bad "only $running publishes still ran after the reads: publishes too fast to test (raise PUBLISH_OFFLOAD_MWM)"
[ "$health_ms" -le "$READ_LIMIT_MS" ] || bad "GET /v1/health took $health_ms ms behind publishes (limit $READ_LIMIT_MS)"
[ "$fetch_ms" -le "$READ_LIMIT_MS" ] || bad "the message fetch took $fetch_ms ms behind publishes (limit $READ_LIMIT_MS)"

for i in $(seq $PUBLISHES); do
  wait "${pids[$((i - 1))]}"
  read -r pub_status pub_s <"$work/pub$i.status"; echo "publish $i: $pub_status after $pub_s s"
  check "publish $i answered" 201 "$pub_status"
done
stop_gateway; check "gateway stopped cleanly" 0 "$?"
finish
