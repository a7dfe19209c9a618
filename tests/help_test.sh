#!/usr/bin/env bash
# --help on every program: the usage on stdout, nothing on stderr, status 0. And mamgate-sub's
# argument checks: a channel id that is not 81 trytes (9, A-Z) and other bad values exit with 2.
set -u
build=${MAMGATE_BUILDDIR:-.}
pass=0 fail=0

# name, command...: usage on stdout (a line starting "usage" or naming the program), empty stderr, 0
expect_help() {
  local name=$1; shift
  local out err rc
  out=$("$@" 2>"$errfile" </dev/null); rc=$?; err=$(cat "$errfile")
  if [ $rc -eq 0 ] && [ -z "$err" ] && echo "$out" | grep -qi 'usage'; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL $name: rc=$rc stdout='${out:0:80}' stderr='${err:0:80}'"; fi
}

# name, command...: status 2, a message on stderr, nothing on stdout
expect_refused() {
  local name=$1; shift
  local out err rc
  out=$("$@" 2>"$errfile" </dev/null); rc=$?; err=$(cat "$errfile")
  if [ $rc -eq 2 ] && [ -n "$err" ] && [ -z "$out" ]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL $name: rc=$rc stdout='${out:0:80}' stderr='${err:0:80}'"; fi
}

errfile=$(mktemp)
trap 'rm -f "$errfile"' EXIT

cli=$build/mamgate-cli
for flag in --help -h; do
  expect_help "mamgate-cli $flag" "$cli" $flag
  expect_help "mamgate-sub $flag" "$build/mamgate-sub" $flag
done
expect_help "mamgated --help" "$build/host/mamgated" --help
expect_help "devnode --help" "$build/devnode/devnode" --help
# every subcommand named in the general usage
commands=$("$cli" --help | sed -n 's/^  \([a-z-]*\).*/\1/p')
for cmd in $commands; do
  expect_help "mamgate-cli $cmd --help" "$cli" "$cmd" --help
done
if [ "$(echo "$commands" | grep -c .)" -ge 12 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL commands listed: $commands"; fi
expect_refused "mamgate-cli without a command" "$cli"

# nothing listens there: whatever is not refused times out after a second (status 1)
sub=("$build/mamgate-sub" --endpoint tcp://127.0.0.1:1)
CH=$(printf 'A%.0s' $(seq 81))
expect_refused "mamgate-sub lowercase channel" "${sub[@]}" --timeout 1 --channel "$(echo "$CH" | tr A-Z a-z)"
expect_refused "mamgate-sub short channel" "${sub[@]}" --timeout 1 --channel "${CH:1}"
expect_refused "mamgate-sub channel with a bad character" "${sub[@]}" --timeout 1 --channel "${CH:1}-"
expect_refused "mamgate-sub count not a number" "${sub[@]}" --timeout 1 --count x
expect_refused "mamgate-sub count zero" "${sub[@]}" --timeout 1 --count 0
expect_refused "mamgate-sub timeout negative" "${sub[@]}" --timeout -1 --count 1
expect_refused "mamgate-sub unknown option" "${sub[@]}" --timeout 1 --bogus
expect_refused "mamgate-sub an argument" "${sub[@]}" --timeout 1 extra
# a valid channel is taken
"${sub[@]}" --channel "$CH" --count 1 --timeout 1 >/dev/null 2>"$errfile"
rc=$?
if [ $rc -eq 1 ] && grep -q 'timed out' "$errfile"; then pass=$((pass + 1)); else
  fail=$((fail + 1)); echo "FAIL mamgate-sub valid channel: rc=$rc $(cat "$errfile")"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
