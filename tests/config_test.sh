#!/usr/bin/env bash
# The real mamgated with the real plugin, started with hostile or careless configurations:
# unknown MAMGATE_* variables, short tokens (environment, flag, file, token file), REST open
# beyond loopback without read_auth, an unreachable node and feed, relative data directories.
# Each case checks the exit status and the log lines an operator relies on.
set -u
build=$(cd "${MAMGATE_BUILDDIR:-.}" && pwd)
host="$build/host/mamgated"
plugin="$build/plugin/.libs/mamgate.so"
# MAMGATE_* variables are options: the test sets its own and no others.
for v in $(compgen -e); do case $v in MAMGATE_*) unset "$v" ;; esac; done
work=$(cd "$(mktemp -d)" && pwd -P) # the physical path, as the logs name it
node_pid=
trap '[ -n "$node_pid" ] && kill -TERM "$node_pid" 2>/dev/null; wait; rm -rf "$work"' EXIT
pass=0 fail=0

failed() { # name, log file
  fail=$((fail + 1))
  echo "FAIL $1"
  [ -f "${2:-}" ] && sed 's/^/    | /' "$2"
}
expect_eq() { # name, expected, actual, log
  if [ "$2" = "$3" ]; then pass=$((pass + 1)); else failed "$1: got '$3', expected '$2'" "${4:-}"; fi
}
expect_line() { # name, log, fixed text that some line holds
  if grep -qF -- "$3" "$2"; then pass=$((pass + 1)); else failed "$1: no line with '$3'" "$2"; fi
}
expect_no_line() { # name, log, fixed text
  if grep -qF -- "$3" "$2"; then failed "$1: unexpected '$3'" "$2"; else pass=$((pass + 1)); fi
}

free_ports() { # N: N TCP ports free at this moment, one a line
  python3 -c '
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print("\n".join(str(s.getsockname()[1]) for s in socks))' "$1"
}
read -r -d '' http_port node_port feed_port closed_api closed_feed < <(free_ports 5)

# gw NAME [VAR=VALUE ...] [-- ARG ...]: runs mamgated from $work with the base options, the given
# variables and arguments, until it stops by itself or runs its plugin (then SIGTERM). Sets rc
# ("running" or the exit status) and log.
gw() {
  log=$work/$1.log
  shift
  local vars=() args=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do vars+=("$1"); shift; done
  [ $# -gt 0 ] && shift && args=("$@")
  : >"$log" # the child opens it only once forked
  (cd "$work" && exec env MAMGATE_HTTP="127.0.0.1:$http_port" MAMGATE_ZMQ_PUB="tcp://127.0.0.1:*" \
    MAMGATE_NODE_API="http://127.0.0.1:$node_port" MAMGATE_NODE_ZMQ="tcp://127.0.0.1:$feed_port" \
    MAMGATE_DATA_DIR="$work/var" "${vars[@]}" "$host" --plugin "$plugin" "${args[@]}") >/dev/null 2>"$log" &
  local pid=$!
  for _ in $(seq 300); do
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid"
      rc=$?
      return
    fi
    grep -q 'running 1 plugin' "$log" && break
    sleep 0.05
  done
  rc=running
  kill -TERM "$pid"
  wait "$pid"
}

(cd "$work" && exec "$build/devnode/devnode" --api "127.0.0.1:$node_port" --zmq "tcp://127.0.0.1:$feed_port" \
  --data-dir node-data --mwm 9) 2>"$work/node.log" &
node_pid=$!
for _ in $(seq 100); do grep -q 'listening' "$work/node.log" && break; sleep 0.05; done

# ---- the working configuration: no warning, absolute data directories in the log
gw good
expect_eq "good configuration runs" running "$rc" "$log"
expect_no_line "good: no warning" "$log" "WARNING"
expect_line "good: data directory named" "$log" "data in $work/var"
expect_line "devnode names its data directory absolutely" "$work/node.log" "data-dir=$work/node-data "
gw relative MAMGATE_DATA_DIR=relvar
expect_eq "relative data directory runs" running "$rc" "$log"
expect_line "relative data directory resolved from the working directory" "$log" "data in $work/relvar"

# ---- MAMGATE_* variables: options, or refused; the scripts' own variables pass
gw unknown_env MAMGATE_NODEAPI=http://elsewhere:1
expect_eq "MAMGATE_NODEAPI refused" 1 "$rc" "$log"
expect_line "MAMGATE_NODEAPI named" "$log" "MAMGATE_NODEAPI: unknown option 'nodeapi'"
expect_no_line "MAMGATE_NODEAPI: never started" "$log" "running 1 plugin"
gw script_vars MAMGATE_BUILDDIR=/b MAMGATE_SRCDIR=/s MAMGATE_VECTORS_DIR=/v MAMGATE_PLUGIN=
expect_eq "the scripts' own MAMGATE_* variables are not options" running "$rc" "$log"

# ---- tokens: at least 16 characters from every origin
short=abcdefghijklmno # 15
gw token_env MAMGATE_TOKEN=x
expect_eq "one-character MAMGATE_TOKEN refused" 1 "$rc" "$log"
expect_line "MAMGATE_TOKEN: says why" "$log" "MAMGATE_TOKEN: bad value '(hidden)' for token: expected at least 16 characters"
gw token_flag -- --set "token=$short"
expect_eq "15-character --set token refused" 1 "$rc" "$log"
expect_no_line "the short token is not shown" "$log" "$short"
printf 'token = %s\n' "$short" >"$work/short.conf"
gw token_file -- -c "$work/short.conf"
expect_eq "15-character token in a file refused" 1 "$rc" "$log"
expect_line "file token: line named" "$log" "$work/short.conf:1: bad value"
mkdir -p "$work/shortvar" && printf 'abc\n' >"$work/shortvar/token"
gw token_stored MAMGATE_DATA_DIR="$work/shortvar"
expect_eq "3-character stored token refused" 1 "$rc" "$log"
expect_line "stored token: says why" "$log" "the token file $work/shortvar/token holds fewer than 16 characters"
gw token_16 MAMGATE_TOKEN=abcdefghijklmnop
expect_eq "16-character token accepted" running "$rc" "$log"

# ---- REST beyond loopback with read_auth = false
gw open_reads MAMGATE_HTTP="0.0.0.0:$http_port"
expect_eq "open reads run" running "$rc" "$log"
expect_line "open reads warned" "$log" "WARNING mamgate: REST listens on 0.0.0.0:$http_port beyond loopback with read_auth = false"
gw open_reads_auth MAMGATE_HTTP="0.0.0.0:$http_port" MAMGATE_READ_AUTH=true
expect_no_line "read_auth = true: no warning" "$log" "beyond loopback"
gw localhost_reads MAMGATE_HTTP="localhost:$http_port"
expect_no_line "localhost: no warning" "$log" "beyond loopback"

# ---- node and feed unreachable at start
gw unreachable MAMGATE_NODE_API="http://127.0.0.1:$closed_api" MAMGATE_NODE_ZMQ="tcp://127.0.0.1:$closed_feed"
expect_eq "unreachable node: still runs" running "$rc" "$log"
expect_line "unreachable node warned" "$log" "WARNING mamgate: node http://127.0.0.1:$closed_api unreachable at start"
expect_line "unconnected feed warned" "$log" "WARNING mamgate: feed tcp://127.0.0.1:$closed_feed not connected"

# ---- the store and the fleet key (no PostgreSQL server needed: nothing listens on the port)
pg_uri="postgresql://mamgate:s3cretpassw0rd@127.0.0.1:$closed_api/fleet"
gw store_bad MAMGATE_STORE="mysql://u:s3cretpassw0rd@h/db"
expect_eq "unknown store engine refused" 1 "$rc" "$log"
expect_line "store: says what it expects" "$log" "MAMGATE_STORE: bad value '(hidden)' for store: expected sqlite or a PostgreSQL URI"
gw store_no_key MAMGATE_STORE="$pg_uri"
expect_eq "PostgreSQL without a fleet key refused" 1 "$rc" "$log"
expect_line "no key: says how to make one" "$log" "a PostgreSQL store needs fleet_key_file"
"$build/mamgate-cli" fleet-key "$work/fleet.key" >/dev/null
cp "$work/fleet.key" "$work/open.key" && chmod 0644 "$work/open.key"
gw key_mode MAMGATE_STORE="$pg_uri" MAMGATE_FLEET_KEY_FILE="$work/open.key"
expect_eq "a fleet key others can read refused" 1 "$rc" "$log"
expect_line "key mode: names the file" "$log" "fleet_key_file $work/open.key: "
gw store_down MAMGATE_STORE="$pg_uri" MAMGATE_FLEET_KEY_FILE="$work/fleet.key" MAMGATE_DATA_DIR="$work/fleetvar"
expect_eq "database down at start: the gateway waits (then SIGTERM)" running "$rc" "$log"
expect_line "database down: retried with a log line" "$log" "store postgresql://mamgate:***@127.0.0.1:$closed_api/fleet unreachable (attempt 1)"
expect_line "database down: SIGTERM ends the wait" "$log" "stopped (a stop signal came) while waiting for the store"
for f in store_bad store_no_key key_mode store_down; do
  expect_no_line "$f: the password stays out of the log" "$work/$f.log" "s3cretpassw0rd"
done

echo "config_test: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
