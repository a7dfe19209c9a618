#!/usr/bin/env bash
# The service face of mamgated with the real plugin: the README's configuration table and the
# example mamgate.conf agree with the settings table; `mamgated --check-config` accepts the example
# and refuses bad files, environment variables and flags with exit status 2 and the origin in the
# message, starting nothing; a plugin of ABI version 1 cannot be asked to check; mamgated tells a
# real NOTIFY_SOCKET (as systemd would) READY=1 once the plugin runs and STOPPING=1 on SIGTERM; the
# systemd units pass `systemd-analyze verify` and keep an exposure of at most 2.0 in
# `systemd-analyze security`.
set -u
build=$(cd "${MAMGATE_BUILDDIR:-.}" && pwd)
src=$(cd "${MAMGATE_SRCDIR:-$build/..}" && pwd)
host="$build/host/mamgated"
plugin="$build/plugin/.libs/mamgate.so"
# MAMGATE_* variables are options: the test sets its own and no others.
for v in $(compgen -e); do case $v in MAMGATE_*) unset "$v" ;; esac; done
work=$(mktemp -d)
gw_pid=
trap '[ -n "$gw_pid" ] && kill -KILL "$gw_pid" 2>/dev/null; rm -rf "$work"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { if [ "$2" = "$3" ]; then ok; else bad "$1: expected '$2', got '$3'"; fi; }
has() { # name, file, fixed text
  if grep -qF -- "$3" "$2"; then ok; else bad "$1: no '$3' in:"; sed 's/^/    | /' "$2"; fi
}
check_config() { # log, args...: mamgated --check-config with the real plugin; sets rc
  local log=$1
  shift
  timeout -s KILL 20 "$host" --check-config --plugin "$plugin" "$@" >"$log" 2>&1
  rc=$?
}

# The README's table is the settings table as plugin/settings_doc renders it.
sed -n '/^<!-- settings table:/,/^<!-- end of settings table -->/p' "$src/README.md" | sed '1d;$d' >"$work/readme-table"
"$build/plugin/settings_doc" markdown >"$work/table"
if cmp -s "$work/table" "$work/readme-table"; then ok; else
  bad "README's configuration table differs from 'plugin/settings_doc markdown' (paste its output):"
  diff "$work/readme-table" "$work/table"
fi

# The example configuration names every option, and is valid with every line uncommented.
conf="$build/packaging/mamgate.conf"
for key in $(sed -n 's/^| `\([a-z_0-9]*\)` |.*/\1/p' "$work/table"); do
  grep -qE "^#?$key =" "$conf" || bad "example configuration lacks $key"
done
ok
sed -e 's/^#\([a-z_0-9]* =.*\)/\1/' -e "s|^data_dir = .*|data_dir = $work/never|" "$conf" >"$work/all.conf"
check_config "$work/all.log" -c "$work/all.conf"
check "every example line active: exit status" 0 "$rc"
has "every example line active" "$work/all.log" "configuration valid"
check "check-config starts nothing (no data directory)" no "$([ -e "$work/never" ] && echo yes || echo no)"
check_config "$work/example.log" -c "$conf"
check "example as installed: exit status" 0 "$rc"
# Without --plugin, mamgated of the build tree takes the build tree's plugin.
timeout -s KILL 20 "$host" --check-config -c "$work/all.conf" >"$work/default.log" 2>&1
check "default plugin in the build tree: exit status" 0 "$?"
has "default plugin in the build tree" "$work/default.log" "1 plugin)"

# Bad values name their origin: FILE:LINE, the environment variable or the flag.
printf 'http = 127.0.0.1:1\n\nmwm = 99\n' >"$work/bad.conf"
check_config "$work/bad.log" -c "$work/bad.conf"
check "bad value in a file: exit status" 2 "$rc"
has "bad value in a file" "$work/bad.log" "$work/bad.conf:3: bad value '99' for mwm"
printf 'no_such_option = 1\n' >"$work/unknown.conf"
check_config "$work/unknown.log" -c "$work/unknown.conf"
check "unknown key in a file: exit status" 2 "$rc"
has "unknown key in a file" "$work/unknown.log" "$work/unknown.conf:1: unknown option 'no_such_option'"
printf 'mwm 9\n' >"$work/syntax.conf"
check_config "$work/syntax.log" -c "$work/syntax.conf"
check "syntax error in a file: exit status" 2 "$rc"
has "syntax error in a file" "$work/syntax.log" "$work/syntax.conf:1:"
MAMGATE_POW=sometimes check_config "$work/env.log" -c "$work/all.conf"
check "bad environment variable: exit status" 2 "$rc"
has "bad environment variable" "$work/env.log" "MAMGATE_POW: bad value 'sometimes' for pow"
check_config "$work/flag.log" -c "$work/all.conf" --set log_level=loud
check "bad --set: exit status" 2 "$rc"
has "bad --set" "$work/flag.log" "--set: bad value 'loud' for log_level"
check_config "$work/missing.log" -c "$work/no-such.conf"
check "missing file: exit status" 2 "$rc"

# A plugin that speaks only ABI version 1 would start if asked: it is not asked.
v1=$(sed -n "s/^dlname='\(.*\)'$/\1/p" "$build/tests/plugins/good.la")
timeout -s KILL 20 "$host" --check-config --plugin "$build/tests/plugins/.libs/$v1" >"$work/v1.log" 2>&1
check "ABI 1 plugin: exit status" 1 "$?"
has "ABI 1 plugin" "$work/v1.log" "cannot check options without starting"
if grep -qF "good: started" "$work/v1.log"; then bad "the ABI 1 plugin was started"; else ok; fi

# sd_notify: a datagram socket where systemd would listen, the real plugin on free ports.
if grep -q '^#define HAVE_LIBSYSTEMD 1' "$build/config.h"; then
  base=$((20000 + RANDOM % 12000))
  python3 - "$work/notify.sock" "$work/notify.txt" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(60)
with open(sys.argv[2], "w", buffering=1) as out:
    while True:
        msg = s.recv(4096).decode()
        out.write(msg.replace("\n", " ") + "\n")
        if "STOPPING=1" in msg:
            break
PY
  listener=$!
  for _ in $(seq 50); do [ -S "$work/notify.sock" ] && break; sleep 0.1; done
  NOTIFY_SOCKET="$work/notify.sock" "$host" --plugin "$plugin" --set "http=127.0.0.1:$base" \
    --set "zmq_pub=tcp://127.0.0.1:$((base + 1))" --set "node_api=http://127.0.0.1:$((base + 2))" \
    --set "node_zmq=tcp://127.0.0.1:$((base + 3))" --set "data_dir=$work/var" >"$work/gw.log" 2>&1 &
  gw_pid=$!
  for _ in $(seq 200); do grep -q READY=1 "$work/notify.txt" 2>/dev/null && break; sleep 0.1; done
  has "sd_notify ready" "$work/notify.txt" "READY=1"
  has "ready after the plugin started" "$work/gw.log" "plugin mamgate started"
  kill -TERM "$gw_pid"
  wait "$gw_pid"
  check "SIGTERM: exit status" 0 "$?"
  gw_pid=
  wait "$listener"
  has "sd_notify stopping" "$work/notify.txt" "STOPPING=1"
else
  echo "note: built without libsystemd; sd_notify not tested"
fi

# The units: verified with ExecStart pointing at the programs of this build, and hardened.
if command -v systemd-analyze >/dev/null; then
  for unit in mamgated devnode; do
    sed -e "s|^ExecStart=[^ ]*/mamgated |ExecStart=$host |" -e "s|^ExecStart=[^ ]*/devnode |ExecStart=$build/devnode/devnode |" \
      "$build/packaging/$unit.service" >"$work/$unit.service"
    # Complaints about the machine's own units are not ours; any about this one fail.
    if (cd "$work" && systemd-analyze verify --man=no "./$unit.service") >"$work/verify-$unit.log" 2>&1 &&
      ! grep -q "$unit.service" "$work/verify-$unit.log"; then ok; else
      bad "systemd-analyze verify $unit.service:"
      cat "$work/verify-$unit.log"
    fi
    if (cd "$work" && systemd-analyze security --offline=true --threshold=20 "./$unit.service") >"$work/security-$unit.log" 2>&1; then
      ok
    else
      bad "systemd-analyze security $unit.service: exposure above 2.0"
      grep -v '^✓' "$work/security-$unit.log"
    fi
  done
else
  echo "note: systemd-analyze not found (script/bootstrap installs systemd); units not checked"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
