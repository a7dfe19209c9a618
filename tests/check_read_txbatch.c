/* Feed transactions hashed together (read/txbatch): each flush hands every kept transaction, in
 * arrival order, parsed and hashed exactly as tangle_tx_from_trytes_hashed does it one at a time,
 * at every lane boundary of the batch hash's kernels (64, 256, 512) and the cost model's switch
 * from single hashes to a group; a feed hash that lies is flagged; bad input is not kept. */
#include <stdlib.h>
#include <string.h>

#include "read/txbatch.h"
#include "tests/testutil.h"

#define TRYTES TANGLE_TX_TRYTES
#define HASH_TRYTES TANGLE_TX_HASH_TRYTES
#define VALUE_TRYTES (TANGLE_TX_OFF_VALUE / 3)
#define VALUE_USED_TRYTES (TANGLE_TX_VALUE_USED_TRITS / 3)

/* A valid transaction of random trytes (the value's unused trytes are zero). */
static void random_tx(char out[TRYTES], uint64_t *rng) {
  for (size_t i = 0; i < TRYTES; i++) out[i] = MAM_TRYTE_ALPHABET[tu_rand(rng) % 27];
  memset(out + VALUE_TRYTES + VALUE_USED_TRYTES, '9', TANGLE_TX_TAG_TRYTES - VALUE_USED_TRYTES);
}

typedef struct expected {
  size_t n, seen;
  char *trytes; /* n transactions */
  bool *lies;   /* the feed hash sent with each differs from the real one */
} expected_t;

static void check_one(void *ctx, const tangle_tx_t *tx, const mam_trit_t hash[TANGLE_TX_HASH_TRITS], bool hash_matches) {
  expected_t *e = ctx;
  ck_assert_uint_lt(e->seen, e->n);
  static tangle_tx_t want;
  mam_trit_t want_hash[TANGLE_TX_HASH_TRITS];
  ck_assert_int_eq(tangle_tx_from_trytes_hashed(&want, e->trytes + e->seen * TRYTES, TRYTES, want_hash), TANGLE_OK);
  ck_assert_mem_eq(tx, &want, sizeof want);
  ck_assert_mem_eq(hash, want_hash, TANGLE_TX_HASH_TRITS);
  ck_assert(hash_matches == !e->lies[e->seen]);
  e->seen++;
}

/* Adds n random transactions (feed hash: right, wrong or none, in turn), flushes, checks each. */
static void check_count(mg_txbatch_t *b, size_t n, uint64_t *rng) {
  expected_t e = {.n = n, .trytes = malloc(n * TRYTES), .lies = calloc(n, sizeof(bool))};
  ck_assert(e.trytes && e.lies);
  for (size_t i = 0; i < n; i++) {
    char *t = e.trytes + i * TRYTES;
    random_tx(t, rng);
    tangle_tx_t tx;
    mam_trit_t h[TANGLE_TX_HASH_TRITS];
    ck_assert_int_eq(tangle_tx_from_trytes_hashed(&tx, t, TRYTES, h), TANGLE_OK);
    char sent[HASH_TRYTES];
    mam_trits_to_trytes(h, TANGLE_TX_HASH_TRITS, sent);
    e.lies[i] = i % 3 == 1;
    size_t at = tu_rand(rng) % HASH_TRYTES;
    if (e.lies[i]) sent[at] = sent[at] == 'A' ? 'B' : 'A';
    ck_assert_int_eq(mg_txbatch_add(b, t, TRYTES, i % 3 == 2 ? NULL : sent), TANGLE_OK);
  }
  ck_assert_uint_eq(mg_txbatch_count(b), n);
  ck_assert_int_eq(mg_txbatch_flush(b, check_one, &e), TANGLE_OK);
  ck_assert_uint_eq(e.seen, n);
  ck_assert_uint_eq(mg_txbatch_count(b), 0);
  free(e.trytes);
  free(e.lies);
}

START_TEST(test_equal_to_one_at_a_time) {
  static const size_t counts[] = {1, 2, 3, 63, 64, 65, 73, 74, 75, 255, 256, 257, 511, 512, 513};
  uint64_t rng = 19;
  mg_txbatch_t *b = mg_txbatch_new(513);
  ck_assert_ptr_nonnull(b);
  for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) check_count(b, counts[i], &rng);
  check_count(b, 5, &rng); /* the batch is reusable after a flush */
  mg_txbatch_free(b);
}
END_TEST

static void never(void *ctx, const tangle_tx_t *tx, const mam_trit_t *hash, bool hash_matches) {
  (void)ctx, (void)tx, (void)hash, (void)hash_matches;
  ck_abort_msg("an empty flush called back");
}

START_TEST(test_bad_input_not_kept) {
  uint64_t rng = 7;
  mg_txbatch_t *b = mg_txbatch_new(2);
  ck_assert_ptr_nonnull(b);
  char t[TRYTES];
  random_tx(t, &rng);
  ck_assert_int_eq(mg_txbatch_add(b, t, TRYTES - 1, NULL), TANGLE_ERR_INVALID_LENGTH);
  t[100] = 'a';
  ck_assert_int_eq(mg_txbatch_add(b, t, TRYTES, NULL), TANGLE_ERR_INVALID_TRYTE);
  t[100] = 'A';
  t[VALUE_TRYTES + VALUE_USED_TRYTES] = 'A';
  ck_assert_int_eq(mg_txbatch_add(b, t, TRYTES, NULL), TANGLE_ERR_INVALID_VALUE);
  ck_assert_uint_eq(mg_txbatch_count(b), 0);
  ck_assert_int_eq(mg_txbatch_flush(b, never, NULL), TANGLE_OK);
  t[VALUE_TRYTES + VALUE_USED_TRYTES] = '9';
  ck_assert_int_eq(mg_txbatch_add(b, t, TRYTES, NULL), TANGLE_OK);
  ck_assert(!mg_txbatch_full(b));
  ck_assert_int_eq(mg_txbatch_add(b, t, TRYTES, NULL), TANGLE_OK);
  ck_assert(mg_txbatch_full(b));
  ck_assert_int_eq(mg_txbatch_add(b, t, TRYTES, NULL), TANGLE_ERR_INVALID_ARG);
  ck_assert_uint_eq(mg_txbatch_count(b), 2);
  ck_assert_ptr_null(mg_txbatch_new(0));
  mg_txbatch_free(b);
}
END_TEST

int main(void) {
  Suite *s = suite_create("read_txbatch");
  TCase *tc = tcase_create("txbatch");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_equal_to_one_at_a_time);
  tcase_add_test(tc, test_bad_input_not_kept);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
