# tests/fleet_lib.sh: a fleet on one machine for the fleet tests (tests/fleet_e2e.sh,
# tests/fleet_crash_trial.sh, bench/bench_fleet.sh): the real devnode, one real PostgreSQL
# (tests/pg_lib.sh), one fleet key (mamgate-cli fleet-key) and gateway instances A and B, each a
# real mamgated with its own data directory and ports, both on the same database.
# Sourced, not run; builds on fuzz/gateway_lib.sh (its api, start_gateway, reuse, ... act on the
# instance last chosen with `use`). Exits 77 (SKIP) when the PostgreSQL server is not installed,
# as tests/pg_lib.sh does.
. "$(dirname "${BASH_SOURCE[0]}")/../fuzz/gateway_lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/pg_lib.sh"
pg_start
# gateway_lib's cleanup waits for every background job: not for pg_lib's watchdog, which ends
# only with this script (it stops the server should the script be killed)
disown "$PG_WATCHDOG"
declare -A i_http i_pub i_data i_pid i_token
i_http[A]=$http i_pub[A]=$pub i_data[A]=$work/var-a
i_http[B]=127.0.0.1:$((base + 4)) i_pub[B]=tcp://127.0.0.1:$((base + 5)) i_data[B]=$work/var-b
# every instance goes before gateway_lib's cleanup waits; the server after it (on_exit)
fleet_cleanup() {
  local p
  for p in "${i_pid[@]}"; do kill -KILL "$p" 2>/dev/null; done
  lib_cleanup
}
trap fleet_cleanup EXIT
on_exit+=(pg_stop)
fleet_key=$work/fleet.key
"$build/mamgate-cli" fleet-key "$fleet_key" || { echo "FAIL: mamgate-cli fleet-key"; exit 1; }
# every mamgated started from here is an instance of the fleet (the password stays out of argv)
export MAMGATE_STORE=$MAMGATE_TEST_PG_URI MAMGATE_FLEET_KEY_FILE=$fleet_key
cur=

# use NAME: the gateway_lib functions act on instance NAME from now on.
use() {
  [ -n "$cur" ] && i_pid[$cur]=$gw_pid i_token[$cur]=$token
  cur=$1 http=${i_http[$1]} pub=${i_pub[$1]} data=${i_data[$1]} gw_pid=${i_pid[$1]:-} token=${i_token[$1]:-}
}
# start_instance NAME [--set KEY=VALUE ...] / stop_instance NAME [SIGNAL]
start_instance() {
  local name=$1 rc=0
  shift
  use "$name"
  start_gateway "$@" || rc=1
  use "$name"
  return $rc
}
# launch_instance NAME [--set KEY=VALUE ...]: starts instance NAME without waiting for its health.
launch_instance() {
  local name=$1
  shift
  use "$name"
  launch_gateway "$@"
  use "$name"
}
stop_instance() {
  local rc=0
  use "$1"
  stop_gateway "${2:-TERM}" || rc=$?
  use "$1"
  return $rc
}

# publish_on NAME FILE CHANNEL [ENDPOINT]: one signed one-packet publish through instance NAME (may
# run in the background): FILE.code gets the status, FILE.body the answer.
publish_on() {
  local where=""
  [ -n "${4:-}" ] && where=",\"endpoint_id\":\"$4\""
  curl -s -m 120 -o "$2.body" -w '%{http_code}' -H "Authorization: Bearer ${i_token[$1]}" -X POST \
    --data-binary "{\"payload\":\"fleet $(basename "$2")\",\"checksum\":\"signature\"$where}" \
    "http://${i_http[$1]}/v1/channels/$3/messages" >"$2.code" 2>/dev/null
}

# codes FILE...: the distinct statuses of publish_on's FILE.code, space-separated (000: no answer
# yet, or the connection was cut; FILE.code exists, empty, from the moment its curl starts).
codes() {
  local f c
  for f; do
    c=$(cat "$f.code" 2>/dev/null)
    echo "${c:-000}"
  done | sort -u | paste -sd' '
}
# only REGEX CODES: true when every status of CODES matches REGEX (e.g. '201|422').
only() { [ -z "$(echo "$2" | tr ' ' '\n' | grep . | grep -vxE "$1")" ]; }

# record FILE...: "channel message_id 1" of each publish answered 201 (FILE.ch holds the channel)
# into $work/published, and every status into $work/statuses.
record() {
  local f code
  for f; do
    code=$(cat "$f.code" 2>/dev/null)
    [ "$code" = 201 ] && echo "$(cat "$f.ch") $(json 'd["message_id"]' <"$f.body") 1" >>"$work/published"
    echo "${code:-000}" >>"$work/statuses"
  done
  return 0
}

# readable_on NAME LIST: how many "channel message_id packets" lines of LIST are not readable whole
# through instance NAME within 90 s; none is listed twice in its channel's messages.
readable_on() {
  python3 - "${i_http[$1]}" "$2" <<'PY'
import json, sys, time, urllib.request
base, wanted = "http://" + sys.argv[1], [l.split() for l in open(sys.argv[2]) if l.strip()]
def get(path):
    with urllib.request.urlopen(base + path, timeout=30) as r:
        return json.load(r)
def complete(channel, message, packets):
    try:
        return len(get("/v1/channels/%s/messages/%s" % (channel, message))["packets"]) == int(packets)
    except Exception:
        return False
deadline, left = time.time() + 90, wanted
while left and time.time() < deadline:
    left = [w for w in left if not complete(*w)]
    if left:
        time.sleep(0.5)
for w in left:
    print("missing: " + " ".join(w), file=sys.stderr)
dups = 0
for channel in sorted({w[0] for w in wanted}):
    rows = get("/v1/channels/%s/messages?limit=1000" % channel)["messages"]
    dups += len(rows) - len({(m["message_id"], m["ord"]) for m in rows})
print(len(left) + dups)
PY
}
