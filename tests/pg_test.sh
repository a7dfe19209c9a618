#!/usr/bin/env bash
# tests/pg_test.sh: the PostgreSQL harness of tests/pg_lib.sh on a real server. check_pg_harness
# (libpq, two concurrent connections) runs against it; then scripts using the harness end by a
# failing exit, by SIGTERM and by SIGKILL, and each time the server must be stopped and its
# directory removed. Without server binaries a script says SKIP (77), or fails where they must be
# installed (MAMGATE_TEST_PG_REQUIRED, CI): checked here too.
set -u
build=${MAMGATE_BUILDDIR:-.}
src=${MAMGATE_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
lib=$src/tests/pg_lib.sh
. "$lib"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

pg_start
if "$build/tests/check_pg_harness"; then ok; else bad "check_pg_harness"; fi

# pg_down and pg_up: nothing answers between them; afterwards the same port answers and the data
# written before is there.
pg_psql_admin -d mamgate_test -c "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)" || bad "write before pg_down"
if pg_down && ! "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 1; then ok; else bad "pg_down: the server still answers"; fi
if pg_up && [ "$(pg_psql_admin -d mamgate_test -tA -c "SELECT v FROM kept")" = 42 ]; then ok; else bad "pg_up: the data is gone or the server did not come back"; fi
if pg_restart && "$build/tests/check_pg_harness"; then ok; else bad "pg_restart"; fi

# A script that starts a server, writes "DIR PORT" to the file $1 and then does $2 (where "$2" is
# that file).
work=$(mktemp -d)
trap 'pg_stop; rm -rf "$work"' EXIT
run_child() {
  bash -c '. "$1"; pg_start; echo "$PG_DIR $PG_PORT" >"$2.tmp"; mv "$2.tmp" "$2"; eval "$3"' \
    child "$lib" "$1" "$2" >"$work/child.log" 2>&1 &
  child_pid=$!
}

# wait_for FILE: the child's "DIR PORT" line (up to 120 s: initdb on a loaded machine).
wait_for() {
  local _
  for _ in $(seq 1200); do
    [ -s "$1" ] && { cat "$1"; return 0; }
    kill -0 "$child_pid" 2>/dev/null || break
    sleep 0.1
  done
  return 1
}

# cleaned DIR PORT SECONDS: within SECONDS (0: right now), the directory is gone and nothing answers
# on the port.
cleaned() {
  local _
  for _ in $(seq $(($3 * 10 + 1))); do
    if [ ! -e "$1" ] && ! "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$2" -t 1; then return 0; fi
    sleep 0.1
  done
  return 1
}

# check_cleanup NAME ENDING SIGNAL SECONDS: a child started a server and then ENDING (shell code) runs
# in it; the child gets SIGNAL, or when that is "", the file "$2.go" appears.
check_cleanup() {
  local name=$1 ending=$2 signal=$3 seconds=$4 line
  run_child "$work/$name" "$ending"
  if ! line=$(wait_for "$work/$name"); then
    bad "$name: the child did not start a server"; cat "$work/child.log"; kill -KILL "$child_pid" 2>/dev/null
    return
  fi
  set -- $line
  local dir=$1 port=$2
  if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port"; then ok; else bad "$name: the child's server does not answer"; fi
  if [ -n "$signal" ]; then kill -"$signal" "$child_pid"; else touch "$work/$name.go"; fi
  wait "$child_pid" 2>/dev/null
  if cleaned "$dir" "$port" "$seconds"; then ok; else bad "$name: server on port $port or $dir left behind"; fi
}

# A script that exits or gets SIGTERM cleans up before it ends; one killed by SIGKILL runs no trap,
# its watchdog cleans up within seconds.
check_cleanup failing-exit 'until [ -e "$2.go" ]; do sleep 0.1; done; exit 3' "" 0
check_cleanup sigterm 'while :; do sleep 0.2; done' TERM 0
check_cleanup sigkill 'while :; do sleep 0.2; done' KILL 60

# Without server binaries: SKIP (77), unless they must be there (a failure, 1).
nobin() { # expected status, MAMGATE_TEST_PG_REQUIRED value
  local out rc
  out=$(env -u CI MAMGATE_TEST_PG_REQUIRED="$2" MAMGATE_TEST_PG_BIN= MAMGATE_TEST_PG_LIBDIR="$work/none" PATH=/usr/bin:/bin \
    bash -c '. "$1"; pg_start; echo started' nobin "$lib" 2>&1)
  rc=$?
  if [ "$rc" -eq "$1" ] && [ -z "$(printf %s "$out" | grep started)" ]; then ok; else bad "no binaries, required='$2': rc=$rc: $out"; fi
}
if PATH=/usr/bin:/bin command -v initdb >/dev/null; then
  echo "note: initdb in /usr/bin or /bin, the missing-binaries checks are not run"
else
  nobin 77 ""
  nobin 1 1
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
