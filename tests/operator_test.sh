#!/usr/bin/env bash
# Keys are never reused, whatever an operator does to the data directory while the gateway runs.
# With the real devnode, mamgated and the real `sqlite3` shell, three ordinary operator actions on
# the live database: a query, a `.backup`, and a reader that holds a read transaction open while
# the gateway publishes. After each, more acknowledged writes (a PSK, a channel, signed messages),
# a SIGKILL and a restart the README way; then every acknowledged write must be there, no message
# id may repeat, the signatures left may not go back, and no Merkle leaf may sign twice: checked
# from the publish answers' "leaves", from the stored packets' "leaf", and from the signatures on
# the node (tests/skn_extract). Also: a second mamgated, and a second devnode, on a data directory
# in use refuse to start and name the lock and the process holding it.
set -u
. "$(dirname "$0")/../fuzz/gateway_lib.sh"
command -v sqlite3 >/dev/null || { echo "SKIP: the sqlite3 shell is needed (script/bootstrap installs it)"; exit 77; }

HEIGHT=5 # 32 leaves per channel
channels=$work/channels # every channel that signed, for the node-side check
: >"$channels"

field() { echo "$body" | json "$1"; }

# publish_signed CHANNEL: one signed publish that must be answered 201; appends "message_id
# remaining" to $work/acked.CHANNEL and the leaves it spent to $work/leaves.answered.
publish_signed() {
  api POST "/v1/channels/$1/messages" "{\"payload\":\"operator test $RANDOM\",\"checksum\":\"signature\"}"
  check "signed publish on ${1:0:9}" 201 "$status"
  [ "$status" = 201 ] || return 1
  echo "$(field 'd["message_id"]') $(field 'd["remaining_signatures"]')" >>"$work/acked.$1"
  field '"\n".join("%s %d" % (d["endpoint_id"], l) for l in d["leaves"])' >>"$work/leaves.answered"
}

# The gateway still lists what it acknowledged: the PSK id and every channel.
check_acknowledged() { # mode psk_id channel...
  local mode=$1 psk=$2 c
  shift 2
  api GET /v1/psks
  echo "$body" | grep -qF "\"$psk\"" && ok || bad "$mode: the PSK answered 201 is gone: $body"
  api GET /v1/channels
  for c; do echo "$body" | grep -qF "\"$c\"" && ok || bad "$mode: channel ${c:0:9} answered 201 is gone"; done
}

# Every acknowledged message of CHANNEL is stored (waits for back-fill), once, and no stored signed
# packet shares a (signer, leaf) with another.
check_stored() { # mode channel
  local mode=$1 ch=$2 result
  result=$(python3 - "$http" "$ch" "$work/acked.$ch" <<'PY'
import json, sys, time, urllib.request
base, ch = "http://" + sys.argv[1], sys.argv[2]
acked = [l.split()[0] for l in open(sys.argv[3]) if l.strip()]
deadline, msgs = time.time() + 60, []
while time.time() < deadline:
    with urllib.request.urlopen("%s/v1/channels/%s/messages?limit=1000" % (base, ch), timeout=30) as r:
        msgs = json.load(r)["messages"]
    if set(acked) <= {m["message_id"] for m in msgs}:
        break
    time.sleep(0.3)
missing = set(acked) - {m["message_id"] for m in msgs}
signed = [(m["endpoint_id"], m["leaf"]) for m in msgs if m["checksum"] == "signature"]
print(len(missing), len(msgs) - len({(m["message_id"], m["ord"]) for m in msgs}),
      sum(1 for s in signed if s[1] is None), len(signed) - len(set(signed)), len(signed))
PY
  )
  set -- $result
  check "$mode: acknowledged messages missing from the store" 0 "$1"
  check "$mode: packets stored twice" 0 "$2"
  check "$mode: signed packets without a leaf" 0 "$3"
  check "$mode: stored signed packets sharing a leaf" 0 "$4"
  [ "${5:-0}" -gt 0 ] && ok || bad "$mode: no signed packet stored"
}

# scenario MODE: one operator action on the live database, then writes, SIGKILL, restart, checks.
scenario() {
  local mode=$1 a b psk reader_pid= last_remaining remaining_now ids_before
  data=$work/var-$mode token=
  : >"$work/leaves.answered"
  start_gateway || return 1
  api POST /v1/channels "{\"height\":$HEIGHT}"; check "$mode: channel" 201 "$status"
  a=$(field 'd["channel_id"]'); echo "$a" >>"$channels"
  api POST /v1/watches "{\"channel_id\":\"$a\"}"; check "$mode: watch" 201 "$status"
  publish_signed "$a" || return 1

  case $mode in
    query) sqlite3 "$data/mamgate.db" 'select count(*) from channels;' >/dev/null || bad "$mode: sqlite3 failed" ;;
    backup) sqlite3 "$data/mamgate.db" ".backup '$work/backup.db'" || bad "$mode: sqlite3 .backup failed"
            [ "$(sqlite3 "$work/backup.db" 'select count(*) from channels;')" = 1 ] && ok || bad "$mode: backup lacks the channel" ;;
    reader) mkfifo "$work/reader.in"
            sqlite3 "$data/mamgate.db" <"$work/reader.in" >"$work/reader.out" 2>&1 &
            reader_pid=$!
            exec 9>"$work/reader.in"
            echo 'BEGIN; SELECT count(*) FROM messages;' >&9 ;;
  esac
  [ -e "$data/mamgate.db-wal" ] && ok || bad "$mode: the operator's sqlite3 removed the gateway's WAL"

  api POST /v1/psks '{}'; check "$mode: PSK" 201 "$status"; psk=$(field 'd["id"]')
  api POST /v1/channels "{\"height\":$HEIGHT}"; check "$mode: second channel" 201 "$status"; b=$(field 'd["channel_id"]')
  publish_signed "$a"; publish_signed "$a"
  last_remaining=$(tail -n 1 "$work/acked.$a" | cut -d' ' -f2)

  stop_gateway KILL
  if [ -n "$reader_pid" ]; then
    echo 'COMMIT;' >&9; exec 9>&-
    wait "$reader_pid" || bad "$mode: the reading sqlite3 failed: $(cat "$work/reader.out")"
  fi
  start_gateway || return 1

  check_acknowledged "$mode" "$psk" "$a" "$b"
  api GET "/v1/channels/$a"; remaining_now=$(field 'd["remaining_signatures"]')
  [ "$remaining_now" -le "$last_remaining" ] && ok ||
    bad "$mode: signatures left went back from $last_remaining to $remaining_now after the restart"
  ids_before=$(cut -d' ' -f1 "$work/acked.$a" | sort)
  publish_signed "$a"; publish_signed "$a"
  check "$mode: message ids used twice" 0 "$(cut -d' ' -f1 "$work/acked.$a" | sort | uniq -d | wc -l)"
  comm -12 <(echo "$ids_before") <(tail -n 2 "$work/acked.$a" | cut -d' ' -f1 | sort) | grep -q . &&
    bad "$mode: a message id was given out again after the restart" || ok
  check "$mode: leaves answered twice" 0 "$(sort "$work/leaves.answered" | uniq -d | wc -l)"
  check_stored "$mode" "$a"
  stop_gateway TERM
}

# A second gateway (other ports) and a second devnode on directories in use refuse to start.
second_owner() {
  local log=$work/second.log rc=0
  data=$work/var-owned token=
  start_gateway || return 1
  MAMGATE_NODE_API=http://$node_api MAMGATE_NODE_ZMQ=$node_zmq MAMGATE_HTTP=127.0.0.1:$((base + 5)) \
    MAMGATE_ZMQ_PUB=tcp://127.0.0.1:$((base + 6)) MAMGATE_DATA_DIR=$data timeout 30 "$build/host/mamgated" \
    --plugin "$build/plugin/.libs/mamgate.so" >"$log" 2>&1 || rc=$?
  [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && ok || bad "a second gateway on $data exited $rc (want a refusal)"
  grep -q "lock" "$log" && grep -q "process $gw_pid " "$log" && ok ||
    bad "the second gateway's message does not name the lock and pid $gw_pid: $(cat "$log")"
  healthy && ok || bad "the first gateway is hurt by the second's attempt"
  rc=0
  timeout 30 "$build/devnode/devnode" --api 127.0.0.1:0 --zmq 'tcp://127.0.0.1:*' --data-dir "$work/node" >"$log" 2>&1 || rc=$?
  [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && ok || bad "a second devnode on $work/node exited $rc (want a refusal)"
  grep -q "process $node_pid holds its lock" "$log" && ok || bad "the second devnode's message: $(cat "$log")"
  check "devnode data directory mode" 700 "$(stat -c %a "$work/node")"
  check "gateway data directory mode" 700 "$(stat -c %a "$data")"
  stop_gateway TERM
}

start_node || exit 1
for mode in query backup reader; do scenario "$mode" || break; done
second_owner
reuse "$channels"
[ "$signatures" -gt 0 ] && ok || bad "no signature found on the node"
check "leaves used twice on the node" 0 "$reused"
echo "operator test: signatures on the node: $signatures, reused leaves = $reused"
finish
