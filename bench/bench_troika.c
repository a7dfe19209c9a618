/* Troika throughput: the plain and the fast single F (and the fast one's plain C version, which
 * CPUs without AVX-512 run), the per-state cost of F in batches for each implementation the CPU
 * supports, and hash chains as WOTS uses them (162-trit values, 81 chains per key): key
 * generation (32 keys, every chain 26 steps) and signing (one key, 0..26 steps). Medians of
 * bench_runs(7) runs; each run times a fixed amount of work. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "mamcore/troika.h"
#include "mamcore/troika_fast.h"

#define STATE MAM_TROIKA_STATE_TRITS
#define WOTS_CHAINS 81
#define WOTS_CHAIN_TRITS 162

static uint64_t rng_state = 0x7201a;

static uint64_t next_random(void) {
  rng_state = rng_state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
  return rng_state >> 33;
}

static void random_trits(mam_trit_t *t, size_t n) {
  for (size_t i = 0; i < n; i++) t[i] = (mam_trit_t)((int)(next_random() % 3) - 1);
}

static void *checked_malloc(size_t n) {
  void *p = malloc(n);
  if (!p) {
    fprintf(stderr, "out of memory\n");
    exit(1);
  }
  return p;
}

/* Microseconds per call of f on one state, over `calls` calls. */
static double time_single(void (*f)(mam_trit_t *), size_t calls) {
  mam_trit_t s[STATE];
  random_trits(s, STATE);
  double t0 = bench_now();
  for (size_t i = 0; i < calls; i++) f(s);
  return (bench_now() - t0) * 1e6 / (double)calls;
}

static void report_single(const char *name, void (*f)(mam_trit_t *), size_t calls, size_t runs) {
  double *samples = checked_malloc(runs * sizeof *samples);
  for (size_t r = 0; r < runs; r++) samples[r] = time_single(f, calls);
  bench_report(name, "us", samples, runs);
  free(samples);
}

/* Microseconds per state of mam_troika_f_batch_impl on `count` states. */
static void report_batch(const char *name, mam_troika_impl_t impl, size_t count, size_t runs) {
  mam_trit_t *states = checked_malloc(count * STATE);
  double *samples = checked_malloc(runs * sizeof *samples);
  random_trits(states, count * STATE);
  for (size_t r = 0; r < runs; r++) {
    double t0 = bench_now();
    mam_troika_f_batch_impl(impl, states, count);
    samples[r] = (bench_now() - t0) * 1e6 / (double)count;
  }
  bench_report(name, "us/state", samples, runs);
  free(samples);
  free(states);
}

/* Permutations per second of mam_troika_chains_impl on `keys` WOTS keys at once, every chain
 * run `steps` times (key generation), or a random 0..26 times (signing) when steps is 0. */
static void report_chains(const char *name, mam_troika_impl_t impl, size_t keys, unsigned steps,
                          size_t runs) {
  size_t count = keys * WOTS_CHAINS;
  mam_trit_t *chains = checked_malloc(count * WOTS_CHAIN_TRITS);
  uint8_t *chain_steps = checked_malloc(count);
  double *samples = checked_malloc(runs * sizeof *samples);
  size_t permutations = 0;
  random_trits(chains, count * WOTS_CHAIN_TRITS);
  for (size_t j = 0; j < count; j++) {
    chain_steps[j] = (uint8_t)(steps ? steps : next_random() % 27);
    permutations += chain_steps[j];
  }
  for (size_t r = 0; r < runs; r++) {
    double t0 = bench_now();
    mam_troika_chains_impl(impl, chains, WOTS_CHAIN_TRITS, chain_steps, count);
    samples[r] = (double)permutations / (bench_now() - t0);
  }
  bench_report(name, "perm/s", samples, runs);
  free(samples);
  free(chain_steps);
  free(chains);
}

static const struct {
  mam_troika_impl_t impl;
  const char *name;
} impls[] = {
    {MAM_TROIKA_SLICED_64, "sliced64"},
    {MAM_TROIKA_SLICED_AVX2, "avx2"},
    {MAM_TROIKA_SLICED_AVX512, "avx512"},
    {MAM_TROIKA_PACKED, "packed"},
    {MAM_TROIKA_PACKED_AVX512, "packed_avx512"},
};

int main(void) {
  size_t runs = bench_runs(7);
  char name[64];
  report_single("troika_ref_permutation_us", mam_troika_ref_f, 200, runs);
  report_single("troika_permutation_us", mam_troika_f, 5000, runs);
  report_single("troika_permutation_plain_c_us", mam_troika_lanes_f, 2000, runs);
  for (size_t k = 0; k < sizeof impls / sizeof impls[0]; k++) {
    if (!mam_troika_impl_supported(impls[k].impl)) continue;
    snprintf(name, sizeof name, "troika_batch_%s_us", impls[k].name);
    report_batch(name, impls[k].impl, 4 * mam_troika_impl_lanes(impls[k].impl), runs);
  }
  report_batch("troika_batch_auto_us", MAM_TROIKA_AUTO, 2048, runs);
  for (size_t k = 0; k < sizeof impls / sizeof impls[0]; k++) {
    if (!mam_troika_impl_supported(impls[k].impl)) continue;
    snprintf(name, sizeof name, "troika_chains_keygen_%s", impls[k].name);
    report_chains(name, impls[k].impl, 32, 26, runs);
  }
  report_chains("troika_chains_keygen_auto", MAM_TROIKA_AUTO, 32, 26, runs);
  for (size_t k = 0; k < sizeof impls / sizeof impls[0]; k++) {
    if (!mam_troika_impl_supported(impls[k].impl)) continue;
    snprintf(name, sizeof name, "troika_chains_sign_1key_%s", impls[k].name);
    report_chains(name, impls[k].impl, 1, 0, runs);
  }
  report_chains("troika_chains_sign_1key_auto", MAM_TROIKA_AUTO, 1, 0, runs);
  return 0;
}
