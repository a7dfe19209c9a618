#!/usr/bin/env bash
# Runs the README's tour literally (the ```sh block under "A tour with curl") against devnode and
# mamgated with the plugin, and checks what it printed.
set -u
build=${MAMGATE_BUILDDIR:-$(pwd)}
src=${MAMGATE_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
work=$(mktemp -d)
node_pid= gw_pid=
cleanup() { kill -TERM $gw_pid $node_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
# README_TOUR_EXTERNAL=1: a gateway runs already at $MAMGATE_HTTP with its data in $MAMGATE_DATA_DIR
# (tests/package_test.sh --install tours the installed service); else this build's, started here.
if [ -z "${README_TOUR_EXTERNAL:-}" ]; then
  # below the kernel's ephemeral range (32768 up), where other tests' client connections could
  # take a port before the gateway binds it
  base=$((20000 + RANDOM % 12000))
  export MAMGATE_HTTP=127.0.0.1:$((base + 2)) MAMGATE_DATA_DIR=$work/var
  "$build/devnode/devnode" --api 127.0.0.1:$base --zmq tcp://127.0.0.1:$((base + 1)) --data-dir "$work/node" >"$work/node.log" 2>&1 &
  node_pid=$!
  sleep 0.5
  env -u MAMGATE_BUILDDIR -u MAMGATE_VECTORS_DIR MAMGATE_NODE_API=http://127.0.0.1:$base MAMGATE_NODE_ZMQ=tcp://127.0.0.1:$((base + 1)) \
    MAMGATE_ZMQ_PUB=tcp://127.0.0.1:$((base + 3)) "$build/host/mamgated" --plugin "$build/plugin/.libs/mamgate.so" >"$work/gw.log" 2>&1 &
  gw_pid=$!
fi
for _ in $(seq 300); do curl -sf "http://$MAMGATE_HTTP/v1/health" >/dev/null && break; sleep 0.1; done
curl -sf "http://$MAMGATE_HTTP/v1/health" >/dev/null ||
  { echo "FAIL: no gateway answers at $MAMGATE_HTTP"; tail -n 20 "$work"/*.log 2>/dev/null; exit 1; }

# the first ```sh block after the heading
awk '/^## A tour with curl/ {on = 1} on && /^```sh$/ {inblock = 1; next} inblock && /^```$/ {exit} inblock' \
  "$src/README.md" >"$work/tour.sh"
out=$(cd "$work" && bash -e "$work/tour.sh" 2>&1)
rc=$?
pass=0 fail=0
check() { if echo "$out" | grep -q -- "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1 ('$2' not in the output)"; fi; }
[ $rc -eq 0 ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: the tour exited with $rc"; }
[ "$(wc -l <"$work/tour.sh")" -gt 20 ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: tour not found in README"; }
check "decoded NTRU payload" '^hi NTRU$'
check "messages listed" '^hello$'
check "stream delivered every packet" '^7$'
check "info" '"feed_connected":true'
check "metrics" 'mamgate_feed_transactions_total'
[ $fail -eq 0 ] || echo "$out"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
