/* Troika: the known answers of spec 2.3 for the plain and the fast implementation, the fast
 * single F against the plain one on random states, and every batch implementation the CPU
 * supports against the loop definitions of troika.h, around every lane-width boundary. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mamcore/troika.h"
#include "mamcore/troika_fast.h"
#include "tests/testutil.h"

#define STATE MAM_TROIKA_STATE_TRITS

START_TEST(test_f_of_zero_state) {
  mam_trit_t s[729] = {0}, r[729] = {0};
  mam_troika_f(s);
  mam_troika_ref_f(r);
  char *want = vf_value("mam2.txt", "F(balanced 0^729) [= mam/troika/tests KAT] =");
  char *got = tu_trytes(s, 729), *got_ref = tu_trytes(r, 729);
  ck_assert_str_eq(got_ref, want);
  ck_assert_str_eq(got, want);
  free(want);
  free(got);
  free(got_ref);
}
END_TEST

START_TEST(test_permutation_of_unbalanced_zero) {
  uint8_t u[729] = {0};
  mam_troika_ref_permute(u, MAM_TROIKA_ROUNDS);
  mam_trit_t s[729];
  for (int i = 0; i < 729; i++) s[i] = (mam_trit_t)(u[i] - 1);
  char *want = vf_value("mam2.txt", "TroikaPerm(unbalanced 0^729) =");
  char *got = tu_trytes(s, 729);
  ck_assert_str_eq(got, want);
  free(want);
  free(got);
}
END_TEST

/* F((-1)^729) is the second known answer: the fast F must reach it too. */
START_TEST(test_f_of_minus_ones) {
  mam_trit_t s[729];
  memset(s, -1, sizeof s);
  mam_troika_f(s);
  char *want = vf_value("mam2.txt", "TroikaPerm(unbalanced 0^729) =");
  char *got = tu_trytes(s, 729);
  ck_assert_str_eq(got, want);
  free(want);
  free(got);
}
END_TEST

/* The lane form of the round constants is the table of troika_constants.c regrouped. */
START_TEST(test_round_constant_lanes) {
  for (unsigned r = 0; r < MAM_TROIKA_ROUNDS; r++)
    for (unsigned s = 0; s < MAM_TROIKA_SLICES; s++)
      for (unsigned c = 0; c < MAM_TROIKA_COLUMNS; c++) {
        char v = mam_troika_round_constants[r][MAM_TROIKA_COLUMNS * s + c];
        ck_assert_uint_eq((mam_troika_rc_lanes[r][c].pos >> s) & 1, v == '1');
        ck_assert_uint_eq((mam_troika_rc_lanes[r][c].neg >> s) & 1, v == '2');
      }
}
END_TEST

/* The single-state F and both of its implementations (the AVX-512 one where the CPU has it). */
static void (*const single_fs[])(mam_trit_t *) = {
    mam_troika_f,
    mam_troika_lanes_f,
#if defined(__x86_64__) || defined(__i386__)
    mam_troika_lanes_f_avx512,
#endif
};

START_TEST(test_fast_f_equals_plain_on_random_states) {
  if (_i == 2 && !mam_troika_impl_supported(MAM_TROIKA_SLICED_AVX512)) return;
  uint64_t rng = 0x7201a + (uint64_t)_i;
  mam_trit_t s[STATE], r[STATE];
  for (int n = 0; n < 2000; n++) {
    tu_random_trits(s, STATE, &rng);
    memcpy(r, s, sizeof s);
    single_fs[_i](s);
    mam_troika_ref_f(r);
    ck_assert_mem_eq(s, r, sizeof s);
  }
}
END_TEST

/* F on packed states, plain and AVX-512 (several interleaved), for every number of states up to
 * two groups and one more: each state comes out as the plain F makes it. */
static void (*const packed_fs[])(mam_troika_lanes_t *, size_t) = {
    mam_troika_packed_f,
#if defined(__x86_64__) || defined(__i386__)
    mam_troika_packed_f_avx512,
#endif
};

START_TEST(test_packed_f_equals_plain_for_every_count) {
  if (_i == 1 && !mam_troika_impl_supported(MAM_TROIKA_PACKED_AVX512)) return;
  enum { MAX_N = 2 * MAM_TROIKA_PACKED_AVX512_WIDTH + 1 };
  uint64_t rng = 0x9ac4 + (uint64_t)_i;
  mam_trit_t s[MAX_N][STATE], want[MAX_N][STATE];
  mam_troika_lanes_t packed[MAX_N];
  for (size_t n = 1; n <= MAX_N; n++) {
    for (size_t j = 0; j < n; j++) {
      tu_random_trits(s[j], STATE, &rng);
      memcpy(want[j], s[j], STATE);
      mam_troika_ref_f(want[j]);
      mam_troika_lanes_load(&packed[j], s[j]);
    }
    packed_fs[_i](packed, n);
    for (size_t j = 0; j < n; j++) {
      mam_troika_lanes_store(s[j], &packed[j]);
      ck_assert_mem_eq(s[j], want[j], STATE);
    }
  }
}
END_TEST

/* ---- Batch implementations against their loop definitions ---- */

static const mam_troika_impl_t impls[] = {MAM_TROIKA_AUTO,          MAM_TROIKA_SINGLE,
                                          MAM_TROIKA_SLICED_64,     MAM_TROIKA_SLICED_AVX2,
                                          MAM_TROIKA_SLICED_AVX512, MAM_TROIKA_PACKED,
                                          MAM_TROIKA_PACKED_AVX512};
#define N_IMPLS (sizeof impls / sizeof impls[0])

/* Counts around the lane widths of `impl`: 1, lanes-1, lanes, lanes+1, 3*lanes+5 (64 lanes
 * for those that take one state at a time). */
static size_t boundary_counts(mam_troika_impl_t impl, size_t out[5]) {
  size_t lanes = mam_troika_impl_lanes(impl);
  if (lanes <= 1) lanes = 64;
  out[0] = 1;
  out[1] = lanes - 1;
  out[2] = lanes;
  out[3] = lanes + 1;
  out[4] = 3 * lanes + 5;
  return 5;
}

static mam_trit_t *random_buffer(size_t n, uint64_t *rng) {
  mam_trit_t *t = malloc(n ? n : 1);
  ck_assert_ptr_nonnull(t);
  tu_random_trits(t, n, rng);
  return t;
}

/* H(x) = F(x || 0)[0..len): the single-step definition the batch functions are built from. The
 * single F stands for F here; test_fast_f_equals_plain_on_random_states holds it to the plain one.
 */
static void hash_by_definition(const mam_trit_t *in, size_t in_len, mam_trit_t *out, size_t out_len) {
  mam_trit_t s[STATE] = {0};
  memcpy(s, in, in_len);
  mam_troika_f(s);
  memcpy(out, s, out_len);
}

static void check_f_batch(mam_troika_impl_t impl, size_t count, uint64_t *rng) {
  mam_trit_t *got = random_buffer(count * STATE, rng);
  mam_trit_t *want = malloc(count * STATE);
  ck_assert_ptr_nonnull(want);
  memcpy(want, got, count * STATE);
  mam_troika_f_batch_impl(impl, got, count);
  for (size_t j = 0; j < count; j++) mam_troika_f(want + j * STATE);
  ck_assert_mem_eq(got, want, count * STATE);
  free(got);
  free(want);
}

static void check_hash_batch(mam_troika_impl_t impl, size_t count, size_t in_len, size_t out_len,
                             uint64_t *rng) {
  mam_trit_t *in = random_buffer(count * in_len, rng);
  mam_trit_t *got = random_buffer(count * out_len, rng);
  mam_trit_t *want = malloc(count * out_len + 1);
  ck_assert_ptr_nonnull(want);
  mam_troika_hash_batch_impl(impl, in, in_len, got, out_len, count);
  for (size_t j = 0; j < count; j++)
    hash_by_definition(in + j * in_len, in_len, want + j * out_len, out_len);
  ck_assert_mem_eq(got, want, count * out_len);
  free(in);
  free(got);
  free(want);
}

static void check_chains(mam_troika_impl_t impl, size_t count, size_t len, uint64_t *rng) {
  mam_trit_t *got = random_buffer(count * len, rng);
  mam_trit_t *want = malloc(count * len);
  uint8_t *steps = malloc(count);
  ck_assert_ptr_nonnull(want);
  ck_assert_ptr_nonnull(steps);
  memcpy(want, got, count * len);
  for (size_t j = 0; j < count; j++) steps[j] = (uint8_t)(tu_rand(rng) % 27);
  if (count > 2) steps[count / 2] = 0;
  mam_troika_chains_impl(impl, got, len, steps, count);
  for (size_t j = 0; j < count; j++)
    for (unsigned k = 0; k < steps[j]; k++)
      hash_by_definition(want + j * len, len, want + j * len, len);
  ck_assert_mem_eq(got, want, count * len);
  free(got);
  free(want);
  free(steps);
}

START_TEST(test_f_batch_equals_loop) {
  mam_troika_impl_t impl = impls[_i];
  if (!mam_troika_impl_supported(impl)) return;
  uint64_t rng = 0xf0 + (uint64_t)_i;
  size_t counts[5];
  for (size_t k = 0, n = boundary_counts(impl, counts); k < n; k++)
    check_f_batch(impl, counts[k], &rng);
  check_f_batch(impl, 0, &rng);
}
END_TEST

START_TEST(test_hash_batch_equals_loop) {
  mam_troika_impl_t impl = impls[_i];
  if (!mam_troika_impl_supported(impl)) return;
  uint64_t rng = 0x4a + (uint64_t)_i;
  size_t counts[5];
  for (size_t k = 0, n = boundary_counts(impl, counts); k < n; k++) {
    check_hash_batch(impl, counts[k], 486, 243, &rng);
    check_hash_batch(impl, counts[k], 1 + (size_t)(tu_rand(&rng) % 486),
                     (size_t)(tu_rand(&rng) % 487), &rng);
  }
}
END_TEST

START_TEST(test_chains_equal_loop) {
  mam_troika_impl_t impl = impls[_i];
  if (!mam_troika_impl_supported(impl)) return;
  uint64_t rng = 0xc4 + (uint64_t)_i;
  size_t counts[5];
  for (size_t k = 0, n = boundary_counts(impl, counts); k < n; k++) {
    check_chains(impl, counts[k], 162, &rng);
    check_chains(impl, counts[k], 1 + (size_t)(tu_rand(&rng) % 486), &rng);
  }
}
END_TEST

/* Chains with no steps keep their values, whatever the implementation. */
START_TEST(test_chains_of_zero_steps) {
  mam_troika_impl_t impl = impls[_i];
  if (!mam_troika_impl_supported(impl)) return;
  uint64_t rng = 0x5e0 + (uint64_t)_i;
  size_t count = 600;
  mam_trit_t *chains = random_buffer(count * 162, &rng), *copy = malloc(count * 162);
  uint8_t *steps = calloc(count, 1);
  ck_assert_ptr_nonnull(copy);
  ck_assert_ptr_nonnull(steps);
  memcpy(copy, chains, count * 162);
  mam_troika_chains_impl(impl, chains, 162, steps, count);
  ck_assert_mem_eq(chains, copy, count * 162);
  free(chains);
  free(copy);
  free(steps);
}
END_TEST

/* Two threads hashing chains at once get the same results as one after the other. */
typedef struct {
  mam_trit_t *chains;
  uint8_t *steps;
  size_t count;
} chain_job_t;

static void *run_chain_job(void *arg) {
  chain_job_t *job = arg;
  mam_troika_chains(job->chains, 162, job->steps, job->count);
  return NULL;
}

START_TEST(test_chains_from_two_threads) {
  uint64_t rng = 0x7d;
  size_t count = 4 * 81;
  chain_job_t jobs[2];
  mam_trit_t *want[2];
  pthread_t threads[2];
  for (int t = 0; t < 2; t++) {
    jobs[t].count = count;
    jobs[t].chains = random_buffer(count * 162, &rng);
    jobs[t].steps = malloc(count);
    want[t] = malloc(count * 162);
    ck_assert_ptr_nonnull(jobs[t].steps);
    ck_assert_ptr_nonnull(want[t]);
    for (size_t j = 0; j < count; j++) jobs[t].steps[j] = (uint8_t)(tu_rand(&rng) % 27);
    memcpy(want[t], jobs[t].chains, count * 162);
    mam_troika_chains_impl(MAM_TROIKA_SINGLE, want[t], 162, jobs[t].steps, count);
  }
  for (int t = 0; t < 2; t++)
    ck_assert_int_eq(pthread_create(&threads[t], NULL, run_chain_job, &jobs[t]), 0);
  for (int t = 0; t < 2; t++) {
    ck_assert_int_eq(pthread_join(threads[t], NULL), 0);
    ck_assert_mem_eq(jobs[t].chains, want[t], count * 162);
    free(jobs[t].chains);
    free(jobs[t].steps);
    free(want[t]);
  }
}
END_TEST

/* Lengths out of range leave the buffers untouched. */
START_TEST(test_bad_lengths_do_nothing) {
  mam_trit_t in[729] = {0}, out[729], copy[729];
  uint8_t steps[1] = {3};
  memset(out, 1, sizeof out);
  memcpy(copy, out, sizeof out);
  mam_troika_hash_batch(in, 0, out, 243, 1);
  mam_troika_hash_batch(in, 487, out, 243, 1);
  mam_troika_hash_batch(in, 243, out, 487, 1);
  mam_troika_chains(out, 0, steps, 1);
  mam_troika_chains(out, 487, steps, 1);
  ck_assert_mem_eq(out, copy, sizeof out);
}
END_TEST

START_TEST(test_impl_lanes) {
  ck_assert_uint_eq(mam_troika_impl_lanes(MAM_TROIKA_AUTO), 0);
  ck_assert_uint_eq(mam_troika_impl_lanes(MAM_TROIKA_SINGLE), 1);
  ck_assert_uint_eq(mam_troika_impl_lanes(MAM_TROIKA_SLICED_64), 64);
  ck_assert_uint_eq(mam_troika_impl_lanes(MAM_TROIKA_PACKED), 1);
  ck_assert(mam_troika_impl_supported(MAM_TROIKA_PACKED));
  ck_assert(mam_troika_impl_supported(MAM_TROIKA_AUTO));
  ck_assert(mam_troika_impl_supported(MAM_TROIKA_SLICED_64));
}
END_TEST

int main(void) {
  Suite *s = suite_create("troika");
  TCase *tc = tcase_create("kat");
  tcase_add_test(tc, test_f_of_zero_state);
  tcase_add_test(tc, test_permutation_of_unbalanced_zero);
  tcase_add_test(tc, test_f_of_minus_ones);
  tcase_add_test(tc, test_round_constant_lanes);
  suite_add_tcase(s, tc);
  TCase *fast = tcase_create("fast");
  tcase_add_loop_test(fast, test_fast_f_equals_plain_on_random_states, 0,
                      (int)(sizeof single_fs / sizeof single_fs[0]));
  tcase_add_loop_test(fast, test_packed_f_equals_plain_for_every_count, 0,
                      (int)(sizeof packed_fs / sizeof packed_fs[0]));
  tcase_add_loop_test(fast, test_f_batch_equals_loop, 0, (int)N_IMPLS);
  tcase_add_loop_test(fast, test_hash_batch_equals_loop, 0, (int)N_IMPLS);
  tcase_add_loop_test(fast, test_chains_equal_loop, 0, (int)N_IMPLS);
  tcase_add_loop_test(fast, test_chains_of_zero_steps, 0, (int)N_IMPLS);
  tcase_add_test(fast, test_chains_from_two_threads);
  tcase_add_test(fast, test_bad_lengths_do_nothing);
  tcase_add_test(fast, test_impl_lanes);
  suite_add_tcase(s, fast);
  return tu_run_suite(s);
}
