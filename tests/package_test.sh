#!/usr/bin/env bash
# tests/package_test.sh: builds the Debian packages from a copy of the tree (dpkg-buildpackage
# -us -uc -b, without the tests inside it: script/test runs them), runs lintian on the result
# (errors and warnings fail; what remains is overridden in debian/*.lintian-overrides with a
# reason), and unpacks the .debs into a throwaway root to check the layout, the conffile, the
# maintainer scripts, and that the unpacked mamgated checks the unpacked configuration and serves
# with the unpacked plugin against the unpacked devnode.
# Run from anywhere: tests/package_test.sh [--keep]. script/test runs it.
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
[ "${1:-}" = --keep ] && keep=--keep
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

echo "package: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
