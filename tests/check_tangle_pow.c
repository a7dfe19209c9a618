/* Proof of work: every dispatch variant against the plain Curl-P, nonce search at small weights,
 * cancellation, and argument checks. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tangle/curl.h"
#include "tangle/pow.h"
#include "tangle/pow_internal.h"
#include "tests/testutil.h"

#define TX TANGLE_TX_TRITS
#define NONCE TANGLE_TX_OFF_NONCE
#define HASH TANGLE_CURL_HASH_TRITS

static const tangle_pow_variant_t variants[] = {TANGLE_POW_PORTABLE, TANGLE_POW_AVX2,
                                                TANGLE_POW_AVX512};
#define N_VARIANTS (sizeof variants / sizeof variants[0])

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static unsigned trailing_zeros(const mam_trit_t hash[HASH]) {
  unsigned n = 0;
  while (n < HASH && hash[HASH - 1 - n] == 0) n++;
  return n;
}

/* A variant this CPU lacks must be refused, not silently replaced. */
static void assert_variant_refused(tangle_pow_variant_t v) {
  mam_trit_t tx[TX] = {0};
  ck_assert_ptr_null(tangle_pow_kernel(v));
  ck_assert_int_eq(tangle_pow_with_variant(v, tx, 1, 1, NULL, NULL, NULL), TANGLE_ERR_INVALID_ARG);
  ck_assert_int_eq(tangle_pow_sliced_transform(v, tx, 81), TANGLE_ERR_INVALID_ARG);
}

/* PoW on a random transaction; checks the weight with the plain hash and that only the nonce
 * changed. */
static void check_pow_once(tangle_pow_variant_t v, unsigned mwm, unsigned threads, uint64_t *rng) {
  mam_trit_t tx[TX], before[TX], hash[HASH], plain[HASH];
  tu_random_trits(tx, TX, rng);
  memcpy(before, tx, TX);
  tangle_pow_stats_t stats;
  ck_assert_int_eq(tangle_pow_with_variant(v, tx, mwm, threads, NULL, hash, &stats), TANGLE_OK);
  tangle_curl_hash_tx(tx, plain);
  ck_assert_uint_ge(trailing_zeros(plain), mwm);
  ck_assert_mem_eq(hash, plain, HASH);
  ck_assert_mem_eq(tx, before, NONCE);
  ck_assert(mam_trits_valid(tx + NONCE, TANGLE_TX_TAG_TRITS));
  const tangle_pow_kernel_t *k = tangle_pow_kernel(v);
  ck_assert_str_eq(stats.variant, k->name);
  ck_assert_uint_eq(stats.lanes, k->lanes);
  ck_assert_uint_eq(stats.threads, threads);
  ck_assert_uint_gt(stats.trials, 0);
  ck_assert_uint_eq(stats.trials % k->lanes, 0);
}

/* Loop index: variant * 2 + (threads - 1). */
START_TEST(test_pow_small_weights) {
  tangle_pow_variant_t v = variants[_i / 2];
  unsigned threads = (unsigned)(_i % 2) + 1;
  if (!tangle_pow_kernel(v)) {
    assert_variant_refused(v);
    return;
  }
  uint64_t rng = 0x9000 + (uint64_t)_i;
  for (unsigned mwm = 5; mwm <= 9; mwm++) check_pow_once(v, mwm, threads, &rng);
}
END_TEST

START_TEST(test_auto_picks_widest) {
  const tangle_pow_kernel_t *widest = NULL;
  for (size_t i = 0; i < N_VARIANTS; i++) {
    const tangle_pow_kernel_t *k = tangle_pow_kernel(variants[i]);
    if (k && (!widest || k->lanes > widest->lanes)) widest = k;
  }
  ck_assert_ptr_nonnull(tangle_pow_kernel(TANGLE_POW_PORTABLE));
  ck_assert_ptr_eq(tangle_pow_kernel(TANGLE_POW_AUTO), widest);
  ck_assert_ptr_null(tangle_pow_kernel(TANGLE_POW__VARIANTS));
}
END_TEST

START_TEST(test_pow_weight_zero_and_twelve) {
  uint64_t rng = 0x120;
  check_pow_once(TANGLE_POW_AUTO, 0, 1, &rng);
  check_pow_once(TANGLE_POW_AUTO, 12, 2, &rng);
}
END_TEST

START_TEST(test_pow_all_cpus) {
  mam_trit_t tx[TX], hash[HASH];
  uint64_t rng = 0xa11;
  tu_random_trits(tx, TX, &rng);
  tangle_pow_stats_t stats;
  ck_assert_int_eq(tangle_pow(tx, 8, 0, NULL, NULL, &stats), TANGLE_OK);
  ck_assert_uint_ge(stats.threads, 1);
  tangle_curl_hash_tx(tx, hash);
  ck_assert_uint_ge(trailing_zeros(hash), 8);
}
END_TEST

/* Each lane of the bit-sliced kernel against the plain transform, for 81 rounds, for fewer
 * passes, and for the final rounds alone. */
START_TEST(test_sliced_transform_matches_plain) {
  tangle_pow_variant_t v = variants[_i];
  const tangle_pow_kernel_t *k = tangle_pow_kernel(v);
  if (!k) {
    assert_variant_refused(v);
    return;
  }
  size_t n = (size_t)k->lanes * POW_STATE;
  mam_trit_t *states = malloc(n), *want = malloc(n);
  ck_assert_ptr_nonnull(states);
  ck_assert_ptr_nonnull(want);
  uint64_t rng = 0x51ce + (uint64_t)_i;
  const unsigned rounds[] = {TANGLE_CURL_P81, POW_FINAL_ROUNDS + 6 * POW_DEPTH, POW_FINAL_ROUNDS};
  for (size_t r = 0; r < sizeof rounds / sizeof rounds[0]; r++) {
    tu_random_trits(states, n, &rng);
    memcpy(want, states, n);
    for (unsigned lane = 0; lane < k->lanes; lane++)
      tangle_curl_transform(want + (size_t)lane * POW_STATE, rounds[r]);
    ck_assert_int_eq(tangle_pow_sliced_transform(v, states, rounds[r]), TANGLE_OK);
    for (unsigned lane = 0; lane < k->lanes; lane++)
      ck_assert_msg(memcmp(states + (size_t)lane * POW_STATE, want + (size_t)lane * POW_STATE,
                           POW_STATE) == 0,
                    "%s lane %u differs after %u rounds", k->name, lane, rounds[r]);
  }
  ck_assert_int_eq(tangle_pow_sliced_transform(v, states, 80), TANGLE_ERR_INVALID_ARG);
  ck_assert_int_eq(tangle_pow_sliced_transform(v, NULL, 81), TANGLE_ERR_NULL_ARG);
  free(states);
  free(want);
}
END_TEST

/* The published Curl-P-81 transaction hash through the mid-state and the sliced kernel. */
START_TEST(test_sliced_mid_state_known_answer) {
  tangle_pow_variant_t v = variants[_i];
  const tangle_pow_kernel_t *k = tangle_pow_kernel(v);
  if (!k) {
    assert_variant_refused(v);
    return;
  }
  char *rest = vf_value("tangle.txt", "input = ABQBVH");
  char *hash_rest = vf_value("tangle.txt", "hash = ZVTEQD");
  size_t len = strlen(rest);
  char *input = malloc(len + 7), *hash_trytes = malloc(strlen(hash_rest) + 7);
  ck_assert_ptr_nonnull(input);
  ck_assert_ptr_nonnull(hash_trytes);
  memcpy(input, "ABQBVH", 6);
  memcpy(input + 6, rest, len + 1);
  memcpy(hash_trytes, "ZVTEQD", 6);
  memcpy(hash_trytes + 6, hash_rest, strlen(hash_rest) + 1);
  size_t n_tx, n_hash;
  mam_trit_t *tx = tu_trits(input, &n_tx), *want = tu_trits(hash_trytes, &n_hash);
  ck_assert_uint_eq(n_tx, TX);
  ck_assert_uint_eq(n_hash, HASH);

  tangle_curl_t curl;
  tangle_curl_init(&curl, TANGLE_CURL_P81);
  tangle_curl_absorb(&curl, tx, TX - HASH);
  memcpy(curl.state, tx + TX - HASH, HASH);
  mam_trit_t *states = malloc((size_t)k->lanes * POW_STATE);
  ck_assert_ptr_nonnull(states);
  for (unsigned lane = 0; lane < k->lanes; lane++)
    memcpy(states + (size_t)lane * POW_STATE, curl.state, POW_STATE);
  ck_assert_int_eq(tangle_pow_sliced_transform(v, states, TANGLE_CURL_P81), TANGLE_OK);
  for (unsigned lane = 0; lane < k->lanes; lane++)
    ck_assert_mem_eq(states + (size_t)lane * POW_STATE, want, HASH);
  free(states);
  free(tx);
  free(want);
  free(input);
  free(hash_trytes);
  free(rest);
  free(hash_rest);
}
END_TEST

/* The search's own transform (mid-state, lane trits, counter trits, passes in place, the final
 * rounds per position) against the plain transaction hash, in every lane, for counters whose
 * trits are all zero, low, mixed and near the top of the range. */
START_TEST(test_search_hashes_match_plain) {
  tangle_pow_variant_t v = variants[_i];
  const tangle_pow_kernel_t *k = tangle_pow_kernel(v);
  if (!k) {
    assert_variant_refused(v);
    return;
  }
  mam_trit_t tx[TX], hash[HASH];
  mam_trit_t *hashes = malloc((size_t)k->lanes * HASH);
  ck_assert_ptr_nonnull(hashes);
  uint64_t rng = 0x1a9e + (uint64_t)_i;
  const uint64_t counters[] = {0, 1, 7, 3486784401u /* 3^20 */, (uint64_t)INT64_MAX / 2 + 12345};
  for (size_t c = 0; c < sizeof counters / sizeof counters[0]; c++) {
    tu_random_trits(tx, TX, &rng);
    ck_assert_int_eq(tangle_pow_search_hashes(v, tx, counters[c], hashes), TANGLE_OK);
    for (unsigned lane = 0; lane < k->lanes; lane++) {
      tangle_pow_nonce(lane, counters[c], tx + NONCE);
      tangle_curl_hash_tx(tx, hash);
      ck_assert_msg(memcmp(hashes + (size_t)lane * HASH, hash, HASH) == 0,
                    "%s lane %u counter %llu differs from the plain hash", k->name, lane,
                    (unsigned long long)counters[c]);
    }
  }
  ck_assert_int_eq(tangle_pow_search_hashes(v, NULL, 0, hashes), TANGLE_ERR_NULL_ARG);
  ck_assert_int_eq(tangle_pow_search_hashes(v, tx, (uint64_t)INT64_MAX, hashes),
                   TANGLE_ERR_INVALID_ARG);
  free(hashes);
}
END_TEST

START_TEST(test_cancel_before_start) {
  mam_trit_t tx[TX], before[TX];
  uint64_t rng = 0xcafe;
  tu_random_trits(tx, TX, &rng);
  memcpy(before, tx, TX);
  atomic_int cancel;
  atomic_init(&cancel, 1);
  double t0 = now_s();
  ck_assert_int_eq(tangle_pow(tx, 30, 2, &cancel, NULL, NULL), TANGLE_ERR_POW_CANCELLED);
  ck_assert_double_lt(now_s() - t0, 0.5);
  ck_assert_mem_eq(tx, before, TX);
}
END_TEST

typedef struct {
  atomic_int *flag;
  double set_at;
} canceller_t;

/* CPU seconds the whole process has used. */
static double process_cpu_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Cancels once the search has used 0.1 s of CPU: on a loaded machine the workers may not have run
 * at all 0.1 s of wall time after the start, and then there would be nothing to cancel. */
static void *cancel_later(void *arg) {
  canceller_t *c = arg;
  double start = process_cpu_s();
  struct timespec pause = {0, 1000 * 1000};
  while (process_cpu_s() - start < 0.1) nanosleep(&pause, NULL);
  c->set_at = now_s();
  atomic_store(c->flag, 1);
  return NULL;
}

/* A search that cannot finish (weight 60), stopped from another thread while it runs. */
START_TEST(test_cancel_mid_run) {
  tangle_pow_variant_t v = variants[_i];
  if (!tangle_pow_kernel(v)) {
    assert_variant_refused(v);
    return;
  }
  mam_trit_t tx[TX], before[TX];
  uint64_t rng = 0xdead + (uint64_t)_i;
  tu_random_trits(tx, TX, &rng);
  memcpy(before, tx, TX);
  atomic_int flag;
  atomic_init(&flag, 0);
  canceller_t c = {&flag, 0};
  pthread_t tid;
  ck_assert_int_eq(pthread_create(&tid, NULL, cancel_later, &c), 0);
  tangle_pow_stats_t stats;
  tangle_err_t err = tangle_pow_with_variant(v, tx, 60, 2, &flag, NULL, &stats);
  double done = now_s();
  ck_assert_int_eq(pthread_join(tid, NULL), 0);
  ck_assert_int_eq(err, TANGLE_ERR_POW_CANCELLED);
  ck_assert_double_lt(done - c.set_at, 2.0); /* wall time: generous for a loaded machine */
  ck_assert_uint_gt(stats.trials, 0);
  ck_assert_mem_eq(tx, before, TX);
}
END_TEST

START_TEST(test_invalid_arguments) {
  mam_trit_t tx[TX], before[TX];
  uint64_t rng = 0xbad;
  tu_random_trits(tx, TX, &rng);
  ck_assert_int_eq(tangle_pow(NULL, 5, 1, NULL, NULL, NULL), TANGLE_ERR_NULL_ARG);
  ck_assert_int_eq(tangle_pow(tx, TANGLE_POW_MAX_MWM + 1, 1, NULL, NULL, NULL),
                   TANGLE_ERR_INVALID_ARG);
  ck_assert_int_eq(tangle_pow(tx, 5, TANGLE_POW_MAX_THREADS + 1, NULL, NULL, NULL),
                   TANGLE_ERR_INVALID_ARG);
  ck_assert_int_eq(tangle_pow_with_variant(TANGLE_POW__VARIANTS, tx, 5, 1, NULL, NULL, NULL),
                   TANGLE_ERR_INVALID_ARG);
  tx[100] = 2;
  memcpy(before, tx, TX);
  ck_assert_int_eq(tangle_pow(tx, 5, 1, NULL, NULL, NULL), TANGLE_ERR_INVALID_ARG);
  ck_assert_mem_eq(tx, before, TX);
}
END_TEST

START_TEST(test_trytes) {
  mam_trit_t trits[TX], hash[HASH];
  uint64_t rng = 0x7e7e;
  tu_random_trits(trits, TX, &rng);
  char *s = tu_trytes(trits, TX), *before = strdup(s);
  ck_assert_ptr_nonnull(before);
  ck_assert_int_eq(tangle_pow_trytes(s, 8, 2, NULL), TANGLE_OK);
  ck_assert_mem_eq(s, before, NONCE / 3);
  ck_assert_uint_eq(strlen(s), TANGLE_TX_TRYTES);
  ck_assert_int_eq(mam_trytes_to_trits(s, TANGLE_TX_TRYTES, trits), MAM_OK);
  tangle_curl_hash_tx(trits, hash);
  ck_assert_uint_ge(trailing_zeros(hash), 8);

  const size_t bad_at[] = {0, 1000, 2660, 2672};
  const char bad_chars[] = {'a', '@', '[', '0'};
  for (size_t i = 0; i < 4; i++) {
    strcpy(before, s);
    s[bad_at[i]] = bad_chars[i];
    char *corrupted = strdup(s);
    ck_assert_ptr_nonnull(corrupted);
    ck_assert_int_eq(tangle_pow_trytes(s, 5, 1, NULL), TANGLE_ERR_INVALID_TRYTE);
    ck_assert_str_eq(s, corrupted);
    free(corrupted);
    strcpy(s, before);
  }
  ck_assert_int_eq(tangle_pow_trytes(NULL, 5, 1, NULL), TANGLE_ERR_NULL_ARG);
  free(s);
  free(before);
}
END_TEST

int main(void) {
  Suite *s = suite_create("pow");
  TCase *tc = tcase_create("pow");
  tcase_add_loop_test(tc, test_sliced_transform_matches_plain, 0, N_VARIANTS);
  tcase_add_loop_test(tc, test_sliced_mid_state_known_answer, 0, N_VARIANTS);
  tcase_add_loop_test(tc, test_search_hashes_match_plain, 0, N_VARIANTS);
  tcase_add_loop_test(tc, test_pow_small_weights, 0, 2 * N_VARIANTS);
  tcase_add_test(tc, test_auto_picks_widest);
  tcase_add_test(tc, test_pow_weight_zero_and_twelve);
  tcase_add_test(tc, test_pow_all_cpus);
  tcase_add_test(tc, test_cancel_before_start);
  tcase_add_loop_test(tc, test_cancel_mid_run, 0, N_VARIANTS);
  tcase_add_test(tc, test_invalid_arguments);
  tcase_add_test(tc, test_trytes);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
