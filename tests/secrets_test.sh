#!/usr/bin/env bash
# Secrets stay secret: with the log at debug level, after creating channels, endpoints, PSKs and an
# NTRU key, watching with keys, publishing PSK and NTRU messages and reading them back, neither the
# seed, the token, a PSK key nor an NTRU secret key appears in the log, in any GET route's answer,
# in /metrics, in error answers, or in the host's complaint about a bad token; the files that hold
# them (seed, token, database with its -wal and -shm) are 0600 and the data directory 0700.
set -u
. "$(dirname "$0")/../fuzz/gateway_lib.sh"
gateway_args=(--set log_level=debug)

# leaks WHERE FILE: every secret, whole or a 27-tryte piece of it, is absent from FILE.
leaks() {
  local secret name
  while read -r name secret; do
    if grep -qF -- "$secret" "$2" || grep -qF -- "${secret:0:27}" "$2" || grep -qF -- "${secret: -27}" "$2"; then
      bad "$name found in $1"
    else
      ok
    fi
  done <"$work/secrets"
}

mode() { stat -c %a "$1" 2>/dev/null || echo missing; }

start_node || exit 1
start_gateway || exit 1

# ---- use every kind of secret
api POST /v1/channels '{"height":2}'; ch=$(echo "$body" | json 'd["channel_id"]')
api POST "/v1/channels/$ch/endpoints" '{"height":1}'; ep=$(echo "$body" | json 'd["endpoint_id"]')
api POST /v1/psks '{}'; check "random PSK" 201 "$status"
psk1_id=$(echo "$body" | json 'd["id"]') psk1_key=$(echo "$body" | json 'd["key"]')
psk2_id=SECRETS9TEST9PSK9ID99999999 psk2_key=$(head -c 200 /dev/urandom | tr -dc 'A-Z9' | head -c 81)
while [ ${#psk2_key} -lt 81 ]; do psk2_key="${psk2_key}9"; done
api POST /v1/psks "{\"id\":\"$psk2_id\",\"key\":\"$psk2_key\"}"; check "imported PSK" 201 "$status"
api POST /v1/ntru-keys; check "NTRU key" 201 "$status"
ntru_id=$(echo "$body" | json 'd["id"]') ntru_pk=$(echo "$body" | json 'd["public_key"]')
api POST /v1/watches "{\"channel_id\":\"$ch\",\"psks\":[{\"id\":\"$psk1_id\",\"key\":\"$psk1_key\"}],\"ntru_key_ids\":[\"$ntru_id\"]}"
check "watch with keys" 201 "$status"
api POST "/v1/channels/$ch/messages" "{\"payload\":\"psk secret\",\"psks\":[\"$psk1_id\",\"$psk2_id\"],\"checksum\":\"signature\"}"
check "PSK message" 201 "$status"
api POST "/v1/channels/$ch/messages" "{\"payload\":\"ntru secret\",\"ntru_public_keys\":[\"$ntru_pk\"],\"endpoint_id\":\"$ep\"}"
check "NTRU message" 201 "$status"
decoded() { echo "$body" | json '" ".join(sorted(m["payload"] or "" for m in d["messages"]))'; }
for _ in $(seq 100); do # the endpoint's announcement, the PSK and the NTRU messages
  api GET "/v1/channels/$ch/messages"
  [ "$(decoded)" = " ntru secret psk secret" ] && break
  sleep 0.1
done
check "the messages decode with the watch's keys" " ntru secret psk secret" "$(decoded)"

# the secrets themselves, from where they are kept
ntru_sk=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select sk from ntru_keys').fetchone()[0])" \
  "$data/mamgate.db")
{
  echo "seed $(cat "$data/seed")"
  echo "token $token"
  echo "psk-random $psk1_key"
  echo "psk-imported $psk2_key"
  echo "ntru-secret-key $ntru_sk"
} >"$work/secrets"
check "five secrets collected" 5 "$(awk 'length($2) >= 43' "$work/secrets" | wc -l)"

# ---- every GET route, errors included, and /metrics
: >"$work/answers"
for path in /v1/health /v1/info /v1/openapi.json /metrics /v1/channels "/v1/channels/$ch" "/v1/channels/$ch/messages" \
  "/v1/channels/$ch/messages?cursor=0&limit=1000" /v1/psks /v1/ntru-keys "/v1/ntru-keys/$ntru_id" /v1/watches \
  "/v1/channels/$ch/messages/$(echo "$body" | json 'd["messages"][0]["message_id"]')" \
  "/v1/channels/$(printf 'A%.0s' $(seq 81))" "/v1/psks/$psk1_id" "/v1/ntru-keys/$psk1_id" /v1/nothing; do
  api GET "$path"
  echo "$body" >>"$work/answers"
  api GET "$path" "" "$psk1_key" # a secret sent as a token is not echoed back either
  echo "$body" >>"$work/answers"
done
timeout 3 curl -sN "http://$http/v1/channels/$ch/stream?cursor=0" >>"$work/answers"
grep -q 'event: message' "$work/answers" && ok || bad "the stream sent nothing"
for bad_request in "{\"payload\":\"x\",\"psks\":[\"$psk2_key\"]}" "{\"payload\":\"x\",\"ntru_public_keys\":[\"$ntru_sk\"]}" \
  "{\"payload\":\"$psk2_key\",\"encoding\":\"rot13\"}"; do
  api POST "/v1/channels/$ch/messages" "$bad_request" # secrets in the wrong fields: not echoed
  echo "$body" >>"$work/answers"
done
leaks "GET answers" "$work/answers"

# ---- the log, at debug level, after a restart too
stop_gateway TERM
start_gateway || exit 1
api GET "/v1/channels/$ch/messages"
stop_gateway TERM
check "clean stop" 0 "$?"
grep -q ' DEBUG ' "$work/gw.log" && ok || bad "no debug line in the log (log_level=debug not in effect?)"
leaks "the log" "$work/gw.log"

# a token the plugin refuses is not repeated in its complaint
long_token="$(cat "$data/seed")$(printf 'Q%.0s' $(seq 520))"
"$build/host/mamgated" --plugin "$build/plugin/.libs/mamgate.so" --set data_dir="$work/other" --set http=127.0.0.1:1 \
  --set token="$long_token" >"$work/refused.log" 2>&1
grep -q "token" "$work/refused.log" && ok || bad "a bad token was not refused: $(cat "$work/refused.log")"
leaks "a refused configuration" "$work/refused.log"

# ---- file modes
start_gateway || exit 1
api POST "/v1/channels/$ch/messages" '{"payload":"while running","checksum":"mac"}'
check "data directory" 700 "$(mode "$data")"
for f in seed token mamgate.db mamgate.db-wal mamgate.db-shm; do check "$f mode" 600 "$(mode "$data/$f")"; done
others=$(find "$data" -mindepth 1 \( -type f ! -perm 600 \) -o \( -type d ! -perm 700 \))
check "nothing else in the data directory is readable by others" "" "$others"
finish
