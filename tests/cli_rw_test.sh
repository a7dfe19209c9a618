#!/usr/bin/env bash
# mamgate-cli write / read / state-info end to end: round trips for every keyload kind, checksum,
# packet count and signer, with shuffled input mixed with junk; state file safety (mode, continuation,
# corruption, exhaustion); wrong keys and tampering; and message #0 of the vector scenario.
set -u
cli="${MAMGATE_BUILDDIR:-.}/mamgate-cli"
vectors="${MAMGATE_VECTORS_DIR:-tests/vectors}/mam2.txt"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0

expect() { # name, expected, actual
  if [ "$2" = "$3" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $1: expected '$2' got '$3'"; fi
}

expect_status() { # name, status, command...
  local name=$1 want=$2; shift 2
  local err; err=$("$@" 2>&1 >/dev/null); local rc=$?
  if [ $rc -eq "$want" ] && [ -n "$err" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $name: rc=$rc stderr='$err'"; fi
}

vector() { grep -F -m1 "$1" "$vectors" | sed "s/^.*$2 *//"; }
nines() { printf '9%.0s' $(seq "$1"); }

# One line per decoded packet in, one summary line out: count, ords, last flags, message ids,
# checksums, verified, signer and channel ids, whether text and base64 agree, and the payload bytes
# of all packets joined (as UTF-8 text).
summarize() {
  python3 -c '
import base64, json, sys
rows = sorted((json.loads(l) for l in sys.stdin), key=lambda r: (r["message_id"], r["ord"]))
def agree(r):
    if r["payload_base64"] is None: return r["payload"] is None
    b = base64.b64decode(r["payload_base64"])
    return r["payload"] is None or b.decode("utf-8") == r["payload"]
s = lambda k: ",".join(sorted({str(r[k]).lower() for r in rows}))
data = b"".join(base64.b64decode(r["payload_base64"] or "") for r in rows)
print("n=%d ords=%s last=%s msg=%s cs=%s verified=%s signer=%s ch=%s agree=%s text=%s" % (
    len(rows), ",".join(str(r["ord"]) for r in rows), ",".join("1" if r["last"] else "0" for r in rows),
    s("message_id"), s("checksum"), s("verified"), s("endpoint_id"), s("channel_id"),
    all(agree(r) for r in rows), data.decode("utf-8", "replace")))'
}

remaining() { # STATE -> "channel endpoint" signatures left
  "$cli" state-info --state "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["remaining"], d["endpoints"][0]["remaining"])'
}

id_of() { sed -n "s/^$1 //p" "$2"; } # channel|endpoint|message, stderr file of a write

SEED=$(printf 'SEED9%.0s' $(seq 16))A
OTHER_SEED=$(printf 'OTHER%.0s' $(seq 16))B
PSK=$("$cli" psk-gen)
WRONG_PSK=$("$cli" psk-gen)
NTRU_PAIR=$("$cli" ntru-keygen)
NTRU_PK=${NTRU_PAIR#*:}
state=$work/state

# ---- the first write creates the state ----
"$cli" write --seed "$SEED" --state "$state" --height 5 --text first >"$work/first.tx" 2>"$work/first.err"
expect first-write-status 0 $?
CH=$(id_of channel "$work/first.err")
EP=$(id_of endpoint "$work/first.err")
expect state-mode 600 "$(stat -c %a "$state")"
expect ids-are-ids 1 "$([ ${#CH} -eq 81 ] && [ ${#EP} -eq 81 ] && [ "$CH" != "$EP" ] && echo 1)"
expect state-info-heights "5 5" "$("$cli" state-info --state "$state" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["height"], d["endpoints"][0]["height"])')"
expect state-info-ids "$CH $EP" "$("$cli" state-info --state "$state" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["channel_id"], d["endpoints"][0]["endpoint_id"])')"
expect first-lines 1 "$(awk 'length($0) != 2673 { bad = 1 } END { print bad ? 0 : 1 }' "$work/first.tx")"
expect first-address "$CH" "$(head -1 "$work/first.tx" | cut -c2188-2268)"

# ---- the seed from a file only its owner may read (not on the command line) ----
(umask 077 && echo "$SEED" >"$work/seed")
"$cli" write --seed-file "$work/seed" --state "$work/state_file" --height 5 --text first >/dev/null 2>"$work/sf.err"
expect seed-file-status 0 $?
expect seed-file-same-channel "$CH" "$(id_of channel "$work/sf.err")"
chmod 644 "$work/seed"
expect_status seed-file-readable-by-others 2 "$cli" write --seed-file "$work/seed" --state "$work/state_file" --text x
chmod 600 "$work/seed"
expect_status seed-and-seed-file 2 "$cli" write --seed "$SEED" --seed-file "$work/seed" --state "$work/state_file" --text x
expect_status no-seed 2 "$cli" write --state "$work/state_file" --text x
(umask 077 && echo "${SEED:0:80}" >"$work/short_seed")
expect_status seed-file-short 2 "$cli" write --seed-file "$work/short_seed" --state "$work/state_file" --text x
expect_status seed-file-missing 2 "$cli" write --seed-file "$work/nothing" --state "$work/state_file" --text x

# ---- junk mixed into every read ----
other=$work/other
"$cli" write --seed "$OTHER_SEED" --state "$other" --text "another channel" >"$work/other.tx" 2>/dev/null
"$cli" write --seed "$OTHER_SEED" --state "$other" --text "signed" --checksum sig >"$work/other_sig.tx" 2>/dev/null
good=$(head -1 "$work/other.tx")
{
  cat "$work/other.tx"                          # a valid message of an untrusted channel
  head -1 "$work/other_sig.tx"                  # one transaction of a bundle of several
  echo "$good"                                  # a duplicate
  echo ABC                                      # too short
  printf 'A%.0s' $(seq 5000); echo              # too long
  echo "${good:0:100}a${good:101}"              # a bad character
  nines 2673; echo                              # parses, but its bundle hash is wrong
  echo                                          # empty: ignored
} >"$work/junk"
junk_lines=$(grep -c . "$work/junk")

# ---- round trips: keyloads x checksum x packets x signer ----
declare -A checksum_name=([none]=none [mac]=mac [sig]=signature)
declare -A verified=([none]=false [mac]=true [sig]=true)
msg_ids=()
for keys in public psk ntru psk+ntru; do
  for cs in none mac sig; do
    for p in 1 3; do
      for target in channel endpoint; do
        name="$keys/$cs/$p/$target"
        wargs=() rargs=(--trusted "$CH")
        case $keys in *psk*) wargs+=(--psk "$PSK"); rargs+=(--psk "$PSK") ;; esac
        case $keys in *ntru*) wargs+=(--ntru-pk "$NTRU_PK"); rargs+=(--ntru "$NTRU_PAIR") ;; esac
        signer=$CH
        if [ $target = endpoint ]; then wargs+=(--to-endpoint); rargs+=(--trusted "$EP"); signer=$EP; fi
        text="$name: grüße ✓ — $RANDOM"
        read -r ch_before ep_before <<<"$(remaining "$state")"
        "$cli" write --seed "$SEED" --state "$state" --text "$text" --checksum $cs --packets $p "${wargs[@]}" \
          >"$work/rt.tx" 2>"$work/rt.err"
        expect "$name write" 0 $?
        msg=$(id_of message "$work/rt.err")
        msg_ids+=("$msg")
        cat "$work/rt.tx" "$work/junk" | shuf | "$cli" read "${rargs[@]}" >"$work/rt.json" 2>"$work/rt.rerr"
        expect "$name read status" 0 $?
        ords=$(seq -s, 1 $p)
        lasts=$( [ $p -eq 1 ] && echo 1 || echo 0,0,1)
        expect "$name decoded" \
          "n=$p ords=$ords last=$lasts msg=${msg,,} cs=${checksum_name[$cs]} verified=${verified[$cs]} signer=${signer,,} ch=${CH,,} agree=True text=$text" \
          "$(summarize <"$work/rt.json")"
        expect "$name skipped" "skipped $junk_lines lines" "$(grep -o 'skipped [0-9]* lines' "$work/rt.rerr")"
        used=$([ $cs = sig ] && echo $p || echo 0)
        if [ $target = channel ]; then ch_before=$((ch_before - used)); else ep_before=$((ep_before - used)); fi
        expect "$name signatures left" "$ch_before $ep_before" "$(remaining "$state")"
      done
    done
  done
done
expect message-ids-unique "${#msg_ids[@]}" "$(printf '%s\n' "${msg_ids[@]}" | sort -u | wc -l)"
expect state-mode-after-writes 600 "$(stat -c %a "$state")"
expect no-temporary-left 0 "$(ls "$work" | grep -c '\.tmp$')"

# the reasons are named
cat "$work/junk" | "$cli" read --trusted "$CH" >/dev/null 2>"$work/junk.err"
for reason in "channel not trusted" "incomplete bundles" "duplicate transactions" "wrong length" \
  "invalid tryte character" "bundle hash mismatch"; do
  expect "junk reason '$reason'" 1 "$(grep -c "$reason" "$work/junk.err")"
done

# ---- payload forms ----
head -c 300 /dev/urandom >"$work/bytes"
"$cli" write --seed "$SEED" --state "$state" --payload-file "$work/bytes" --packets 3 >"$work/file.tx" 2>/dev/null
"$cli" read --trusted "$CH" <"$work/file.tx" >"$work/file.json" 2>/dev/null
expect payload-file "$(od -An -tx1 "$work/bytes" | tr -d ' \n')" \
  "$(python3 -c 'import base64,json,sys; print(b"".join(base64.b64decode(json.loads(l)["payload_base64"]) for l in sys.stdin).hex())' <"$work/file.json")"
"$cli" write --seed "$SEED" --state "$state" --payload ABCDEFGHI --packets 2 >"$work/trytes.tx" 2>/dev/null
expect payload-trytes "ABCDEFGHI" "$("$cli" read --trusted "$CH" <"$work/trytes.tx" 2>/dev/null |
  python3 -c 'import json,sys; print("".join(json.loads(l)["payload_trytes"] for l in sys.stdin))')"

# ---- a PSK id shorter than 27 trytes is padded with 9, when writing and when reading ----
PSK_KEY=${PSK#*:}
padded=SHORT$(nines 22)
"$cli" write --seed "$SEED" --state "$state" --text "short id" --psk "SHORT:$PSK_KEY" >"$work/short.tx" 2>/dev/null
expect short-psk-write 0 $?
expect short-psk-read-padded "short id" "$("$cli" read --trusted "$CH" --psk "$padded:$PSK_KEY" <"$work/short.tx" 2>/dev/null |
  python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["payload"])')"
"$cli" write --seed "$SEED" --state "$state" --text "padded id" --psk "$padded:$PSK_KEY" >"$work/padded.tx" 2>/dev/null
expect short-psk-read-short "padded id" "$("$cli" read --trusted "$CH" --psk "SHORT:$PSK_KEY" <"$work/padded.tx" 2>/dev/null |
  python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["payload"])')"
expect_status psk-id-too-long 2 "$cli" read --trusted "$CH" --psk "${padded}A:$PSK_KEY"
expect_status psk-id-empty 2 "$cli" read --trusted "$CH" --psk ":$PSK_KEY"
expect_status psk-id-lowercase 2 "$cli" write --seed "$SEED" --state "$state" --text x --psk "short:$PSK_KEY"
expect_status psk-key-short 2 "$cli" read --trusted "$CH" --psk "SHORT:${PSK_KEY:1}"

# ---- wrong keys ----
"$cli" write --seed "$SEED" --state "$state" --text secret --psk "$PSK" --packets 3 >"$work/psk.tx" 2>/dev/null
n_psk=$(wc -l <"$work/psk.tx")
"$cli" read --trusted "$CH" --psk "$WRONG_PSK" <"$work/psk.tx" >"$work/wrong.json" 2>"$work/wrong.err"
expect wrong-psk-status 0 $?
expect wrong-psk-nothing 0 "$(wc -l <"$work/wrong.json")"
expect wrong-psk-counted "skipped $n_psk lines" "$(grep -o 'skipped [0-9]* lines' "$work/wrong.err")"
expect wrong-psk-reason 1 "$(grep -c 'no keyload matches' "$work/wrong.err")"
"$cli" read --trusted "$EP" <"$work/first.tx" >"$work/untrusted.json" 2>"$work/untrusted.err"
expect untrusted-nothing 0 "$(wc -l <"$work/untrusted.json")"
expect untrusted-reason 1 "$(grep -c 'channel not trusted' "$work/untrusted.err")"

"$cli" write --seed "$SEED" --state "$state" --text "on the endpoint" --to-endpoint >"$work/ep.tx" 2>/dev/null
"$cli" read --trusted "$CH" <"$work/ep.tx" >"$work/ep.json" 2>"$work/ep.err"
expect endpoint-untrusted-nothing 0 "$(wc -l <"$work/ep.json")"
expect endpoint-untrusted-reason 1 "$(grep -c 'endpoint not trusted' "$work/ep.err")"

# ---- concurrent writers on one state take turns ----
read -r ch_before ep_before <<<"$(remaining "$state")"
for i in 1 2 3 4; do
  "$cli" write --seed "$SEED" --state "$state" --text "concurrent $i" --checksum sig >"$work/c$i.tx" 2>"$work/c$i.err" &
done
wait
expect concurrent-signatures "$((ch_before - 4)) $ep_before" "$(remaining "$state")"
expect concurrent-message-ids 4 "$(cat "$work"/c?.err | sed -n 's/^message //p' | sort -u | wc -l)"
expect concurrent-all-read 4 "$(cat "$work"/c?.tx | "$cli" read --trusted "$CH" 2>/dev/null | wc -l)"

# ---- tampering: one tryte of a packet fragment changed ----
for cs in mac sig; do
  "$cli" write --seed "$SEED" --state "$state" --text "three packets" --packets 3 --checksum $cs >"$work/t3.tx" 2>/dev/null
  "$cli" write --seed "$SEED" --state "$state" --text "untouched" --checksum $cs >"$work/t1.tx" 2>/dev/null
  last=$(tail -1 "$work/t3.tx")                 # in the last packet's bundle
  c=${last:20:1}; [ "$c" = A ] && r=B || r=A
  { head -n -1 "$work/t3.tx"; echo "${last:0:20}$r${last:21}"; cat "$work/t1.tx"; } | shuf |
    "$cli" read --trusted "$CH" >"$work/tamper.json" 2>"$work/tamper.err"
  expect "tamper $cs status" 0 $?
  expect "tamper $cs others decoded" "1,2 1" "$(python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
t3 = sorted(r["ord"] for r in rows if r["payload"] != "untouched")
print(",".join(map(str, t3)), sum(r["payload"] == "untouched" for r in rows))' <"$work/tamper.json")"
  last_bundle=$(grep -c "${last:2349:81}" "$work/t3.tx")   # its transactions (one for MAC, more for SIG)
  expect "tamper $cs counted" "skipped $last_bundle lines" "$(grep -o 'skipped [0-9]* lines' "$work/tamper.err")"
done

# ---- a corrupted state is refused and left alone ----
cp "$state" "$work/saved"
printf '\x55' | dd of="$state" bs=1 seek=100 conv=notrunc status=none
cp "$state" "$work/corrupt"
"$cli" write --seed "$SEED" --state "$state" --text x >"$work/corrupt.tx" 2>"$work/corrupt.err"
expect corrupt-status 1 $?
expect corrupt-message 1 "$(grep -c 'cannot load the state' "$work/corrupt.err")"
expect corrupt-no-output 0 "$(wc -c <"$work/corrupt.tx")"
expect corrupt-untouched 0 "$(cmp -s "$state" "$work/corrupt"; echo $?)"
expect_status corrupt-state-info 1 "$cli" state-info --state "$state"
head -c 50 "$work/saved" >"$state"
expect_status truncated-state 1 "$cli" write --seed "$SEED" --state "$state" --text x
cp "$work/saved" "$state"
expect_status height-mismatch 1 "$cli" write --seed "$SEED" --state "$state" --height 3 --text x
expect_status missing-state-info 1 "$cli" state-info --state "$work/nothing"

# ---- an exhausted tree ----
small=$work/small
"$cli" write --seed "$SEED" --state "$small" --height 1 --text a --checksum sig --packets 2 >/dev/null 2>&1
expect exhaust-first 0 $?
expect exhausted-remaining "0 2" "$(remaining "$small")"
cp "$small" "$work/small.saved"
"$cli" write --seed "$SEED" --state "$small" --text b --checksum sig >"$work/ex.tx" 2>"$work/ex.err"
expect exhausted-status 1 $?
expect exhausted-message 1 "$(grep -c 'not enough signatures left' "$work/ex.err")"
expect exhausted-no-output 0 "$(wc -c <"$work/ex.tx")"
expect exhausted-untouched 0 "$(cmp -s "$small" "$work/small.saved"; echo $?)"
expect exhausted-loads "0 2" "$(remaining "$small")"
expect_status too-many-for-endpoint 1 "$cli" write --seed "$SEED" --state "$small" --text c --checksum sig --packets 3 --to-endpoint
"$cli" write --seed "$SEED" --state "$small" --text "mac needs no leaf" >"$work/mac.tx" 2>/dev/null
expect exhausted-mac-still-writes 0 $?
SMALL_CH=$("$cli" state-info --state "$small" | python3 -c 'import json,sys; print(json.load(sys.stdin)["channel_id"])')
expect exhausted-mac-reads "mac needs no leaf" "$("$cli" read --trusted "$SMALL_CH" <"$work/mac.tx" 2>/dev/null |
  python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["payload"])')"

# ---- message #0 of the vector scenario ----
vseed=$(vector 'seed=' '=')
"$cli" write --seed "$vseed" --state "$work/vector" --height 2 --checksum mac --payload HELLOWORLD \
  --reference-session-key >"$work/v.tx" 2>"$work/v.err"
expect vector-status 0 $?
expect vector-channel "$(vector 'channel(h=2,name=<0>18) id=' 'id=')" "$(id_of channel "$work/v.err")"
expect vector-endpoint "$(vector 'endpoint(h=2) id=' 'id=')" "$(id_of endpoint "$work/v.err")"
expect vector-message "$(grep -m1 '^msg_id #0 = ' "$vectors" | cut -d' ' -f4)" "$(id_of message "$work/v.err")"
expect vector-count 2 "$(wc -l <"$work/v.tx")"
tag0=$(sed -n '/== public\/chid\/MAC/,/read rc/p' "$vectors" | grep 'tag=' | sed 's/.*tag=//')
msg1=$(sed -n '/== public\/chid\/MAC/,/read rc/p' "$vectors" | grep 'msg(' | sed -n 2p | sed 's/^.*=//')
pad=$(nines 2187)
expect vector-tx0-fragment "$pad" "$(sed -n 1p "$work/v.tx" | cut -c1-2187)"
expect vector-tx1-fragment "$msg1${pad:${#msg1}}" "$(sed -n 2p "$work/v.tx" | cut -c1-2187)"
expect vector-tags "$(echo $tag0 | tr ' ' '\n')" "$(cut -c2593-2619 "$work/v.tx")"
expect vector-reads "HELLOWORLD" "$("$cli" read --trusted "$(id_of channel "$work/v.err")" <"$work/v.tx" 2>/dev/null |
  python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["payload_trytes"])')"

# ---- bad arguments ----
expect_status no-seed 2 "$cli" write --state "$work/u" --text x
expect_status short-seed 2 "$cli" write --seed ABC --state "$work/u" --text x
expect_status no-state 2 "$cli" write --seed "$SEED" --text x
expect_status two-payloads 2 "$cli" write --seed "$SEED" --state "$work/u" --text x --payload A
expect_status no-payload 2 "$cli" write --seed "$SEED" --state "$work/u"
expect_status bad-checksum 2 "$cli" write --seed "$SEED" --state "$work/u" --text x --checksum crc
expect_status zero-packets 2 "$cli" write --seed "$SEED" --state "$work/u" --text x --packets 0
expect_status bad-psk 2 "$cli" write --seed "$SEED" --state "$work/u" --text x --psk "${PSK%%:*}"
expect_status bad-ntru-pk 2 "$cli" write --seed "$SEED" --state "$work/u" --text x --ntru-pk ABC
expect_status seed-twice 2 "$cli" write --seed "$SEED" --seed "$SEED" --state "$work/u" --text x
expect_status bad-payload-trytes 2 "$cli" write --seed "$SEED" --state "$work/u" --payload abc
expect_status missing-payload-file 2 "$cli" write --seed "$SEED" --state "$work/u" --payload-file "$work/none"
expect no-state-made 0 "$(ls "$work" | grep -c '^u\($\|\.\)')"
expect_status read-no-trusted 2 "$cli" read
expect_status read-short-trusted 2 "$cli" read --trusted ABC
expect_status read-bad-ntru 2 "$cli" read --trusted "$CH" --ntru "${NTRU_PAIR%%:*}"
expect_status read-mismatched-ntru 2 "$cli" read --trusted "$CH" --ntru "${NTRU_PAIR%%:*}:$("$cli" ntru-pk --key "$SEED" --nonce A)"
expect_status read-takes-no-seed 2 "$cli" read --trusted "$CH" --seed "$SEED"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
