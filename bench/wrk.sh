# bench/wrk.sh: one load run of wrk on a REST route, as the shell benchmarks (bench/bench_gateway.sh,
# bench/bench_engines.sh) measure fetching. Sourced, not run; needs a die function.
# wrk_run PID URL [PREFIX...]: wrk -t2 -c50 for $wrk_seconds (default 10) seconds on URL, run
# through PREFIX (e.g. taskset -c 1); prints "REQ_PER_S P50_MS P99_MS CPU_US", CPU_US being the CPU
# time (user and system) process PID used per request. Any answer but 2xx fails (die).
wrk_run() {
  local pid=$1 url=$2 out ticks
  shift 2
  ticks=$(wrk_cpu_ticks "$pid")
  out=$("$@" wrk -t2 -c50 -d"${wrk_seconds:-10}"s --latency "$url")
  ticks=$(($(wrk_cpu_ticks "$pid") - ticks))
  echo "$out" | grep -q 'Non-2xx' && die "wrk got error responses: $out"
  echo "$out" | grep 'Socket errors' | sed 's/^ */  wrk: /' >&2 || true
  echo "$(echo "$out" | awk '/^Requests\/sec:/ {print $2}') $(wrk_ms "$out" 50%) $(wrk_ms "$out" 99%)" \
    "$(echo "$out" | awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" '/ requests in / {printf "%.2f", t * 1e6 / hz / $1}')"
}

# wrk_cpu_ticks PID: the CPU time the process used so far (user and system), in clock ticks.
wrk_cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# wrk_ms OUTPUT PERCENTILE: that latency from wrk --latency output, in ms.
wrk_ms() {
  echo "$1" | awk -v p="$2" '$1 == p {v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
    print (u == "us" ? v / 1000 : (u == "s" ? v * 1000 : v))}'
}
