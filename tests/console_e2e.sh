#!/usr/bin/env bash
# End-to-end test of the web console in a real browser: the real devnode and mamgated with the
# real plugin, headless Chromium driven over WebDriver by tests/console_e2e.py. Skips (77) only
# when Chromium or chromedriver is missing (script/bootstrap installs both).
#
# MAMGATE_TEST_CONSOLE_SHOTS=DIR keeps the screenshots there (script/screenshots uses it for docs/);
# MAMGATE_TEST_CONSOLE_SIZES=WxH,... chooses the viewports (default 360x740,1920x1080).
set -u
build=${MAMGATE_BUILDDIR:-$(pwd)}
src=${MAMGATE_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  echo "SKIP: chromium and chromium-driver are not installed (script/bootstrap installs them)"
  exit 77
fi
work=$(mktemp -d)
base=$((20000 + RANDOM % 12000)) # below the ephemeral port range (32768 up)
node_api=127.0.0.1:$base node_zmq=tcp://127.0.0.1:$((base + 1))
http=127.0.0.1:$((base + 2)) pub=tcp://127.0.0.1:$((base + 3))
node_pid= gw_pid= fail=0 token=

cleanup() {
  for p in $gw_pid $node_pid; do kill -TERM "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

start_gateway() {
  MAMGATE_NODE_API=http://$node_api MAMGATE_NODE_ZMQ=$node_zmq MAMGATE_HTTP=$http MAMGATE_ZMQ_PUB=$pub \
    MAMGATE_DATA_DIR=$work/var MAMGATE_MWM=9 "$build/host/mamgated" --plugin "$build/plugin/.libs/mamgate.so" \
    "$@" >>"$work/gw.log" 2>&1 &
  gw_pid=$!
  for _ in $(seq 100); do curl -sf -H "Authorization: Bearer $token" "http://$http/v1/health" >/dev/null && return 0; sleep 0.1; done
  cat "$work/gw.log"
  exit 1
}
browser() { # extra arguments for console_e2e.py
  timeout 55 python3 "$src/tests/console_e2e.py" "http://$http" "$token" "$work" "${MAMGATE_TEST_CONSOLE_SHOTS:-$work/shots}" \
    "${MAMGATE_TEST_CONSOLE_SIZES:-360x740,1920x1080}" "$@" || bad "browser test $* (exit $?)"
}

"$build/devnode/devnode" --api "$node_api" --zmq "$node_zmq" --data-dir "$work/node" --mwm 9 >"$work/node.log" 2>&1 &
node_pid=$!
start_gateway
token=$(cat "$work/var/token")

# write routes need the token even though reads do not (read_auth is false here)
status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://$http/v1/channels" -d '{"height":1}')
[ "$status" = 401 ] || bad "a write without the token got $status, not 401"
status=$(curl -s -o /dev/null -w '%{http_code}' "http://$http/v1/channels")
[ "$status" = 200 ] || bad "a read without the token got $status, not 200"

browser

stop_gateway() { # a clean exit (status 0; a sanitizer build fails it on any error it found)
  kill -TERM "$gw_pid"
  wait "$gw_pid" 2>/dev/null
  local rc=$?
  gw_pid=
  [ "$rc" -eq 0 ] || { bad "the gateway exited with status $rc"; tail -n 40 "$work/gw.log"; }
}

# the same data with read_auth on: the console reads and streams with the token in a header
stop_gateway
start_gateway --set read_auth=true
browser read_auth
stop_gateway

grep -qF -e "$token" "$work/gw.log" && bad "the token appears in the gateway log"
[ "$fail" -eq 0 ] && echo "console end-to-end: passed"
[ "$fail" -eq 0 ]
