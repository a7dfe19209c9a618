#!/usr/bin/env bash
# Publish throughput of a fleet on one channel: the real devnode, one real PostgreSQL and two
# mamgated instances on it (tests/fleet_lib.sh), signed one-packet publishes of 64 bytes on one
# channel of height 10 from 8 clients at once (a fresh channel each run).
#   publish_per_s_1_instance     every client through instance A
#   publish_per_s_2_instances    4 clients through A, 4 through B, at the same time
#   fleet_publish_speedup        the ratio of the two, run by run (each run measures both modes
#                                within the same minute)
#   ..._pinned                   the same with every thread of A on CPU 0 and, with two instances,
#                                every thread of B on CPU 1 (taskset; devnode, PostgreSQL and the
#                                clients stay unpinned): the scale-out figure, what a second instance
#                                adds when it brings its own CPU as a second host would. Unpinned,
#                                two instances share the CPUs one instance already uses, so on a
#                                machine of 2 CPUs the unpinned ratio measures only how much of the
#                                machine one instance leaves idle. The goal (>= 1.8x) is judged on
#                                fleet_publish_speedup_pinned; needs 2 CPUs, else not measured.
#   fleet_leaf_reuse             leaves that signed twice among every signature on the node (must be 0)
# Proof of work at MWM 1 (the node's and the gateways'), so that the figures measure the publish path
# (reservations in PostgreSQL, signing, the node API) rather than the CPU's hashing. Runs from the
# build directory (MAMGATE_BUILDDIR); BENCH_QUICK=1: 1 run of 40 publishes a mode, else
# BENCH_FLEET_RUNS (default 3) of 150. The load average is printed with every run.
set -u
node_mwm=1
. "$(dirname "$0")/../tests/fleet_lib.sh"
. "$(dirname "$0")/report.sh"
quick=${BENCH_QUICK:-0}
[ "$quick" = 0 ] && quick=
runs=$([ -n "$quick" ] && echo 1 || echo "${BENCH_FLEET_RUNS:-3}")
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
use A # use records the pid of the instance it leaves
a="${i_http[A]},${i_token[A]}" b="${i_http[B]},${i_token[B]}"
pinned=$([ "$(nproc)" -ge 2 ] && echo 1)
one=() two=() speedup=() one_p=() two_p=() speedup_p=()

# pin NAME CPUS: every thread of instance NAME on CPUS from now on (threads it starts later inherit).
pin() { taskset -a -p -c "$2" "${i_pid[$1]}" >/dev/null || die "taskset failed"; }
all_cpus=0-$(($(nproc) - 1))
ratio() { python3 -c 'import sys; print("%.3f" % (float(sys.argv[2]) / float(sys.argv[1])))' "$1" "$2"; }

echo "== fleet publish: $runs run(s) of $count signed publishes per mode, $CLIENTS clients, MWM 1, one channel a run"
for run in $(seq "$runs"); do
  api POST /v1/channels '{"height":10}'
  [ "$status" = 201 ] || die "create channel: $status $body"
  ch=$(echo "$body" | json 'd["channel_id"]')
  echo "$ch" >>"$work/channels"
  r1=$(rate "$count" "$a") || die "one instance: publishing failed"
  r2=$(rate "$count" "$a" "$b") || die "two instances: publishing failed"
  one+=("$r1") two+=("$r2") speedup+=("$(ratio "$r1" "$r2")")
  line="  run $run: $r1 and $r2 msg/s"
  if [ -n "$pinned" ]; then
    pin A 0
    pin B 1
    r1=$(rate "$count" "$a") || die "one pinned instance: publishing failed"
    r2=$(rate "$count" "$a" "$b") || die "two pinned instances: publishing failed"
    pin A "$all_cpus"
    pin B "$all_cpus"
    one_p+=("$r1") two_p+=("$r2") speedup_p+=("$(ratio "$r1" "$r2")")
    line+=", pinned $r1 and $r2 msg/s"
  fi
  echo "$line (load average $(cut -d' ' -f1-3 /proc/loadavg))"
done
report publish_per_s_1_instance msg/s "${one[@]}"
report publish_per_s_2_instances msg/s "${two[@]}"
report fleet_publish_speedup x "${speedup[@]}"
if [ -n "$pinned" ]; then
  report publish_per_s_1_instance_pinned msg/s "${one_p[@]}"
  report publish_per_s_2_instances_pinned msg/s "${two_p[@]}"
  report fleet_publish_speedup_pinned x "${speedup_p[@]}"
fi
reuse "$work/channels"
modes=$([ -n "$pinned" ] && echo 4 || echo 2)
[ "$signatures" -ge $((modes * runs * count)) ] || die "only $signatures signatures found on the node"
report fleet_leaf_reuse leaves "$reused"
