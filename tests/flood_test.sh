#!/usr/bin/env bash
# Flood test: the real devnode and mamgated with the plugin; tests/flood plays the node's ZeroMQ
# feed at the highest rate the gateway takes: valid MAM bundles of watched channels (public, PSK,
# NTRU, no checksum, MAC, signatures by channel and endpoint, one to three packets) among
# conflicting copies, reattachments, junk bundles on the same addresses, malformed frames and
# unrelated traffic. While it runs, REST is polled without pause; in the middle the gateway is
# killed (SIGKILL) and restarted, later the node is killed and restarted (its feed goes down with
# it, and comes back a second before its API). Afterwards every valid message must be in the
# store exactly once (every packet, in order, with its payload) and nothing else; the gateway's
# peak resident memory is reported and bounded.
#
# usage: flood_test.sh [--seconds S] [--channels K] [--messages M] [--no-restarts] [--rss-limit-mb N]
#   (20 s, 4 channels, 30 messages each by default; the long run uses more). The RSS limit is 512 MB,
#   1024 MB in an AddressSanitizer build (its shadow memory and quarantine count too).
set -u
seconds=20 channels=4 messages=30 restarts=1 rss_limit_mb=
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=$2; shift ;;
    --channels) channels=$2; shift ;;
    --messages) messages=$2; shift ;;
    --no-restarts) restarts=0 ;;
    --rss-limit-mb) rss_limit_mb=$2; shift ;;
    *) echo "usage: $0 [--seconds S] [--channels K] [--messages M] [--no-restarts] [--rss-limit-mb N]" >&2; exit 2 ;;
  esac
  shift
done
node_mwm=1 # the flood does its own proof of work, thousands of transactions of it
. "$(dirname "$0")/../fuzz/gateway_lib.sh"
if [ -z "$rss_limit_mb" ]; then
  rss_limit_mb=512
  ldd "$build/plugin/.libs/mamgate.so" 2>/dev/null | grep -q libasan && rss_limit_mb=1024
fi
feed=tcp://127.0.0.1:$((base + 4))
flood_dir=$work/flood
mkdir -p "$flood_dir"
gateway_args=(--set "node_zmq=$feed" --set "log_level=${FLOOD_LOG_LEVEL:-info}")
peak_rss_kb=0

# The gateway's peak resident set so far (VmHWM), kept across restarts.
note_rss() {
  local kb
  kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$gw_pid/status" 2>/dev/null)
  [ -n "$kb" ] && [ "$kb" -gt "$peak_rss_kb" ] && peak_rss_kb=$kb
  return 0
}

# REST without pause while the gateway is meant to be up: one health check and one page of a
# watched channel's messages in turn. Outside the windows marked by $work/gw_down, every answer
# must be 200; each line of $work/poll is "STATUS SECONDS".
poll_rest() {
  local ch=$1 out
  while [ ! -e "$work/poll_stop" ]; do
    for path in /v1/health "/v1/channels/$ch/messages?limit=20"; do
      [ -e "$work/gw_down" ] && { sleep 0.05; continue; }
      out=$(curl -s -m 10 -o /dev/null -w '%{http_code} %{time_total}' -H "Authorization: Bearer $token" "http://$http$path")
      [ -e "$work/gw_down" ] || echo "$out" >>"$work/poll"
    done
  done
}

metric() { curl -s -m 10 "http://$http/metrics" | awk -v n="mamgate_$1_total" '$1 == n {print $2}'; }

start_node || finish
start_gateway || finish
api POST /v1/ntru-keys '{}'
check "NTRU key created" 201 "$status"
ntru_id=$(echo "$body" | json 'd["id"]')
echo "$body" | json 'd["public_key"]' >"$flood_dir/ntru_pk"

"$build/tests/flood" --node "http://$node_api" --feed "$feed" --dir "$flood_dir" --channels "$channels" \
  --messages "$messages" --seconds "$seconds" --ntru-pk "$flood_dir/ntru_pk" --mwm "$node_mwm" --seed $RANDOM \
  >"$work/flood.out" 2>"$work/flood.err" &
flood_pid=$!
on_exit+=("kill -KILL $flood_pid 2>/dev/null")
for _ in $(seq 1200); do [ -e "$flood_dir/channels" ] || ! kill -0 $flood_pid 2>/dev/null && break; sleep 0.1; done
[ -e "$flood_dir/channels" ] || { bad "the flood did not start: $(cat "$work/flood.err")"; finish; }

while read -r ch psk_id psk_key; do
  api POST /v1/watches "{\"channel_id\":\"$ch\",\"psks\":[{\"id\":\"$psk_id\",\"key\":\"$psk_key\"}],\"ntru_key_ids\":[\"$ntru_id\"]}"
  check "watch $ch" 201 "$status"
done <"$flood_dir/channels"
first_channel=$(head -n 1 "$flood_dir/channels" | cut -d' ' -f1)
poll_rest "$first_channel" &
poll_pid=$!
touch "$flood_dir/go"
started=$(date +%s.%N)
echo "flood: $channels channels x $messages messages over ${seconds} s"

if [ "$restarts" = 1 ]; then
  sleep "$(awk -v s="$seconds" 'BEGIN {print s * 0.3}')"
  note_rss
  touch "$work/gw_down"
  stop_gateway KILL
  echo "gateway killed at $(awk -v a="$(date +%s.%N)" -v b="$started" 'BEGIN {printf "%.1f", a - b}') s"
  sleep 1
  start_gateway || finish
  rm -f "$work/gw_down"
  sleep "$(awk -v s="$seconds" 'BEGIN {print s * 0.3}')"
  kill -USR1 $flood_pid # the node's feed goes down with the node
  stop_node KILL
  echo "node killed at $(awk -v a="$(date +%s.%N)" -v b="$started" 'BEGIN {printf "%.1f", a - b}') s"
  sleep 1.5
  # the feed comes back a second before the API answers: the back-fill that the reconnect starts
  # fails and must be retried
  kill -USR2 $flood_pid
  sleep 1
  start_node || finish
fi

wait $flood_pid
check "the flood ran to its end" 0 $?
sed 's/^/  /' "$work/flood.out"

# Quiet: wait until every expected packet is stored (back-fill after the restarts included) and
# the counters stop moving.
want=$(awk '{n += $3} END {print n}' "$flood_dir/expected")
last= same=0
for _ in $(seq 600); do
  now=$(metric packets_stored)-$(metric packets_repeated)-$(metric feed_transactions)-$(metric backfill_runs)
  stored=$(python3 - "$flood_dir/expected" "$http" "$token" <<'EOF'
import json, sys, urllib.request
exp, http, token = sys.argv[1:]
total = 0
for ch in sorted({l.split()[0] for l in open(exp)}):
    cursor = 0
    while True:
        req = urllib.request.Request(f"http://{http}/v1/channels/{ch}/messages?limit=50&cursor={cursor}",
                                     headers={"Authorization": "Bearer " + token})
        page = json.load(urllib.request.urlopen(req, timeout=30))
        total += len(page["messages"])
        if not page["messages"]:
            break
        cursor = page["next_cursor"]
print(total)
EOF
)
  if [ "$now" = "$last" ] && [ "${stored:-0}" -ge "$want" ]; then same=$((same + 1)); else same=0; fi
  [ $same -ge 3 ] && break
  last=$now
  sleep 1
done
touch "$work/poll_stop"
wait $poll_pid
note_rss

# Every expected message exactly once, packet by packet, and nothing else.
python3 - "$flood_dir/expected" "$http" "$token" >"$work/verify" <<'EOF'
import collections, json, sys, urllib.request
exp, http, token = sys.argv[1:]
expected = {}
for line in open(exp):
    ch, mid, packets, payload = line.split()
    expected[(ch, mid)] = (int(packets), payload)
stored = collections.defaultdict(list)
for ch in sorted({k[0] for k in expected}):
    cursor = 0
    while True:
        req = urllib.request.Request(f"http://{http}/v1/channels/{ch}/messages?limit=50&cursor={cursor}",
                                     headers={"Authorization": "Bearer " + token})
        page = json.load(urllib.request.urlopen(req, timeout=30))
        if not page["messages"]:
            break
        for m in page["messages"]:
            stored[(ch, m["message_id"])].append(m)
        cursor = page["next_cursor"]
problems = []
for key, (packets, payload) in expected.items():
    got = stored.get(key, [])
    ords = sorted(m["ord"] for m in got)
    if ords != list(range(1, packets + 1)):
        problems.append(f"{key[1]} on {key[0][:12]}: packets stored {ords}, expected 1..{packets}")
        continue
    got.sort(key=lambda m: m["ord"])
    if "".join(m["payload_trytes"] for m in got) != payload:
        problems.append(f"{key[1]}: the stored payload differs")
    if [m["last"] for m in got] != [False] * (packets - 1) + [True]:
        problems.append(f"{key[1]}: wrong last flags")
extra = [k for k in stored if k not in expected]
for k in extra:
    problems.append(f"stored but never sent: {k[1]} on {k[0][:12]}")
print("messages_expected", len(expected))
print("packets_expected", sum(p for p, _ in expected.values()))
print("packets_stored", sum(len(v) for v in stored.values()))
for p in problems[:20]:
    print("PROBLEM", p)
print("problems", len(problems))
EOF
sed 's/^/  /' "$work/verify"
check "every valid message stored exactly once, nothing else" 0 "$(awk '$1 == "problems" {print $2}' "$work/verify")"

answers=$(wc -l <"$work/poll")
not_ok=$(awk '$1 != 200' "$work/poll" | wc -l)
slowest=$(awk 'BEGIN {m = 0} $2 > m {m = $2} END {print m}' "$work/poll")
echo "  REST during the flood: $answers answers, $not_ok not 200, slowest ${slowest} s"
check "REST answered 200 throughout" 0 "$not_ok"
[ "$answers" -gt 10 ] && ok || bad "only $answers REST answers during the flood"
for m in feed_frames feed_transactions feed_matched feed_invalid feed_duplicates bundles_completed packets_stored \
  packets_repeated backfill_runs backfill_transactions backfill_failures; do
  echo "  $m (since the last start) $(metric $m)"
done
curl -s "http://$http/metrics" | grep '^mamgate_decode_rejected_total{' | sed 's/^/  /'
echo "  gateway peak RSS: $((peak_rss_kb / 1024)) MB (limit $rss_limit_mb MB)"
[ "$peak_rss_kb" -gt 0 ] && [ "$peak_rss_kb" -le $((rss_limit_mb * 1024)) ] && ok || bad "peak RSS ${peak_rss_kb} kB"
stop_gateway TERM
check "mamgated stops cleanly" 0 $?
finish
