/* Curl-P (spec node-interface.md 3.1, 3.2): plain sponge against the published vectors, every
 * fast kernel (single-state and bit-sliced) against the plain sponge. */
#include <stdlib.h>
#include <string.h>

#include "tangle/curl.h"
#include "tangle/curl_internal.h"
#include "tests/testutil.h"
#include "tests/vecfile.h"

static void plain_hash(const mam_trit_t *in, size_t n, unsigned rounds,
                       mam_trit_t out[TANGLE_CURL_HASH_TRITS]) {
  tangle_curl_t c;
  tangle_curl_init(&c, rounds);
  tangle_curl_absorb(&c, in, n);
  tangle_curl_squeeze(&c, out, TANGLE_CURL_HASH_TRITS);
}

static void assert_hash_trytes(const mam_trit_t *hash, const char *want, const char *what) {
  char *got = tu_trytes(hash, TANGLE_CURL_HASH_TRITS);
  ck_assert_msg(strcmp(got, want) == 0, "%s: got %s, want %s", what, got, want);
  free(got);
}

static void check_plain_section(const char *section, unsigned rounds) {
  vf_section_t *s = vf_load("tangle.txt", section);
  for (size_t i = 0; i < s->n; i++) {
    size_t n;
    mam_trit_t *in = tu_trits(vf_get(&s->records[i], "input"), &n);
    mam_trit_t hash[TANGLE_CURL_HASH_TRITS];
    plain_hash(in, n, rounds, hash);
    assert_hash_trytes(hash, vf_get(&s->records[i], "hash"), section);
    free(in);
  }
  vf_free(s);
}

START_TEST(test_curl_p81_one_chunk) { check_plain_section("curl_p_81.243", TANGLE_CURL_P81); }
END_TEST

START_TEST(test_curl_p27_one_chunk) { check_plain_section("curl_p_27.243", TANGLE_CURL_P27); }
END_TEST

/* Squeezing 486 trits equals squeezing 243 twice (the transform runs after every chunk). */
START_TEST(test_plain_squeeze_in_pieces) {
  uint64_t rng = 7;
  mam_trit_t in[TANGLE_CURL_HASH_TRITS], whole[2 * TANGLE_CURL_HASH_TRITS], parts[2 * TANGLE_CURL_HASH_TRITS];
  tu_random_trits(in, sizeof in, &rng);
  tangle_curl_t a, b;
  tangle_curl_init(&a, TANGLE_CURL_P81);
  tangle_curl_init(&b, TANGLE_CURL_P81);
  tangle_curl_absorb(&a, in, sizeof in);
  tangle_curl_absorb(&b, in, sizeof in);
  tangle_curl_squeeze(&a, whole, sizeof whole);
  tangle_curl_squeeze(&b, parts, TANGLE_CURL_HASH_TRITS);
  tangle_curl_squeeze(&b, parts + TANGLE_CURL_HASH_TRITS, TANGLE_CURL_HASH_TRITS);
  ck_assert_mem_eq(whole, parts, sizeof whole);
  ck_assert(memcmp(whole, whole + TANGLE_CURL_HASH_TRITS, TANGLE_CURL_HASH_TRITS) != 0);
}
END_TEST

/* Hashes txs with every available kernel and compares with `want`. */
static void check_all_kernels(const mam_trit_t *txs, size_t count, const mam_trit_t *want) {
  mam_trit_t *got = malloc(count * TANGLE_CURL_HASH_TRITS);
  ck_assert_ptr_nonnull(got);
  for (tangle_curl_kernel_t k = 0; k < TANGLE_CURL_KERNEL_COUNT; k++) {
    if (!tangle_curl_kernel_available(k)) continue;
    memset(got, 5, count * TANGLE_CURL_HASH_TRITS);
    ck_assert_int_eq(tangle_curl_hash_tx_kernel(k, txs, count, got), TANGLE_OK);
    for (size_t i = 0; i < count; i++)
      ck_assert_msg(memcmp(got + i * TANGLE_CURL_HASH_TRITS, want + i * TANGLE_CURL_HASH_TRITS,
                           TANGLE_CURL_HASH_TRITS) == 0,
                    "kernel %d, count %zu: hash %zu differs", (int)k, count, i);
  }
  memset(got, 5, count * TANGLE_CURL_HASH_TRITS);
  ck_assert_int_eq(tangle_curl_hash_tx_batch(txs, count, got), TANGLE_OK);
  ck_assert_mem_eq(got, want, count * TANGLE_CURL_HASH_TRITS);
  free(got);
}

/* Every single-state kernel on one transaction, against the plain sponge. */
static void check_single_kernels(const mam_trit_t *tx, const mam_trit_t want[TANGLE_CURL_HASH_TRITS]) {
  mam_trit_t got[TANGLE_CURL_HASH_TRITS];
  tangle_curl_hash_tx_portable(tx, got);
  ck_assert_mem_eq(got, want, sizeof got);
#ifdef TANGLE_CURL_HAVE_AVX512
  if (tangle_curl_avx512_usable()) {
    tangle_curl_hash_tx_avx512(tx, got);
    ck_assert_mem_eq(got, want, sizeof got);
  }
#endif
  tangle_curl_hash_tx(tx, got);
  ck_assert_mem_eq(got, want, sizeof got);
}

START_TEST(test_transaction_vectors) {
  vf_section_t *s = vf_load("tangle.txt", "curl_p_81.transaction");
  mam_trit_t *txs = malloc(s->n * TANGLE_TX_TRITS), *want = malloc(s->n * TANGLE_CURL_HASH_TRITS);
  ck_assert(txs && want);
  for (size_t i = 0; i < s->n; i++) {
    size_t n;
    mam_trit_t *in = tu_trits(vf_get(&s->records[i], "input"), &n);
    ck_assert_uint_eq(n, TANGLE_TX_TRITS);
    memcpy(txs + i * TANGLE_TX_TRITS, in, n);
    mam_trit_t *hash = want + i * TANGLE_CURL_HASH_TRITS;
    plain_hash(in, n, TANGLE_CURL_P81, hash);
    assert_hash_trytes(hash, vf_get(&s->records[i], "hash"), "plain tx hash");
    check_single_kernels(in, hash);
    free(in);
  }
  check_all_kernels(txs, s->n, want);
  free(txs);
  free(want);
  vf_free(s);
}
END_TEST

/* Random and constant transactions: the fast single-state kernels equal the plain sponge. */
START_TEST(test_single_kernels_match_plain) {
  uint64_t rng = 0x2673;
  mam_trit_t tx[TANGLE_TX_TRITS], want[TANGLE_CURL_HASH_TRITS];
  for (int i = 0; i < 24; i++) {
    if (i < 3)
      memset(tx, i - 1, sizeof tx); /* all -1, all 0, all +1 */
    else
      tu_random_trits(tx, sizeof tx, &rng);
    plain_hash(tx, sizeof tx, TANGLE_CURL_P81, want);
    check_single_kernels(tx, want);
  }
}
END_TEST

/* Every kernel for counts around its lane width (partial, full and spilling groups). */
START_TEST(test_kernels_across_lane_boundaries) {
  const size_t pool = 2 * 512 + 1;
  mam_trit_t *txs = malloc(pool * TANGLE_TX_TRITS), *want = malloc(pool * TANGLE_CURL_HASH_TRITS);
  ck_assert(txs && want);
  uint64_t rng = 99;
  tu_random_trits(txs, pool * TANGLE_TX_TRITS, &rng);
  for (size_t i = 0; i < pool; i++)
    tangle_curl_hash_tx_portable(txs + i * TANGLE_TX_TRITS, want + i * TANGLE_CURL_HASH_TRITS);
  const size_t counts[] = {1, 2, 63, 64, 65, 129, 255, 256, 257, 511, 512, 513, 1025};
  for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) check_all_kernels(txs, counts[c], want);
  free(txs);
  free(want);
}
END_TEST

START_TEST(test_batch_arguments) {
  mam_trit_t tx[TANGLE_TX_TRITS] = {0}, hash[TANGLE_CURL_HASH_TRITS];
  ck_assert_int_eq(tangle_curl_hash_tx_batch(NULL, 0, NULL), TANGLE_OK);
  ck_assert_int_eq(tangle_curl_hash_tx_batch(NULL, 1, hash), TANGLE_ERR_NULL_ARG);
  ck_assert_int_eq(tangle_curl_hash_tx_batch(tx, 1, NULL), TANGLE_ERR_NULL_ARG);
  ck_assert_int_eq(tangle_curl_hash_tx_kernel(TANGLE_CURL_KERNEL_COUNT, tx, 1, hash),
                   TANGLE_ERR_INVALID_ARG);
  ck_assert(tangle_curl_kernel_available(TANGLE_CURL_KERNEL_SINGLE));
  ck_assert(tangle_curl_kernel_available(TANGLE_CURL_KERNEL_U64));
  ck_assert_uint_eq(tangle_curl_kernel_lanes(TANGLE_CURL_KERNEL_U64), 64);
}
END_TEST

static Suite *curl_suite(void) {
  Suite *s = suite_create("tangle_curl");
  TCase *tc = tcase_create("curl");
  tcase_add_test(tc, test_curl_p81_one_chunk);
  tcase_add_test(tc, test_curl_p27_one_chunk);
  tcase_add_test(tc, test_plain_squeeze_in_pieces);
  tcase_add_test(tc, test_transaction_vectors);
  tcase_add_test(tc, test_single_kernels_match_plain);
  tcase_add_test(tc, test_kernels_across_lane_boundaries);
  tcase_add_test(tc, test_batch_arguments);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run_suite(curl_suite()); }
