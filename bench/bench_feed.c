/* The feed filter on one core: frames per second through mg_feed_parse + address extraction +
 * mg_addrset_has against 100,000 watched channels, all misses (the common case: almost no feed
 * transaction is for a watched channel); the set's look-ups alone; and the set's memory at
 * 100,000 entries. Frames are pre-built in memory (no socket). Medians of bench_runs(21) runs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "read/addrset.h"
#include "zmq/feed.h"

#define WATCHED 100000
#define FRAMES 4096 /* distinct frames, cycled through (11 MB: beyond the caches) */
#define FRAMES_PER_RUN 400000
#define LOOKUPS_PER_RUN 4000000
#define MAX_RUNS 64

static const char topic[] = "trytes ";
#define FRAME_LEN (sizeof topic - 1 + TANGLE_TX_TRYTES + 1 + TANGLE_TX_HASH_TRYTES)

static uint64_t rng_state = 0x2765;

static void random_trytes(char *out, size_t n) {
  for (size_t i = 0; i < n; i++) {
    rng_state = rng_state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
    out[i] = "9ABCDEFGHIJKLMNOPQRSTUVWXYZ"[(rng_state >> 33) % 27];
  }
}

static void fail(const char *what) {
  fprintf(stderr, "bench_feed: %s\n", what);
  exit(1);
}

/* "trytes <2673 random trytes> <81 random trytes>"; random addresses are never watched. */
static char *build_frames(void) {
  char *frames = malloc((size_t)FRAMES * FRAME_LEN);
  if (frames == NULL) fail("out of memory");
  for (size_t i = 0; i < FRAMES; i++) {
    char *f = frames + i * FRAME_LEN;
    memcpy(f, topic, sizeof topic - 1);
    random_trytes(f + sizeof topic - 1, TANGLE_TX_TRYTES);
    f[sizeof topic - 1 + TANGLE_TX_TRYTES] = ' ';
    random_trytes(f + sizeof topic + TANGLE_TX_TRYTES, TANGLE_TX_HASH_TRYTES);
  }
  return frames;
}

static mg_addrset_t *build_set(char (*watched)[MG_ADDRESS_TRYTES]) {
  mg_addrset_t *set = mg_addrset_new(WATCHED);
  if (set == NULL) fail("out of memory");
  for (size_t i = 0; i < WATCHED; i++) {
    random_trytes(watched[i], MG_ADDRESS_TRYTES);
    if (mg_addrset_add(set, watched[i]) != 0) fail("add failed");
  }
  return set;
}

/* Frames through the filter per second; *hits counts watched addresses seen. */
static double time_filter(const char *frames, const mg_addrset_t *set, size_t *hits) {
  double t0 = bench_now();
  for (size_t i = 0; i < FRAMES_PER_RUN; i++) {
    mg_feed_tx_t tx;
    if (mg_feed_parse(frames + (i % FRAMES) * FRAME_LEN, FRAME_LEN, &tx) != MG_FEED_OK) fail("parse failed");
    *hits += mg_addrset_has(set, tx.trytes + TANGLE_TX_OFF_ADDRESS_TRYTES);
  }
  return FRAMES_PER_RUN / (bench_now() - t0);
}

/* Set look-ups alone (addresses taken from the frames) per second. */
static double time_lookups(const char *frames, const mg_addrset_t *set, size_t *hits) {
  double t0 = bench_now();
  for (size_t i = 0; i < LOOKUPS_PER_RUN; i++)
    *hits += mg_addrset_has(set, frames + (i % FRAMES) * FRAME_LEN + sizeof topic - 1 + TANGLE_TX_OFF_ADDRESS_TRYTES);
  return LOOKUPS_PER_RUN / (bench_now() - t0);
}

int main(void) {
  size_t runs = bench_runs(21);
  if (runs > MAX_RUNS) runs = MAX_RUNS;
  char(*watched)[MG_ADDRESS_TRYTES] = malloc((size_t)WATCHED * MG_ADDRESS_TRYTES);
  if (watched == NULL) fail("out of memory");
  mg_addrset_t *set = build_set(watched);
  char *frames = build_frames();

  /* The filter must find a watched address: plant one, check, restore. */
  char *addr = frames + sizeof topic - 1 + TANGLE_TX_OFF_ADDRESS_TRYTES, saved[MG_ADDRESS_TRYTES];
  memcpy(saved, addr, MG_ADDRESS_TRYTES);
  memcpy(addr, watched[WATCHED / 2], MG_ADDRESS_TRYTES);
  mg_feed_tx_t tx;
  if (mg_feed_parse(frames, FRAME_LEN, &tx) != MG_FEED_OK || !mg_addrset_has(set, tx.trytes + TANGLE_TX_OFF_ADDRESS_TRYTES))
    fail("a watched address was missed");
  memcpy(addr, saved, MG_ADDRESS_TRYTES);

  double filter[MAX_RUNS], lookups[MAX_RUNS];
  size_t hits = 0;
  for (size_t r = 0; r < runs; r++) {
    filter[r] = time_filter(frames, set, &hits);
    lookups[r] = time_lookups(frames, set, &hits);
  }
  if (hits != 0) fail("a random address was taken as watched");
  bench_report("feed_filter_tx_per_s", "frames/s", filter, runs);
  bench_report("addrset_miss_lookups_per_s", "lookups/s", lookups, runs);
  double memory = (double)mg_addrset_memory(set) / (1024.0 * 1024.0);
  bench_report("addrset_memory_100k", "MiB", &memory, 1);

  mg_addrset_free(set);
  free(frames);
  free(watched);
  return 0;
}
