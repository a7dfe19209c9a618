#!/usr/bin/env bash
# The real mamgated with the plugins of tests/plugins: start-up, options with their origins in
# precedence order (file < environment < --set), SIGTERM/SIGINT, a signal during shutdown, cleanup
# order and failure, every load failure, bad configuration, --help and --version.
# MAMGATED_WRAPPER runs the host under a tool, e.g. "valgrind --error-exitcode=1 --leak-check=full".
set -u
build=$(cd "${MAMGATE_BUILDDIR:-.}" && pwd)
host="$build/host/mamgated"
wrapper=${MAMGATED_WRAPPER:-}
version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$build/config.h")
# MAMGATE_* variables are options: the test sets its own and no others.
for v in $(compgen -e); do case $v in MAMGATE_*) unset "$v" ;; esac; done
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work" || exit 1
pass=0 fail=0
stamp='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'

plugin() { # the shared object libtool built for tests/plugins/NAME.la
  local dlname
  dlname=$(sed -n "s/^dlname='\(.*\)'$/\1/p" "$build/tests/plugins/$1.la")
  echo "$build/tests/plugins/.libs/$dlname"
}
good=$(plugin good)

failed() { # name, log file
  fail=$((fail + 1))
  echo "FAIL $1"
  [ -f "${2:-}" ] && sed 's/^/    | /' "$2"
}
expect_rc() { # name, expected, actual, log
  if [ "$2" = "$3" ]; then pass=$((pass + 1)); else failed "$1: exit status $3, expected $2" "$4"; fi
}
expect_line() { # name, log, fixed text that some line holds
  if grep -qF -- "$3" "$2"; then pass=$((pass + 1)); else failed "$1: no line with '$3'" "$2"; fi
}
expect_no_line() { # name, log, fixed text
  if grep -qF -- "$3" "$2"; then failed "$1: unexpected '$3'" "$2"; else pass=$((pass + 1)); fi
}
expect_before() { # name, log, first text, second text: the first appears on an earlier line
  local a b
  a=$(grep -nF -- "$3" "$2" | head -1 | cut -d: -f1)
  b=$(grep -nF -- "$4" "$2" | head -1 | cut -d: -f1)
  if [ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]; then pass=$((pass + 1)); else failed "$1: '$3' not before '$4'" "$2"; fi
}
expect_log_format() { # name, log: every line is "TIMESTAMP LEVEL name: message"
  if grep -qvE "^$stamp (DEBUG|INFO|WARNING|ERROR) [a-z0-9_.-]+: " "$2"; then failed "$1: malformed log line" "$2"; else pass=$((pass + 1)); fi
}

run() { # log, args...: runs the host to its end (20 s at most); sets rc
  local log=$1
  shift
  timeout -s KILL 20 $wrapper "$host" "$@" >"$log.out" 2>"$log"
  rc=$?
}
start() { # log, args...: starts the host and waits until it runs its plugins
  local log=$1
  shift
  $wrapper "$host" "$@" 2>"$log" &
  pid=$!
  wait_for "$log" "mamgated: running "
}
wait_for() { # log, fixed text: up to 20 s while the host lives
  for _ in $(seq 200); do
    grep -qF -- "$2" "$1" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  grep -qF -- "$2" "$1"
}
finish() { # waits up to 20 s for the host to exit; sets rc
  for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid"
  rc=$?
  pid=
}

# --help, --version, bad command lines
run help.log --help
expect_rc help 0 "$rc" help.log
for text in "-c, --config FILE" "--plugin PATH" "--set KEY=VALUE" "--version" "MAMGATE_<KEY>" "MAMGATE_PLUGIN" "MAMGATE_NODE_API"; do
  expect_line help help.log.out "$text"
done
run version.log --version
expect_rc version 0 "$rc" version.log
expect_line version version.log.out "mamgated (mamgate) $version"
run unknown.log --frobnicate
expect_rc unknown-flag 2 "$rc" unknown.log
run positional.log --plugin "$good" extra
expect_rc positional 2 "$rc" positional.log
expect_line positional positional.log "unexpected argument 'extra'"
run badset.log --plugin "$good" --set novalue
expect_rc bad-set 2 "$rc" badset.log
expect_line bad-set badset.log "--set expects KEY=VALUE"
# A copy of the program away from the build tree finds neither the installed plugin nor the build
# tree's (beside the original, which tests/service_test.sh runs without --plugin).
cp "$host" ./mamgated-alone
timeout -s KILL 20 $wrapper ./mamgated-alone 2>noplugin.log
expect_rc no-plugin 2 "$?" noplugin.log
expect_line no-plugin noplugin.log "no plugin to load"
rm -f ./mamgated-alone

# Options: ./mamgate.conf < MAMGATE_<KEY> < --set, each with its origin; SIGTERM stops.
cat >mamgate.conf <<'EOF'
# test configuration
http = file-http
  node_api=file-node

mwm = file-mwm
data_dir = "/tmp/with  spaces "
EOF
export MAMGATE_NODE_API=env-node MAMGATE_MWM=env-mwm MAMGATE_TOKEN=env-token
start good.log --plugin "$good" --set mwm=flag-mwm
unset MAMGATE_NODE_API MAMGATE_MWM MAMGATE_TOKEN
for text in "good: init: ABI version 1, host struct" "good: host clock agrees with the system clock" \
  "good: option http=file-http (mamgate.conf:2)" "good: option node_api=env-node (MAMGATE_NODE_API)" \
  "good: option mwm=flag-mwm (--set)" "good: option data_dir=/tmp/with  spaces  (mamgate.conf:6)" \
  "good: option token=env-token (MAMGATE_TOKEN)" "mamgated: plugin good started" "mamgated: running 1 plugin;"; do
  expect_line good good.log "$text"
done
expect_no_line good good.log "file-node"
expect_no_line good good.log "env-mwm"
wait_for good.log "good: worker running" || failed "good: worker never ran" good.log
kill -TERM "$pid"
finish
expect_rc good-sigterm 0 "$rc" good.log
for text in "mamgated: SIGTERM received; stopping" "good: worker stopped" "good: cleanup done" \
  "mamgated: plugin good stopped" "INFO mamgated: stopped"; do
  expect_line good-sigterm good.log "$text"
done
expect_log_format good good.log

# -c replaces ./mamgate.conf; SIGINT stops too (the shell started the host with SIGINT ignored).
echo 'http = other' >other.conf
start other.log -c other.conf --plugin "$good"
expect_line config-flag other.log "good: option http=other (other.conf:1)"
expect_no_line config-flag other.log "file-http"
kill -INT "$pid"
finish
expect_rc sigint 0 "$rc" other.log
expect_line sigint other.log "mamgated: SIGINT received; stopping"
rm mamgate.conf

# MAMGATE_PLUGIN names a plugin; --plugin ones follow it; cleanup runs in reverse order.
cp "$good" second.so
MAMGATE_PLUGIN=$good start two.log --plugin second.so
expect_line two two.log "mamgated: running 2 plugins;"
kill -TERM "$pid"
finish
expect_rc two 0 "$rc" two.log
expect_before two-start-order two.log "plugin good started" "plugin second started"
expect_before two-stop-order two.log "plugin second stopped" "plugin good stopped"

# A second signal during cleanup is logged and ignored.
start slow.log --plugin "$good" --set cleanup_delay_ms=1500
kill -TERM "$pid"
wait_for slow.log "good: worker stopped"
kill -INT "$pid"
finish
expect_rc signal-during-cleanup 0 "$rc" slow.log
expect_line signal-during-cleanup slow.log "WARNING mamgated: SIGINT received during shutdown; ignored"
expect_before signal-during-cleanup slow.log "SIGINT received during shutdown" "plugin good stopped"

# A failed cleanup makes the exit status 1.
start failclean.log --plugin "$good" --set fail_cleanup=yes
kill -TERM "$pid"
finish
expect_rc cleanup-failure 1 "$rc" failclean.log
expect_line cleanup-failure failclean.log "plugin good: cleanup failed with error 4 (data directory or file error)"

# Load failures: exit status 1 and what went wrong.
run missing.log --plugin "$work/missing.so"
expect_rc missing-file 1 "$rc" missing.log
expect_line missing-file missing.log "cannot load plugin: $work/missing.so: cannot open shared object file"
run nosymbol.log --plugin "$(plugin nosymbol)"
expect_rc missing-symbol 1 "$rc" nosymbol.log
expect_line missing-symbol nosymbol.log "missing symbol mamgate_plugin_cleanup"
expect_no_line missing-symbol nosymbol.log "init refuses"
run badversion.log --plugin "$(plugin badversion)"
expect_rc version-mismatch 1 "$rc" badversion.log
expect_line version-mismatch badversion.log "no common ABI version: the host supports 2, 1, the plugin accepts none of them"
expect_no_line version-mismatch badversion.log "init refuses"
run initfail.log --plugin "$(plugin initfail)"
expect_rc init-failure 1 "$rc" initfail.log
expect_line init-failure initfail.log "initfail: init refuses to start"
expect_line init-failure initfail.log "init failed with error 6 (ZeroMQ socket error)"
run partial.log --plugin "$good" --plugin "$(plugin initfail)"
expect_rc started-then-failed 1 "$rc" partial.log
expect_before started-then-failed partial.log "init failed with error 6" "good: cleanup done"
expect_line started-then-failed partial.log "mamgated: plugin good stopped"
expect_log_format load-failures missing.log
expect_log_format load-failures partial.log

# Configuration file errors: FILE:LINE and exit status 2, before any plugin loads.
printf 'http = x\n# fine\nthis is not an option\n' >bad.conf
run badconf.log -c bad.conf --plugin "$good"
expect_rc bad-config-line 2 "$rc" badconf.log
expect_line bad-config-line badconf.log "bad.conf:3: expected 'key = value'"
expect_no_line bad-config-line badconf.log "good:"
printf 'token = "unterminated\n' >quote.conf
run quote.log -c quote.conf --plugin "$good"
expect_rc bad-config-quote 2 "$rc" quote.log
expect_line bad-config-quote quote.log "quote.conf:1: "
run noconf.log -c nothing.conf --plugin "$good"
expect_rc missing-config 2 "$rc" noconf.log
expect_line missing-config noconf.log "nothing.conf: No such file or directory"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
