/* Tangle-layer throughput: Curl-P-81 transaction hashes (plain, single fast, batched), Kerl over
 * a 2-transaction bundle essence, and 2-transaction bundle finalisation. Medians of
 * bench_runs(7) runs; each run times a fixed amount of work. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "tangle/bundle.h"
#include "tangle/curl.h"
#include "tangle/kerl.h"

#define BATCH_TXS 1024

static uint64_t rng_state = 0x2673;

static void random_trits(mam_trit_t *t, size_t n) {
  for (size_t i = 0; i < n; i++) {
    rng_state = rng_state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
    t[i] = (mam_trit_t)((int)((rng_state >> 33) % 3) - 1);
  }
}

static double time_plain(const mam_trit_t *txs, size_t n) {
  mam_trit_t hash[TANGLE_CURL_HASH_TRITS];
  double t0 = bench_now();
  for (size_t i = 0; i < n; i++) {
    tangle_curl_t c;
    tangle_curl_init(&c, TANGLE_CURL_P81);
    tangle_curl_absorb(&c, txs + i * TANGLE_TX_TRITS, TANGLE_TX_TRITS);
    tangle_curl_squeeze(&c, hash, TANGLE_CURL_HASH_TRITS);
  }
  return (double)n / (bench_now() - t0);
}

static double time_single(const mam_trit_t *txs, size_t n, mam_trit_t *hashes) {
  double t0 = bench_now();
  for (size_t i = 0; i < n; i++) tangle_curl_hash_tx(txs + i * TANGLE_TX_TRITS, hashes + i * TANGLE_CURL_HASH_TRITS);
  return (double)n / (bench_now() - t0);
}

static double time_batch(const mam_trit_t *txs, size_t n, mam_trit_t *hashes) {
  double t0 = bench_now();
  if (tangle_curl_hash_tx_batch(txs, n, hashes) != TANGLE_OK) {
    fprintf(stderr, "batch hash failed\n");
    exit(1);
  }
  return (double)n / (bench_now() - t0);
}

static double time_kerl_essence(size_t reps) {
  mam_trit_t essence[2 * TANGLE_TX_ESSENCE_TRITS], hash[TANGLE_KERL_CHUNK_TRITS];
  random_trits(essence, sizeof essence);
  double t0 = bench_now();
  for (size_t i = 0; i < reps; i++) {
    essence[0] = (mam_trit_t)(i % 3 - 1);
    if (tangle_kerl_hash(essence, sizeof essence, hash, sizeof hash) != TANGLE_OK) exit(1);
  }
  return (double)reps / (bench_now() - t0);
}

/* Finalises `reps` different 2-transaction bundles; *increments gets their total. */
static double time_finalize(size_t reps, uint64_t *increments) {
  mam_trit_t address[TANGLE_TX_HASH_TRITS], tag[TANGLE_TX_TAG_TRITS], message[2 * TANGLE_TX_FRAGMENT_TRITS];
  random_trits(address, sizeof address);
  random_trits(tag, sizeof tag);
  random_trits(message, sizeof message);
  tangle_bundle_entry_t e = {.address = address, .tag = tag, .obsolete_tag = tag,
                             .timestamp = 1600000000, .message = message, .message_trits = sizeof message};
  tangle_tx_t txs[2];
  *increments = 0;
  double t0 = bench_now();
  for (size_t i = 0; i < reps; i++) {
    uint64_t inc;
    e.timestamp = 1600000000 + (int64_t)i;
    if (tangle_bundle_build(&e, 1, txs, 2) != TANGLE_OK || tangle_bundle_finalize(txs, 2, &inc) != TANGLE_OK)
      exit(1);
    *increments += inc;
  }
  return (double)reps / (bench_now() - t0);
}

int main(void) {
  size_t runs = bench_runs(7);
  double *samples = malloc(runs * sizeof *samples);
  mam_trit_t *txs = malloc(BATCH_TXS * TANGLE_TX_TRITS), *hashes = malloc(BATCH_TXS * TANGLE_CURL_HASH_TRITS);
  if (!samples || !txs || !hashes) return 1;
  random_trits(txs, BATCH_TXS * (size_t)TANGLE_TX_TRITS);

  for (size_t r = 0; r < runs; r++) samples[r] = time_plain(txs, 64);
  bench_report("curlp_tx_hash_plain_per_s", "tx/s", samples, runs);
  for (size_t r = 0; r < runs; r++) samples[r] = time_single(txs, BATCH_TXS, hashes);
  bench_report("curlp_tx_hash_per_s", "tx/s", samples, runs);
  for (size_t r = 0; r < runs; r++) samples[r] = time_batch(txs, BATCH_TXS, hashes);
  bench_report("curlp_tx_hash_batch_per_s", "tx/s", samples, runs);
  for (size_t r = 0; r < runs; r++) samples[r] = time_kerl_essence(20000);
  bench_report("kerl_2tx_essence_per_s", "hash/s", samples, runs);
  uint64_t increments = 0, total = 0;
  for (size_t r = 0; r < runs; r++) {
    samples[r] = time_finalize(200, &increments);
    total += increments;
  }
  bench_report("bundle_finalize_2tx_per_s", "bundle/s", samples, runs);
  printf("  (mean obsoleteTag increments per bundle: %.1f)\n", (double)total / (double)(200 * runs));

  free(samples);
  free(txs);
  free(hashes);
  return 0;
}
