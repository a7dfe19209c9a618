/* Transactions (spec node-interface.md 2): trytes/trits, balanced integers, the 15 fields of
 * real-layout transactions both ways, hashes and weights, and rejected malformed input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tangle/transaction.h"
#include "tests/testutil.h"
#include "tests/vecfile.h"

static void assert_trytes(const mam_trit_t *trits, size_t n, const char *want, const char *what) {
  char *got = tu_trytes(trits, n);
  ck_assert_msg(strcmp(got, want) == 0, "%s: got %s, want %s", what, got, want);
  free(got);
}

static int64_t parse_int(const char *s) { return (int64_t)strtoll(s, NULL, 10); }

START_TEST(test_tryte_table) {
  vf_section_t *s = vf_load("tangle.txt", "converter.tryte_table");
  const vf_record_t *r = &s->records[0];
  const char *trytes = vf_get(r, "trytes");
  size_t n = strlen(trytes);
  long long values[27], want[81];
  ck_assert_uint_eq(vf_ints(vf_get(r, "values"), values, 27), n);
  ck_assert_uint_eq(vf_ints(vf_get(r, "trits"), want, 81), 3 * n);
  mam_trit_t *t = tu_trits(trytes, NULL);
  for (size_t i = 0; i < n; i++) {
    ck_assert_int_eq(mam_tryte_value(trytes[i]), values[i]);
    ck_assert_int_eq(t[3 * i] + 3 * t[3 * i + 1] + 9 * t[3 * i + 2], values[i]);
  }
  for (size_t i = 0; i < 3 * n; i++) ck_assert_int_eq(t[i], want[i]);
  assert_trytes(t, 3 * n, trytes, "trits back to trytes");
  free(t);
  vf_free(s);
}
END_TEST

START_TEST(test_integer_vectors) {
  vf_section_t *s = vf_load("tangle.txt", "converter.integer");
  for (size_t i = 0; i < s->n; i++) {
    const vf_record_t *r = &s->records[i];
    int64_t value = parse_int(vf_get(r, "value"));
    size_t width = (size_t)parse_int(vf_get(r, "width_trits"));
    long long want[81];
    ck_assert_uint_eq(vf_ints(vf_get(r, "trits"), want, 81), width);
    mam_trit_t t[81];
    ck_assert_int_eq(tangle_int_to_trits(value, t, width), TANGLE_OK);
    for (size_t j = 0; j < width; j++) ck_assert_int_eq(t[j], want[j]);
    assert_trytes(t, width, vf_get(r, "trytes"), vf_get(r, "value"));
    int64_t back;
    ck_assert_int_eq(tangle_int_from_trits(t, width, &back), TANGLE_OK);
    ck_assert_int_eq(back, value);
  }
  vf_free(s);
}
END_TEST

START_TEST(test_integer_limits) {
  mam_trit_t t[81];
  ck_assert_int_eq(tangle_int_to_trits(TANGLE_TX_INT_MAX + 1, t, 27), TANGLE_ERR_INVALID_VALUE);
  ck_assert_int_eq(tangle_int_to_trits(-TANGLE_TX_INT_MAX - 1, t, 27), TANGLE_ERR_INVALID_VALUE);
  ck_assert_int_eq(tangle_int_to_trits(TANGLE_TX_INT_MAX, t, 27), TANGLE_OK);
  ck_assert_int_eq(tangle_int_to_trits(TANGLE_TX_VALUE_MAX + 1, t, 33), TANGLE_ERR_INVALID_VALUE);
  ck_assert_int_eq(tangle_int_to_trits(2, t, 1), TANGLE_ERR_INVALID_VALUE);
  ck_assert_int_eq(tangle_int_to_trits(INT64_MAX, t, 81), TANGLE_OK);
  int64_t v;
  ck_assert_int_eq(tangle_int_from_trits(t, 81, &v), TANGLE_OK);
  ck_assert_int_eq(v, INT64_MAX);
  ck_assert_int_eq(tangle_int_to_trits(INT64_MIN, t, 81), TANGLE_ERR_INVALID_VALUE);
  ck_assert_int_eq(tangle_int_to_trits(1, t, 0), TANGLE_ERR_INVALID_ARG);
  ck_assert_int_eq(tangle_int_to_trits(INT64_MAX - 5, t, 81), TANGLE_OK);
  t[41] = 1; /* 3^41 alone is beyond int64 */
  ck_assert_int_eq(tangle_int_from_trits(t, 81, &v), TANGLE_ERR_INVALID_VALUE);
  t[41] = 0;
  t[60] = -1;
  ck_assert_int_eq(tangle_int_from_trits(t, 81, &v), TANGLE_ERR_INVALID_VALUE);
  t[60] = 0;
  t[3] = 2;
  ck_assert_int_eq(tangle_int_from_trits(t, 81, &v), TANGLE_ERR_INVALID_TRIT);
}
END_TEST

/* Integer field: the decoded value and its raw trytes. */
static void check_int_field(const vf_record_t *r, const char *name, int64_t got, const mam_trit_t *all) {
  char key[64];
  ck_assert_int_eq(got, parse_int(vf_get(r, name)));
  snprintf(key, sizeof key, "%s_trytes", name);
  const char *raw = vf_get(r, key);
  assert_trytes(all, 3 * strlen(raw), raw, key);
}

static void check_tx_fields(const vf_record_t *r, const tangle_tx_t *tx, const mam_trit_t *t) {
  assert_trytes(tx->signature_message_fragment, TANGLE_TX_FRAGMENT_TRITS,
                vf_get(r, "signatureMessageFragment"), "signatureMessageFragment");
  assert_trytes(tx->address, TANGLE_TX_HASH_TRITS, vf_get(r, "address"), "address");
  check_int_field(r, "value", tx->value, t + TANGLE_TX_OFF_VALUE);
  assert_trytes(tx->obsolete_tag, TANGLE_TX_TAG_TRITS, vf_get(r, "obsoleteTag"), "obsoleteTag");
  check_int_field(r, "timestamp", tx->timestamp, t + TANGLE_TX_OFF_TIMESTAMP);
  check_int_field(r, "currentIndex", tx->current_index, t + TANGLE_TX_OFF_CURRENT_INDEX);
  check_int_field(r, "lastIndex", tx->last_index, t + TANGLE_TX_OFF_LAST_INDEX);
  assert_trytes(tx->bundle, TANGLE_TX_HASH_TRITS, vf_get(r, "bundle"), "bundle");
  assert_trytes(tx->trunk, TANGLE_TX_HASH_TRITS, vf_get(r, "trunkTransaction"), "trunk");
  assert_trytes(tx->branch, TANGLE_TX_HASH_TRITS, vf_get(r, "branchTransaction"), "branch");
  assert_trytes(tx->tag, TANGLE_TX_TAG_TRITS, vf_get(r, "tag"), "tag");
  check_int_field(r, "attachmentTimestamp", tx->attachment_timestamp, t + TANGLE_TX_OFF_ATTACHMENT_TS);
  check_int_field(r, "attachmentTimestampLowerBound", tx->attachment_timestamp_lower,
                  t + TANGLE_TX_OFF_ATTACHMENT_TS_LOWER);
  check_int_field(r, "attachmentTimestampUpperBound", tx->attachment_timestamp_upper,
                  t + TANGLE_TX_OFF_ATTACHMENT_TS_UPPER);
  assert_trytes(tx->nonce, TANGLE_TX_TAG_TRITS, vf_get(r, "nonce"), "nonce");
}

START_TEST(test_transaction_vectors) {
  vf_section_t *s = vf_load("tangle.txt", "transaction");
  for (size_t i = 0; i < s->n; i++) {
    const vf_record_t *r = &s->records[i];
    const char *trytes = vf_get(r, "trytes");
    tangle_tx_t tx;
    ck_assert_int_eq(tangle_tx_from_trytes(&tx, trytes, strlen(trytes)), TANGLE_OK);
    mam_trit_t t[TANGLE_TX_TRITS];
    ck_assert_int_eq(tangle_tx_to_trits(&tx, t), TANGLE_OK);
    check_tx_fields(r, &tx, t);

    char out[TANGLE_TX_TRYTES + 1] = {0};
    ck_assert_int_eq(tangle_tx_to_trytes(&tx, out), TANGLE_OK);
    ck_assert_str_eq(out, trytes);

    tangle_tx_t again;
    ck_assert_int_eq(tangle_tx_from_trits(&again, t), TANGLE_OK);
    ck_assert_mem_eq(&again, &tx, sizeof tx);

    mam_trit_t essence[TANGLE_TX_ESSENCE_TRITS], hash[TANGLE_TX_HASH_TRITS];
    ck_assert_int_eq(tangle_tx_essence(&tx, essence), TANGLE_OK);
    assert_trytes(essence, sizeof essence, vf_get(r, "essence"), "essence");
    ck_assert_int_eq(tangle_tx_hash(&tx, hash), TANGLE_OK);
    assert_trytes(hash, sizeof hash, vf_get(r, "hash"), "hash");
    tangle_tx_t hashed;
    mam_trit_t hash_at_once[TANGLE_TX_HASH_TRITS];
    ck_assert_int_eq(tangle_tx_from_trytes_hashed(&hashed, trytes, strlen(trytes), hash_at_once), TANGLE_OK);
    ck_assert_mem_eq(&hashed, &tx, sizeof tx);
    ck_assert_mem_eq(hash_at_once, hash, sizeof hash);
    ck_assert_uint_eq(tangle_hash_weight(hash), (unsigned)parse_int(vf_get(r, "weight")));
  }
  vf_free(s);
}
END_TEST

/* A valid transaction's trytes (the first vector), NUL-terminated, for the malformed cases. */
static char *sample_trytes(void) {
  vf_section_t *s = vf_load("tangle.txt", "transaction");
  char *t = strdup(vf_get(&s->records[0], "trytes"));
  ck_assert_ptr_nonnull(t);
  vf_free(s);
  return t;
}

START_TEST(test_rejects_bad_length) {
  char *t = sample_trytes();
  tangle_tx_t tx;
  ck_assert_int_eq(tangle_tx_from_trytes(&tx, t, TANGLE_TX_TRYTES - 1), TANGLE_ERR_INVALID_LENGTH);
  ck_assert_int_eq(tangle_tx_from_trytes(&tx, t, 0), TANGLE_ERR_INVALID_LENGTH);
  mam_trit_t hash[TANGLE_TX_HASH_TRITS];
  ck_assert_int_eq(tangle_tx_from_trytes_hashed(&tx, t, TANGLE_TX_TRYTES - 1, hash), TANGLE_ERR_INVALID_LENGTH);
  ck_assert_int_eq(tangle_tx_from_trytes_hashed(&tx, t, TANGLE_TX_TRYTES, NULL), TANGLE_ERR_NULL_ARG);
  char *longer = malloc(TANGLE_TX_TRYTES + 2);
  ck_assert_ptr_nonnull(longer);
  memcpy(longer, t, TANGLE_TX_TRYTES);
  memcpy(longer + TANGLE_TX_TRYTES, "99", 2);
  ck_assert_int_eq(tangle_tx_from_trytes(&tx, longer, TANGLE_TX_TRYTES + 1), TANGLE_ERR_INVALID_LENGTH);
  ck_assert_int_eq(tangle_tx_from_trytes(&tx, longer, TANGLE_TX_TRYTES), TANGLE_OK);
  ck_assert_int_eq(tangle_tx_from_trytes(&tx, NULL, TANGLE_TX_TRYTES), TANGLE_ERR_NULL_ARG);
  ck_assert_int_eq(tangle_tx_from_trytes(NULL, t, TANGLE_TX_TRYTES), TANGLE_ERR_NULL_ARG);
  free(longer);
  free(t);
}
END_TEST

START_TEST(test_rejects_bad_characters) {
  char *t = sample_trytes();
  const size_t positions[] = {0, 2186, 2187, 2300, TANGLE_TX_TRYTES - 1};
  const char bad[] = {'a', 'z', '0', ' ', '@', '[', '\0', (char)0xC3};
  tangle_tx_t tx;
  for (size_t p = 0; p < sizeof positions / sizeof *positions; p++)
    for (size_t b = 0; b < sizeof bad; b++) {
      char saved = t[positions[p]];
      t[positions[p]] = bad[b];
      ck_assert_int_eq(tangle_tx_from_trytes(&tx, t, TANGLE_TX_TRYTES), TANGLE_ERR_INVALID_TRYTE);
      t[positions[p]] = saved;
    }
  free(t);
}
END_TEST

/* Value trits 33..80 (trytes 2279..2294) must be zero; trits up to 32 are fine. */
START_TEST(test_rejects_high_value_trits) {
  char *t = sample_trytes();
  tangle_tx_t tx;
  const size_t value_tryte = TANGLE_TX_OFF_VALUE / 3, first_unused = value_tryte + 11;
  t[first_unused - 1] = 'M'; /* trits 30..32 */
  ck_assert_int_eq(tangle_tx_from_trytes(&tx, t, TANGLE_TX_TRYTES), TANGLE_OK);
  ck_assert_int_gt(tx.value, 0);
  for (size_t i = first_unused; i < value_tryte + 27; i += 5) {
    t[i] = 'A';
    ck_assert_int_eq(tangle_tx_from_trytes(&tx, t, TANGLE_TX_TRYTES), TANGLE_ERR_INVALID_VALUE);
    t[i] = '9';
  }
  free(t);
}
END_TEST

START_TEST(test_serialise_rejects_out_of_range) {
  tangle_tx_t tx;
  tangle_tx_init(&tx);
  mam_trit_t t[TANGLE_TX_TRITS];
  tx.value = TANGLE_TX_VALUE_MAX;
  ck_assert_int_eq(tangle_tx_to_trits(&tx, t), TANGLE_OK);
  tangle_tx_t back;
  ck_assert_int_eq(tangle_tx_from_trits(&back, t), TANGLE_OK);
  ck_assert_int_eq(back.value, TANGLE_TX_VALUE_MAX);
  tx.value = -TANGLE_TX_VALUE_MAX - 1;
  ck_assert_int_eq(tangle_tx_to_trits(&tx, t), TANGLE_ERR_INVALID_VALUE);
  tx.value = 0;
  tx.timestamp = TANGLE_TX_INT_MAX + 1;
  ck_assert_int_eq(tangle_tx_to_trits(&tx, t), TANGLE_ERR_INVALID_VALUE);
  tx.timestamp = 0;
  tx.attachment_timestamp_upper = -TANGLE_TX_INT_MAX - 1;
  ck_assert_int_eq(tangle_tx_hash(&tx, t), TANGLE_ERR_INVALID_VALUE);
  tx.attachment_timestamp_upper = 0;
  tx.address[17] = 2;
  ck_assert_int_eq(tangle_tx_to_trits(&tx, t), TANGLE_ERR_INVALID_TRIT);
  char trytes[TANGLE_TX_TRYTES];
  ck_assert_int_eq(tangle_tx_to_trytes(&tx, trytes), TANGLE_ERR_INVALID_TRIT);
  tx.address[17] = 0;
  memset(t, 0, sizeof t);
  t[TANGLE_TX_OFF_NONCE] = -2;
  ck_assert_int_eq(tangle_tx_from_trits(&back, t), TANGLE_ERR_INVALID_TRIT);
}
END_TEST

START_TEST(test_weight) {
  mam_trit_t h[TANGLE_TX_HASH_TRITS] = {0};
  ck_assert_uint_eq(tangle_hash_weight(h), TANGLE_TX_HASH_TRITS);
  h[TANGLE_TX_HASH_TRITS - 1] = -1;
  ck_assert_uint_eq(tangle_hash_weight(h), 0);
  h[TANGLE_TX_HASH_TRITS - 1] = 0;
  h[TANGLE_TX_HASH_TRITS - 15] = 1;
  ck_assert_uint_eq(tangle_hash_weight(h), 14);
}
END_TEST

static Suite *tx_suite(void) {
  Suite *s = suite_create("tangle_tx");
  TCase *tc = tcase_create("transaction");
  tcase_add_test(tc, test_tryte_table);
  tcase_add_test(tc, test_integer_vectors);
  tcase_add_test(tc, test_integer_limits);
  tcase_add_test(tc, test_transaction_vectors);
  tcase_add_test(tc, test_rejects_bad_length);
  tcase_add_test(tc, test_rejects_bad_characters);
  tcase_add_test(tc, test_rejects_high_value_trits);
  tcase_add_test(tc, test_serialise_rejects_out_of_range);
  tcase_add_test(tc, test_weight);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run_suite(tx_suite()); }
