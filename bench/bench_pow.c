/* Proof of work: time at MWM 9 and 14 on all cores (a fresh random transaction each run), and the
 * search rate of every instruction-set variant this CPU supports, on one core and on all. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench/bench.h"
#include "tangle/pow.h"
#include "tangle/pow_internal.h"

#define RUNS 21
#define RATE_SAMPLES 3
#define RATE_SECONDS 0.3
#define UNREACHABLE_MWM 120

/* splitmix64: varied transactions, reproducible from run to run. */
static uint64_t next_random(uint64_t *state) {
  uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static void random_tx(mam_trit_t tx[TANGLE_TX_TRITS], uint64_t *state) {
  for (size_t i = 0; i < TANGLE_TX_TRITS; i++) tx[i] = (mam_trit_t)((int)(next_random(state) % 3) - 1);
}

static double process_cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Wall time per PoW, the CPU time all workers spent on it (on a loaded machine the wall time
 * suffers; the CPU time divided by the cores is what an idle machine would take), and the nonces
 * tried (3^mwm on average, 0.69 * 3^mwm in the median: how lucky these transactions were). */
static int bench_mwm(unsigned mwm, size_t runs, double *wall, double *cpu, double *trials) {
  mam_trit_t tx[TANGLE_TX_TRITS];
  uint64_t rng = 0x5eed0000 + mwm;
  for (size_t i = 0; i < runs; i++) {
    random_tx(tx, &rng);
    tangle_pow_stats_t stats;
    double t0 = bench_now(), c0 = process_cpu_s();
    if (tangle_pow(tx, mwm, 0, NULL, NULL, &stats) != TANGLE_OK) return 1;
    wall[i] = bench_now() - t0;
    cpu[i] = process_cpu_s() - c0;
    trials[i] = (double)stats.trials / 1e6;
  }
  char name[64];
  snprintf(name, sizeof name, "pow_mwm%u_s", mwm);
  bench_report(name, "s", wall, runs);
  snprintf(name, sizeof name, "pow_mwm%u_cpu_s", mwm);
  bench_report(name, "s", cpu, runs);
  snprintf(name, sizeof name, "pow_mwm%u_trials", mwm);
  bench_report(name, "M", trials, runs);
  return 0;
}

static void *cancel_after(void *flag) {
  struct timespec pause = {0, (long)(RATE_SECONDS * 1e9)};
  nanosleep(&pause, NULL);
  atomic_store((atomic_int *)flag, 1);
  return NULL;
}

/* Trials per second (millions) of a search that cannot succeed, stopped after RATE_SECONDS. With
 * cpu_samples, also trials per CPU second of the whole process (the canceller only sleeps): the
 * per-core rate, which a loaded machine does not lower. */
static int bench_rate(tangle_pow_variant_t v, unsigned threads, double *samples,
                      double *cpu_samples) {
  const tangle_pow_kernel_t *k = tangle_pow_kernel(v);
  mam_trit_t tx[TANGLE_TX_TRITS];
  uint64_t rng = 0x7a7e;
  random_tx(tx, &rng);
  for (size_t i = 0; i < RATE_SAMPLES; i++) {
    atomic_int flag;
    atomic_init(&flag, 0);
    pthread_t tid;
    if (pthread_create(&tid, NULL, cancel_after, &flag) != 0) return 1;
    tangle_pow_stats_t stats;
    double t0 = bench_now(), c0 = process_cpu_s();
    tangle_err_t err =
        tangle_pow_with_variant(v, tx, UNREACHABLE_MWM, threads, &flag, NULL, &stats);
    double t = bench_now() - t0, c = process_cpu_s() - c0;
    pthread_join(tid, NULL);
    if (err != TANGLE_ERR_POW_CANCELLED) return 1;
    samples[i] = (double)stats.trials / t / 1e6;
    if (cpu_samples) cpu_samples[i] = (double)stats.trials / c / 1e6;
  }
  char name[64];
  if (threads)
    snprintf(name, sizeof name, "pow_rate_%s_%uthr", k->name, threads);
  else
    snprintf(name, sizeof name, "pow_rate_%s_allthr", k->name);
  bench_report(name, "Mtrials/s", samples, RATE_SAMPLES);
  if (cpu_samples) bench_report("pow_hashes_per_s", "M/s", cpu_samples, RATE_SAMPLES);
  return 0;
}

int main(void) {
  size_t runs = bench_runs(RUNS), n = runs > RATE_SAMPLES ? runs : RATE_SAMPLES;
  double *wall = malloc(n * sizeof *wall), *cpu = malloc(n * sizeof *cpu);
  double *trials = malloc(n * sizeof *trials);
  if (!wall || !cpu || !trials) return 1;
  if (bench_mwm(9, runs, wall, cpu, trials) || bench_mwm(14, runs, wall, cpu, trials)) return 1;
  const tangle_pow_variant_t variants[] = {TANGLE_POW_AVX512, TANGLE_POW_AVX2, TANGLE_POW_PORTABLE};
  for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
    if (!tangle_pow_kernel(variants[i])) continue;
    /* pow_hashes_per_s: the variant tangle_pow picks, one worker, per CPU second. */
    double *per_core = tangle_pow_kernel(variants[i]) == tangle_pow_kernel(TANGLE_POW_AUTO) ? cpu : NULL;
    if (bench_rate(variants[i], 1, wall, per_core) || bench_rate(variants[i], 0, wall, NULL)) return 1;
  }
  free(wall);
  free(cpu);
  free(trials);
  return 0;
}
