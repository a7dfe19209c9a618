#!/usr/bin/env bash
# Publish throughput of a fleet on one channel: the real devnode, one real PostgreSQL and two
# mamgated instances on it (tests/fleet_lib.sh), signed one-packet publishes of 64 bytes on one
# channel of height 10 from 8 clients at once.
#   publish_per_s_1_instance     every client through instance A
#   publish_per_s_2_instances    4 clients through A, 4 through B, at the same time
#   fleet_publish_speedup        the ratio of the two medians (goal: >= 1.8 with two instances on
#                                machines with cores to spare; proof of work is CPU-bound, so on a
#                                machine the instances share it stays near 1)
#   fleet_leaf_reuse             leaves that signed twice among every signature on the node (must be 0)
# Proof of work at MWM 1 (the node's and the gateways'), so that the figures measure the publish path
# (reservations in PostgreSQL, signing, the node API) rather than the CPU's hashing. Runs from the
# build directory (MAMGATE_BUILDDIR); BENCH_QUICK=1: 1 run of 40 publishes a mode, else 3 of 150.
# Exits 77 without the PostgreSQL server (bench/run then goes on without these figures).
set -u
node_mwm=1
. "$(dirname "$0")/../tests/fleet_lib.sh"
. "$(dirname "$0")/report.sh"
quick=${BENCH_QUICK:-0}
[ "$quick" = 0 ] && quick=
runs=$([ -n "$quick" ] && echo 1 || echo 3)
count=$([ -n "$quick" ] && echo 40 || echo 150)
CLIENTS=8

die() { echo "bench_fleet: $*" >&2; tail -n 20 "$work/gw.log" >&2; exit 1; }

# rate COUNT HOSTPORT...: publishes COUNT messages from CLIENTS keep-alive clients spread over the
# instances (client i uses instance i mod n); prints publishes per second. Any status but 201 fails.
rate() {
  python3 - "$ch" "$1" "$CLIENTS" "${@:2}" <<'PY'
import http.client, json, sys, threading, time
channel, count, clients, targets = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
body = json.dumps({"payload": "fleet bench " + "x" * 52, "checksum": "signature"})
failed, lock, left = [], threading.Lock(), [count]
def work(i):
    host, token = targets[i % len(targets)].split(",")
    conn = http.client.HTTPConnection(host, timeout=120)
    while True:
        with lock:
            if left[0] == 0 or failed:
                return
            left[0] -= 1
        conn.request("POST", "/v1/channels/%s/messages" % channel, body, {"Authorization": "Bearer " + token})
        r = conn.getresponse()
        answer = r.read()
        if r.status != 201:
            failed.append("%d %s" % (r.status, answer[:200]))
t0 = time.monotonic()
threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
for t in threads: t.start()
for t in threads: t.join()
if failed: sys.exit("publish failed: " + failed[0])
print("%.2f" % (count / (time.monotonic() - t0)))
PY
}

start_node || die "devnode did not start"
start_instance A --set log_level=warning || die "instance A did not start"
start_instance B --set log_level=warning || die "instance B did not start"
use A
api POST /v1/channels '{"height":10}'
[ "$status" = 201 ] || die "create channel: $status $body"
ch=$(echo "$body" | json 'd["channel_id"]')
echo "$ch" >"$work/channels"
a="${i_http[A]},${i_token[A]}" b="${i_http[B]},${i_token[B]}"
one=() two=()
echo "== fleet publish: $runs run(s) of $count signed publishes per mode, $CLIENTS clients, MWM 1, one channel"
for _ in $(seq "$runs"); do
  r=$(rate "$count" "$a") || die "one instance: publishing failed"
  one+=("$r")
  r=$(rate "$count" "$a" "$b") || die "two instances: publishing failed"
  two+=("$r")
done
report publish_per_s_1_instance msg/s "${one[@]}"
report publish_per_s_2_instances msg/s "${two[@]}"
speedup=$(python3 -c 'import statistics, sys; a, b = sys.argv[1].split(), sys.argv[2].split()
print("%.3f" % (statistics.median(map(float, b)) / statistics.median(map(float, a))))' "${one[*]}" "${two[*]}")
report fleet_publish_speedup x "$speedup"
reuse "$work/channels"
[ "$signatures" -ge $((2 * runs * count)) ] || die "only $signatures signatures found on the node"
report fleet_leaf_reuse leaves "$reused"
