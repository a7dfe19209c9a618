#!/usr/bin/env bash
# Fleet end to end: the real devnode, one real PostgreSQL, two real mamgated instances (A and B,
# their own data directories, ports and tokens) sharing the database and one fleet key.
# - Concurrent signed publishes through both instances on one channel of height 4: exactly 16 are
#   answered 201, the rest 422, and the 16 remaining_signatures values are 15..0 once each; every
#   message is readable through both instances, none twice; no leaf signs twice on the node.
# - SIGKILL of A during a publish burst on A and B: B keeps serving, nothing answered 201 is lost,
#   no leaf is reused, and A restarted reads everything.
# - The database stopped while both run: a publish answers 503 store_unavailable; once it is back,
#   publishing works again.
# - An instance with another fleet key, or none, refuses to start and says why.
set -u
. "$(dirname "$0")/fleet_lib.sh"
mkdir -p "$work/pub"
: >"$work/channels" # every channel id created, for the leaf-reuse check
: >"$work/published"

# new_watched_channel HEIGHT: through the current instance; sets ch.
new_watched_channel() {
  api POST /v1/channels "{\"height\":$1}"
  [ "$status" = 201 ] || { bad "create channel: $status $body"; return 1; }
  ch=$(echo "$body" | json 'd["channel_id"]')
  echo "$ch" >>"$work/channels"
  api POST /v1/watches "{\"channel_id\":\"$ch\"}"
  check "watch $ch" 201 "$status"
}

# tally FILE...: "STATUS x COUNT ..." of publish_on's answers.
tally() {
  local f
  for f; do cat "$f.code" 2>/dev/null || printf 000; echo; done | sort | uniq -c | awk '{printf "%s x %s ", $2, $1}'
}

start_node || exit 1
start_instance A || exit 1
# the channels and watches exist before B starts, so that both instances decode them
use A
new_watched_channel 4 && burst_ch=$ch
new_watched_channel 6 && kill_ch=$ch
start_instance B || exit 1
check "the instances have their own tokens" 1 "$([ "${i_token[A]}" != "${i_token[B]}" ] && echo 1)"
grep -q 'sealed with the fleet key' "$work/gw.log" && ok || bad "no log line names the sealed store"
password=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.urlparse(sys.argv[1]).password)' "$MAMGATE_TEST_PG_URI")
grep -qF "$password" "$work/gw.log" && bad "the database password is in the log" || ok

# ---- B serves what A created
use B
api GET "/v1/channels/$burst_ch"
check "B shows A's channel" 200 "$status"
check "B counts its signatures" 16 "$(echo "$body" | json 'd["remaining_signatures"]')"

# ---- concurrent publishes through both instances on one tree of 16 leaves
files=() curls=()
for k in $(seq 12); do
  for name in A B; do
    f=$work/pub/burst-$name-$k
    echo "$burst_ch" >"$f.ch"
    publish_on "$name" "$f" "$burst_ch" &
    files+=("$f") curls+=($!)
  done
done
wait "${curls[@]}"
echo "burst on a tree of 16: $(tally "${files[@]}")"
check "publishes answered 201" 16 "$(cat "${files[@]/%/.code}" | grep -o 201 | wc -l)"
check "publishes answered 422" 8 "$(cat "${files[@]/%/.code}" | grep -o 422 | wc -l)"
left=$(for f in "${files[@]}"; do [ "$(cat "$f.code")" = 201 ] && json 'd["remaining_signatures"]' <"$f.body"; done | sort -n | paste -sd' ')
check "remaining_signatures of the 201s" "$(seq 0 15 | paste -sd' ')" "$left"
for f in "${files[@]}"; do
  if [ "$(cat "$f.code")" = 422 ]; then
    check "a 422 says exhausted" exhausted "$(json 'd["error"]["code"]' <"$f.body")"
    break
  fi
done
record "${files[@]}"
for name in A B; do
  check "every burst message readable through $name, none twice" 0 "$(readable_on $name "$work/published")"
  api_status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${i_token[$name]}" -X POST \
    --data-binary '{"payload":"one more","checksum":"signature"}' "http://${i_http[$name]}/v1/channels/$burst_ch/messages")
  check "the spent channel through $name" 422 "$api_status"
done

# ---- SIGKILL of A during a burst on A and B
# (3 clients on each instance, each publishing 3 messages back to back)
files=() curls=() a_files=() b_files=()
for k in $(seq 3); do
  for name in A B; do
    for i in 1 2 3; do
      f=$work/pub/kill-$name-$k-$i
      echo "$kill_ch" >"$f.ch"
      files+=("$f")
      if [ "$name" = A ]; then a_files+=("$f"); else b_files+=("$f"); fi
    done
    (for i in 1 2 3; do
      publish_on "$name" "$work/pub/kill-$name-$k-$i" "$kill_ch"
      [ "$(cat "$work/pub/kill-$name-$k-$i.code")" = 201 ] || break
    done) &
    curls+=($!)
  done
done
# the kill comes after A acknowledged a first publish, while its others run
for _ in $(seq 300); do
  codes "${a_files[@]}" | grep -qw 201 && break
  sleep 0.1
done
sleep "0.$((RANDOM % 3))"
stop_instance A KILL
wait "${curls[@]}"
echo "burst with A killed: $(tally "${files[@]}")"
check "B's publishes while A is killed" 201 "$(codes "${b_files[@]}")"
echo "$(codes "${a_files[@]}")" | grep -q 201 && ok || bad "A acknowledged nothing before it was killed"
a_codes=$(codes "${a_files[@]}")
only '201|000' "$a_codes" && ok || bad "A's publishes: $a_codes (want 201 or none)"
use B
healthy && ok || bad "B unhealthy after A was killed"
f=$work/pub/after-kill-B
echo "$kill_ch" >"$f.ch"
publish_on B "$f" "$kill_ch"
check "B publishes after A was killed" 201 "$(cat "$f.code")"
record "${files[@]}" "$f"
start_instance A || exit 1
for name in B A; do
  check "every acknowledged message readable through $name, none twice" 0 "$(readable_on $name "$work/published")"
done
f=$work/pub/after-restart-A
echo "$kill_ch" >"$f.ch"
publish_on A "$f" "$kill_ch"
check "A publishes after its restart" 201 "$(cat "$f.code")"
record "$f"

# ---- the database down while both run: a publish answers 503 store_unavailable, signs nothing,
# and publishing works again once the server is back
pg_stop_server
use A
api POST "/v1/channels/$kill_ch/messages" '{"payload":"database down","checksum":"signature"}'
check "publish with the database down" 503 "$status"
check "publish with the database down: code" store_unavailable "$(echo "$body" | json 'd["error"]["code"]' 2>/dev/null)"
if pg_start_server && pg_wait_ready; then ok; else bad "PostgreSQL did not start again"; fi
for _ in $(seq 50); do
  api POST "/v1/channels/$kill_ch/messages" '{"payload":"database back","checksum":"signature"}'
  [ "$status" = 201 ] && break
  sleep 0.2
done
check "publish once the database is back" 201 "$status"

# ---- no leaf signs twice on the node
reuse "$work/channels"
echo "signatures on the node: $signatures, leaves used twice: $reused"
check "leaves used twice" 0 "$reused"
[ "$signatures" -ge 17 ] && ok || bad "only $signatures signatures found on the node"

# ---- a third instance with another key, or without one, refuses to start
other_key=$work/other.key
"$build/mamgate-cli" fleet-key "$other_key"
i_http[C]=127.0.0.1:$((base + 6)) i_pub[C]=tcp://127.0.0.1:$((base + 7)) i_data[C]=$work/var-c
use C
MAMGATE_FLEET_KEY_FILE=$other_key "$build/host/mamgated" --plugin "$build/plugin/.libs/mamgate.so" \
  --set "http=$http" --set "zmq_pub=$pub" --set "data_dir=$data" --set "node_api=http://$node_api" \
  --set "node_zmq=$node_zmq" >"$work/c-wrong-key.log" 2>&1
check "another fleet key: exit status" 1 "$?"
grep -q 'refuses the fleet key' "$work/c-wrong-key.log" && ok || { bad "another key: no clear error"; cat "$work/c-wrong-key.log"; }
env -u MAMGATE_FLEET_KEY_FILE "$build/host/mamgated" --plugin "$build/plugin/.libs/mamgate.so" \
  --set "http=$http" --set "data_dir=$data" >"$work/c-no-key.log" 2>&1
check "no fleet key: exit status" 1 "$?"
grep -q 'a PostgreSQL store needs fleet_key_file' "$work/c-no-key.log" && ok || { bad "no key: no clear error"; cat "$work/c-no-key.log"; }
use A
api GET "/v1/channels/$kill_ch"
check "A serves after the refused starts" 200 "$status"

finish
