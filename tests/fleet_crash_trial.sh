#!/usr/bin/env bash
# Crash trial in fleet mode: the real devnode, one real PostgreSQL and two mamgated instances (A and
# B) on it with one fleet key, publishing signed messages through both at once on one channel (or
# its endpoint) while one of them, in turn, is killed with SIGKILL at a random moment and
# restarted. The survivor's publishes are answered 201 or 422 only (never an error because the
# other died); the killed one's 201, 422 or none. Signatures left never go back. At the end every
# transaction on the node is read back, every MSS signature located (tests/skn_extract), and no leaf
# of any tree may sign twice; every publish answered 201 is readable whole through both instances,
# none stored twice. The same check as tests/crash_trial.sh's, across processes sharing a database.
#
# usage: fleet_crash_trial.sh [--kills N]   (N = $FLEET_KILLS, else 50 in CI (CI set) and 10 in a
# local `make check`; the closing note uses 500)
set -u
kills=${FLEET_KILLS:-$([ -n "${CI:-}" ] && echo 50 || echo 10)}
while [ $# -gt 0 ]; do
  case $1 in
    --kills) kills=$2; shift ;;
    *) echo "usage: $0 [--kills N]" >&2; exit 2 ;;
  esac
  shift
done
. "$(dirname "$0")/fleet_lib.sh"

PER_INSTANCE=2    # clients publishing through each instance when the kill comes
PER_WORKER=3      # publishes per client and round at most
MAX_KILL_MS=800
HEIGHT=4
mkdir -p "$work/pub"
: >"$work/channels" "$work/published" "$work/statuses"
survived=0 round=0 ch= ep=

# A fresh channel with a watch and an announced endpoint, through instance $1.
new_channel() {
  use "$1"
  api POST /v1/channels "{\"height\":$HEIGHT}"
  [ "$status" = 201 ] || { bad "create channel: $status $body"; return 1; }
  ch=$(echo "$body" | json 'd["channel_id"]')
  echo "$ch" >>"$work/channels"
  api POST /v1/watches "{\"channel_id\":\"$ch\"}"
  [ "$status" = 201 ] || { bad "watch: $status $body"; return 1; }
  api POST "/v1/channels/$ch/endpoints" "{\"height\":$HEIGHT}"
  [ "$status" = 201 ] || { bad "create endpoint: $status $body"; return 1; }
  ep=$(echo "$body" | json 'd["endpoint_id"]')
}

# remaining NAME: "CHANNEL ENDPOINT" signatures left, as instance NAME reads them from the store.
remaining() {
  [ -n "$ch" ] || return 1
  use "$1"
  api GET "/v1/channels/$ch"
  [ "$status" = 200 ] && echo "$body" | json '"%d %d" % (d["remaining_signatures"], min([e["remaining_signatures"] for e in d["endpoints"]] or [0]))'
}

ensure_room() {
  local left
  left=$(remaining "$1") || left="0 0"
  set -- $left "$1"
  # a tree that runs out answers 422, which ends that client's round
  if [ "$1" -lt $((4 * PER_INSTANCE)) ] || [ "$2" -lt $((4 * PER_INSTANCE)) ]; then new_channel "$3"; fi
}

# worker NAME PREFIX: publishes through NAME back to back until one is not answered 201.
worker() {
  local i f target
  for i in $(seq $PER_WORKER); do
    f=$2-$i
    target=$([ $((RANDOM % 2)) -eq 0 ] && echo "$ep")
    echo "$ch" >"$f.ch"
    publish_on "$1" "$f" "$ch" "$target"
    [ "$(cat "$f.code")" = 201 ] || break
  done
}

# One round: clients on both instances; the victim (A and B in turn) is killed and restarted.
kill_round() {
  round=$((round + 1))
  local victim=A survivor=B before after workers=() k name
  [ $((round % 2)) -eq 0 ] && victim=B survivor=A
  ensure_room "$survivor" || return 1
  before=$(remaining "$survivor")
  for name in A B; do
    for k in $(seq $PER_INSTANCE); do
      worker "$name" "$work/pub/r$round-$name-$k" &
      workers+=($!)
    done
  done
  sleep "$(printf '0.%03d' $((RANDOM % (MAX_KILL_MS + 1))))"
  stop_instance "$victim" KILL
  wait "${workers[@]}" 2>/dev/null
  use "$survivor"
  healthy || bad "round $round: $survivor unhealthy after $victim was killed"
  start_instance "$victim" || return 1
  survived=$((survived + 1))
  after=$(remaining "$victim") # what the restarted one reads
  set -- $before $after
  if [ $# -ne 4 ] || [ "$3" -gt "$1" ] || [ "$4" -gt "$2" ]; then bad "round $round: signatures left went from '$before' to '$after'"; fi
  local vf=("$work/pub/r$round-$victim-"*.ch) sf=("$work/pub/r$round-$survivor-"*.ch)
  vf=("${vf[@]%.ch}") sf=("${sf[@]%.ch}")
  local vc sc
  vc=$(codes "${vf[@]}") sc=$(codes "${sf[@]}")
  only '201|422' "$sc" || bad "round $round: the survivor $survivor answered '$sc'"
  only '201|422|000' "$vc" || bad "round $round: the killed $victim answered '$vc'"
  record "${vf[@]}" "${sf[@]}"
}

start_node || exit 1
start_instance A || exit 1
start_instance B || exit 1
echo "fleet crash trial: $kills kills of A and B in turn, $PER_INSTANCE clients on each, SIGKILL after 0-$MAX_KILL_MS ms"
for _ in $(seq "$kills"); do kill_round || break; done
# both restarted: their watchers back-fill every watched channel
stop_instance A KILL; stop_instance B KILL
start_instance A || exit 1
start_instance B || exit 1
for name in A B; do
  check "every publish answered 201 readable through $name, none twice" 0 "$(readable_on $name "$work/published")"
done
reuse "$work/channels"
[ "$signatures" -gt 0 ] && ok || bad "no signature found on the node"
check "leaves used twice" 0 "$reused"
[ "$reused" -eq 0 ] || cut -d' ' -f1,2 "$work/leaves" | uniq -d | head -n 5
echo "publishes during the kill rounds: $(sort "$work/statuses" | uniq -c | awk '{printf "%s x %s  ", $2, $1}')"
echo "kills survived: $survived, messages checked: $(wc -l <"$work/published"), signatures on the node: $signatures, reused indexes = $reused"
finish
