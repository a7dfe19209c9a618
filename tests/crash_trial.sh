#!/usr/bin/env bash
# Crash trial: the real devnode and mamgated with the plugin, publishing signed messages over REST
# (several at once) while mamgated is killed with SIGKILL at random moments and restarted.
# Afterwards every transaction that reached the node is read back, every MSS signature in it is
# located (tests/skn_extract), and no leaf of any tree may sign twice; every publish that was
# answered 201 must be readable from the gateway's store after the last restart (back-fill).
# Throughout the kills a hostile reader, the real `sqlite3` shell, reads the live database in a
# loop, as an operator's monitoring script would (its reads must not cost the gateway its locks).
# Variants: the node is killed mid-publish (publishes answer 201 or 503, the leaf counter never
# goes back, publishing works again once the node is back), and the data directory fills up (a
# small tmpfs: 201 or 507, the gateway stays up, and works again once space is freed).
#
# usage: crash_trial.sh [--kills N] [--no-variants]   (N = 20 by default; the long run uses 200)
set -u
kills=20 variants=1
while [ $# -gt 0 ]; do
  case $1 in
    --kills) kills=$2; shift ;;
    --no-variants) variants=0 ;;
    *) echo "usage: $0 [--kills N] [--no-variants]" >&2; exit 2 ;;
  esac
  shift
done
. "$(dirname "$0")/../fuzz/gateway_lib.sh"

PARALLEL=3        # clients publishing back to back when the kill comes
PER_WORKER=3      # publishes per client and round at most (bounds the leaves a round takes)
MAX_KILL_MS=800
CHANNEL_HEIGHT=4
ENDPOINT_HEIGHT=4
mkdir -p "$work/pub"
channel_list=$work/channels # every channel id created, for the key-reuse check
: >"$channel_list"
: >"$work/published" # "channel message_id packets" of every publish answered 201
: >"$work/kill_statuses"
survived=0 round=0 ch= ep=

random_ms() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

# A fresh channel with a watch (back-fill on) and an announced endpoint.
new_channel() {
  api POST /v1/channels "{\"height\":$CHANNEL_HEIGHT}"
  [ "$status" = 201 ] || { bad "create channel: $status $body"; return 1; }
  ch=$(echo "$body" | json 'd["channel_id"]')
  echo "$ch" >>"$channel_list"
  api POST /v1/watches "{\"channel_id\":\"$ch\"}"
  [ "$status" = 201 ] || { bad "watch: $status $body"; return 1; }
  api POST "/v1/channels/$ch/endpoints" "{\"height\":$ENDPOINT_HEIGHT}"
  [ "$status" = 201 ] || { bad "create endpoint: $status $body"; return 1; }
  ep=$(echo "$body" | json 'd["endpoint_id"]')
}

# Signatures left on the channel and its endpoint: "CHANNEL ENDPOINT".
remaining() {
  [ -n "$ch" ] || return 1
  api GET "/v1/channels/$ch"
  [ "$status" = 200 ] && echo "$body" | json '"%d %d" % (d["remaining_signatures"], min([e["remaining_signatures"] for e in d["endpoints"]] or [0]))'
}

# A channel with room for a round (a tree that runs out answers 422, which ends that client's
# round).
ensure_room() {
  local left
  left=$(remaining) || left="0 0"
  set -- $left
  if [ "$1" -lt $((2 * PARALLEL)) ] || [ "$2" -lt $((2 * PARALLEL)) ]; then new_channel; fi
}

# publish FILE: one signed publish (on the channel or its endpoint, one or two packets); FILE.req
# gets "channel packets", FILE.code the status, FILE.body the answer.
publish() {
  local f=$1 packets=$((1 + RANDOM % 4 / 3)) where=""
  [ $((RANDOM % 2)) -eq 0 ] && where=",\"endpoint_id\":\"$ep\""
  echo "$ch $packets" >"$f.req"
  curl -s -m 120 -o "$f.body" -w '%{http_code}' -H "Authorization: Bearer $token" -X POST \
    --data-binary "{\"payload\":\"crash trial $(basename "$f")\",\"checksum\":\"signature\",\"packets\":$packets$where}" \
    "http://$http/v1/channels/$ch/messages" >"$f.code" 2>/dev/null
}

# worker PREFIX: publishes back to back (at most PER_WORKER) until one is not answered 201.
worker() {
  local i
  for i in $(seq $PER_WORKER); do
    publish "$1-$i"
    [ "$(cat "$1-$i.code")" = 201 ] || break
  done
}

# record FILE...: keeps the 201s; prints the count of each status.
record() {
  local f code
  for f in "$@"; do
    code=$(cat "$f.code" 2>/dev/null)
    echo "${code:-000}"
    if [ "$code" = 201 ]; then
      set -- $(cat "$f.req")
      echo "$1 $(json 'd["message_id"]' <"$f.body") $2" >>"$work/published"
    fi
  done | sort | uniq -c | tr '\n' ' '
}

# statuses FILE...: the distinct statuses of background publishes, space-separated.
statuses() {
  local f
  for f; do cat "$f.code" 2>/dev/null || echo 000; echo; done | sort -u | tr '\n' ' '
}

# only WANTED STATUSES: true when every status is one of WANTED ("201|503").
only() {
  local s
  for s in $2; do eval "case \$s in $1) ;; *) return 1 ;; esac"; done
}

# One round: PARALLEL clients publishing, SIGKILL after a random pause, restart; the leaf counters
# never go back, and every answer is 201, 422 (a tree ran out) or none (cut off by the kill).
kill_round() {
  round=$((round + 1))
  ensure_room || return 1
  local before after workers=() codes
  before=$(remaining)
  for k in $(seq $PARALLEL); do
    worker "$work/pub/k$round-$k" &
    workers+=($!)
  done
  sleep "$(random_ms $((RANDOM % (MAX_KILL_MS + 1))))"
  stop_gateway KILL
  wait "${workers[@]}" 2>/dev/null
  start_gateway || return 1
  survived=$((survived + 1))
  after=$(remaining)
  set -- $before $after
  if [ $# -ne 4 ] || [ "$3" -gt "$1" ] || [ "$4" -gt "$2" ]; then bad "round $round: signatures left went from '$before' to '$after'"; fi
  local files=("$work/pub/k$round-"*.req)
  files=("${files[@]%.req}")
  codes=$(statuses "${files[@]}")
  only '201|422|000' "$codes" || bad "round $round: statuses '$codes'"
  record "${files[@]}" >>"$work/kill_statuses"
  echo >>"$work/kill_statuses"
  return 0
}

# The node dies mid-publish: 201 or 503 only, counters never go back, and it works again after.
node_round() {
  round=$((round + 1))
  ensure_room || return 1
  local before after files=() curls=() codes
  before=$(remaining)
  for k in $(seq $PARALLEL); do
    publish "$work/pub/n$round-$k" &
    files+=("$work/pub/n$round-$k") curls+=($!)
  done
  sleep "$(random_ms $((RANDOM % 120)))"
  stop_node KILL
  wait "${curls[@]}" 2>/dev/null
  codes=$(statuses "${files[@]}")
  only '201|503' "$codes" && ok || bad "node killed mid-publish: statuses '$codes' (want 201 or 503)"
  api POST "/v1/channels/$ch/messages" '{"payload":"node is down","checksum":"signature"}'
  check "publish while the node is down" 503 "$status"
  healthy && ok || bad "gateway unhealthy while the node is down"
  after=$(remaining)
  set -- $before $after
  [ $# -eq 4 ] && [ "$3" -le "$1" ] && [ "$4" -le "$2" ] && ok || bad "node round $round: signatures left went from '$before' to '$after'"
  record "${files[@]}" >/dev/null
  start_node || return 1
  for _ in $(seq 50); do # the gateway's node client reconnects on the next request
    api POST "/v1/channels/$ch/messages" '{"payload":"node is back","checksum":"signature"}'
    [ "$status" = 201 ] && break
    sleep 0.2
  done
  check "publish after the node returned" 201 "$status"
  [ "$status" = 201 ] && echo "$ch $(echo "$body" | json 'd["message_id"]') 1" >>"$work/published"
}

# Every message answered 201 by this gateway is in its store with all its packets (waits for
# back-fill); none is stored twice.
check_readable() {
  local missing line
  missing=$(python3 - "$http" "$work/published" <<'PY'
import json, sys, time, urllib.request
base, wanted = "http://" + sys.argv[1], [l.split() for l in open(sys.argv[2]) if l.strip()]
def complete(channel, message, packets):
    try:
        with urllib.request.urlopen("%s/v1/channels/%s/messages/%s" % (base, channel, message), timeout=30) as r:
            return len(json.load(r)["packets"]) == int(packets)
    except Exception:
        return False
deadline = time.time() + 90  # back-fill after a restart takes a moment
while wanted and time.time() < deadline:
    wanted = [w for w in wanted if not complete(*w)]
    if wanted:
        time.sleep(0.5)
for w in wanted:
    print(" ".join(w), file=sys.stderr)
print(len(wanted))
PY
  )
  messages_checked=$((messages_checked + $(wc -l <"$work/published")))
  check "published messages readable after the last restart" 0 "$missing"
  for c in $(cut -d' ' -f1 "$work/published" | sort -u); do
    api GET "/v1/channels/$c/messages?limit=1000"
    line=$(echo "$body" | json 'len(d["messages"]) - len({(m["message_id"], m["ord"]) for m in d["messages"]})')
    check "no duplicate packet stored on $c" 0 "$line"
  done
  : >"$work/published"
}

check_reuse() {
  reuse "$work/channels"
  [ "$signatures" -gt 0 ] && ok || bad "no signature found on the node"
  check "leaves used twice" 0 "$reused"
  [ "$reused" -eq 0 ] || cut -d' ' -f1,2 "$work/leaves" | uniq -d | head -n 5
}

# The check can fail: a gateway whose database is rolled back to before a publish signs with the
# same leaf again, and reuse() must count it.
reuse_control() {
  local control=$work/control.channels
  stop_gateway TERM
  data=$work/control token= ch= channel_list=$control
  start_gateway && new_channel || return 1
  stop_gateway TERM
  cp -a "$data" "$data.snapshot"
  for attempt in 1 2; do
    start_gateway || return 1
    api POST "/v1/channels/$ch/messages" "{\"payload\":\"control $attempt\",\"checksum\":\"signature\"}"
    check "control publish $attempt" 201 "$status"
    stop_gateway TERM
    rm -rf "$data" && cp -a "$data.snapshot" "$data"
  done
  reuse "$control"
  check "a rolled-back database is caught reusing a leaf" 1 "$reused"
}

# The data directory on a small tmpfs that fills up: 201 or 507, the gateway stays up, works again.
full_disk() {
  local small=$work/small files=() codes
  mkdir -p "$small"
  if ! mount -t tmpfs -o size=8m tmpfs "$small" 2>/dev/null; then
    echo "SKIP full-disk variant: cannot mount a tmpfs (needs root)"
    return 0
  fi
  on_exit+=("umount '$small' 2>/dev/null")
  stop_gateway TERM
  data=$small/var token=
  start_gateway || return 1
  ch=
  ensure_room || return 1
  api POST "/v1/channels/$ch/messages" '{"payload":"before the disk fills","checksum":"signature"}'
  check "publish on the small disk" 201 "$status"
  [ "$status" = 201 ] && echo "$ch $(echo "$body" | json 'd["message_id"]') 1" >>"$work/published"
  dd if=/dev/zero of="$small/filler" bs=64k 2>/dev/null
  for k in 1 2 3 4; do
    publish "$work/pub/d$k"
    files+=("$work/pub/d$k")
  done
  codes=$(statuses "${files[@]}")
  echo "disk full: statuses $codes"
  only '201|507' "$codes" && ok || bad "disk full: statuses '$codes' (want 201 or 507)"
  echo "$codes" | grep -q 507 && ok || bad "a full disk never gave 507"
  healthy && ok || bad "gateway unhealthy on a full disk"
  api GET "/v1/channels/$ch"; check "channel readable on a full disk" 200 "$status"
  record "${files[@]}" >/dev/null
  rm -f "$small/filler"
  api POST "/v1/channels/$ch/messages" '{"payload":"space again","checksum":"signature"}'
  check "publish once space is back" 201 "$status"
  [ "$status" = 201 ] && echo "$ch $(echo "$body" | json 'd["message_id"]') 1" >>"$work/published"
  stop_gateway KILL
  start_gateway || return 1 # back-fill brings what was not stored while the disk was full
  check_readable
}

messages_checked=0 signatures=0 reused=0
start_node || exit 1
start_gateway || exit 1
echo "crash trial: $kills kills, $PARALLEL clients publishing, SIGKILL after 0-$MAX_KILL_MS ms"
# hostile_reader: the sqlite3 shell querying the live database back to back; one line per read.
hostile_reader() {
  while :; do
    sqlite3 "$data/mamgate.db" 'select count(*) from messages; select count(*) from channels;' >/dev/null 2>&1 &&
      echo read
    sleep 0.05
  done >"$work/hostile_reads"
}
command -v sqlite3 >/dev/null || { bad "the sqlite3 shell is needed (script/bootstrap installs it)"; finish; }
hostile_reader &
reader_pid=$!
on_exit+=("kill $reader_pid 2>/dev/null")
for _ in $(seq "$kills"); do kill_round || break; done
kill "$reader_pid" 2>/dev/null; wait "$reader_pid" 2>/dev/null
hostile_reads=$(wc -l <"$work/hostile_reads")
[ "$hostile_reads" -gt 0 ] && ok || bad "the hostile reader never read the database"
[ "$variants" -eq 1 ] && for _ in 1 2 3; do node_round || break; done
stop_gateway KILL
start_gateway && check_readable
[ "$variants" -eq 1 ] && full_disk
check_reuse
[ "$variants" -eq 1 ] && reuse_control
reuse "$work/channels" # the figures of the trial itself, not of the control
echo "publishes during the kill rounds: $(awk '{for (i = 1; i < NF; i += 2) n[$(i + 1)] += $i} END {for (s in n) printf "%s x %d  ", s, n[s]}' "$work/kill_statuses")"
echo "hostile sqlite3 reads during the kills: $hostile_reads"
echo "kills survived: $survived, messages checked: $messages_checked, signatures on the node: $signatures, reused indexes = $reused"
finish
