/* Store throughput on a real file (in $TMPDIR, else /tmp; synchronous=FULL, so every commit waits
 * for fsync): decoded-message inserts in batches of 1, 10 and 100 (1 KiB payloads), list_messages
 * pages of 100, and MSS leaf reservations. Medians of bench_runs(5) runs.
 *
 * Then the decoded-packet insert rate per engine (batches of 10, 1 KiB payloads), as figures
 * store_insert_per_s_<engine>: SQLite on the same file, PostgreSQL on the server named by
 * MAMGATE_BENCH_PG_URI (bench/run starts one with tests/pg_lib.sh), or recorded as skipped with
 * the reason in MAMGATE_BENCH_PG_SKIP. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "mamcore/trits.h"
#include "store/store.h"

#define PAYLOAD_TRYTES 1024
#define LIST_PAGE 100
#define LIST_CHANNEL_MESSAGES 2000
#define LIST_CALLS 500
#define RESERVES 200

static uint64_t rng_state = 0x5707e;

static void random_trytes(char *out, size_t n) {
  for (size_t i = 0; i < n; i++) {
    rng_state = rng_state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
    out[i] = MAM_TRYTE_ALPHABET[(rng_state >> 33) % 27];
  }
  out[n] = '\0';
}

static void check(mg_store_t *s, mg_store_err_t err, const char *what) {
  if (err == MG_STORE_OK) return;
  fprintf(stderr, "%s: %s (%s)\n", what, mg_store_strerror(err), mg_store_errmsg(s));
  exit(1);
}

/* n distinct single-packet messages on one channel, payloads malloc'd. */
static mg_message_t *make_messages(size_t n) {
  mg_message_t *msgs = calloc(n, sizeof *msgs);
  char channel[MG_ID_TRYTES + 1];
  if (!msgs) exit(1);
  random_trytes(channel, MG_ID_TRYTES);
  for (size_t i = 0; i < n; i++) {
    mg_message_t *m = &msgs[i];
    memcpy(m->channel_id, channel, sizeof channel);
    random_trytes(m->endpoint_id, MG_ID_TRYTES);
    random_trytes(m->message_id, MG_MSG_ID_TRYTES);
    random_trytes(m->bundle, MG_ID_TRYTES);
    m->ord = 1;
    m->last = 1;
    m->checksum = 2;
    m->verified = 1;
    m->received_at_ms = 1700000000000;
    m->payload_trytes = malloc(PAYLOAD_TRYTES + 1);
    if (!m->payload_trytes) exit(1);
    random_trytes(m->payload_trytes, PAYLOAD_TRYTES);
  }
  return msgs;
}

static void free_made(mg_message_t *msgs, size_t n) {
  for (size_t i = 0; i < n; i++) free(msgs[i].payload_trytes);
  free(msgs);
}

/* Messages per second when n new messages are put `batch` at a time. */
static double time_inserts(mg_store_t *s, size_t batch, size_t n) {
  mg_message_t *msgs = make_messages(n);
  double t0 = bench_now();
  for (size_t i = 0; i < n; i += batch) check(s, mg_store_put_messages(s, msgs + i, batch, NULL), "put");
  double rate = (double)n / (bench_now() - t0);
  free_made(msgs, n);
  return rate;
}

/* list_messages calls per second, each a page of LIST_PAGE from a varying cursor. */
static double time_lists(mg_store_t *s, const mg_message_t *stored, size_t n_stored) {
  double t0 = bench_now();
  for (size_t i = 0; i < LIST_CALLS; i++) {
    mg_message_t *page = NULL;
    size_t n = 0;
    int64_t after = stored[i * 7 % (n_stored - LIST_PAGE)].cursor;
    check(s, mg_store_list_messages(s, stored[0].channel_id, after, LIST_PAGE, &page, &n), "list");
    if (n != LIST_PAGE) exit(1);
    mg_messages_free(page, n);
  }
  return LIST_CALLS / (bench_now() - t0);
}

static double time_reserves(mg_store_t *s) {
  char tree[MG_ID_TRYTES + 1];
  uint64_t first;
  random_trytes(tree, MG_ID_TRYTES);
  double t0 = bench_now();
  for (size_t i = 0; i < RESERVES; i++) check(s, mg_store_reserve_leaves(s, tree, 0, 1, &first), "reserve");
  return RESERVES / (bench_now() - t0);
}

#define ENGINE_BATCH 10
#define ENGINE_PACKETS 1000

/* A bench-only fleet key (the PostgreSQL engine opens only with one). */
static const mg_seal_key_t bench_key = {{0x6d, 0x61, 0x6d, 0x67, 0x61, 0x74, 0x65}};

/* The decoded-packet insert rate of the engine at location, as store_insert_per_s_<engine>. */
static void engine_insert_rate(const char *location, const mg_seal_key_t *key, size_t runs, double *samples) {
  mg_store_t *s = NULL;
  check(s, mg_store_open_sealed(location, key, &s), "open");
  size_t packets = getenv("BENCH_QUICK") ? ENGINE_PACKETS / 5 : ENGINE_PACKETS;
  for (size_t r = 0; r < runs; r++) samples[r] = time_inserts(s, ENGINE_BATCH, packets);
  char name[64];
  snprintf(name, sizeof name, "store_insert_per_s_%s", mg_store_engine_name(s));
  bench_report(name, "msg/s", samples, runs);
  mg_store_close(s);
}

int main(void) {
  const char *base = getenv("TMPDIR");
  char dir[PATH_MAX], path[PATH_MAX + 16];
  snprintf(dir, sizeof dir, "%s/mg-bench-store-XXXXXX", base && *base ? base : "/tmp");
  if (!mkdtemp(dir)) return 1;
  snprintf(path, sizeof path, "%s/bench.db", dir);
  mg_store_t *s = NULL;
  check(s, mg_store_open(path, &s), "open");
  printf("database: %s\n", path);

  size_t runs = bench_runs(5);
  double *samples = calloc(runs, sizeof *samples);
  if (!samples) return 1;
  static const size_t batches[] = {1, 10, 100}, counts[] = {100, 500, 2000};
  for (size_t b = 0; b < 3; b++) {
    char name[64];
    for (size_t r = 0; r < runs; r++) samples[r] = time_inserts(s, batches[b], counts[b]);
    snprintf(name, sizeof name, "store put_messages, batches of %zu (1 KiB)", batches[b]);
    bench_report(name, "msg/s", samples, runs);
  }

  mg_message_t *stored = make_messages(LIST_CHANNEL_MESSAGES);
  check(s, mg_store_put_messages(s, stored, LIST_CHANNEL_MESSAGES, NULL), "put");
  for (size_t r = 0; r < runs; r++) samples[r] = time_lists(s, stored, LIST_CHANNEL_MESSAGES);
  bench_report("store list_messages, pages of 100 (1 KiB)", "calls/s", samples, runs);
  free_made(stored, LIST_CHANNEL_MESSAGES);

  for (size_t r = 0; r < runs; r++) samples[r] = time_reserves(s);
  bench_report("store reserve_leaves", "calls/s", samples, runs);
  mg_store_close(s);

  snprintf(path, sizeof path, "sqlite:%s/bench.db", dir);
  engine_insert_rate(path, NULL, runs, samples);
  const char *pg = getenv("MAMGATE_BENCH_PG_URI"), *why = getenv("MAMGATE_BENCH_PG_SKIP");
  if (pg && *pg)
    engine_insert_rate(pg, &bench_key, runs, samples);
  else
    bench_skip("store_insert_per_s_postgresql", "msg/s", why && *why ? why : "MAMGATE_BENCH_PG_URI is not set");
  free(samples);
  static const char *const files[] = {"bench.db", "bench.db-wal", "bench.db-shm"};
  for (size_t i = 0; i < 3; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, files[i]);
    unlink(path);
  }
  rmdir(dir);
  return 0;
}
