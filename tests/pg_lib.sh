# tests/pg_lib.sh: a real PostgreSQL server for one test script, in a temporary directory.
# Sourced, not run; installs nothing (script/bootstrap installs `postgresql`).
#
#   . tests/pg_lib.sh
#   pg_start            # or exits: 77 (SKIP) when the server binaries are missing, 1 on failure
#   ... use $MAMGATE_TEST_PG_URI ...
#
# pg_start runs initdb into a new directory under $TMPDIR (or /tmp) and starts the server with
# pg_ctl, listening on a Unix socket in that directory and on a free loopback port (never a fixed
# one: other people run tests on this machine). PostgreSQL refuses to run as root, so under root
# the directory is given to the `postgres` system user and the server tools run as that user
# (runuser). It makes the role `mamgate` (a random password) owning the database `mamgate_test`
# and exports
#   MAMGATE_TEST_PG_URI        postgresql://mamgate:PASSWORD@127.0.0.1:PORT/mamgate_test
#   MAMGATE_TEST_PG_ADMIN_URI  the superuser `postgres` over the Unix socket (trust)
#   PG_DIR, PG_PORT            the directory and the port
# pg_down stops the server and keeps its directory and port; pg_up starts it again there (a test of
# the database going away under running clients); pg_restart does both.
# The server is stopped and the directory removed when the script exits, also on failure and on
# SIGTERM, SIGINT and SIGHUP (a script with its own EXIT trap calls pg_stop from it); a watchdog
# does the same within a second when the script dies by SIGKILL.
#
# The server binaries are looked up in $MAMGATE_TEST_PG_BIN, then /usr/lib/postgresql/<version>/bin (the
# newest; Debian's layout; MAMGATE_TEST_PG_LIBDIR replaces /usr/lib/postgresql), then $PATH. A missing
# server is a SKIP, except where script/bootstrap has installed it (MAMGATE_TEST_PG_REQUIRED=1, set by
# script/test, or CI set): there it is a failure.

PG_BIN= PG_DIR= PG_PORT= PG_WATCHDOG=

pg_log() { echo "pg_lib: $*" >&2; }

# pg_find_bin: sets PG_BIN to a directory holding initdb, pg_ctl and pg_isready.
pg_find_bin() {
  local d candidates=()
  [ -n "${MAMGATE_TEST_PG_BIN:-}" ] && candidates+=("$MAMGATE_TEST_PG_BIN")
  while IFS= read -r d; do candidates+=("$d"); done < <(ls -d "${MAMGATE_TEST_PG_LIBDIR:-/usr/lib/postgresql}"/*/bin 2>/dev/null | sort -rV)
  d=$(command -v initdb 2>/dev/null) && candidates+=("$(dirname "$d")")
  for d in "${candidates[@]}"; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/pg_isready" ] && [ -x "$d/postgres" ]; then
      PG_BIN=$d
      return 0
    fi
  done
  return 1
}

# pg_as_owner CMD...: runs CMD as the user owning the server (postgres under root), from PG_DIR.
pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd "$PG_DIR" && runuser -u postgres -- "$@")
  else
    (cd "$PG_DIR" && "$@")
  fi
}

# pg_make_dir: a new directory only the server's owner can use.
pg_make_dir() {
  PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mg-pg-XXXXXX") || return 1
  chmod 0700 "$PG_DIR" || return 1
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || { pg_log "running as root needs the postgres system user (package postgresql)"; return 1; }
    command -v runuser >/dev/null || { pg_log "running as root needs runuser (package util-linux)"; return 1; }
    chown postgres: "$PG_DIR" || return 1
    # the postgres user must be able to reach the directory through its parents
    runuser -u postgres -- test -w "$PG_DIR" || { pg_log "user postgres cannot write $PG_DIR (set TMPDIR)"; return 1; }
  fi
}

# pg_free_port: a loopback TCP port nobody listens on now (the start is retried if one takes it).
pg_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# pg_start_server: pg_ctl start on PG_PORT; non-zero when it did not start (the log tells why).
pg_start_server() {
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 -o \
    "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_DIR -c max_connections=40 -c shared_buffers=16MB" \
    start >/dev/null
}

# pg_wait_ready: pg_isready answers on the socket and on the port (up to 30 s).
pg_wait_ready() {
  local _
  for _ in $(seq 300); do
    if "$PG_BIN/pg_isready" -q -h "$PG_DIR" -p "$PG_PORT" && "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# pg_watchdog PID: stops the server once PID is gone (a test killed by SIGKILL runs no trap).
pg_watchdog() {
  local parent=$1
  while kill -0 "$parent" 2>/dev/null; do sleep 1; done
  pg_stop_server
  rm -rf "$PG_DIR"
}

pg_stop_server() {
  [ -f "$PG_DIR/data/postmaster.pid" ] || return 0
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 30 stop >/dev/null 2>&1
}

# pg_down: stops the server (fast: open connections are cut) and keeps its directory, data and
# port; nothing answers until pg_up.
pg_down() {
  [ -n "$PG_DIR" ] && [ -d "$PG_DIR" ] || { pg_log "pg_down: no server"; return 1; }
  pg_stop_server
}

# pg_up: starts the server pg_down stopped, on the same port, and waits until it answers.
pg_up() {
  [ -n "$PG_DIR" ] && [ -d "$PG_DIR/data" ] || { pg_log "pg_up: no server directory"; return 1; }
  pg_start_server || { pg_log "pg_up: the server did not start:"; tail -n 20 "$PG_DIR/server.log" >&2; return 1; }
  pg_wait_ready || { pg_log "pg_up: the server does not answer pg_isready"; return 1; }
}

pg_restart() { pg_down && pg_up; }

# pg_stop: stops the server and removes its directory; safe to call twice.
pg_stop() {
  [ -n "$PG_WATCHDOG" ] && kill "$PG_WATCHDOG" 2>/dev/null
  PG_WATCHDOG=
  if [ -n "$PG_DIR" ] && [ -d "$PG_DIR" ]; then
    pg_stop_server
    [ -n "${PG_KEEP:-}" ] && { pg_log "kept $PG_DIR"; return 0; }
    rm -rf "$PG_DIR"
  fi
  PG_DIR=
}

# pg_psql_admin ARGS...: psql as the superuser over the Unix socket, stopping at the first error.
pg_psql_admin() {
  "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres "$@"
}

pg_start() {
  if ! pg_find_bin; then
    if [ -n "${MAMGATE_TEST_PG_REQUIRED:-}${CI:-}" ]; then pg_log "PostgreSQL server binaries not found; script/bootstrap installs postgresql"; exit 1; fi
    echo "SKIP: PostgreSQL server binaries not found (script/bootstrap installs postgresql)"
    exit 77
  fi
  command -v python3 >/dev/null || { pg_log "python3 is needed to find a free port"; exit 1; }
  trap pg_stop EXIT # bash runs it on SIGTERM, SIGINT and SIGHUP too
  pg_make_dir || { pg_log "cannot make the server directory"; exit 1; }
  local password
  password=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  if ! pg_as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -E UTF8 --locale=C --auth-local=trust \
    --auth-host=scram-sha-256 --no-sync >"$PG_DIR/initdb.log" 2>&1; then
    pg_log "initdb failed:"; tail -n 20 "$PG_DIR/initdb.log" >&2; exit 1
  fi
  local attempt
  for attempt in 1 2 3 4 5; do
    PG_PORT=$(pg_free_port) || exit 1
    pg_start_server && break
    # another process took the port between the probe and the bind: try another one
    grep -q 'could not bind\|Address already in use' "$PG_DIR/server.log" 2>/dev/null || attempt=5
    if [ "$attempt" -eq 5 ]; then pg_log "the server did not start:"; tail -n 20 "$PG_DIR/server.log" >&2; exit 1; fi
  done
  pg_wait_ready || { pg_log "the server does not answer pg_isready"; tail -n 20 "$PG_DIR/server.log" >&2; exit 1; }
  pg_watchdog $$ >/dev/null 2>&1 </dev/null &
  PG_WATCHDOG=$!
  pg_psql_admin -c "CREATE ROLE mamgate LOGIN PASSWORD '$password'" -c "CREATE DATABASE mamgate_test OWNER mamgate" ||
    { pg_log "cannot create the role and the database"; exit 1; }
  export PG_DIR PG_PORT
  export MAMGATE_TEST_PG_URI="postgresql://mamgate:$password@127.0.0.1:$PG_PORT/mamgate_test"
  export MAMGATE_TEST_PG_ADMIN_URI="postgresql://postgres@/postgres?host=$PG_DIR&port=$PG_PORT"
}
