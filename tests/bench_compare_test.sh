#!/usr/bin/env bash
# bench/compare on small results files: ratios, a made-up regression of each direction flagged (by
# name suffix and by unit), improvements and changes within 10% not flagged, figures of one side
# listed, --threshold, JSON lines input, and bad input refused.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
check() { if [ "$2" = "$3" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1: expected '$2', got '$3'"; fi; }
fig() { printf '{"name": "%s", "unit": "%s", "median": %s, "min": %s, "max": %s, "runs": 5}' "$1" "$2" "$3" "$3" "$3"; }

cat >"$work/old.json" <<JSON
[$(fig rest_fetch_rps req/s 10000), $(fig rest_fetch_p99_ms ms 8), $(fig feed_filter_tx_per_s frames/s 2000000),
 $(fig rss_idle_mb MB 10), $(fig pow_mwm14_s s 0.1), $(fig "http GET json keep-alive x2" req/s 50000),
 $(fig addrset_memory_100k MiB 4), $(fig pow_mwm9_mtrials M 5), $(fig gone_ms ms 1)]
JSON
cat >"$work/new.json" <<JSON
[$(fig rest_fetch_rps req/s 8500), $(fig rest_fetch_p99_ms ms 8.7), $(fig feed_filter_tx_per_s frames/s 2100000),
 $(fig rss_idle_mb MB 12), $(fig pow_mwm14_s s 0.05), $(fig "http GET json keep-alive x2" req/s 40000),
 $(fig addrset_memory_100k MiB 5), $(fig pow_mwm9_mtrials M 1), $(fig added_per_s x/s 1)]
JSON

out=$("$src/bench/compare" "$work/old.json" "$work/new.json")
check "exit status with regressions" 1 $?
line() { echo "$out" | grep "^$1 " | awk '{print $(NF-1), $NF}'; }
check "fetch rate 15% lower" "0.850 REGRESSION" "$(line rest_fetch_rps)"
check "p99 9% higher (within 10%)" "1.087" "$(echo "$out" | grep '^rest_fetch_p99_ms ' | awk '{print $NF}')"
check "feed filter faster" "1.050" "$(echo "$out" | grep '^feed_filter_tx_per_s ' | awk '{print $NF}')"
check "memory 20% higher" "1.200 REGRESSION" "$(line rss_idle_mb)"
check "PoW twice as fast" "0.500" "$(echo "$out" | grep '^pow_mwm14_s ' | awk '{print $NF}')"
check "rate by unit" "0.800 REGRESSION" "$(echo "$out" | grep '^http GET json keep-alive x2 ' | awk '{print $(NF-1), $NF}')"
check "size by unit" "1.250 REGRESSION" "$(line addrset_memory_100k)"
check "unknown direction never flagged" "0.200 ?" "$(line pow_mwm9_mtrials)"
check "only in OLD" "only in OLD: gone_ms" "$(echo "$out" | grep '^only in OLD')"
check "only in NEW" "only in NEW: added_per_s" "$(echo "$out" | grep '^only in NEW')"
check "summary" "4 regression(s) over 10%: addrset_memory_100k, http GET json keep-alive x2, rest_fetch_rps, rss_idle_mb" \
  "$(echo "$out" | tail -n 1)"

out=$("$src/bench/compare" --threshold 30 "$work/old.json" "$work/new.json")
check "no regression over 30%" "0 no regression over 30%" "$? $(echo "$out" | tail -n 1)"
"$src/bench/compare" "$work/old.json" "$work/old.json" >/dev/null
check "a run against itself" 0 $?

python3 -c 'import json,sys; [print(json.dumps(x)) for x in json.load(open(sys.argv[1]))]' "$work/new.json" >"$work/new.jsonl"
"$src/bench/compare" "$work/old.json" "$work/new.jsonl" >/dev/null
check "JSON lines read" 1 $?

echo '{"name": "x"}' >"$work/bad.json"
"$src/bench/compare" "$work/old.json" "$work/bad.json" >/dev/null 2>&1
check "bad input" 2 $?
"$src/bench/compare" "$work/old.json" >/dev/null 2>&1
check "one file" 2 $?
"$src/bench/compare" "$work/old.json" "$work/missing.json" >/dev/null 2>&1
check "missing file" 2 $?

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
