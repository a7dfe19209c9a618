#!/usr/bin/env bash
# The whole gateway over loopback: the real devnode, the real mamgated loading the real mamgate.so.
#   publish_latency_ms           REST publish of a signed 1 KiB message (height-6 channel), local PoW
#                                at MWM 9, until the node has stored it; _mwm14_ms at MWM 14;
#                                _nopow_ms at MWM 1 (the same path with almost no PoW)
#   publish_parallel_msgs_per_s  signed 1 KiB messages per second, 4 channels publishing at once (MWM 9)
#   rest_fetch_rps, _p50/_p99_ms wrk on GET /v1/channels/{id}/messages?limit=100, 2 threads,
#                                50 connections, 10 s (2 s quick), a channel with 100 stored packets
#                                of 64 bytes, 5 runs (1 quick); rest_fetch_1k_* the same with 1 KiB
#                                packets (1 run); _cpu_us: mamgated's CPU time (user and system) per
#                                request, which other load on the machine hardly changes
#   rest_fetch_pinned_rps, ...   rest_fetch with mamgated pinned to CPU 0 and wrk to CPU 1 (taskset),
#     _p50/_p99_ms, _cpu_us      so that neither takes the other's core (needs 2 CPUs); the load
#                                average is printed beside every fetch figure
#   rest_fetch_uncached_pinned_* the same with limit=101: the same 100 packets, in a page that is not
#                                full and so not kept: read and rendered on every request
#   rss_idle_mb                  VmRSS of mamgated after start, no watches
#   rss_100k_channels_mb         VmRSS after 100,000 watches added through REST, 1,000 per request
#                                (the bulk route; watch_add_per_s: how fast, 4 keep-alive clients);
#                                BENCH_WATCHES=N measures N watches instead (rss_<N/1000>k_...)
# Runs from the build directory (MAMGATE_BUILDDIR, default the current directory). BENCH_QUICK=1:
# fewer runs and 2-second wrk runs. BENCH_PROFILE=1: perf
# samples mamgated during the first fetch run of each size. BENCH_ONLY=fetch: only the fetch
# figures. BENCH_SET=KEY=VALUE: one more setting for mamgated (e.g. http_threads=4, for an A/B
# run). Figures go to stdout and, as JSON lines, to $BENCH_JSON.
set -euo pipefail
build=${MAMGATE_BUILDDIR:-$(pwd)}
quick=${BENCH_QUICK:-0}
[ "$quick" = 0 ] && quick=
only=${BENCH_ONLY:-}
case $only in '' | fetch) ;; *) echo "bench_gateway: BENCH_ONLY must be fetch" >&2; exit 2 ;; esac
work=$(mktemp -d "${TMPDIR:-/tmp}/mg-bench-gw-XXXXXX")
# four loopback ports free right now (the machine may run other tests)
read -r p1 p2 p3 p4 < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))')
node_api=127.0.0.1:$p1 node_zmq=tcp://127.0.0.1:$p2 http=127.0.0.1:$p3 pub=tcp://127.0.0.1:$p4
node_pid= gw_pid=

cleanup() {
  for p in $gw_pid $node_pid; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

die() {
  echo "bench_gateway: $*" >&2
  for log in "$work"/*.log; do [ -f "$log" ] && tail -n 20 "$log" >&2; done
  exit 1
}

. "$(dirname "$0")/report.sh" # report NAME UNIT VALUE...
. "$(dirname "$0")/wrk.sh"    # wrk_run PID URL [PREFIX...]

# pick QUICK FULL: the value for this mode.
pick() { if [ -n "$quick" ]; then echo "$1"; else echo "$2"; fi; }

watches=${BENCH_WATCHES:-100000}
watches_per_request=1000

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
rss_mb() { awk '/^VmRSS:/ {printf "%.1f\n", $2 / 1024}' "/proc/$gw_pid/status"; }

start_node() {
  "$build/devnode/devnode" --api "$node_api" --zmq "$node_zmq" --data-dir "$work/node" --mwm 1 >>"$work/node.log" 2>&1 &
  node_pid=$!
  for _ in $(seq 100); do
    curl -sf -X POST -H 'X-IOTA-API-Version: 1' -H 'Content-Type: application/json' \
      -d '{"command":"getNodeInfo"}' "http://$node_api" >/dev/null && return 0
    sleep 0.1
  done
  die "devnode did not start"
}

# start_gateway MWM: (re)starts mamgated with local proof of work at that MWM.
# start_gateway MWM [MAX_LIST]
start_gateway() {
  MAMGATE_NODE_API=http://$node_api MAMGATE_NODE_ZMQ=$node_zmq MAMGATE_HTTP=$http MAMGATE_ZMQ_PUB=$pub \
    MAMGATE_DATA_DIR=$work/var MAMGATE_MWM=$1 "$build/host/mamgated" --plugin "$build/plugin/.libs/mamgate.so" \
    --set max_list="${2:-128}" --set max_payload_bytes=262144 --set log_level=warning ${BENCH_SET:+--set "$BENCH_SET"} \
    >>"$work/gw.log" 2>&1 &
  gw_pid=$!
  for _ in $(seq 100); do curl -sf "http://$http/v1/health" >/dev/null && return 0; sleep 0.1; done
  die "the gateway did not start"
}
stop_gateway() { kill -TERM "$gw_pid"; wait "$gw_pid" 2>/dev/null || true; gw_pid=; }

# api METHOD PATH [BODY|@FILE]: the response body on stdout; fails on an HTTP error.
api() {
  curl -sf -X "$1" -H "Authorization: Bearer $token" "http://$http$2" ${3:+--data-binary "$3"} ||
    die "$1 $2 failed"
}

new_channel() { api POST /v1/channels "{\"height\":$1}" | json 'd["channel_id"]'; }

# A publish request of `bytes` random bytes (base64) in `packets` packets with the checksum.
message_body() {
  python3 -c '
import base64, json, os, sys
n, packets, checksum = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
print(json.dumps({"payload": base64.b64encode(os.urandom(n)).decode(), "encoding": "base64",
                  "checksum": checksum, "packets": packets}))' "$@"
}

# publish_times CHANNEL COUNT: seconds of each signed 1 KiB publish, one per line.
publish_times() {
  message_body 1024 1 signature >"$work/msg-$1.json"
  for _ in $(seq "$2"); do
    curl -sf -o /dev/null -w '%{time_total}\n' -X POST -H "Authorization: Bearer $token" \
      --data-binary "@$work/msg-$1.json" "http://$http/v1/channels/$1/messages" || die "publish failed"
  done
}

# latency NAME CHANNEL COUNT: reports the publish latency in ms.
latency() {
  local times
  times=$(publish_times "$2" "$3" | awk '{printf "%s ", $1 * 1000}')
  # shellcheck disable=SC2086
  report "$1" ms $times
}

pow_seconds() { api GET /metrics | awk '/^mamgate_pow_seconds_total/ {print $2}'; }
pow_count() { api GET /metrics | awk '/^mamgate_pow_total/ {print $2}'; }

# wait_stored CHANNEL N: until the channel has N stored packets.
wait_stored() {
  for _ in $(seq 300); do
    [ "$(api GET "/v1/channels/$1/messages?limit=1000" | json 'len(d["messages"])')" -ge "$2" ] && return 0
    sleep 0.1
  done
  die "the published packets were not decoded and stored"
}

# profile SECONDS NAME: with BENCH_PROFILE=1 and a working perf, samples mamgated for SECONDS in
# the background and prints its 15 busiest functions when done (wait for $profile_pid).
profile_pid=
profile() {
  [ "${BENCH_PROFILE:-0}" = 1 ] && perf record -q -e cpu-clock -o /dev/null true 2>/dev/null || return 0
  (perf record -q -e cpu-clock -p "$gw_pid" -o "$work/$2.perf" -- sleep "$1" 2>/dev/null
   echo "  profile of mamgated during $2 (perf, cpu-clock), by library then by function:"
   perf report -i "$work/$2.perf" --stdio --sort dso 2>/dev/null | grep -v '^#' | grep . | head -6 | sed 's/^/    /' || true
   perf report -i "$work/$2.perf" --stdio --fields overhead,dso,sym 2>/dev/null | grep -v '^#' | grep . | head -15 |
     sed 's/^/    /' || true) &
  profile_pid=$!
}

# fetch NAME CHANNEL SECONDS RUNS [WRK_PREFIX...]: wrk on the channel's first page of 100 (the
# first run profiled), wrk run through WRK_PREFIX (e.g. taskset -c 1). The page's query is
# $page_query: limit=100, a full page, which the gateway keeps after the first answer; limit=101
# gives the same 100 packets in a page that is not full, rendered from the store every time.
page_query=limit=100
fetch() {
  local name=$1 channel=$2 wrk_seconds=$3 runs=$4 rps=() p50=() p99=() cpu=() out r q50 q99 c
  shift 4
  profile "$wrk_seconds" "$name"
  echo "  ($name: load average $(cut -d' ' -f1-3 /proc/loadavg) before the runs)"
  for _ in $(seq "$runs"); do
    out=$(wrk_run "$gw_pid" "http://$http/v1/channels/$channel/messages?$page_query" "$@") || exit 1
    read -r r q50 q99 c <<<"$out"
    rps+=("$r") p50+=("$q50") p99+=("$q99") cpu+=("$c")
  done
  if [ -n "$profile_pid" ]; then wait "$profile_pid" || true; fi
  profile_pid=
  echo "  ($name: load average $(cut -d' ' -f1-3 /proc/loadavg) after the runs)"
  report "${name}_rps" req/s "${rps[@]}"
  report "${name}_p50_ms" ms "${p50[@]}"
  report "${name}_p99_ms" ms "${p99[@]}"
  report "${name}_cpu_us" us "${cpu[@]}"
}

# fetch_pinned NAME CHANNEL SECONDS RUNS: fetch with every mamgated thread on CPU 0 and wrk on CPU 1
# (skipped on one CPU); mamgated may use every CPU again afterwards.
fetch_pinned() {
  [ "$(nproc)" -ge 2 ] || { echo "  ($1: skipped, one CPU)"; return 0; }
  taskset -a -p -c 0 "$gw_pid" >/dev/null || die "taskset failed"
  fetch "$@" taskset -c 1
  taskset -a -p -c "0-$(($(nproc) - 1))" "$gw_pid" >/dev/null || die "taskset failed"
}

# add_watches N: N watches of random channel ids through REST, $watches_per_request in each request
# (the bulk route), 4 keep-alive clients; prints the rate in watches per second.
add_watches() {
  python3 - "$http" "$token" "$1" "$watches_per_request" <<'EOF'
import http.client, json, random, sys, threading, time
host, token, total, per = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
clients, alphabet, failed = 4, "9ABCDEFGHIJKLMNOPQRSTUVWXYZ", []
def work(count, seed):
    rnd = random.Random(seed)
    conn = http.client.HTTPConnection(host, timeout=120)
    for first in range(0, count, per):
        body = json.dumps([{"channel_id": "".join(rnd.choice(alphabet) for _ in range(81)), "backfill": False}
                           for _ in range(min(per, count - first))])
        conn.request("POST", "/v1/watches", body, {"Authorization": "Bearer " + token})
        r = conn.getresponse()
        r.read()
        if r.status != 201:
            failed.append(r.status)
            return
t0 = time.monotonic()
threads = [threading.Thread(target=work, args=(total // clients + (i < total % clients), i)) for i in range(clients)]
for t in threads: t.start()
for t in threads: t.join()
if failed: sys.exit("adding watches failed with status %d" % failed[0])
print("%.1f" % (total / (time.monotonic() - t0)))
EOF
}

wait_watches() {
  for _ in $(seq 300); do
    [ "$(api GET /v1/info | json 'd["watches"]')" -ge "$1" ] && return 0
    sleep 0.1
  done
  die "the watches did not take effect"
}

start_node
start_gateway 9
token=$(cat "$work/var/token")
sleep 1
if [ -z "$only" ]; then
report rss_idle_mb MB "$(rss_mb)"

# ---- publishing: MWM 9, 4 channels in parallel, MWM 14, MWM 1
runs=$(pick 3 15)
ch=$(new_channel 6)
publish_times "$ch" 1 >/dev/null # warm-up: first connection to the node, page cache
pow_s0=$(pow_seconds) pow_n0=$(pow_count)
latency publish_latency_ms "$ch" "$runs"
echo "  (proof of work: $(python3 -c "import sys; s0,n0,s1,n1=map(float,sys.argv[1:]); print('%d transactions, %.1f ms each' % (n1-n0, (s1-s0)/(n1-n0)*1000))" \
  "$pow_s0" "$pow_n0" "$(pow_seconds)" "$(pow_count)"))"

per=$(pick 2 8)
parallel=()
for _ in $(seq "$(pick 1 3)"); do
  chans=()
  for i in 1 2 3 4; do chans+=("$(new_channel 5)"); done
  t0=$(date +%s.%N) pids=()
  for c in "${chans[@]}"; do
    publish_times "$c" "$per" >/dev/null &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || die "a parallel publisher failed"; done
  parallel+=("$(python3 -c "import sys,time; print(4 * int(sys.argv[2]) / (time.time() - float(sys.argv[1])))" "$t0" "$per")")
done
report publish_parallel_msgs_per_s msg/s "${parallel[@]}"

stop_gateway
start_gateway 14
latency publish_latency_mwm14_ms "$ch" "$(pick 1 5)"
stop_gateway
start_gateway 1
latency publish_latency_nopow_ms "$ch" "$runs"
fi

# ---- fetching: 100 packets of 64 bytes, then of 1 KiB, each channel watched and filled by one
# 100-packet message
for size in 64 1024; do
  c=$(new_channel 0)
  api POST /v1/watches "{\"channel_id\":\"$c\",\"backfill\":false}" >/dev/null
  message_body $((size * 100)) 100 mac >"$work/fill.json"
  api POST "/v1/channels/$c/messages" "@$work/fill.json" >/dev/null
  wait_stored "$c" 100
  if [ "$size" = 64 ]; then
    fetch rest_fetch "$c" "$(pick 2 10)" "$(pick 1 5)"
    fetch_pinned rest_fetch_pinned "$c" "$(pick 2 10)" "$(pick 1 5)"
    page_query=limit=101
    fetch_pinned rest_fetch_uncached_pinned "$c" "$(pick 2 10)" "$(pick 1 5)"
    page_query=limit=100
  else
    fetch rest_fetch_1k "$c" "$(pick 2 10)" 1
  fi
done

[ -n "$only" ] && exit 0

# ---- memory with 100,000 watched channels
stop_gateway
rm -f "$work/var/mamgate.db"* # the channels and watches above go: only the new watches count
start_gateway 9 "$watches_per_request"
token=$(cat "$work/var/token")
sleep 1
idle=$(rss_mb)
rate=$(add_watches "$watches")
wait_watches "$watches"
sleep 1
report watch_add_per_s watches/s "$rate"
report "rss_$((watches / 1000))k_channels_mb" MB "$(rss_mb)"
echo "  ($(python3 -c "import sys; i,f,n=map(float,sys.argv[1:]); print('%.1f MB idle after the restart: %.0f bytes per watch' % (i, (f-i)*1048576/n))" \
  "$idle" "$(rss_mb)" "$watches"))"
