# fuzz/gateway_lib.sh: what the reliability tests (tests/crash_trial.sh, tests/http_abuse.sh,
# tests/secrets_test.sh) share: a temporary directory, random loopback ports, starting and stopping
# the real devnode and mamgated with the real plugin, REST calls with curl, and pass/fail counting.
# Sourced, not run. Needs MAMGATE_BUILDDIR (set by `make check`) or a build directory as cwd.
build=${MAMGATE_BUILDDIR:-$(pwd)}
work=$(mktemp -d)
# below the kernel's ephemeral range (32768 up by default), where the many client connections of
# these tests could take a port before the gateway binds it
base=$((20000 + RANDOM % 12000))
node_api=127.0.0.1:$base node_zmq=tcp://127.0.0.1:$((base + 1))
http=127.0.0.1:$((base + 2)) pub=tcp://127.0.0.1:$((base + 3))
data=$work/var
pass=0 fail=0 node_pid= gw_pid= token=
node_mwm=${node_mwm:-9} # the weight devnode demands (and the gateway uses)
gateway_args=()
on_exit=() # commands a test adds, run before the work directory goes

lib_cleanup() {
  for p in $gw_pid $node_pid; do kill -KILL "$p" 2>/dev/null; done
  wait 2>/dev/null
  for c in "${on_exit[@]}"; do eval "$c"; done
  [ -n "${keep_work:-}" ] && { echo "work directory kept: $work"; return; }
  rm -rf "$work"
}
trap lib_cleanup EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { if [ "$2" = "$3" ]; then ok; else bad "$1: expected '$2', got '$3'"; fi; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
# finish: sanitizer reports of the programs (in the sanitizer build) count as failures; prints the
# counts and exits.
finish() {
  local log
  for log in "$work"/*.log; do
    if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log"; then
      bad "sanitizer report in $(basename "$log")"
      grep -m 20 -A 12 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log"
    fi
  done
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ]
  exit $?
}

for tool in curl python3; do
  command -v $tool >/dev/null || { echo "SKIP: $tool is needed"; exit 77; }
done

start_node() {
  "$build/devnode/devnode" --api "$node_api" --zmq "$node_zmq" --data-dir "$work/node" --mwm "$node_mwm" >>"$work/node.log" 2>&1 &
  node_pid=$!
  for _ in $(seq 300); do
    node_call '{"command":"getNodeInfo"}' >/dev/null && return 0
    kill -0 "$node_pid" 2>/dev/null || break
    sleep 0.1
  done
  bad "devnode did not start"; tail -n 20 "$work/node.log"; return 1
}
stop_node() { kill -"${1:-TERM}" "$node_pid" 2>/dev/null; wait "$node_pid" 2>/dev/null; node_pid=; }

# launch_gateway [--set KEY=VALUE ...]: the options of gateway_args, then these; does not wait.
launch_gateway() {
  MAMGATE_NODE_API=http://$node_api MAMGATE_NODE_ZMQ=$node_zmq MAMGATE_HTTP=$http MAMGATE_ZMQ_PUB=$pub \
    MAMGATE_DATA_DIR=$data MAMGATE_MWM=$node_mwm "$build/host/mamgated" --plugin "$build/plugin/.libs/mamgate.so" \
    "${gateway_args[@]}" "$@" >>"$work/gw.log" 2>&1 &
  gw_pid=$!
}
# start_gateway [--set KEY=VALUE ...]: launch_gateway, then waits for health.
start_gateway() {
  launch_gateway "$@"
  for _ in $(seq 300); do
    if curl -sf "http://$http/v1/health" >/dev/null; then
      [ -n "$token" ] || token=$(cat "$data/token")
      return 0
    fi
    kill -0 "$gw_pid" 2>/dev/null || break
    sleep 0.1
  done
  bad "gateway did not start"; tail -n 20 "$work/gw.log"; return 1
}
# stop_gateway [SIGNAL]: returns mamgated's exit status.
stop_gateway() {
  local rc=0
  kill -"${1:-TERM}" "$gw_pid" 2>/dev/null
  wait "$gw_pid" 2>/dev/null || rc=$?
  gw_pid=
  return $rc
}
gateway_alive() { [ -n "$gw_pid" ] && kill -0 "$gw_pid" 2>/dev/null; }
healthy() { curl -sf -m 5 "http://$http/v1/health" >/dev/null; }

# api METHOD PATH [BODY|@FILE] [TOKEN]: sets $status and $body. TOKEN: unset for the gateway's
# token, "" for no Authorization header, anything else is sent as given.
api() {
  local auth=() tok=${4-$token}
  [ -n "$tok" ] && auth=(-H "Authorization: Bearer $tok")
  body=$(curl -s -m 120 -o /dev/stdout -w '\n%{http_code}' -X "$1" "${auth[@]}" "http://$http$2" ${3:+--data-binary "$3"})
  status=${body##*$'\n'}
  body=${body%$'\n'*}
}

# node_call JSON: the node API's answer.
node_call() { curl -sf -m 60 -H 'X-IOTA-API-Version: 1' -H 'Content-Type: application/json' -d "$1" "http://$node_api"; }

# node_trytes ADDRESS...: every transaction the node holds on these addresses, one per line.
node_trytes() {
  local addrs hashes
  addrs=$(printf '"%s",' "$@")
  hashes=$(node_call "{\"command\":\"findTransactions\",\"addresses\":[${addrs%,}]}" | json '"\n".join(d["hashes"])')
  [ -n "$hashes" ] || return 0
  echo "$hashes" | split -l 500 - "$work/hashes."
  for f in "$work"/hashes.*; do
    node_call "{\"command\":\"getTrytes\",\"hashes\":[$(sed 's/.*/"&"/' "$f" | paste -sd,)]}" | json '"\n".join(d["trytes"])'
    rm -f "$f"
  done
}

# reuse CHANNEL_LIST: sets $signatures and $reused, the signatures on the node in the channels of
# the list file and the (tree, leaf) pairs among them with two different signatures (digests).
reuse() {
  node_trytes $(cat "$1") >"$work/txs"
  "$build/tests/skn_extract" $(cat "$1") <"$work/txs" >"$work/sigs" 2>"$work/skn.err" ||
    bad "skn_extract failed: $(cat "$work/skn.err")"
  grep -q 'does not decode' "$work/skn.err" && bad "undecodable bundles on the node: $(grep -c 'does not decode' "$work/skn.err")"
  awk '{print $1, $2, $6}' "$work/sigs" | sort -u >"$work/leaves"
  signatures=$(wc -l <"$work/leaves")
  reused=$(cut -d' ' -f1,2 "$work/leaves" | uniq -d | wc -l)
}
