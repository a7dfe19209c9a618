#!/usr/bin/env bash
# tests/package_test.sh: builds the Debian packages from a copy of the tree (dpkg-buildpackage
# -us -uc -b, without the tests inside it: script/test runs them), runs lintian on the result
# (errors and warnings fail; what remains is overridden in debian/*.lintian-overrides with a
# reason), and unpacks the .debs into a throwaway root to check the layout, the conffile, the
# maintainer scripts, and that the unpacked mamgated checks the unpacked configuration and serves
# with the unpacked plugin against the unpacked devnode.
# Run from anywhere: tests/package_test.sh [--keep] [--install] (see install_and_tour below).
# script/test runs it.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
node_pid= gw_pid=
cleanup() {
  for p in $gw_pid $node_pid; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${1:-}" != --keep ]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap 'cleanup "${keep:-}"' EXIT
for arg in "$@"; do
  case $arg in
    --keep) keep=--keep ;;
    --install) install=1 ;;
    *) echo "usage: tests/package_test.sh [--keep] [--install]" >&2; exit 2 ;;
  esac
done
for v in $(compgen -e); do case $v in MAMGATE_*) unset "$v" ;; esac; done
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

echo "== package: copy of the tree in $work/src"
mkdir "$work/src"
(cd "$src" && git ls-files -co --exclude-standard | grep -v '^_build' | tar -cf - -T -) | tar -xf - -C "$work/src"

echo "== package: dpkg-buildpackage -us -uc -b (nocheck, parallel=2)"
start=$(date +%s)
if ! (cd "$work/src" && DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
  tail -n 60 "$work/build.log"
  echo "package: dpkg-buildpackage failed"
  exit 1
fi
echo "package: built in $(($(date +%s) - start)) s: $(cd "$work" && ls ./*.deb | tr '\n' ' ')"

echo "== package: lintian"
if (cd "$work" && lintian --fail-on error,warning ./*.changes) >"$work/lintian.log" 2>&1; then
  ok
else
  bad "lintian reports errors or warnings:"
fi
cat "$work/lintian.log"

echo "== package: layout of the unpacked packages"
root="$work/root"
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$root"; done
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
expect_file() { if [ -e "$root/$1" ]; then ok; else bad "missing /$1"; fi; }
for f in usr/sbin/mamgated usr/sbin/devnode usr/bin/mamgate-cli usr/bin/mamgate-sub \
  "usr/lib/$multiarch/mamgate/mamgate.so" "usr/lib/$multiarch/libmamcore.so.0" "usr/lib/$multiarch/libmamcore.so" \
  "usr/lib/$multiarch/pkgconfig/libmamcore.pc" usr/include/mamgate/mamgate_plugin.h usr/include/mamgate/mamcore \
  etc/mamgate/mamgate.conf lib/systemd/system/mamgated.service lib/systemd/system/devnode.service \
  usr/share/man/man8/mamgated.8.gz usr/share/man/man8/devnode.8.gz usr/share/man/man5/mamgate.conf.5.gz \
  usr/share/man/man1/mamgate-cli.1.gz usr/share/man/man1/mamgate-sub.1.gz; do
  expect_file "$f"
done
if find "$root" -name '*.la' | grep -q .; then bad "libtool archives shipped"; else ok; fi
dpkg-deb -e "$work"/mamgate_*.deb "$work/control"
if grep -qx /etc/mamgate/mamgate.conf "$work/control/conffiles"; then ok; else bad "mamgate.conf is no conffile"; fi
if grep -q 'adduser --system' "$work/control/postinst"; then ok; else bad "postinst creates no system user"; fi
if grep -q '^data_dir = /var/lib/mamgate$' "$root/etc/mamgate/mamgate.conf"; then ok; else bad "the example does not keep its data in /var/lib/mamgate"; fi
if grep -q '^ExecStart=/usr/sbin/mamgated -c /etc/mamgate/mamgate.conf$' "$root/lib/systemd/system/mamgated.service"; then ok; else
  bad "the unit does not start /usr/sbin/mamgated with /etc/mamgate/mamgate.conf"
fi
pc_cflags=$(PKG_CONFIG_PATH="$root/usr/lib/$multiarch/pkgconfig" pkg-config --cflags libmamcore)
case " $pc_cflags " in *" -I/usr/include/mamgate "*) ok ;; *) bad "libmamcore.pc: cflags '$pc_cflags'" ;; esac

echo "== package: the unpacked programs"
export LD_LIBRARY_PATH="$root/usr/lib/$multiarch"
plugin="$root/usr/lib/$multiarch/mamgate/mamgate.so"
if "$root/usr/sbin/mamgated" --version | grep -q '^mamgated (mamgate) '; then ok; else bad "mamgated --version"; fi
if "$root/usr/sbin/mamgated" --check-config -c "$root/etc/mamgate/mamgate.conf" --plugin "$plugin" >"$work/check.log" 2>&1; then ok; else
  bad "the packaged configuration does not check:"
  cat "$work/check.log"
fi
base=$((20000 + RANDOM % 12000))
"$root/usr/sbin/devnode" --api "127.0.0.1:$base" --zmq "tcp://127.0.0.1:$((base + 1))" --data-dir "$work/node" >"$work/node.log" 2>&1 &
node_pid=$!
sed "s|^data_dir = .*|data_dir = $work/var|" "$root/etc/mamgate/mamgate.conf" >"$work/mamgate.conf"
"$root/usr/sbin/mamgated" -c "$work/mamgate.conf" --plugin "$plugin" --set "http=127.0.0.1:$((base + 2))" \
  --set "zmq_pub=tcp://127.0.0.1:$((base + 3))" --set "node_api=http://127.0.0.1:$base" \
  --set "node_zmq=tcp://127.0.0.1:$((base + 1))" >"$work/gw.log" 2>&1 &
gw_pid=$!
health=
for _ in $(seq 100); do
  health=$(curl -sf "http://127.0.0.1:$((base + 2))/v1/health" || true)
  [ -n "$health" ] && break
  sleep 0.1
done
if [ -n "$health" ]; then ok; else bad "the unpacked mamgated does not answer /v1/health:"; cat "$work/gw.log"; fi

kill -TERM "$gw_pid" "$node_pid" 2>/dev/null || true
wait "$gw_pid" "$node_pid" 2>/dev/null || true
gw_pid= node_pid=

# --install (script/test passes it in CI, on a machine of its own): the real thing. apt-get
# installs the packages, mamgated runs as the user mamgate with the installed configuration and
# the compiled-in plugin path, the README's tour runs against it, and the packages are purged.
install_and_tour() {
  local base=$((20000 + RANDOM % 12000)) pkg
  if dpkg -s mamgate >/dev/null 2>&1; then
    echo "package: mamgate is installed on this machine already; not touching it"
    return
  fi
  (cd "$work" && apt-get install -y -qq ./mamgate_*.deb ./mamgate-devnode_*.deb ./libmamcore0_*.deb) >"$work/apt.log" 2>&1 ||
    { bad "apt-get install of the packages:"; cat "$work/apt.log"; return; }
  getent passwd mamgate >/dev/null && ok || bad "no system user mamgate"
  [ "$(stat -c %U:%a /var/lib/mamgate 2>&1)" = mamgate:700 ] && ok || bad "/var/lib/mamgate: $(stat -c %U:%a /var/lib/mamgate 2>&1)"
  [ "$(stat -c %U:%G:%a /etc/mamgate/mamgate.conf 2>&1)" = root:mamgate:640 ] && ok ||
    bad "/etc/mamgate/mamgate.conf: $(stat -c %U:%G:%a /etc/mamgate/mamgate.conf 2>&1)"
  /usr/sbin/devnode --api "127.0.0.1:$base" --zmq "tcp://127.0.0.1:$((base + 1))" --data-dir "$work/inode" >"$work/inode.log" 2>&1 &
  node_pid=$!
  setpriv --reuid=mamgate --regid=mamgate --init-groups /usr/sbin/mamgated -c /etc/mamgate/mamgate.conf --set "http=127.0.0.1:$((base + 2))" \
    --set "zmq_pub=tcp://127.0.0.1:$((base + 3))" --set "node_api=http://127.0.0.1:$base" \
    --set "node_zmq=tcp://127.0.0.1:$((base + 1))" >"$work/igw.log" 2>&1 &
  gw_pid=$!
  if README_TOUR_EXTERNAL=1 MAMGATE_HTTP="127.0.0.1:$((base + 2))" MAMGATE_DATA_DIR=/var/lib/mamgate \
    "$src/tests/readme_tour.sh" >"$work/tour.log" 2>&1; then ok; else
    bad "the README tour against the installed service:"
    cat "$work/tour.log" "$work/igw.log"
  fi
  grep -q "plugin mamgate started (/usr/lib/$multiarch/mamgate/mamgate.so" "$work/igw.log" && ok ||
    bad "the installed mamgated did not load the installed plugin by default"
  kill -TERM "$gw_pid"
  wait "$gw_pid" && ok || bad "the installed mamgated did not stop cleanly on SIGTERM"
  kill -TERM "$node_pid"
  wait "$node_pid" 2>/dev/null || true
  gw_pid= node_pid=
  apt-get purge -y -qq mamgate mamgate-devnode libmamcore0 >"$work/purge.log" 2>&1 && ok || { bad "apt-get purge:"; cat "$work/purge.log"; }
  dpkg-statoverride --list /etc/mamgate/mamgate.conf >/dev/null && bad "a statoverride left after purge" || ok
  for pkg in /usr/sbin/mamgated /usr/sbin/devnode /etc/mamgate/mamgate.conf /lib/systemd/system/mamgated.service; do
    [ -e "$pkg" ] && bad "$pkg left after purge" || ok
  done
  # What purge keeps by design (the seeds in /var/lib/mamgate, and their owner) goes too: a test.
  rm -rf /var/lib/mamgate
  deluser --system --quiet mamgate >/dev/null 2>&1 || true
}
if [ "${install:-}" = 1 ]; then
  echo "== package: apt-get install, the README tour against the installed mamgated, purge"
  install_and_tour
fi

echo "package: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
