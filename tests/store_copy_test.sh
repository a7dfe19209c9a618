#!/usr/bin/env bash
# tests/store_copy_test.sh: mamgate-cli store-copy from a real SQLite store (made through the store
# interface by tests/store_fill, with a gateway seed file next to it) into a real PostgreSQL
# (tests/pg_lib.sh). The copy holds what the source holds (counts, counters, keys sealed), a second
# run adds nothing, and it refuses: a running source gateway (its data directory locked), a
# destination with another gateway seed, another fleet key.
set -u
build=${MAMGATE_BUILDDIR:-.}
src=${MAMGATE_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$src/tests/pg_lib.sh"
pg_start
cli=$build/mamgate-cli
work=$(mktemp -d)
trap 'pg_stop; rm -rf "$work"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
expect_eq() { if [ "$2" = "$3" ]; then ok; else bad "$1: '$2' != '$3'"; fi; }

uri=$MAMGATE_TEST_PG_URI
pgq() { "$PG_BIN/psql" -X -q -At "$uri" -c "$1"; }
liteq() { sqlite3 "$work/gw/mamgate.db" "$1"; }

mkdir -m 0700 "$work/gw"
"$build/tests/store_fill" "sqlite:$work/gw/mamgate.db" 7 || { echo "store_fill failed"; exit 1; }
seed=$(head -c 20000 /dev/urandom | tr -dc 'A-Z9' | head -c 81)
printf '%s\n' "$seed" >"$work/gw/seed" && chmod 0600 "$work/gw/seed"
"$cli" fleet-key "$work/fleet.key" >/dev/null || { echo "fleet-key failed"; exit 1; }

copy() { "$cli" store-copy --from "sqlite:$work/gw/mamgate.db" --to "$uri" --fleet-key "$work/fleet.key"; }

# the first run copies everything
if out=$(copy 2>&1); then ok; else bad "first copy: $out"; fi
echo "$out"
for table in messages watches channels psks ntru_keys mss_leaves msg_numbers; do
  expect_eq "$table count" "$(pgq "SELECT count(*) FROM $table")" "$(liteq "SELECT count(*) FROM $table")"
done
expect_eq "messages copied" "$(echo "$out" | grep '^messages:')" "messages: 48 copied, 0 already there"
expect_eq "leaf counters" "$(pgq "SELECT string_agg(tree_id || '=' || next_free, ',' ORDER BY tree_id COLLATE \"C\") FROM mss_leaves")" \
  "$(liteq "SELECT group_concat(tree_id || '=' || next_free, ',') FROM (SELECT * FROM mss_leaves ORDER BY tree_id)")"
expect_eq "message counters" "$(pgq "SELECT string_agg(tree_id || '=' || next_free, ',' ORDER BY tree_id COLLATE \"C\") FROM msg_numbers")" \
  "$(liteq "SELECT group_concat(tree_id || '=' || next_free, ',') FROM (SELECT * FROM msg_numbers ORDER BY tree_id)")"
expect_eq "packets in order" "$(pgq "SELECT string_agg(payload, ',' ORDER BY cursor) FROM messages")" \
  "$(liteq "SELECT group_concat(payload, ',') FROM (SELECT payload FROM messages ORDER BY cursor)")"
expect_eq "channel number counter" "$(pgq "SELECT value FROM counters WHERE name = 'channel_number'")" 2
# secrets are sealed: no PSK key, NTRU secret key or the seed in clear
for key in $(liteq "SELECT key FROM psks") $(liteq "SELECT sk FROM ntru_keys") "$seed"; do
  expect_eq "no secret in clear" "$(pgq "SELECT count(*) FROM psks, ntru_keys, secrets WHERE psks.key LIKE '%$key%'
    OR ntru_keys.sk LIKE '%$key%' OR secrets.value LIKE '%$key%'")" 0
done
expect_eq "seed secret" "$(pgq "SELECT count(*) FROM secrets WHERE name = 'gateway_seed'")" 1

# a second run adds nothing
before=$(pgq "SELECT (SELECT count(*) FROM messages) || ' ' || (SELECT max(cursor) FROM messages) || ' ' ||
  (SELECT sum(next_free) FROM mss_leaves) || ' ' || (SELECT sum(next_free) FROM msg_numbers) || ' ' ||
  (SELECT value FROM counters WHERE name = 'channel_number')")
if out=$(copy 2>&1); then ok; else bad "second copy: $out"; fi
echo "$out"
for what in PSKs "NTRU keys" channels watches messages; do
  if echo "$out" | grep -q "^$what: 0 copied"; then ok; else bad "second run copied $what: $out"; fi
done
expect_eq "second run" "$(pgq "SELECT (SELECT count(*) FROM messages) || ' ' || (SELECT max(cursor) FROM messages) || ' ' ||
  (SELECT sum(next_free) FROM mss_leaves) || ' ' || (SELECT sum(next_free) FROM msg_numbers) || ' ' ||
  (SELECT value FROM counters WHERE name = 'channel_number')")" "$before"

# refused while the source gateway runs (holds its data directory lock)
exec 9>"$work/gw/lock"
flock -n 9 || bad "cannot take the lock"
if out=$(copy 2>&1 9>&-); then bad "copied from a running gateway"; else
  if echo "$out" | grep -q "is running"; then ok; else bad "running gateway: unclear error: $out"; fi
fi
exec 9>&-

# refused: a destination holding another gateway's seed (nothing copied), another fleet key
mkdir -m 0700 "$work/other"
"$build/tests/store_fill" "sqlite:$work/other/mamgate.db" 8 || exit 1
printf '%s\n' "$(printf '%081d' 0 | tr 0 A)" >"$work/other/seed"
count=$(pgq "SELECT count(*) FROM messages")
if out=$("$cli" store-copy --from "$work/other/mamgate.db" --to "$uri" --fleet-key "$work/fleet.key" 2>&1); then
  bad "copied a gateway with another seed"
else
  if echo "$out" | grep -q "another gateway seed"; then ok; else bad "other seed: unclear error: $out"; fi
fi
expect_eq "nothing copied with another seed" "$(pgq "SELECT count(*) FROM messages")" "$count"
"$cli" fleet-key "$work/other.key" >/dev/null
if out=$("$cli" store-copy --from "sqlite:$work/gw/mamgate.db" --to "$uri" --fleet-key "$work/other.key" 2>&1); then
  bad "copied with another fleet key"
else
  if echo "$out" | grep -q "not the destination's"; then ok; else bad "other key: unclear error: $out"; fi
fi
# bad arguments: status 2
"$cli" store-copy --from "sqlite:$work/gw/mamgate.db" --to "$uri" >/dev/null 2>&1
expect_eq "missing --fleet-key" "$?" 2

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
