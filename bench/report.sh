# bench/report.sh: how the shell benchmarks (bench/bench_gateway.sh, bench/bench_fleet.sh) print a
# figure. Sourced, not run.
# report NAME UNIT VALUE...: median, min and max as bench/bench.c prints them, and a JSON line
# appended to $BENCH_JSON when it is set.
report() {
  python3 - "$@" <<'PY'
import json, os, sys
name, unit, values = sys.argv[1], sys.argv[2], sorted(float(v) for v in sys.argv[3:])
n = len(values)
median = values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2
print("%-28s median %12.4f %s  (min %.4f .. max %.4f, %d runs)" % (name, median, unit, values[0], values[-1], n))
path = os.environ.get("BENCH_JSON")
if path:
    with open(path, "a") as f:
        f.write(json.dumps({"name": name, "unit": unit, "median": median, "min": values[0], "max": values[-1], "runs": n}) + "\n")
PY
}
