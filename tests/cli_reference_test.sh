#!/usr/bin/env bash
# mamgate-cli read on messages shaped as the reference writes them: obsoleteTag all 9 and every
# bundle in one second, so equal-sized bundles of one channel share a bundle hash. Attached
# (trunks chain) and not (trunks 9, as write prints them); shuffled, with reattachments, and with
# conflicting copies. tests/refshape turns write's output into that shape.
set -u
cli="${MAMGATE_BUILDDIR:-.}/mamgate-cli"
refshape="${MAMGATE_BUILDDIR:-.}/tests/refshape"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0

expect() { # name, expected, actual
  if [ "$2" = "$3" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $1: expected '$2' got '$3'"; fi
}

# Decoded rows in, one line out: the packet count, then each message's text (its packets' payloads
# joined in ord order), messages sorted by text.
texts() {
  python3 -c '
import base64, collections, json, sys
msgs = collections.defaultdict(dict)
rows = [json.loads(l) for l in sys.stdin]
for r in rows: msgs[r["message_id"]][r["ord"]] = base64.b64decode(r["payload_base64"]).decode()
print(len(rows), "|".join(sorted("".join(m[k] for k in sorted(m)) for m in msgs.values())))'
}

# Changes one tryte of a line's fragment: a conflicting copy (another hash, the same essence).
forge() { local l=$1 at=$2; local c=${l:$at:1}; [ "$c" = A ] && c=B || c=A; echo "${l:0:$at}$c${l:$((at + 1))}"; }

SEED=$(printf 'REFER%.0s' $(seq 16))A
T=1600000000
state=$work/state
TEXT1="the first message, in three packets of the reference shape"
TEXT2="a second message of the same channel, in the same second"
TEXT3="a third one, signed rather than MACed, also three packets"
"$cli" write --seed "$SEED" --state "$state" --text "$TEXT1" --packets 3 >"$work/m1.tx" 2>"$work/m1.err"
"$cli" write --seed "$SEED" --state "$state" --text "$TEXT2" --packets 3 >"$work/m2.tx" 2>/dev/null
"$cli" write --seed "$SEED" --state "$state" --text "$TEXT3" --packets 3 --checksum sig >"$work/m3.tx" 2>/dev/null
CH=$(sed -n 's/^channel //p' "$work/m1.err")
ALL="3 $TEXT1"
ALL9="9 $(printf '%s\n' "$TEXT1" "$TEXT2" "$TEXT3" | sort | paste -sd'|')"

# ---- the shape: one bundle hash for the equal-sized bundles ----
"$refshape" $T <"$work/m1.tx" >"$work/r1.tx"
expect shape-obsolete-tag-not-tag 0 "$(awk 'substr($0, 2296, 27) == substr($0, 2593, 27)' "$work/r1.tx" | wc -l)"
expect shape-one-timestamp 1 "$(cut -c2323-2331 "$work/r1.tx" | sort -u | wc -l)"
expect shape-bundle-hashes 2 "$(cut -c2350-2430 "$work/r1.tx" | sort -u | wc -l)"
expect shape-packet-bundles-share 1 "$(tail -2 "$work/r1.tx" | cut -c2350-2430 | sort -u | wc -l)"

# ---- one three-packet message ----
"$cli" read --trusted "$CH" <"$work/r1.tx" >"$work/out.json" 2>"$work/out.err"
expect one-message-unattached "$ALL" "$(texts <"$work/out.json")"
"$refshape" $T 1 <"$work/m1.tx" | "$cli" read --trusted "$CH" >"$work/out.json" 2>/dev/null
expect one-message-attached "$ALL" "$(texts <"$work/out.json")"

# ---- three messages, every bundle in one second, shuffled ----
cat "$work"/m[123].tx >"$work/all.tx"
"$refshape" $T <"$work/all.tx" >"$work/unattached.tx"
"$refshape" $T 2 <"$work/all.tx" >"$work/attached.tx"
"$refshape" $T 3 <"$work/all.tx" >"$work/reattached.tx"
for round in 1 2 3; do
  shuf "$work/unattached.tx" | "$cli" read --trusted "$CH" >"$work/out.json" 2>"$work/out.err"
  expect "unattached shuffled $round" "$ALL9" "$(texts <"$work/out.json")"
  expect "unattached shuffled $round nothing skipped" "" "$(grep skipped "$work/out.err")"
  shuf "$work/attached.tx" | "$cli" read --trusted "$CH" >"$work/out.json" 2>"$work/out.err"
  expect "attached shuffled $round" "$ALL9" "$(texts <"$work/out.json")"
  expect "attached shuffled $round nothing skipped" "" "$(grep skipped "$work/out.err")"
done

# ---- reattachments: the same bundles attached twice, and unattached, all mixed ----
cat "$work/unattached.tx" "$work/attached.tx" "$work/reattached.tx" | shuf |
  "$cli" read --trusted "$CH" >"$work/out.json" 2>"$work/out.err"
expect reattached "$ALL9" "$(texts <"$work/out.json")"
expect reattached-copies-counted 1 "$(grep -c 'copies of packets read already' "$work/out.err")"

# ---- conflicting copies of every transaction (another fragment), before or after the genuine ----
for kind in unattached attached; do
  while IFS= read -r line; do forge "$line" 100; done <"$work/$kind.tx" >"$work/forged.tx"
  n=$(wc -l <"$work/forged.tx")
  for order in forged-first genuine-first shuffled; do
    case $order in
      forged-first) cat "$work/forged.tx" "$work/$kind.tx" ;;
      genuine-first) cat "$work/$kind.tx" "$work/forged.tx" ;;
      shuffled) cat "$work/forged.tx" "$work/$kind.tx" | shuf ;;
    esac | "$cli" read --trusted "$CH" >"$work/out.json" 2>"$work/out.err"
    expect "$kind conflicting $order" "$ALL9" "$(texts <"$work/out.json")"
    expect "$kind conflicting $order skipped" "skipped $n lines" "$(grep -o 'skipped [0-9]* lines' "$work/out.err")"
  done
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
