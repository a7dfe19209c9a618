/* Transaction fields <-> 8019 trits (spec node-interface.md 2.2). */
#include "tangle/transaction.h"

#include <string.h>

#define INT_MAX_TRITS 40 /* (3^40 - 1) / 2 < 2^63 */

/* The field table of spec 2.2: every field starts where the previous one ends. */
#define FOLLOWS(off, prev, width) _Static_assert((off) == (prev) + (width), #off)
FOLLOWS(TANGLE_TX_OFF_ADDRESS, TANGLE_TX_OFF_FRAGMENT, TANGLE_TX_FRAGMENT_TRITS);
FOLLOWS(TANGLE_TX_OFF_VALUE, TANGLE_TX_OFF_ADDRESS, TANGLE_TX_HASH_TRITS);
FOLLOWS(TANGLE_TX_OFF_OBSOLETE_TAG, TANGLE_TX_OFF_VALUE, TANGLE_TX_TAG_TRITS);
FOLLOWS(TANGLE_TX_OFF_TIMESTAMP, TANGLE_TX_OFF_OBSOLETE_TAG, TANGLE_TX_TAG_TRITS);
FOLLOWS(TANGLE_TX_OFF_CURRENT_INDEX, TANGLE_TX_OFF_TIMESTAMP, TANGLE_TX_INT_TRITS);
FOLLOWS(TANGLE_TX_OFF_LAST_INDEX, TANGLE_TX_OFF_CURRENT_INDEX, TANGLE_TX_INT_TRITS);
FOLLOWS(TANGLE_TX_OFF_BUNDLE, TANGLE_TX_OFF_LAST_INDEX, TANGLE_TX_INT_TRITS);
FOLLOWS(TANGLE_TX_OFF_TRUNK, TANGLE_TX_OFF_BUNDLE, TANGLE_TX_HASH_TRITS);
FOLLOWS(TANGLE_TX_OFF_BRANCH, TANGLE_TX_OFF_TRUNK, TANGLE_TX_HASH_TRITS);
FOLLOWS(TANGLE_TX_OFF_TAG, TANGLE_TX_OFF_BRANCH, TANGLE_TX_HASH_TRITS);
FOLLOWS(TANGLE_TX_OFF_ATTACHMENT_TS, TANGLE_TX_OFF_TAG, TANGLE_TX_TAG_TRITS);
FOLLOWS(TANGLE_TX_OFF_ATTACHMENT_TS_LOWER, TANGLE_TX_OFF_ATTACHMENT_TS, TANGLE_TX_INT_TRITS);
FOLLOWS(TANGLE_TX_OFF_ATTACHMENT_TS_UPPER, TANGLE_TX_OFF_ATTACHMENT_TS_LOWER, TANGLE_TX_INT_TRITS);
FOLLOWS(TANGLE_TX_OFF_NONCE, TANGLE_TX_OFF_ATTACHMENT_TS_UPPER, TANGLE_TX_INT_TRITS);
FOLLOWS(TANGLE_TX_TRITS, TANGLE_TX_OFF_NONCE, TANGLE_TX_TAG_TRITS);
FOLLOWS(TANGLE_TX_OFF_ESSENCE + TANGLE_TX_ESSENCE_TRITS, TANGLE_TX_OFF_BUNDLE, 0);

/* (3^n - 1) / 2, the largest n-trit balanced integer, for n <= 40. */
static int64_t int_trits_max(size_t n) {
  int64_t m = 0;
  for (size_t i = 0; i < n; i++) m = 3 * m + 1;
  return m;
}

/* True when v fits n balanced trits (INT64_MIN is refused: mam_trits_from_int needs -v). */
static bool int_fits(int64_t v, size_t n) {
  if (v == INT64_MIN) return false;
  if (n >= INT_MAX_TRITS) return true;
  int64_t max = int_trits_max(n);
  return v <= max && v >= -max;
}

bool tangle_trits_zero(const mam_trit_t *trits, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (trits[i] != 0) return false;
  return true;
}

tangle_err_t tangle_int_to_trits(int64_t v, mam_trit_t *trits, size_t n) {
  if (!trits) return TANGLE_ERR_NULL_ARG;
  if (n == 0) return TANGLE_ERR_INVALID_ARG;
  if (!int_fits(v, n)) return TANGLE_ERR_INVALID_VALUE;
  mam_trits_from_int(v, trits, n);
  return TANGLE_OK;
}

tangle_err_t tangle_int_from_trits(const mam_trit_t *trits, size_t n, int64_t *v) {
  if (!trits || !v) return TANGLE_ERR_NULL_ARG;
  if (!mam_trits_valid(trits, n)) return TANGLE_ERR_INVALID_TRIT;
  const int64_t limit = (INT64_MAX - 1) / 3; /* |3 acc + t| stays within int64 */
  int64_t acc = 0;
  for (size_t i = n; i-- > 0;) {
    if (acc > limit || acc < -limit) return TANGLE_ERR_INVALID_VALUE;
    acc = 3 * acc + trits[i];
  }
  *v = acc;
  return TANGLE_OK;
}

void tangle_tx_init(tangle_tx_t *tx) { memset(tx, 0, sizeof *tx); }

/* ---- decoding ---------------------------------------------------------------------------- */

#define COPY_FIELD(dst, src, off) memcpy((dst), (src) + (off), sizeof(dst))

/* tangle_tx_from_trits on trits known to be in -1..1 (those of trytes are). */
static tangle_err_t from_valid_trits(tangle_tx_t *tx, const mam_trit_t trits[TANGLE_TX_TRITS]) {
  const mam_trit_t *value = trits + TANGLE_TX_OFF_VALUE;
  if (!tangle_trits_zero(value + TANGLE_TX_VALUE_USED_TRITS, TANGLE_TX_TAG_TRITS - TANGLE_TX_VALUE_USED_TRITS))
    return TANGLE_ERR_INVALID_VALUE;
  tangle_tx_init(tx);
  COPY_FIELD(tx->signature_message_fragment, trits, TANGLE_TX_OFF_FRAGMENT);
  COPY_FIELD(tx->address, trits, TANGLE_TX_OFF_ADDRESS);
  tx->value = mam_trits_to_int(value, TANGLE_TX_VALUE_USED_TRITS);
  COPY_FIELD(tx->obsolete_tag, trits, TANGLE_TX_OFF_OBSOLETE_TAG);
  tx->timestamp = mam_trits_to_int(trits + TANGLE_TX_OFF_TIMESTAMP, TANGLE_TX_INT_TRITS);
  tx->current_index = mam_trits_to_int(trits + TANGLE_TX_OFF_CURRENT_INDEX, TANGLE_TX_INT_TRITS);
  tx->last_index = mam_trits_to_int(trits + TANGLE_TX_OFF_LAST_INDEX, TANGLE_TX_INT_TRITS);
  COPY_FIELD(tx->bundle, trits, TANGLE_TX_OFF_BUNDLE);
  COPY_FIELD(tx->trunk, trits, TANGLE_TX_OFF_TRUNK);
  COPY_FIELD(tx->branch, trits, TANGLE_TX_OFF_BRANCH);
  COPY_FIELD(tx->tag, trits, TANGLE_TX_OFF_TAG);
  tx->attachment_timestamp = mam_trits_to_int(trits + TANGLE_TX_OFF_ATTACHMENT_TS, TANGLE_TX_INT_TRITS);
  tx->attachment_timestamp_lower =
      mam_trits_to_int(trits + TANGLE_TX_OFF_ATTACHMENT_TS_LOWER, TANGLE_TX_INT_TRITS);
  tx->attachment_timestamp_upper =
      mam_trits_to_int(trits + TANGLE_TX_OFF_ATTACHMENT_TS_UPPER, TANGLE_TX_INT_TRITS);
  COPY_FIELD(tx->nonce, trits, TANGLE_TX_OFF_NONCE);
  return TANGLE_OK;
}

tangle_err_t tangle_tx_from_trits(tangle_tx_t *tx, const mam_trit_t trits[TANGLE_TX_TRITS]) {
  if (!tx || !trits) return TANGLE_ERR_NULL_ARG;
  if (!mam_trits_valid(trits, TANGLE_TX_TRITS)) return TANGLE_ERR_INVALID_TRIT;
  return from_valid_trits(tx, trits);
}

tangle_err_t tangle_tx_from_trytes_trits(tangle_tx_t *tx, const char *trytes, size_t len,
                                         mam_trit_t trits[TANGLE_TX_TRITS]) {
  if (!tx || !trytes || !trits) return TANGLE_ERR_NULL_ARG;
  if (len != TANGLE_TX_TRYTES) return TANGLE_ERR_INVALID_LENGTH;
  if (mam_trytes_to_trits(trytes, len, trits) != MAM_OK) return TANGLE_ERR_INVALID_TRYTE;
  return from_valid_trits(tx, trits);
}

tangle_err_t tangle_tx_from_trytes(tangle_tx_t *tx, const char *trytes, size_t len) {
  mam_trit_t trits[TANGLE_TX_TRITS];
  return tangle_tx_from_trytes_trits(tx, trytes, len, trits);
}

/* Every field decoded from trits encodes back to the same trits (the integers have no other
 * form, the unused value trits are zero), so these trits are what tangle_tx_hash would hash. */
tangle_err_t tangle_tx_from_trytes_hashed(tangle_tx_t *tx, const char *trytes, size_t len,
                                          mam_trit_t hash[TANGLE_TX_HASH_TRITS]) {
  if (!hash) return TANGLE_ERR_NULL_ARG;
  mam_trit_t trits[TANGLE_TX_TRITS];
  tangle_err_t err = tangle_tx_from_trytes_trits(tx, trytes, len, trits);
  if (err == TANGLE_OK) tangle_curl_hash_tx(trits, hash);
  return err;
}

/* ---- encoding ---------------------------------------------------------------------------- */

/* The trit fields of tx with their offsets, for validation and copying. */
typedef struct {
  const mam_trit_t *trits;
  size_t n, offset;
} trit_field_t;

#define TRIT_FIELD(tx, name, off) {(tx)->name, sizeof((tx)->name), (off)}
#define TRIT_FIELD_COUNT 8

static void trit_fields(const tangle_tx_t *tx, trit_field_t f[TRIT_FIELD_COUNT]) {
  const trit_field_t all[TRIT_FIELD_COUNT] = {
      TRIT_FIELD(tx, signature_message_fragment, TANGLE_TX_OFF_FRAGMENT),
      TRIT_FIELD(tx, address, TANGLE_TX_OFF_ADDRESS),
      TRIT_FIELD(tx, obsolete_tag, TANGLE_TX_OFF_OBSOLETE_TAG),
      TRIT_FIELD(tx, bundle, TANGLE_TX_OFF_BUNDLE),
      TRIT_FIELD(tx, trunk, TANGLE_TX_OFF_TRUNK),
      TRIT_FIELD(tx, branch, TANGLE_TX_OFF_BRANCH),
      TRIT_FIELD(tx, tag, TANGLE_TX_OFF_TAG),
      TRIT_FIELD(tx, nonce, TANGLE_TX_OFF_NONCE),
  };
  memcpy(f, all, sizeof all);
}

/* The integer fields of tx: value (33 significant trits of 81) and the 27-trit ones. */
typedef struct {
  int64_t value;
  size_t n, offset;
} int_field_t;

#define INT_FIELD_COUNT 7

static void int_fields(const tangle_tx_t *tx, int_field_t f[INT_FIELD_COUNT]) {
  const int_field_t all[INT_FIELD_COUNT] = {
      {tx->value, TANGLE_TX_VALUE_USED_TRITS, TANGLE_TX_OFF_VALUE},
      {tx->timestamp, TANGLE_TX_INT_TRITS, TANGLE_TX_OFF_TIMESTAMP},
      {tx->current_index, TANGLE_TX_INT_TRITS, TANGLE_TX_OFF_CURRENT_INDEX},
      {tx->last_index, TANGLE_TX_INT_TRITS, TANGLE_TX_OFF_LAST_INDEX},
      {tx->attachment_timestamp, TANGLE_TX_INT_TRITS, TANGLE_TX_OFF_ATTACHMENT_TS},
      {tx->attachment_timestamp_lower, TANGLE_TX_INT_TRITS, TANGLE_TX_OFF_ATTACHMENT_TS_LOWER},
      {tx->attachment_timestamp_upper, TANGLE_TX_INT_TRITS, TANGLE_TX_OFF_ATTACHMENT_TS_UPPER},
  };
  memcpy(f, all, sizeof all);
}

tangle_err_t tangle_tx_to_trits(const tangle_tx_t *tx, mam_trit_t trits[TANGLE_TX_TRITS]) {
  if (!tx || !trits) return TANGLE_ERR_NULL_ARG;
  trit_field_t tf[TRIT_FIELD_COUNT];
  int_field_t inf[INT_FIELD_COUNT];
  trit_fields(tx, tf);
  int_fields(tx, inf);
  for (size_t i = 0; i < TRIT_FIELD_COUNT; i++)
    if (!mam_trits_valid(tf[i].trits, tf[i].n)) return TANGLE_ERR_INVALID_TRIT;
  for (size_t i = 0; i < INT_FIELD_COUNT; i++)
    if (!int_fits(inf[i].value, inf[i].n)) return TANGLE_ERR_INVALID_VALUE;
  memset(trits, 0, TANGLE_TX_TRITS); /* also the unused value trits 33..80 */
  for (size_t i = 0; i < TRIT_FIELD_COUNT; i++) memcpy(trits + tf[i].offset, tf[i].trits, tf[i].n);
  for (size_t i = 0; i < INT_FIELD_COUNT; i++)
    mam_trits_from_int(inf[i].value, trits + inf[i].offset, inf[i].n);
  return TANGLE_OK;
}

tangle_err_t tangle_tx_to_trytes(const tangle_tx_t *tx, char trytes[TANGLE_TX_TRYTES]) {
  if (!trytes) return TANGLE_ERR_NULL_ARG;
  mam_trit_t trits[TANGLE_TX_TRITS];
  tangle_err_t err = tangle_tx_to_trits(tx, trits);
  if (err == TANGLE_OK) mam_trits_to_trytes(trits, TANGLE_TX_TRITS, trytes);
  return err;
}

tangle_err_t tangle_tx_essence(const tangle_tx_t *tx, mam_trit_t essence[TANGLE_TX_ESSENCE_TRITS]) {
  if (!essence) return TANGLE_ERR_NULL_ARG;
  mam_trit_t trits[TANGLE_TX_TRITS];
  tangle_err_t err = tangle_tx_to_trits(tx, trits);
  if (err == TANGLE_OK) memcpy(essence, trits + TANGLE_TX_OFF_ESSENCE, TANGLE_TX_ESSENCE_TRITS);
  return err;
}

tangle_err_t tangle_tx_hash(const tangle_tx_t *tx, mam_trit_t hash[TANGLE_TX_HASH_TRITS]) {
  if (!hash) return TANGLE_ERR_NULL_ARG;
  mam_trit_t trits[TANGLE_TX_TRITS];
  tangle_err_t err = tangle_tx_to_trits(tx, trits);
  if (err == TANGLE_OK) tangle_curl_hash_tx(trits, hash);
  return err;
}

unsigned tangle_hash_weight(const mam_trit_t hash[TANGLE_TX_HASH_TRITS]) {
  unsigned w = 0;
  while (w < TANGLE_TX_HASH_TRITS && hash[TANGLE_TX_HASH_TRITS - 1 - w] == 0) w++;
  return w;
}
