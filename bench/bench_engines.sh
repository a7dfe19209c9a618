#!/usr/bin/env bash
# REST fetch per store engine: the real devnode and two mamgated gateways, one on SQLite and one on
# a real PostgreSQL (tests/fleet_lib.sh), each watching its own channel filled with one 100-packet
# message of 64-byte packets. wrk (bench/wrk.sh: 2 threads, 50 connections) on
# GET /v1/channels/{id}/messages?limit=101: the 100 packets in a page that is not full, which the
# gateway does not keep (a full page is answered from its HTTP cache, the same on every engine), so
# every request reads the store and renders. The engines take turns, run by run, so that both see
# the same load on the machine.
#   rest_fetch_per_s_sqlite, _p99_ms_sqlite, _cpu_us_sqlite               SQLite (data_dir/mamgate.db)
#   rest_fetch_per_s_postgresql, _p99_ms_postgresql, _cpu_us_postgresql   PostgreSQL; _cpu_us is the
#                                gateway's CPU time per request (not the server's)
# Runs from the build directory (MAMGATE_BUILDDIR); BENCH_QUICK=1: 1 run of 2 s per engine, else 5
# of 10 s. Exits 77 without the PostgreSQL server (bench/run then goes on without these figures).
set -u
node_mwm=1
. "$(dirname "$0")/../tests/fleet_lib.sh"
. "$(dirname "$0")/report.sh"
. "$(dirname "$0")/wrk.sh"
quick=${BENCH_QUICK:-0}
[ "$quick" = 0 ] && quick=
runs=$([ -n "$quick" ] && echo 1 || echo 5)
wrk_seconds=$([ -n "$quick" ] && echo 2 || echo 10)
command -v wrk >/dev/null || { echo "bench_engines: wrk is needed" >&2; exit 1; }

die() { echo "bench_engines: $*" >&2; tail -n 20 "$work/gw.log" >&2; exit 1; }

# fill NAME: a channel through instance NAME, watched, with one 100-packet MAC message: channel[NAME].
fill() {
  use "$1"
  api GET /v1/info
  echo "  (instance $1: store $(echo "$body" | json 'd["store"]'))"
  api POST /v1/channels '{"height":0}'
  [ "$status" = 201 ] || die "$1: create channel: $status $body"
  local c
  c=$(echo "$body" | json 'd["channel_id"]')
  api POST /v1/watches "{\"channel_id\":\"$c\",\"backfill\":false}"
  [ "$status" = 201 ] || die "$1: watch: $status $body"
  python3 -c 'import base64, json, os
print(json.dumps({"payload": base64.b64encode(os.urandom(6400)).decode(), "encoding": "base64",
                  "checksum": "mac", "packets": 100}))' >"$work/fill.json"
  api POST "/v1/channels/$c/messages" "@$work/fill.json"
  [ "$status" = 201 ] || die "$1: publish: $status $body"
  for _ in $(seq 300); do
    api GET "/v1/channels/$c/messages?limit=101"
    [ "$status" = 200 ] && [ "$(echo "$body" | json 'len(d["messages"])')" = 100 ] && { channel[$1]=$c; return 0; }
    sleep 0.1
  done
  die "$1: the 100 packets were not decoded and stored"
}

settings=(--set log_level=warning --set max_list=128 --set max_payload_bytes=262144)
i_http[S]=127.0.0.1:$((base + 6)) i_pub[S]=tcp://127.0.0.1:$((base + 7)) i_data[S]=$work/var-s
start_node || die "devnode did not start"
start_instance A "${settings[@]}" || die "the PostgreSQL gateway did not start"
MAMGATE_STORE=sqlite MAMGATE_FLEET_KEY_FILE= start_instance S "${settings[@]}" || die "the SQLite gateway did not start"
declare -A channel rps p99 cpu
fill S
fill A
use S # use records the pid of the instance it leaves
echo "== REST fetch per engine: $runs run(s) of $wrk_seconds s per engine, page of 100 packets (limit=101, not cached)"
echo "  (load average $(cut -d' ' -f1-3 /proc/loadavg) before the runs)"
for _ in $(seq "$runs"); do
  for i in S A; do
    out=$(wrk_run "${i_pid[$i]}" "http://${i_http[$i]}/v1/channels/${channel[$i]}/messages?limit=101") || exit 1
    read -r r _ q c <<<"$out"
    rps[$i]+=" $r" p99[$i]+=" $q" cpu[$i]+=" $c"
  done
done
echo "  (load average $(cut -d' ' -f1-3 /proc/loadavg) after the runs)"
for i in S A; do
  engine=$([ "$i" = S ] && echo sqlite || echo postgresql)
  # shellcheck disable=SC2086
  {
    report "rest_fetch_per_s_$engine" req/s ${rps[$i]}
    report "rest_fetch_p99_ms_$engine" ms ${p99[$i]}
    report "rest_fetch_cpu_us_$engine" us ${cpu[$i]}
  }
done
