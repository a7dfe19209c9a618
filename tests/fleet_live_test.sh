#!/usr/bin/env bash
# Fleet live output, health and shards (issue 16): the real devnode, one real PostgreSQL, two real
# mamgated instances A and B on it (tests/fleet_lib.sh), and a third gateway C on its own SQLite.
# - /v1/info and /metrics of both show the engine and 2 live instances.
# - A message published through A appears on B's SSE stream within 1 s of A's answer; each
#   instance's ZeroMQ output publishes every stored packet exactly once, whichever instance
#   decoded it (both do).
# - With shard = 0/2 and 1/2, each instance decodes only its share, every message is readable
#   through both; SIGKILL of B: after shard_takeover_s A takes B's share over and back-fills what
#   came meanwhile.
# - The database stopped while the gateways run: reads answer 503, /v1/info still answers,
#   decoded packets wait in memory (a queue of one packet drops the rest, counted) and are stored
#   once the database is back.
set -u
. "$(dirname "$0")/fleet_lib.sh"
takeover=3 # shard_takeover_s: heartbeats every second
mkdir -p "$work/pub"
: >"$work/published"
bg_pids=()
# the stream clients and subscribers go first: fleet_lib's cleanup waits for every background job
trap 'for p in "${bg_pids[@]}"; do kill -TERM "$p" 2>/dev/null; done; fleet_cleanup' EXIT

# info_of NAME EXPR: EXPR (Python, d = /v1/info's JSON) through instance NAME.
info_of() { curl -s -m 10 "http://${i_http[$1]}/v1/info" | json "$2"; }
metric_of() { curl -s -m 10 "http://${i_http[$1]}/metrics" | awk -v m="$2" '$1 == m {print $2}'; }
# wait_live NAME N: until instance NAME sees N live instances (up to 15 s).
wait_live() {
  local _
  for _ in $(seq 150); do
    [ "$(info_of "$1" 'd["fleet"]["live"]' 2>/dev/null)" = "$2" ] && return 0
    sleep 0.1
  done
  bad "$1 does not see $2 live instances: $(curl -s "http://${i_http[$1]}/v1/info")"
  return 1
}
# new_watched_channel NAME: a channel of height 3 created and watched through NAME; sets ch.
new_watched_channel() {
  use "$1"
  api POST /v1/channels '{"height":3}'
  [ "$status" = 201 ] || { bad "create channel through $1: $status $body"; return 1; }
  ch=$(echo "$body" | json 'd["channel_id"]')
  api POST /v1/watches "{\"channel_id\":\"$ch\"}"
  check "watch through $1" 201 "$status"
}
# publish NAME CHANNEL TAG: one signed packet through NAME; appends "channel message_id 1" to
# $work/published and sets answered_at (epoch seconds when the answer came).
publish() {
  local f=$work/pub/$3
  publish_on "$1" "$f" "$2"
  answered_at=$(date +%s.%N)
  check "publish $3 through $1" 201 "$(cat "$f.code")"
  msg=$(json 'd["message_id"]' <"$f.body")
  echo "$2 $msg 1" >>"$work/published"
}
# sse NAME PATH FILE: a Server-Sent Events client (http.client) in the background: one line
# "arrival_time cursor message_id ord" per event.
sse() {
  python3 - "${i_http[$1]}" "$2" "$3" <<'PY' &
import http.client, json, sys, time
host, port = sys.argv[1].rsplit(":", 1)
out = open(sys.argv[3], "a", buffering=1)
conn = http.client.HTTPConnection(host, int(port), timeout=120)
conn.request("GET", sys.argv[2], headers={"Accept": "text/event-stream"})
resp = conn.getresponse()
event = {}
while True:
    line = resp.readline()
    if not line:
        break
    line = line.decode().rstrip("\n")
    if line.startswith("id: "):
        event["id"] = line[4:]
    elif line.startswith("data: "):
        event["data"] = line[6:]
    elif line == "" and "data" in event:
        d = json.loads(event["data"])
        out.write("%.3f %s %s %s\n" % (time.time(), event.get("id"), d["message_id"], d["ord"]))
        event = {}
PY
  bg_pids+=($!)
}
# zmq_sub NAME CHANNEL FILE: mamgate-sub on NAME's output in the background.
zmq_sub() {
  "$build/mamgate-sub" --endpoint "${i_pub[$1]}" --channel "$2" --timeout 120 >"$3" 2>>"$work/sub.err" &
  bg_pids+=($!)
}
# shard_of CHANNEL N: the channel's home shard (read/shard.h: 64-bit FNV-1a of the id, mod N).
shard_of() {
  python3 -c '
import sys
h = 14695981039346656037
for c in sys.argv[1].encode():
    h = ((h ^ c) * 1099511628211) % 2**64
print(h % int(sys.argv[2]))' "$1" "$2"
}
# wait_until SECONDS COMMAND...: until COMMAND succeeds; the seconds it took on stdout.
wait_until() {
  local start=$SECONDS limit=$1
  shift
  while ! "$@"; do
    [ $((SECONDS - start)) -ge "$limit" ] && return 1
    sleep 0.2
  done
  echo $((SECONDS - start))
}

start_node || exit 1
start_instance A --set instance_id=gw-a --set shard_takeover_s=$takeover || exit 1
start_instance B --set instance_id=gw-b --set shard_takeover_s=$takeover || exit 1

# ---- health
for name in A B; do
  wait_live $name 2
  check "$name: store engine" postgresql "$(info_of $name 'd["store"]')"
  check "$name: the live instances" "gw-a gw-b" "$(info_of $name '" ".join(i["id"] for i in d["fleet"]["instances"])')"
  check "$name: no shard" None "$(info_of $name 'd["fleet"]["shard"]')"
  check "$name: metric of live instances" 2 "$(metric_of $name mamgate_fleet_live_instances)"
  check "$name: metric of the engine" 1 "$(metric_of $name 'mamgate_store_info{engine="postgresql"}')"
done
check "B's own id" gw-b "$(info_of B 'd["fleet"]["instance_id"]')"
check "A's REST address in its heartbeat" "${i_http[A]}" "$(info_of B '[i for i in d["fleet"]["instances"] if i["id"] == "gw-a"][0]["info"]["http"]')"

# ---- live output: published through A, streamed by B, published once by each ZeroMQ output
new_watched_channel A && live_ch=$ch
sse B "/v1/channels/$live_ch/stream" "$work/sse-b"
zmq_sub A "$live_ch" "$work/zmq-a"
zmq_sub B "$live_ch" "$work/zmq-b"
sleep 3 # B follows the new watch (every 2 s); the subscriptions reach the publishers
worst=0
for k in 1 2 3 4; do
  publish A "$live_ch" "live-$k"
  if wait_until 5 grep -q " $msg 1\$" "$work/sse-b" >/dev/null; then
    arrived=$(awk -v m="$msg" '$3 == m {print $1; exit}' "$work/sse-b")
    lag=$(python3 -c "print(max(0.0, $arrived - $answered_at))")
    echo "live-$k: on B's stream ${lag} s after A answered"
    python3 -c "import sys; sys.exit(0 if $lag <= 1.0 else 1)" && ok || bad "live-$k: on B's stream only after $lag s"
    worst=$(python3 -c "print(max($worst, $lag))")
  else
    bad "live-$k: not on B's stream within 5 s"
  fi
done
publish B "$live_ch" live-5
wait_until 5 grep -q " $msg 1\$" "$work/sse-b" >/dev/null || bad "live-5 (through B) not on B's stream"
sleep 2 # any second copy would come now
check "B's stream: events" 5 "$(wc -l <"$work/sse-b")"
check "B's stream: distinct messages" 5 "$(awk '{print $3}' "$work/sse-b" | sort -u | wc -l)"
for name in A B; do
  file=$work/zmq-$(echo $name | tr AB ab)
  check "$name's ZeroMQ output: packets" 5 "$(wc -l <"$file")"
  check "$name's ZeroMQ output: distinct packets" 5 \
    "$(python3 -c 'import json,sys; print(len({(json.loads(l)["message_id"], json.loads(l)["ord"]) for l in open(sys.argv[1])}))' "$file")"
done
# both instances decoded every packet (no shard); the store kept one row of each
check "packets stored, fleet-wide" 5 "$(($(metric_of A mamgate_packets_stored_total) + $(metric_of B mamgate_packets_stored_total)))"
echo "live output: worst lag from A's answer to B's stream ${worst} s"

# ---- shards 0/2 and 1/2
stop_instance A
stop_instance B
start_instance A --set shard=0/2 --set shard_takeover_s=$takeover --set instance_id=gw-a || exit 1
start_instance B --set shard=1/2 --set shard_takeover_s=$takeover --set instance_id=gw-b || exit 1
wait_live A 2
wait_live B 2
check "A's shard" 0/2 "$(info_of A 'd["fleet"]["shard"]')"
check "B's shard" 1/2 "$(info_of B 'd["fleet"]["shard"]')"
check "A's shard metric" 1 "$(metric_of A 'mamgate_shard_info{instance="gw-a",shard="0/2"}')"
shard_chs=() n0=0 n1=0
while [ ${#shard_chs[@]} -lt 6 ] || [ $n0 -lt 2 ] || [ $n1 -lt 2 ]; do
  [ ${#shard_chs[@]} -ge 20 ] && { bad "20 channels and not 2 in each shard"; break; }
  new_watched_channel A || break
  shard_chs+=("$ch")
  if [ "$(shard_of "$ch" 2)" = 0 ]; then n0=$((n0 + 1)); else n1=$((n1 + 1)); fi
done
echo "shards: ${#shard_chs[@]} channels, $n0 of shard 0, $n1 of shard 1"
sleep 3 # B follows the new watches
before_a=$(metric_of A mamgate_packets_decoded_total) before_b=$(metric_of B mamgate_packets_decoded_total)
: >"$work/published"
k=0
for c in "${shard_chs[@]}"; do
  k=$((k + 1))
  if [ $((k % 2)) = 0 ]; then publish A "$c" "shard-$k"; else publish B "$c" "shard-$k"; fi
done
for name in A B; do
  check "every sharded message readable through $name, none twice" 0 "$(readable_on $name "$work/published")"
done
dec_a=$(($(metric_of A mamgate_packets_decoded_total) - before_a)) dec_b=$(($(metric_of B mamgate_packets_decoded_total) - before_b))
echo "decoded while sharded: A $dec_a (shard 0: $n0 channels), B $dec_b (shard 1: $n1 channels)"
check "A decoded its share only" "$n0" "$dec_a"
check "B decoded its share only" "$n1" "$dec_b"
[ "$(metric_of A mamgate_shard_skipped_total)" -ge 1 ] && [ "$(metric_of B mamgate_shard_skipped_total)" -ge 1 ] && ok ||
  bad "each instance passed over the other's share (shard_skipped A $(metric_of A mamgate_shard_skipped_total), B $(metric_of B mamgate_shard_skipped_total))"

# ---- SIGKILL of B: A takes its share over and back-fills what came meanwhile
stop_instance B KILL
killed_at=$SECONDS
: >"$work/published"
for c in "${shard_chs[@]}"; do
  [ "$(shard_of "$c" 2)" = 1 ] && publish A "$c" "orphan-$c"
done
a_alone() { [ "$(info_of A 'd["fleet"]["live"]')" = 1 ]; }
if wait_until 30 a_alone >/dev/null; then
  echo "takeover: A sees B gone $((SECONDS - killed_at)) s after the kill (shard_takeover_s $takeover)"
  [ $((SECONDS - killed_at)) -ge $((takeover - 1)) ] && ok || bad "B counted gone before shard_takeover_s"
else
  bad "A still sees B live 30 s after the kill"
fi
check "B's share, published after the kill, readable through A" 0 "$(readable_on A "$work/published")"
echo "takeover: B's share readable through A $((SECONDS - killed_at)) s after the kill"

# ---- the database stops while the gateways run
stop_instance A
start_instance A --set shard_takeover_s=$takeover --set instance_id=gw-a || exit 1
start_instance B --set shard_takeover_s=$takeover --set instance_id=gw-b --set store_queue_packets=1 || exit 1
i_http[C]=127.0.0.1:$((base + 6)) i_pub[C]=tcp://127.0.0.1:$((base + 7)) i_data[C]=$work/var-c
start_instance C --set store=sqlite || exit 1 # a gateway of its own, publishing on the same node
use C
api POST /v1/channels '{"height":3}'
c_ch=$(echo "$body" | json 'd["channel_id"]')
use A
api POST /v1/watches "{\"channel_id\":\"$c_ch\"}"
check "the fleet watches C's channel" 201 "$status"
sleep 3 # B follows the watch
pg_down || bad "pg_down"
use A
api GET "/v1/channels/$c_ch/messages"
check "a read while the database is down" 503 "$status"
check "its error code" store_unavailable "$(echo "$body" | json 'd["error"]["code"]' 2>/dev/null)"
check "/v1/info while the database is down" 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://${i_http[A]}/v1/info")"
: >"$work/published"
for k in 1 2 3; do publish C "$c_ch" "down-$k"; done
queued() { [ "$(info_of A 'd["queued"]')" -ge 3 ] && [ "$(info_of B 'd["queued"]')" -ge 1 ]; }
wait_until 20 queued >/dev/null && ok || bad "decoded packets do not wait (queued A $(info_of A 'd["queued"]'), B $(info_of B 'd["queued"]'))"
check "B's queue of one dropped the rest" 2 "$(metric_of B mamgate_packets_dropped_total)"
check "A's queue dropped nothing" 0 "$(metric_of A mamgate_packets_dropped_total)"
pg_up || bad "pg_up"
up_at=$SECONDS
for name in A B; do
  check "messages decoded while the database was down, readable through $name" 0 "$(readable_on $name "$work/published")"
done
echo "database back: the waiting packets readable $((SECONDS - up_at)) s after it answered"
check "A's queue is empty" 0 "$(info_of A 'd["queued"]')"
grep -q 'the database answers again' "$work/gw.log" && ok || bad "no log line says the waiting packets were stored"

finish
