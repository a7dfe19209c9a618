/* Zero-value bundles (spec node-interface.md 4.2 - 4.6). */
#include "tangle/bundle.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tangle/kerl.h"

#define NORMALIZED_BLOCKS 3
#define BLOCK_TRYTES (TANGLE_BUNDLE_NORMALIZED_TRYTES / NORMALIZED_BLOCKS)
#define ESSENCE_CHUNKS (TANGLE_TX_ESSENCE_TRITS / TANGLE_KERL_CHUNK_TRITS)
#define ESSENCE_BYTES (ESSENCE_CHUNKS * TANGLE_KERL_CHUNK_BYTES)
/* Where txs[0]'s obsoleteTag sits in its essence (it is in the essence's second Kerl chunk). */
#define ESSENCE_OFF_OBSOLETE_TAG (TANGLE_TX_OFF_OBSOLETE_TAG - TANGLE_TX_OFF_ESSENCE)
_Static_assert(ESSENCE_OFF_OBSOLETE_TAG >= TANGLE_KERL_CHUNK_TRITS &&
                   ESSENCE_OFF_OBSOLETE_TAG + TANGLE_TX_TAG_TRITS <= TANGLE_TX_ESSENCE_TRITS,
               "obsoleteTag lies in the second essence chunk");

/* ---- building ---------------------------------------------------------------------------- */

size_t tangle_bundle_entry_txs(const tangle_bundle_entry_t *entry) {
  size_t n = (entry->message_trits + TANGLE_TX_FRAGMENT_TRITS - 1) / TANGLE_TX_FRAGMENT_TRITS;
  return n > 0 ? n : 1;
}

static tangle_err_t check_entry(const tangle_bundle_entry_t *e) {
  if (!e->address || (!e->message && e->message_trits > 0)) return TANGLE_ERR_NULL_ARG;
  if (!mam_trits_valid(e->address, TANGLE_TX_HASH_TRITS) ||
      (e->tag && !mam_trits_valid(e->tag, TANGLE_TX_TAG_TRITS)) ||
      (e->obsolete_tag && !mam_trits_valid(e->obsolete_tag, TANGLE_TX_TAG_TRITS)) ||
      (e->message && !mam_trits_valid(e->message, e->message_trits)))
    return TANGLE_ERR_INVALID_TRIT;
  if (e->timestamp < 0 || e->timestamp > TANGLE_TX_INT_MAX) return TANGLE_ERR_INVALID_VALUE;
  return TANGLE_OK;
}

/* Fragment `f` of the entry's message into tx, the rest of the fragment zero. */
static void fill_entry_tx(const tangle_bundle_entry_t *e, size_t f, tangle_tx_t *tx) {
  tangle_tx_init(tx);
  size_t start = f * TANGLE_TX_FRAGMENT_TRITS;
  if (start < e->message_trits) {
    size_t len = e->message_trits - start;
    memcpy(tx->signature_message_fragment, e->message + start,
           len < TANGLE_TX_FRAGMENT_TRITS ? len : TANGLE_TX_FRAGMENT_TRITS);
  }
  memcpy(tx->address, e->address, TANGLE_TX_HASH_TRITS);
  if (e->tag) memcpy(tx->tag, e->tag, TANGLE_TX_TAG_TRITS);
  if (e->obsolete_tag) memcpy(tx->obsolete_tag, e->obsolete_tag, TANGLE_TX_TAG_TRITS);
  tx->timestamp = e->timestamp;
}

tangle_err_t tangle_bundle_build(const tangle_bundle_entry_t *entries, size_t n_entries,
                                 tangle_tx_t *txs, size_t n_txs) {
  if (!txs || (!entries && n_entries > 0)) return TANGLE_ERR_NULL_ARG;
  size_t total = 0;
  for (size_t i = 0; i < n_entries; i++) {
    tangle_err_t err = check_entry(&entries[i]);
    if (err != TANGLE_OK) return err;
    total += tangle_bundle_entry_txs(&entries[i]);
  }
  if (total != n_txs || total == 0 || (int64_t)(total - 1) > TANGLE_TX_INT_MAX)
    return TANGLE_ERR_INVALID_LENGTH;
  size_t index = 0;
  for (size_t i = 0; i < n_entries; i++)
    for (size_t f = 0; f < tangle_bundle_entry_txs(&entries[i]); f++, index++) {
      fill_entry_tx(&entries[i], f, &txs[index]);
      txs[index].current_index = (int64_t)index;
      txs[index].last_index = (int64_t)(n_txs - 1);
    }
  return TANGLE_OK;
}

/* ---- bundle hash ------------------------------------------------------------------------- */

/* The Kerl input bytes of tx's essence: two 48-byte chunks. */
static tangle_err_t essence_bytes(const tangle_tx_t *tx, uint8_t bytes[ESSENCE_BYTES]) {
  mam_trit_t essence[TANGLE_TX_ESSENCE_TRITS];
  tangle_err_t err = tangle_tx_essence(tx, essence);
  if (err != TANGLE_OK) return err;
  for (unsigned c = 0; c < ESSENCE_CHUNKS; c++)
    tangle_kerl_trits_to_bytes(essence + c * TANGLE_KERL_CHUNK_TRITS,
                               bytes + c * TANGLE_KERL_CHUNK_BYTES);
  return TANGLE_OK;
}

tangle_err_t tangle_bundle_hash(const tangle_tx_t *txs, size_t n, mam_trit_t hash[TANGLE_TX_HASH_TRITS]) {
  if (!txs || !hash) return TANGLE_ERR_NULL_ARG;
  if (n == 0) return TANGLE_ERR_INVALID_ARG;
  tangle_kerl_t k;
  tangle_kerl_init(&k);
  for (size_t i = 0; i < n; i++) {
    mam_trit_t essence[TANGLE_TX_ESSENCE_TRITS];
    tangle_err_t err = tangle_tx_essence(&txs[i], essence);
    if (err == TANGLE_OK) err = tangle_kerl_absorb(&k, essence, sizeof essence);
    if (err != TANGLE_OK) return err;
  }
  return tangle_kerl_squeeze(&k, hash, TANGLE_TX_HASH_TRITS);
}

void tangle_bundle_normalize(const mam_trit_t hash[TANGLE_TX_HASH_TRITS],
                             int8_t normalized[TANGLE_BUNDLE_NORMALIZED_TRYTES]) {
  for (unsigned i = 0; i < TANGLE_BUNDLE_NORMALIZED_TRYTES; i++)
    normalized[i] = (int8_t)(hash[3 * i] + 3 * hash[3 * i + 1] + 9 * hash[3 * i + 2]);
  for (unsigned b = 0; b < NORMALIZED_BLOCKS; b++) {
    int8_t *v = normalized + b * BLOCK_TRYTES;
    int sum = 0;
    for (unsigned i = 0; i < BLOCK_TRYTES; i++) sum += v[i];
    /* Moving the sum one step at a time, always at the first tryte that can still move, is
     * the same as one pass that moves each tryte as far as needed. */
    for (unsigned i = 0; i < BLOCK_TRYTES && sum != 0; i++) {
      int room = sum > 0 ? v[i] + TANGLE_BUNDLE_NORMALIZED_MAX : TANGLE_BUNDLE_NORMALIZED_MAX - v[i];
      int step = abs(sum) < room ? abs(sum) : room;
      v[i] = (int8_t)(sum > 0 ? v[i] - step : v[i] + step);
      sum += sum > 0 ? -step : step;
    }
  }
}

static bool normalized_has_max(const mam_trit_t hash[TANGLE_TX_HASH_TRITS]) {
  int8_t norm[TANGLE_BUNDLE_NORMALIZED_TRYTES];
  tangle_bundle_normalize(hash, norm);
  for (unsigned i = 0; i < TANGLE_BUNDLE_NORMALIZED_TRYTES; i++)
    if (norm[i] == TANGLE_BUNDLE_NORMALIZED_MAX) return true;
  return false;
}

/* The bundle hash from the essences' Kerl bytes: the first squeezed chunk is the digest. */
static void hash_of_bytes(const uint8_t *bytes, size_t n_txs, mam_trit_t hash[TANGLE_TX_HASH_TRITS]) {
  uint8_t digest[TANGLE_KERL_CHUNK_BYTES];
  tangle_keccak384(bytes, n_txs * ESSENCE_BYTES, digest);
  tangle_kerl_bytes_to_trits(digest, hash);
}

tangle_err_t tangle_bundle_finalize(tangle_tx_t *txs, size_t n, uint64_t *increments) {
  if (!txs) return TANGLE_ERR_NULL_ARG;
  if (n == 0 || n > SIZE_MAX / ESSENCE_BYTES) return TANGLE_ERR_INVALID_ARG;
  /* Only txs[0]'s second essence chunk changes while searching: keep every chunk's bytes. */
  uint8_t *bytes = malloc(n * ESSENCE_BYTES);
  if (!bytes) return TANGLE_ERR_NO_MEMORY;
  mam_trit_t tail_essence[TANGLE_TX_ESSENCE_TRITS]; /* txs[0], the tail */
  tangle_err_t err = tangle_tx_essence(&txs[0], tail_essence);
  for (size_t i = 0; i < n && err == TANGLE_OK; i++) err = essence_bytes(&txs[i], bytes + i * ESSENCE_BYTES);
  if (err != TANGLE_OK) {
    free(bytes);
    return err;
  }
  mam_trit_t *tag = tail_essence + ESSENCE_OFF_OBSOLETE_TAG;
  const mam_trit_t *second = tail_essence + TANGLE_KERL_CHUNK_TRITS;
  mam_trit_t hash[TANGLE_TX_HASH_TRITS];
  uint64_t count = 0;
  /* Ends with probability 1; a few hundred rounds are usual (spec 4.3). */
  for (hash_of_bytes(bytes, n, hash); normalized_has_max(hash); hash_of_bytes(bytes, n, hash)) {
    mam_trits_increment(tag, TANGLE_TX_TAG_TRITS);
    tangle_kerl_trits_to_bytes(second, bytes + TANGLE_KERL_CHUNK_BYTES);
    count++;
  }
  free(bytes);
  memcpy(txs[0].obsolete_tag, tag, TANGLE_TX_TAG_TRITS);
  for (size_t i = 0; i < n; i++) memcpy(txs[i].bundle, hash, TANGLE_TX_HASH_TRITS);
  if (increments) *increments = count;
  return TANGLE_OK;
}

/* ---- validation -------------------------------------------------------------------------- */

static tangle_err_t check_indexes(const tangle_tx_t *txs, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (txs[i].current_index != (int64_t)i || txs[i].last_index != (int64_t)(n - 1))
      return TANGLE_ERR_BUNDLE_INDEX;
  return TANGLE_OK;
}

static tangle_err_t check_values(const tangle_tx_t *txs, size_t n) {
  int64_t sum = 0;
  for (size_t i = 0; i < n; i++) {
    if (txs[i].value > TANGLE_TX_VALUE_MAX || txs[i].value < -TANGLE_TX_VALUE_MAX)
      return TANGLE_ERR_BUNDLE_VALUE;
    sum += txs[i].value; /* both terms within the supply: no overflow */
    if (sum > TANGLE_TX_VALUE_MAX || sum < -TANGLE_TX_VALUE_MAX) return TANGLE_ERR_BUNDLE_VALUE;
  }
  return sum == 0 ? TANGLE_OK : TANGLE_ERR_BUNDLE_VALUE;
}

static tangle_err_t check_bundle_hash(const tangle_tx_t *txs, size_t n) {
  for (size_t i = 1; i < n; i++)
    if (memcmp(txs[i].bundle, txs[0].bundle, TANGLE_TX_HASH_TRITS) != 0) return TANGLE_ERR_BUNDLE_HASH;
  mam_trit_t hash[TANGLE_TX_HASH_TRITS];
  tangle_err_t err = tangle_bundle_hash(txs, n, hash);
  if (err != TANGLE_OK) return err;
  return memcmp(hash, txs[0].bundle, sizeof hash) == 0 ? TANGLE_OK : TANGLE_ERR_BUNDLE_HASH;
}

static tangle_err_t check_chain(const tangle_tx_t *txs, size_t n, const mam_trit_t *hashes) {
  for (size_t i = 0; i + 1 < n; i++) {
    mam_trit_t computed[TANGLE_TX_HASH_TRITS];
    const mam_trit_t *next = hashes ? hashes + (i + 1) * TANGLE_TX_HASH_TRITS : computed;
    if (!hashes) {
      tangle_err_t err = tangle_tx_hash(&txs[i + 1], computed);
      if (err != TANGLE_OK) return err;
    }
    if (memcmp(txs[i].trunk, next, TANGLE_TX_HASH_TRITS) != 0) return TANGLE_ERR_BUNDLE_CHAIN;
  }
  return TANGLE_OK;
}

tangle_err_t tangle_bundle_validate(const tangle_tx_t *txs, size_t n, const mam_trit_t *hashes) {
  if (!txs) return TANGLE_ERR_NULL_ARG;
  if (n == 0) return TANGLE_ERR_INVALID_ARG;
  tangle_err_t err = check_indexes(txs, n);
  if (err == TANGLE_OK) err = check_values(txs, n);
  if (err == TANGLE_OK) err = check_bundle_hash(txs, n);
  if (err == TANGLE_OK) err = check_chain(txs, n, hashes);
  return err;
}

/* ---- attaching --------------------------------------------------------------------------- */

tangle_err_t tangle_bundle_chain(tangle_tx_t *txs, size_t n, size_t index,
                                 const mam_trit_t tip_trunk[TANGLE_TX_HASH_TRITS],
                                 const mam_trit_t tip_branch[TANGLE_TX_HASH_TRITS],
                                 int64_t attachment_timestamp_ms) {
  if (!txs || !tip_trunk || !tip_branch) return TANGLE_ERR_NULL_ARG;
  if (index >= n) return TANGLE_ERR_INVALID_ARG;
  if (attachment_timestamp_ms < 0 || attachment_timestamp_ms > TANGLE_TX_INT_MAX)
    return TANGLE_ERR_INVALID_VALUE;
  tangle_tx_t *tx = &txs[index];
  if (index + 1 == n) {
    memcpy(tx->trunk, tip_trunk, TANGLE_TX_HASH_TRITS);
    memcpy(tx->branch, tip_branch, TANGLE_TX_HASH_TRITS);
  } else {
    tangle_err_t err = tangle_tx_hash(&txs[index + 1], tx->trunk);
    if (err != TANGLE_OK) return err;
    memcpy(tx->branch, tip_trunk, TANGLE_TX_HASH_TRITS);
  }
  tx->attachment_timestamp = attachment_timestamp_ms;
  tx->attachment_timestamp_lower = 0;
  tx->attachment_timestamp_upper = TANGLE_TX_INT_MAX;
  if (tangle_trits_zero(tx->tag, TANGLE_TX_TAG_TRITS)) memcpy(tx->tag, tx->obsolete_tag, TANGLE_TX_TAG_TRITS);
  return TANGLE_OK;
}

tangle_err_t tangle_bundle_attach(tangle_tx_t *txs, size_t n,
                                  const mam_trit_t tip_trunk[TANGLE_TX_HASH_TRITS],
                                  const mam_trit_t tip_branch[TANGLE_TX_HASH_TRITS],
                                  int64_t attachment_timestamp_ms, tangle_bundle_pow_fn pow,
                                  void *ctx) {
  if (!pow) return TANGLE_ERR_NULL_ARG;
  if (n == 0) return TANGLE_ERR_INVALID_ARG;
  for (size_t i = n; i-- > 0;) {
    tangle_err_t err = tangle_bundle_chain(txs, n, i, tip_trunk, tip_branch, attachment_timestamp_ms);
    if (err == TANGLE_OK) err = pow(&txs[i], ctx);
    if (err != TANGLE_OK) return err;
  }
  return TANGLE_OK;
}
