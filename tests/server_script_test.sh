#!/usr/bin/env bash
# script/server as a user runs it, on the build under test (MAMGATE_BUILDDIR: no bootstrap, no
# build): two instances side by side on free ports with their own data directories, one moved
# with DEVNODE_* only and one with MAMGATE_NODE_* only; each publishes and reads with curl. Then
# an honest banner for an unreachable node, a SIGKILLed mamgated restarted while devnode lives
# on, and the give-up after repeated quick crashes.
set -u
build=$(cd "${MAMGATE_BUILDDIR:-.}" && pwd)
server=$(cd "$(dirname "$0")/.." && pwd)/script/server
# MAMGATE_* and DEVNODE_* variables configure script/server: the test sets its own.
for v in $(compgen -e); do case $v in MAMGATE_* | DEVNODE*) unset "$v" ;; esac; done
work=$(cd "$(mktemp -d)" && pwd -P)
servers=()
cleanup() {
  local p
  for p in "${servers[@]}"; do kill -TERM "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
pass=0 fail=0

failed() { # name, log file
  fail=$((fail + 1))
  echo "FAIL $1"
  [ -f "${2:-}" ] && sed 's/^/    | /' "$2"
}
expect_eq() { # name, expected, actual, log
  if [ "$2" = "$3" ]; then pass=$((pass + 1)); else failed "$1: got '$3', expected '$2'" "${4:-}"; fi
}
expect_line() { # name, log, fixed text that some line holds
  if grep -qF -- "$3" "$2"; then pass=$((pass + 1)); else failed "$1: no line with '$3'" "$2"; fi
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

free_ports() { # N: N TCP ports free at this moment, one a line
  python3 -c '
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print("\n".join(str(s.getsockname()[1]) for s in socks))' "$1"
}

# serve NAME VAR=VALUE...: starts script/server from $work/NAME (so that nothing depends on the
# working directory) with MAMGATE_BUILDDIR and the variables; its output goes to $work/NAME.log.
serve() {
  local name=$1
  shift
  mkdir -p "$work/$name"
  : >"$work/$name.log"
  (cd "$work/$name" && exec env MAMGATE_BUILDDIR="$build" "$@" "$server") >"$work/$name.log" 2>&1 &
  servers+=($!)
  server_pid=$!
}
# waits (20 s at most) until the log holds the text, or the server ended
await_line() { # log, fixed text, [server pid]
  for _ in $(seq 200); do
    grep -qF -- "$2" "$1" && return 0
    [ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null && return 1
    sleep 0.1
  done
  return 1
}
pid_of() { # log, program: the pid of its latest start
  sed -n "s/^script\/server: $2 running (pid \([0-9]*\))$/\1/p" "$1" | tail -1
}

# publish_and_read REST TOKEN: a channel, watched, one message published, read back
publish_and_read() {
  local api=http://$1/v1 auth="Authorization: Bearer $2" ch
  ch=$(curl -sf -H "$auth" -X POST "$api/channels" -d '{"height": 1}' | json 'd["channel_id"]') || return 1
  curl -sf -o /dev/null -H "$auth" -X POST "$api/watches" -d "{\"channel_id\": \"$ch\"}" || return 1
  curl -sf -o /dev/null -H "$auth" -X POST "$api/channels/$ch/messages" -d '{"payload": "side by side"}' || return 1
  for _ in $(seq 100); do
    [ "$(curl -sf "$api/channels/$ch/messages" | json 'd["messages"][0]["payload"] if d["messages"] else ""')" = \
      "side by side" ] && return 0
    sleep 0.1
  done
  return 1
}

read -r -d '' a_node a_feed a_http a_pub b_node b_feed b_http b_pub closed < <(free_ports 9)

# ---- A moves devnode with DEVNODE_* only; B moves it with MAMGATE_NODE_* only
serve a DEVNODE_API="127.0.0.1:$a_node" DEVNODE_ZMQ="tcp://127.0.0.1:$a_feed" MAMGATE_HTTP="127.0.0.1:$a_http" \
  MAMGATE_ZMQ_PUB="tcp://127.0.0.1:$a_pub" MAMGATE_DATA_DIR="$work/a/var" DEVNODE_DATA_DIR="$work/a/node"
a_pid=$server_pid
serve b MAMGATE_NODE_API="http://127.0.0.1:$b_node" MAMGATE_NODE_ZMQ="tcp://127.0.0.1:$b_feed" \
  MAMGATE_HTTP="127.0.0.1:$b_http" MAMGATE_ZMQ_PUB="tcp://127.0.0.1:$b_pub" MAMGATE_DATA_DIR=var DEVNODE_DATA_DIR=node
b_pid=$server_pid
await_line "$work/a.log" "mamgate is running" "$a_pid"
await_line "$work/b.log" "mamgate is running" "$b_pid"
for x in a b; do
  log=$work/$x.log
  node_port=${x}_node feed_port=${x}_feed
  expect_line "$x: devnode started" "$log" "devnode: listening api=http://127.0.0.1:${!node_port} zmq=tcp://127.0.0.1:${!feed_port}"
  expect_line "$x: mamgated follows devnode" "$log" "node http://127.0.0.1:${!node_port} (feed tcp://127.0.0.1:${!feed_port})"
  expect_line "$x: banner says the node is reachable" "$log" "http://127.0.0.1:${!node_port}   reachable"
  expect_line "$x: banner says the feed is connected" "$log" "tcp://127.0.0.1:${!feed_port}   connected"
  expect_line "$x: data directory" "$log" "data in $work/$x/var"
  expect_line "$x: devnode data directory" "$log" "data-dir=$work/$x/node "
  expect_line "$x: banner names the data directory" "$log" "data directory    $work/$x/var "
done
a_token=$(cat "$work/a/var/token") b_token=$(cat "$work/b/var/token")
[ -n "$a_token" ] && [ "$a_token" != "$b_token" ] && pass=$((pass + 1)) || failed "two data directories, two tokens"
publish_and_read "127.0.0.1:$a_http" "$a_token" && pass=$((pass + 1)) || failed "A publishes and reads" "$work/a.log"
publish_and_read "127.0.0.1:$b_http" "$b_token" && pass=$((pass + 1)) || failed "B publishes and reads" "$work/b.log"

# ---- an unreachable node: no devnode, and the banner says so
serve c DEVNODE=0 MAMGATE_NODE_API="http://127.0.0.1:$closed" MAMGATE_NODE_ZMQ="tcp://127.0.0.1:$closed" \
  MAMGATE_HTTP="127.0.0.1:$(free_ports 1)" MAMGATE_ZMQ_PUB="tcp://127.0.0.1:$(free_ports 1)" MAMGATE_DATA_DIR=var
c_pid=$server_pid
await_line "$work/c.log" "mamgate is running" "$c_pid"
expect_line "banner: node NOT reachable" "$work/c.log" "http://127.0.0.1:$closed   NOT reachable"
expect_line "banner: feed NOT connected" "$work/c.log" "tcp://127.0.0.1:$closed   NOT connected"
expect_line "log: node unreachable" "$work/c.log" "WARNING mamgate: node http://127.0.0.1:$closed unreachable at start"
grep -q "devnode" "$work/c.log" && failed "DEVNODE=0 started devnode" "$work/c.log" || pass=$((pass + 1))
kill -TERM "$c_pid"
wait "$c_pid"
expect_eq "SIGTERM stops script/server" 0 $?

# ---- a SIGKILLed mamgated comes back; devnode keeps running
a_devnode=$(pid_of "$work/a.log" devnode) a_gw=$(pid_of "$work/a.log" mamgated)
kill -KILL "$a_gw"
await_line "$work/a.log" "mamgated stopped (signal KILL)" "$a_pid"
expect_line "A: the crash is named" "$work/a.log" "script/server: mamgated stopped (signal KILL) after "
for _ in $(seq 100); do [ "$(pid_of "$work/a.log" mamgated)" != "$a_gw" ] && break; sleep 0.1; done
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$a_http/v1/health" && break; sleep 0.1; done
new_gw=$(pid_of "$work/a.log" mamgated)
[ -n "$new_gw" ] && [ "$new_gw" != "$a_gw" ] && kill -0 "$new_gw" && pass=$((pass + 1)) ||
  failed "A: mamgated restarted" "$work/a.log"
kill -0 "$a_devnode" 2>/dev/null && pass=$((pass + 1)) || failed "A: devnode kept running" "$work/a.log"
publish_and_read "127.0.0.1:$a_http" "$a_token" && pass=$((pass + 1)) || failed "A publishes after the restart" "$work/a.log"

# ---- B: mamgated killed again and again soon after each start; script/server gives up after 5
# quick crashes in a row (the first kill may end a long run, which does not count)
b_devnode=$(pid_of "$work/b.log" devnode)
for _ in 1 2 3 4 5 6; do
  gw=$(pid_of "$work/b.log" mamgated)
  kill -KILL "$gw"
  for _ in $(seq 300); do
    [ "$(pid_of "$work/b.log" mamgated)" != "$gw" ] || ! kill -0 "$b_pid" 2>/dev/null && break
    sleep 0.1
  done
  kill -0 "$b_pid" 2>/dev/null || break
done
for _ in $(seq 100); do kill -0 "$b_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$b_pid" 2>/dev/null; then
  failed "B did not give up" "$work/b.log"
else
  wait "$b_pid"
  expect_eq "B gives up with status 1" 1 $?
fi
quick_restarts=$(awk '/^script\/server: mamgated stopped \(signal KILL\) after [0-9]+ s: restarting/ && $7 < 30' "$work/b.log" | wc -l)
expect_eq "B: 4 quick crashes restarted before the fifth gives up" 4 "$quick_restarts" "$work/b.log"
expect_line "B: says it gives up" "$work/b.log" "script/server: mamgated stopped (signal KILL) 5 times within 30 s of starting: giving up"
kill -0 "$b_devnode" 2>/dev/null && failed "B: devnode stopped with it" "$work/b.log" || pass=$((pass + 1))
curl -sf -o /dev/null "http://127.0.0.1:$a_http/v1/health" && pass=$((pass + 1)) || failed "A unharmed by B" "$work/a.log"

kill -TERM "$a_pid"
wait "$a_pid"
expect_eq "A stops on SIGTERM" 0 $?
servers=()
kill -0 "$a_devnode" 2>/dev/null && failed "A: devnode stopped with it" "$work/a.log" || pass=$((pass + 1))

echo "server_script_test: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
