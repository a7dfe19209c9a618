/* Bundles (spec node-interface.md 4.2 - 4.6): normalisation, the obsoleteTag increment, build +
 * finalise of the sample bundles with their increment counts, the attach chaining, validation
 * of good and broken bundles. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tangle/bundle.h"
#include "tangle/mam_bundle.h"
#include "tests/testutil.h"
#include "tests/vecfile.h"

#define HASH TANGLE_TX_HASH_TRITS
#define MAX_TXS 8

static void assert_trytes(const mam_trit_t *trits, size_t n, const char *want, const char *what) {
  char *got = tu_trytes(trits, n);
  ck_assert_msg(strcmp(got, want) == 0, "%s: got %s, want %s", what, got, want);
  free(got);
}

static void assert_normalized(const mam_trit_t hash[HASH], const char *want_list) {
  long long want[TANGLE_BUNDLE_NORMALIZED_TRYTES];
  ck_assert_uint_eq(vf_ints(want_list, want, TANGLE_BUNDLE_NORMALIZED_TRYTES),
                    TANGLE_BUNDLE_NORMALIZED_TRYTES);
  int8_t got[TANGLE_BUNDLE_NORMALIZED_TRYTES];
  tangle_bundle_normalize(hash, got);
  for (size_t i = 0; i < TANGLE_BUNDLE_NORMALIZED_TRYTES; i++)
    ck_assert_msg(got[i] == want[i], "normalized[%zu] = %d, want %lld", i, got[i], want[i]);
}

/* A vector value keyed "<prefix><index>.<name>" (e.g. tx2.trytes). */
static const char *vf_tx(const vf_record_t *r, size_t i, const char *name) {
  char key[64];
  snprintf(key, sizeof key, "tx%zu.%s", i, name);
  return vf_get(r, key);
}

START_TEST(test_normalize_vectors) {
  vf_section_t *s = vf_load("tangle.txt", "bundle.normalize");
  for (size_t i = 0; i < s->n; i++) {
    mam_trit_t *h = tu_trits(vf_get(&s->records[i], "hash"), NULL);
    assert_normalized(h, vf_get(&s->records[i], "normalized"));
    free(h);
  }
  vf_free(s);
}
END_TEST

/* The finalisation increment: obsoleteTag as one 81-trit integer, carry across trytes, wrap. */
START_TEST(test_obsolete_tag_add) {
  vf_section_t *s = vf_load("tangle.txt", "bundle.obsolete_tag_add");
  for (size_t i = 0; i < s->n; i++) {
    const vf_record_t *r = &s->records[i];
    mam_trit_t *tag = tu_trits(vf_get(r, "tag"), NULL);
    for (long k = atol(vf_get(r, "add")); k > 0; k--) mam_trits_increment(tag, TANGLE_TX_TAG_TRITS);
    assert_trytes(tag, TANGLE_TX_TAG_TRITS, vf_get(r, "result"), "tag + add");
    free(tag);
  }
  vf_free(s);
}
END_TEST

/* Trits of the message (and of address/tag) for the entries of a [bundle] vector. */
typedef struct {
  mam_trit_t *message, *address, *tag;
  tangle_bundle_entry_t entry;
} entry_data_t;

static void entry_from_vector(const vf_record_t *r, size_t entry, size_t first_tx, int several,
                              entry_data_t *d) {
  char key[64];
  snprintf(key, sizeof key, several ? "message_trytes.%zu" : "message_trytes", entry);
  size_t n;
  d->message = tu_trits(vf_get(r, key), &n);
  d->address = tu_trits(vf_tx(r, first_tx, "address"), NULL);
  d->tag = tu_trits(vf_tx(r, first_tx, "tag"), NULL);
  d->entry = (tangle_bundle_entry_t){.address = d->address,
                                     .tag = d->tag,
                                     .obsolete_tag = d->tag, /* as @iota/bundle does */
                                     .timestamp = atoll(vf_tx(r, first_tx, "timestamp")),
                                     .message = d->message,
                                     .message_trits = n};
}

static void check_bundle_vector(const vf_record_t *r) {
  size_t n = (size_t)atoi(vf_get(r, "transactions"));
  ck_assert_uint_le(n, MAX_TXS);
  int several = vf_find(r, "message_trytes.0") != NULL;
  entry_data_t data[MAX_TXS];
  tangle_bundle_entry_t entries[MAX_TXS];
  size_t n_entries = 0;
  for (size_t tx = 0; tx < n; n_entries++) {
    entry_from_vector(r, n_entries, tx, several, &data[n_entries]);
    entries[n_entries] = data[n_entries].entry;
    tx += tangle_bundle_entry_txs(&entries[n_entries]);
  }
  tangle_tx_t *txs = malloc(n * sizeof *txs);
  ck_assert_ptr_nonnull(txs);
  ck_assert_int_eq(tangle_bundle_build(entries, n_entries, txs, n), TANGLE_OK);
  assert_trytes(txs[0].obsolete_tag, TANGLE_TX_TAG_TRITS, vf_get(r, "obsoleteTag_initial"), "initial obsoleteTag");

  mam_trit_t hash[HASH];
  ck_assert_int_eq(tangle_bundle_hash(txs, n, hash), TANGLE_OK);
  assert_trytes(hash, HASH, vf_get(r, "bundle_hash_initial"), "initial bundle hash");
  assert_normalized(hash, vf_get(r, "normalized_initial"));

  uint64_t increments = 12345;
  ck_assert_int_eq(tangle_bundle_finalize(txs, n, &increments), TANGLE_OK);
  ck_assert_uint_eq(increments, (uint64_t)atoll(vf_get(r, "increments")));
  assert_trytes(txs[0].obsolete_tag, TANGLE_TX_TAG_TRITS, vf_get(r, "tx0.obsoleteTag_final"), "final obsoleteTag");
  assert_normalized(txs[0].bundle, vf_get(r, "normalized"));
  for (size_t i = 0; i < n; i++) {
    assert_trytes(txs[i].bundle, HASH, vf_get(r, "bundle"), "bundle");
    assert_trytes(txs[i].tag, TANGLE_TX_TAG_TRITS, vf_tx(r, i, "tag"), "tag unchanged");
    mam_trit_t essence[TANGLE_TX_ESSENCE_TRITS];
    ck_assert_int_eq(tangle_tx_essence(&txs[i], essence), TANGLE_OK);
    assert_trytes(essence, sizeof essence, vf_tx(r, i, "essence"), "essence");
    char trytes[TANGLE_TX_TRYTES + 1] = {0};
    ck_assert_int_eq(tangle_tx_to_trytes(&txs[i], trytes), TANGLE_OK);
    ck_assert_str_eq(trytes, vf_tx(r, i, "trytes"));
  }
  /* A finalised bundle needs no more increments. */
  ck_assert_int_eq(tangle_bundle_finalize(txs, n, &increments), TANGLE_OK);
  ck_assert_uint_eq(increments, 0);
  free(txs);
  for (size_t e = 0; e < n_entries; e++) {
    free(data[e].message);
    free(data[e].address);
    free(data[e].tag);
  }
}

START_TEST(test_bundle_vectors) {
  vf_section_t *s = vf_load("tangle.txt", "bundle");
  ck_assert_uint_ge(s->n, 3);
  for (size_t i = 0; i < s->n; i++) check_bundle_vector(&s->records[i]);
  vf_free(s);
}
END_TEST

/* ---- the [attach] vector --------------------------------------------------------------- */

typedef struct {
  const vf_record_t *r;
  size_t n;
  tangle_tx_t txs[MAX_TXS];
  mam_trit_t *trunk_in, *branch_in;
  int64_t ms_base;
} attach_t;

static void attach_load(attach_t *a, vf_section_t **s) {
  *s = vf_load("tangle.txt", "attach");
  a->r = &(*s)->records[0];
  long long order[MAX_TXS];
  a->n = vf_ints(vf_get(a->r, "processing_order"), order, MAX_TXS);
  for (size_t i = 0; i < a->n; i++) {
    ck_assert_int_eq(order[i], (long long)(a->n - 1 - i)); /* head first */
    const char *t = vf_tx(a->r, i, "unattached");
    ck_assert_int_eq(tangle_tx_from_trytes(&a->txs[i], t, strlen(t)), TANGLE_OK);
  }
  a->trunk_in = tu_trits(vf_get(a->r, "trunk_in"), NULL);
  a->branch_in = tu_trits(vf_get(a->r, "branch_in"), NULL);
  a->ms_base = atoll(vf_get(a->r, "attach_ms_base"));
}

static void attach_free(attach_t *a, vf_section_t *s) {
  free(a->trunk_in);
  free(a->branch_in);
  vf_free(s);
}

/* The PoW stand-in: the nonce (and attachment time) the vector's generator found. */
static void set_vector_nonce(const attach_t *a, size_t i, tangle_tx_t *tx) {
  mam_trit_t *nonce = tu_trits(vf_tx(a->r, i, "nonce"), NULL);
  memcpy(tx->nonce, nonce, TANGLE_TX_TAG_TRITS);
  free(nonce);
}

static void check_attached(const attach_t *a, const tangle_tx_t *txs) {
  for (size_t i = 0; i < a->n; i++) {
    const tangle_tx_t *tx = &txs[i];
    assert_trytes(tx->trunk, HASH, vf_tx(a->r, i, "trunkTransaction"), "trunk");
    assert_trytes(tx->branch, HASH, vf_tx(a->r, i, "branchTransaction"), "branch");
    ck_assert_int_eq(tx->attachment_timestamp, atoll(vf_tx(a->r, i, "attachmentTimestamp")));
    ck_assert_int_eq(tx->attachment_timestamp_lower, atoll(vf_tx(a->r, i, "attachmentTimestampLowerBound")));
    ck_assert_int_eq(tx->attachment_timestamp_upper, atoll(vf_tx(a->r, i, "attachmentTimestampUpperBound")));
    char trytes[TANGLE_TX_TRYTES + 1] = {0};
    ck_assert_int_eq(tangle_tx_to_trytes(tx, trytes), TANGLE_OK);
    ck_assert_str_eq(trytes, vf_tx(a->r, i, "trytes"));
    mam_trit_t hash[HASH];
    ck_assert_int_eq(tangle_tx_hash(tx, hash), TANGLE_OK);
    assert_trytes(hash, HASH, vf_tx(a->r, i, "hash"), "tx hash");
    ck_assert_uint_eq(tangle_hash_weight(hash), (unsigned)atoi(vf_tx(a->r, i, "weight")));
    ck_assert_uint_ge(tangle_hash_weight(hash), (unsigned)atoi(vf_get(a->r, "mwm")));
  }
}

/* The caller-driven form: chain one index, do the PoW, move down. */
START_TEST(test_attach_step_by_step) {
  attach_t a;
  vf_section_t *s;
  attach_load(&a, &s);
  for (size_t step = 0; step < a.n; step++) {
    size_t i = a.n - 1 - step;
    ck_assert_int_eq(tangle_bundle_chain(a.txs, a.n, i, a.trunk_in, a.branch_in, a.ms_base + (int64_t)step),
                     TANGLE_OK);
    set_vector_nonce(&a, i, &a.txs[i]);
  }
  check_attached(&a, a.txs);
  ck_assert_int_eq(tangle_bundle_validate(a.txs, a.n, NULL), TANGLE_OK);
  attach_free(&a, s);
}
END_TEST

/* The callback form; the callback restamps each tx as the vector's generator did. */
typedef struct {
  const attach_t *a;
  int64_t step;
} pow_ctx_t;

static tangle_err_t vector_pow(tangle_tx_t *tx, void *ctx) {
  pow_ctx_t *p = ctx;
  tx->attachment_timestamp = p->a->ms_base + p->step++;
  set_vector_nonce(p->a, (size_t)tx->current_index, tx);
  return TANGLE_OK;
}

static tangle_err_t failing_pow(tangle_tx_t *tx, void *ctx) {
  (void)tx;
  (void)ctx;
  return TANGLE_ERR_POW_CANCELLED;
}

START_TEST(test_attach_with_callback) {
  attach_t a;
  vf_section_t *s;
  attach_load(&a, &s);
  pow_ctx_t ctx = {&a, 0};
  ck_assert_int_eq(tangle_bundle_attach(a.txs, a.n, a.trunk_in, a.branch_in, a.ms_base, vector_pow, &ctx),
                   TANGLE_OK);
  check_attached(&a, a.txs);
  ck_assert_int_eq(tangle_bundle_attach(a.txs, a.n, a.trunk_in, a.branch_in, a.ms_base, failing_pow, NULL),
                   TANGLE_ERR_POW_CANCELLED);
  ck_assert_int_eq(tangle_bundle_attach(a.txs, a.n, a.trunk_in, a.branch_in, a.ms_base, NULL, NULL),
                   TANGLE_ERR_NULL_ARG);
  attach_free(&a, s);
}
END_TEST

START_TEST(test_chain_arguments) {
  attach_t a;
  vf_section_t *s;
  attach_load(&a, &s);
  ck_assert_int_eq(tangle_bundle_chain(a.txs, a.n, a.n, a.trunk_in, a.branch_in, 1), TANGLE_ERR_INVALID_ARG);
  ck_assert_int_eq(tangle_bundle_chain(a.txs, a.n, 0, a.trunk_in, a.branch_in, -1), TANGLE_ERR_INVALID_VALUE);
  ck_assert_int_eq(tangle_bundle_chain(a.txs, a.n, 0, a.trunk_in, a.branch_in, TANGLE_TX_INT_MAX + 1),
                   TANGLE_ERR_INVALID_VALUE);
  ck_assert_int_eq(tangle_bundle_chain(a.txs, a.n, 0, NULL, a.branch_in, 1), TANGLE_ERR_NULL_ARG);
  /* an all-zero tag gets the obsoleteTag; a set one stays */
  memset(a.txs[1].tag, 0, TANGLE_TX_TAG_TRITS);
  mam_trit_t before[TANGLE_TX_TAG_TRITS];
  memcpy(before, a.txs[2].tag, sizeof before);
  ck_assert_int_eq(tangle_bundle_chain(a.txs, a.n, 2, a.trunk_in, a.branch_in, 1), TANGLE_OK);
  ck_assert_int_eq(tangle_bundle_chain(a.txs, a.n, 1, a.trunk_in, a.branch_in, 1), TANGLE_OK);
  ck_assert_mem_eq(a.txs[1].tag, a.txs[1].obsolete_tag, TANGLE_TX_TAG_TRITS);
  ck_assert_mem_eq(a.txs[2].tag, before, sizeof before);
  attach_free(&a, s);
}
END_TEST

/* ---- validation of broken bundles -------------------------------------------------------- */

/* The attached [attach] bundle, with its transaction hashes. */
static void attached_bundle(attach_t *a, vf_section_t **s, mam_trit_t hashes[MAX_TXS * HASH]) {
  attach_load(a, s);
  for (size_t i = 0; i < a->n; i++) {
    const char *t = vf_tx(a->r, i, "trytes");
    ck_assert_int_eq(tangle_tx_from_trytes(&a->txs[i], t, strlen(t)), TANGLE_OK);
    ck_assert_int_eq(tangle_tx_hash(&a->txs[i], hashes + i * HASH), TANGLE_OK);
  }
}

START_TEST(test_validate_rejects_broken_bundles) {
  attach_t a;
  vf_section_t *s;
  mam_trit_t hashes[MAX_TXS * HASH];
  attached_bundle(&a, &s, hashes);
  tangle_tx_t good[MAX_TXS];
  memcpy(good, a.txs, sizeof good);
  ck_assert_int_eq(tangle_bundle_validate(good, a.n, hashes), TANGLE_OK);
  ck_assert_int_eq(tangle_bundle_validate(good, a.n, NULL), TANGLE_OK);
  tangle_tx_t *t = a.txs;

  t[1].current_index = 2;
  ck_assert_int_eq(tangle_bundle_validate(t, a.n, hashes), TANGLE_ERR_BUNDLE_INDEX);
  memcpy(t, good, sizeof good);
  t[2].last_index = 3;
  ck_assert_int_eq(tangle_bundle_validate(t, a.n, hashes), TANGLE_ERR_BUNDLE_INDEX);
  ck_assert_int_eq(tangle_bundle_validate(good, a.n - 1, NULL), TANGLE_ERR_BUNDLE_INDEX);
  memcpy(t, good, sizeof good);
  tangle_tx_t swapped[MAX_TXS];
  memcpy(swapped, good, sizeof good);
  swapped[0] = good[1];
  swapped[1] = good[0];
  ck_assert_int_eq(tangle_bundle_validate(swapped, a.n, NULL), TANGLE_ERR_BUNDLE_INDEX);

  t[0].value = 5; /* unbalanced */
  ck_assert_int_eq(tangle_bundle_validate(t, a.n, hashes), TANGLE_ERR_BUNDLE_VALUE);
  t[1].value = -5; /* balanced, but no longer the hashed essence */
  ck_assert_int_eq(tangle_bundle_validate(t, a.n, hashes), TANGLE_ERR_BUNDLE_HASH);
  t[0].value = TANGLE_TX_VALUE_MAX + 1;
  t[1].value = -TANGLE_TX_VALUE_MAX - 1;
  ck_assert_int_eq(tangle_bundle_validate(t, a.n, hashes), TANGLE_ERR_BUNDLE_VALUE);
  t[0].value = TANGLE_TX_VALUE_MAX;
  t[1].value = 1; /* running sum beyond the supply */
  t[2].value = 0;
  ck_assert_int_eq(tangle_bundle_validate(t, a.n, hashes), TANGLE_ERR_BUNDLE_VALUE);
  memcpy(t, good, sizeof good);

  t[2].bundle[0] = (mam_trit_t)(t[2].bundle[0] == 1 ? 0 : 1); /* one bundle field differs */
  ck_assert_int_eq(tangle_bundle_validate(t, a.n, hashes), TANGLE_ERR_BUNDLE_HASH);
  memcpy(t, good, sizeof good);
  t[1].obsolete_tag[5] = (mam_trit_t)(t[1].obsolete_tag[5] == 1 ? 0 : 1); /* essence changed */
  ck_assert_int_eq(tangle_bundle_validate(t, a.n, hashes), TANGLE_ERR_BUNDLE_HASH);
  memcpy(t, good, sizeof good);

  t[0].trunk[7] = (mam_trit_t)(t[0].trunk[7] == 1 ? 0 : 1); /* the chain is broken */
  ck_assert_int_eq(tangle_bundle_validate(t, a.n, hashes), TANGLE_ERR_BUNDLE_CHAIN);
  ck_assert_int_eq(tangle_bundle_validate(t, a.n, NULL), TANGLE_ERR_BUNDLE_CHAIN);
  memcpy(t, good, sizeof good);
  t[2].nonce[0] = (mam_trit_t)(t[2].nonce[0] == 1 ? 0 : 1); /* tx 2's hash no longer tx 1's trunk */
  ck_assert_int_eq(tangle_bundle_validate(t, a.n, NULL), TANGLE_ERR_BUNDLE_CHAIN);

  ck_assert_int_eq(tangle_bundle_validate(good, 0, NULL), TANGLE_ERR_INVALID_ARG);
  ck_assert_int_eq(tangle_bundle_validate(NULL, 1, NULL), TANGLE_ERR_NULL_ARG);
  attach_free(&a, s);
}
END_TEST

/* ---- building ---------------------------------------------------------------------------- */

START_TEST(test_build_splits_and_pads) {
  mam_trit_t address[HASH], message[2 * TANGLE_TX_FRAGMENT_TRITS + 1];
  uint64_t rng = 3;
  tu_random_trits(address, HASH, &rng);
  tu_random_trits(message, sizeof message, &rng);
  tangle_bundle_entry_t e = {.address = address, .timestamp = 1600000000, .message = message};
  const size_t lengths[] = {0, 1, TANGLE_TX_FRAGMENT_TRITS, TANGLE_TX_FRAGMENT_TRITS + 1, sizeof message};
  const size_t want[] = {1, 1, 1, 2, 3};
  for (size_t i = 0; i < sizeof lengths / sizeof *lengths; i++) {
    e.message_trits = lengths[i];
    ck_assert_uint_eq(tangle_bundle_entry_txs(&e), want[i]);
    tangle_tx_t txs[3];
    ck_assert_int_eq(tangle_bundle_build(&e, 1, txs, want[i]), TANGLE_OK);
    for (size_t t = 0; t < want[i]; t++) {
      ck_assert_int_eq(txs[t].current_index, (int64_t)t);
      ck_assert_int_eq(txs[t].last_index, (int64_t)want[i] - 1);
      ck_assert_int_eq(txs[t].value, 0);
      ck_assert(tangle_trits_zero(txs[t].obsolete_tag, TANGLE_TX_TAG_TRITS));
      ck_assert(tangle_trits_zero(txs[t].tag, TANGLE_TX_TAG_TRITS));
      ck_assert(tangle_trits_zero(txs[t].trunk, HASH) && tangle_trits_zero(txs[t].nonce, TANGLE_TX_TAG_TRITS));
      size_t start = t * TANGLE_TX_FRAGMENT_TRITS, end = start + TANGLE_TX_FRAGMENT_TRITS;
      size_t used = lengths[i] < start ? 0 : (lengths[i] < end ? lengths[i] - start : TANGLE_TX_FRAGMENT_TRITS);
      ck_assert_mem_eq(txs[t].signature_message_fragment, message + start, used);
      ck_assert(tangle_trits_zero(txs[t].signature_message_fragment + used, TANGLE_TX_FRAGMENT_TRITS - used));
    }
  }
}
END_TEST

START_TEST(test_build_rejects_bad_entries) {
  mam_trit_t address[HASH] = {0}, tag[TANGLE_TX_TAG_TRITS] = {0}, message[10] = {0};
  tangle_bundle_entry_t e = {.address = address, .tag = tag, .timestamp = 1, .message = message, .message_trits = 10};
  tangle_tx_t txs[2];
  ck_assert_int_eq(tangle_bundle_build(&e, 1, txs, 2), TANGLE_ERR_INVALID_LENGTH);
  ck_assert_int_eq(tangle_bundle_build(&e, 0, txs, 0), TANGLE_ERR_INVALID_LENGTH);
  ck_assert_int_eq(tangle_bundle_build(&e, 1, NULL, 1), TANGLE_ERR_NULL_ARG);
  e.timestamp = -1;
  ck_assert_int_eq(tangle_bundle_build(&e, 1, txs, 1), TANGLE_ERR_INVALID_VALUE);
  e.timestamp = TANGLE_TX_INT_MAX + 1;
  ck_assert_int_eq(tangle_bundle_build(&e, 1, txs, 1), TANGLE_ERR_INVALID_VALUE);
  e.timestamp = 1;
  tag[80] = 3;
  ck_assert_int_eq(tangle_bundle_build(&e, 1, txs, 1), TANGLE_ERR_INVALID_TRIT);
  tag[80] = 0;
  message[9] = -2;
  ck_assert_int_eq(tangle_bundle_build(&e, 1, txs, 1), TANGLE_ERR_INVALID_TRIT);
  message[9] = 0;
  e.address = NULL;
  ck_assert_int_eq(tangle_bundle_build(&e, 1, txs, 1), TANGLE_ERR_NULL_ARG);
  ck_assert_int_eq(tangle_bundle_finalize(txs, 0, NULL), TANGLE_ERR_INVALID_ARG);
  mam_trit_t h[HASH];
  ck_assert_int_eq(tangle_bundle_hash(txs, 0, h), TANGLE_ERR_INVALID_ARG);
}
END_TEST

/* Random bundles: finalisation leaves no 13 in the normalized hash and validates once chained. */
static tangle_err_t zero_nonce(tangle_tx_t *tx, void *ctx) {
  (void)ctx;
  memset(tx->nonce, 0, TANGLE_TX_TAG_TRITS);
  return TANGLE_OK;
}

START_TEST(test_random_bundles_finalise_and_validate) {
  uint64_t rng = 11;
  for (int round = 0; round < 6; round++) {
    mam_trit_t address[HASH], tag[TANGLE_TX_TAG_TRITS], message[3 * TANGLE_TX_FRAGMENT_TRITS], tips[2 * HASH];
    tu_random_trits(address, HASH, &rng);
    tu_random_trits(tag, sizeof tag, &rng);
    tu_random_trits(message, sizeof message, &rng);
    tu_random_trits(tips, sizeof tips, &rng);
    tangle_bundle_entry_t e = {.address = address, .tag = tag, .timestamp = 1600000000 + round,
                               .message = message, .message_trits = (size_t)(round + 1) * 3000};
    size_t n = tangle_bundle_entry_txs(&e);
    tangle_tx_t txs[3];
    ck_assert_int_eq(tangle_bundle_build(&e, 1, txs, n), TANGLE_OK);
    ck_assert_int_eq(tangle_bundle_finalize(txs, n, NULL), TANGLE_OK);
    int8_t norm[TANGLE_BUNDLE_NORMALIZED_TRYTES];
    tangle_bundle_normalize(txs[0].bundle, norm);
    for (size_t i = 0; i < TANGLE_BUNDLE_NORMALIZED_TRYTES; i++) ck_assert_int_ne(norm[i], 13);
    ck_assert_int_eq(tangle_bundle_attach(txs, n, tips, tips + HASH, 1600000000000, zero_nonce, NULL),
                     TANGLE_OK);
    ck_assert_int_eq(tangle_bundle_validate(txs, n, NULL), TANGLE_OK);
  }
}
END_TEST

/* A MAM bundle of a two-transaction header+packet run and a one-transaction run: two entries,
 * each with obsoleteTag = its tag, indexes over all three, finalised (no 13 in the normalized
 * hash), and the same as building the two entries by hand. */
START_TEST(test_from_mam) {
  uint64_t rng = 5;
  mam_tx_t mtx[3];
  for (size_t i = 0; i < 3; i++) {
    tu_random_trits(mtx[i].address, HASH, &rng);
    tu_random_trits(mtx[i].fragment, MAM_FRAGMENT_TRITS, &rng);
    memcpy(mtx[i].address, mtx[0].address, HASH);
  }
  tu_random_trits(mtx[0].tag, MAM_TAG_TRITS, &rng);
  memcpy(mtx[1].tag, mtx[0].tag, MAM_TAG_TRITS);
  tu_random_trits(mtx[2].tag, MAM_TAG_TRITS, &rng);
  mam_bundle_t b = {.txs = mtx, .n = 3, .cap = 3};
  tangle_tx_t txs[3], expected[3];
  ck_assert_int_eq(tangle_bundle_from_mam(&b, 1700000000, txs), TANGLE_OK);

  mam_trit_t message[2 * MAM_FRAGMENT_TRITS];
  memcpy(message, mtx[0].fragment, MAM_FRAGMENT_TRITS);
  memcpy(message + MAM_FRAGMENT_TRITS, mtx[1].fragment, MAM_FRAGMENT_TRITS);
  tangle_bundle_entry_t e[2] = {{mtx[0].address, mtx[0].tag, mtx[0].tag, 1700000000, message, 2 * MAM_FRAGMENT_TRITS},
                                {mtx[2].address, mtx[2].tag, mtx[2].tag, 1700000000, mtx[2].fragment, MAM_FRAGMENT_TRITS}};
  ck_assert_int_eq(tangle_bundle_build(e, 2, expected, 3), TANGLE_OK);
  ck_assert_int_eq(tangle_bundle_finalize(expected, 3, NULL), TANGLE_OK);
  for (size_t i = 0; i < 3; i++) {
    ck_assert_int_eq(txs[i].current_index, (int64_t)i);
    ck_assert_int_eq(txs[i].last_index, 2);
    ck_assert_int_eq(memcmp(txs[i].tag, mtx[i].tag, MAM_TAG_TRITS), 0);
    ck_assert_int_eq(memcmp(txs[i].bundle, expected[i].bundle, HASH), 0);
    ck_assert_int_eq(memcmp(txs[i].obsolete_tag, expected[i].obsolete_tag, TANGLE_TX_TAG_TRITS), 0);
  }
  int8_t norm[TANGLE_BUNDLE_NORMALIZED_TRYTES];
  tangle_bundle_normalize(txs[0].bundle, norm);
  for (size_t i = 0; i < TANGLE_BUNDLE_NORMALIZED_TRYTES; i++) ck_assert_int_ne(norm[i], 13);

  mam_bundle_t empty = {0};
  ck_assert_int_eq(tangle_bundle_from_mam(&empty, 0, txs), TANGLE_ERR_INVALID_ARG);
  ck_assert_int_eq(tangle_bundle_from_mam(NULL, 0, txs), TANGLE_ERR_NULL_ARG);
  ck_assert_int_eq(tangle_bundle_from_mam(&b, 0, NULL), TANGLE_ERR_NULL_ARG);
  ck_assert_int_eq(tangle_bundle_from_mam(&b, -1, txs), TANGLE_ERR_INVALID_VALUE);
}
END_TEST

static Suite *bundle_suite(void) {
  Suite *s = suite_create("tangle_bundle");
  TCase *tc = tcase_create("bundle");
  tcase_add_test(tc, test_normalize_vectors);
  tcase_add_test(tc, test_obsolete_tag_add);
  tcase_add_test(tc, test_bundle_vectors);
  tcase_add_test(tc, test_attach_step_by_step);
  tcase_add_test(tc, test_attach_with_callback);
  tcase_add_test(tc, test_chain_arguments);
  tcase_add_test(tc, test_validate_rejects_broken_bundles);
  tcase_add_test(tc, test_build_splits_and_pads);
  tcase_add_test(tc, test_build_rejects_bad_entries);
  tcase_add_test(tc, test_random_bundles_finalise_and_validate);
  tcase_add_test(tc, test_from_mam);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run_suite(bundle_suite()); }
