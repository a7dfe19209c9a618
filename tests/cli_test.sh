#!/usr/bin/env bash
# End-to-end checks of mamgate-cli against the vector file, and its handling of bad arguments.
set -u
cli="${MAMGATE_BUILDDIR:-.}/mamgate-cli"
vectors="${MAMGATE_VECTORS_DIR:-tests/vectors}/mam2.txt"
pass=0 fail=0

vector() { grep -F -m1 "$1" "$vectors" | sed "s/^.*$2 *//"; }

expect() { # name, expected, actual
  if [ "$2" = "$3" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $1: expected '$2' got '$3'"; fi
}

expect_usage_error() { # name, command...
  local name=$1; shift
  local err; err=$("$cli" "$@" 2>&1 >/dev/null); local rc=$?
  if [ $rc -eq 2 ] && [ -n "$err" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $name: rc=$rc stderr='$err'"; fi
}

A81=$(printf 'A%.0s' $(seq 81))
zero243=$(printf '9%.0s' $(seq 243))
expect troika-perm "$(vector 'F(balanced 0^729)' '=')" "$("$cli" troika-perm "$zero243")"
expect hash "$(vector "Spongos.Hash243(trytes 'AB')" '=')" "$("$cli" hash AB)"
expect prng-seckey "$(vector 'PRNG(K=A*81,d=SECKEY' '=')" "$("$cli" prng --key "$A81" --domain seckey --nonce NONCE9 --trits 243)"
expect prng-wotskey "$(vector 'PRNG(K=A*81,d=WOTSKEY' '=')" "$("$cli" prng --key "$A81" --domain wotskey --nonce NONCE9 --trits 729)"
expect wots-pk "$(vector 'WOTS pk (K=A*81' '=')" "$("$cli" wots-pk --key "$A81" --nonce NONCE9)"
for h in 0 1 2; do
  expect "mss-root h=$h" "$(vector "MSS root h=$h" '=')" "$("$cli" mss-root --key "$A81" --nonce MSSNONCE --height $h)"
done
for n in 0 1 2 13 14 100 364 365 4542 9841 9842; do
  expect "sizet $n" "$(vector "sizet($n) =" '=')" "$("$cli" sizet $n)"
done

seed=$(vector 'seed=' '=')
expect ntru-pk "$(vector 'NTRU_PK ' 'NTRU_PK')" "$("$cli" ntru-pk --key "$seed" --nonce NTRUBNONCE)"
pair=$("$cli" ntru-keygen --key "$seed" --nonce NTRUBNONCE)
expect ntru-keygen-pk "$(vector 'NTRU_PK ' 'NTRU_PK')" "${pair#*:}"
expect ntru-keygen-sk-length 342 "$(printf %s "${pair%%:*}" | wc -c)"
# the last tryte holds f's last trit and the two zero trits: 9, A or Z
expect ntru-keygen-sk-tail 1 "$(printf %s "${pair%%:*}" | tail -c 1 | grep -c '^[9AZ]$')"
r1=$("$cli" ntru-keygen); r2=$("$cli" ntru-keygen)
expect ntru-keygen-random-differs 1 "$([ "${#r1}" -eq 3415 ] && [ "$r1" != "$r2" ] && echo 1)"
expect psk-gen "PSKIDAPSKIDAPSKIDAPSKIDAPSK:$(vector 'psk(id=PSKIDA' 'key=')" \
  "$("$cli" psk-gen --key "$seed" --nonce PSKANONCE --id PSKIDAPSKIDAPSKIDAPSKIDAPSK)"
short=$("$cli" psk-gen --key "$seed" --nonce PSKANONCE --id PSKIDA)
expect psk-gen-short-id-padded "PSKIDA999999999999999999999:$(vector 'psk(id=PSKIDA' 'key=')" "$short"
p1=$("$cli" psk-gen); p2=$("$cli" psk-gen)
expect psk-gen-random 1 "$([ "${#p1}" -eq 109 ] && [ "$p1" != "$p2" ] && echo 1)"

# fleet-key: a new 32-byte key file, mode 0600 whatever the umask, never replacing a file
keydir=$(mktemp -d)
trap 'rm -rf "$keydir"' EXIT
(umask 022 && "$cli" fleet-key "$keydir/fleet.key" >/dev/null)
expect fleet-key-mode 600 "$(stat -c %a "$keydir/fleet.key")"
expect fleet-key-size 32 "$(stat -c %s "$keydir/fleet.key")"
(umask 077 && "$cli" fleet-key "$keydir/other.key" >/dev/null)
expect fleet-key-random 1 "$(cmp -s "$keydir/fleet.key" "$keydir/other.key" || echo 1)"
before=$(od -An -tx1 "$keydir/fleet.key")
err=$("$cli" fleet-key "$keydir/fleet.key" 2>&1 >/dev/null); rc=$?
expect fleet-key-refuses-overwrite "1 1" "$rc $(printf %s "$err" | grep -c 'already exists')"
expect fleet-key-unchanged "$before" "$(od -An -tx1 "$keydir/fleet.key")"
err=$("$cli" fleet-key "$keydir/missing/dir/k" 2>&1 >/dev/null); rc=$?
expect fleet-key-missing-dir "1 1" "$rc $(printf %s "$err" | grep -c 'No such file or directory')"

expect_usage_error no-command
expect_usage_error unknown-command frobnicate
expect_usage_error bad-tryte hash 'AB1'
expect_usage_error short-state troika-perm ABC
expect_usage_error bad-domain prng --key "$A81" --domain nope --nonce A --trits 3
expect_usage_error bad-trits prng --key "$A81" --domain seckey --nonce A --trits 4
expect_usage_error short-key wots-pk --key ABC --nonce A
expect_usage_error bad-height mss-root --key "$A81" --nonce A --height 21
expect_usage_error negative-sizet sizet -1
expect_usage_error extra-option sizet --key "$A81" 5
expect_usage_error missing-arg sizet
expect_usage_error psk-key-without-nonce psk-gen --key "$A81"
expect_usage_error psk-long-id psk-gen --id "$(printf 'A%.0s' $(seq 28))"
expect_usage_error psk-lowercase-id psk-gen --id abc
expect_usage_error psk-empty-id psk-gen --id ''
expect_usage_error ntru-pk-needs-key ntru-pk --nonce ABC
expect_usage_error fleet-key-needs-file fleet-key
expect_usage_error fleet-key-one-file fleet-key "$keydir/a" "$keydir/b"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
