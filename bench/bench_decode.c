/* The gateway's decode path on one core, in process (no sockets): complete MAM packets per second
 * from feed transactions to the store, as the watcher's feed thread runs it: watched-address
 * check, parsing into the hash batch (read/txbatch: the Curl-P hashes of up to 256 transactions
 * computed together, each checked against the one the feed sent; the feed here is never idle, so
 * the batch flushes when full and at the end of the stream),
 * bundle assembler (trunk chain and Kerl bundle hash), the channel's decoder (read/decoder.c) with its
 * signatures verified 64 at a time (a decode batch, as the watcher's), and the store in batches
 * of 256 packets with the reader state saved after each batch (a real SQLite file with
 * synchronous=FULL in $TMPDIR, else /tmp). Not included: the JSON text and ZeroMQ output of each
 * stored packet, which the plugin sends after storing.
 *
 * Input: 1 KiB one-packet messages on one channel, public/MAC and public/signed (height-8 tree)
 * alternating, each made into a finalised, chained bundle (zero nonces: the gateway never checks
 * proof of work) and given as the node's feed gives it: transaction trytes and hash, tail first.
 * Every run starts from an empty assembler, reader and database. Reports the mixed stream, MAC
 * only and signed only, each with the time per packet of every stage.
 *
 * `bench_decode --profile SECONDS [mixed|mac|signed]` prepares the input, then decodes that stream
 * (default mixed) over and over for SECONDS and reports nothing: the process to run under a
 * profiler ($BENCH_PERF_CTL: see perf_control). */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/mamfix.h"
#include "mamcore/state.h"
#include "read/addrset.h"
#include "read/assembler.h"
#include "read/decoder.h"
#include "read/txbatch.h"
#include "store/store.h"
#include "tangle/bundle.h"
#include "tangle/mam_bundle.h"

#define BATCH_MAX 256 /* as the watcher */
#define DECODE_BATCH_SIGNATURES 64 /* as the watcher */
#define TX_TRYTES TANGLE_TX_TRYTES
#define HASH_TRYTES 81

/* ---- input: the feed's transactions, message by message ---- */

typedef struct message_in {
  char *trytes; /* n transactions of TX_TRYTES, tail first */
  char *hashes; /* their hashes, HASH_TRYTES each */
  size_t n;
  bool is_signed;
} message_in_t;

static tangle_err_t no_pow(tangle_tx_t *tx, void *ctx) {
  (void)tx;
  (void)ctx;
  return TANGLE_OK;
}

static void check_tangle(tangle_err_t err, const char *what) {
  if (err != TANGLE_OK) mamfix_die(what);
}

/* One MAM bundle as the gateway attaches it: built, finalised, chained onto two random tips. */
static void attach_bundle(const mam_bundle_t *b, tangle_tx_t *txs) {
  mam_trit_t tips[2][TANGLE_TX_HASH_TRITS];
  int64_t now = (int64_t)time(NULL);
  mamfix_random_trits(&tips[0][0], sizeof tips);
  check_tangle(tangle_bundle_from_mam(b, now, txs), "bundle build");
  check_tangle(tangle_bundle_attach(txs, b->n, tips[0], tips[1], now * 1000, no_pow, NULL), "bundle attach");
}

static message_in_t make_message(const mam_prng_t *prng, mam_channel_t *ch, const mam_trit_t *payload, bool is_signed) {
  size_t n_bundles;
  mam_bundle_t *b = mamfix_write(prng, ch, (mamfix_keys_t){NULL, NULL}, payload, MAMFIX_1K_TRITS,
                                 is_signed ? MAM_CHECKSUM_SIG : MAM_CHECKSUM_MAC, &n_bundles);
  if (n_bundles != 1) mamfix_die("a 1 KiB message took more than one bundle");
  message_in_t m = {.n = b->n, .is_signed = is_signed};
  tangle_tx_t *txs = mamfix_alloc(b->n * sizeof *txs);
  attach_bundle(b, txs);
  m.trytes = mamfix_alloc(m.n * TX_TRYTES);
  m.hashes = mamfix_alloc(m.n * HASH_TRYTES);
  for (size_t i = 0; i < m.n; i++) {
    mam_trit_t hash[TANGLE_TX_HASH_TRITS];
    check_tangle(tangle_tx_to_trytes(&txs[i], m.trytes + i * TX_TRYTES), "transaction trytes");
    check_tangle(tangle_tx_hash(&txs[i], hash), "transaction hash");
    mam_trits_to_trytes(hash, TANGLE_TX_HASH_TRITS, m.hashes + i * HASH_TRYTES);
  }
  free(txs);
  mam_bundles_free(b, n_bundles);
  return m;
}

/* ---- the decode path ---- */

typedef struct stages {
  double parse, hash, assemble, read, store; /* seconds; parse: trytes into the hash batch; hash: the
                                              batch's tx hashes and their check; assemble excludes
                                              the callback */
} stages_t;

typedef struct pipeline {
  mg_addrset_t *watched;
  mg_assembler_t *assembler;
  mg_decoder_t *decoder;
  mg_decode_batch_t *decode_batch;
  mg_txbatch_t *txbatch;
  mg_store_t *store;
  char channel[HASH_TRYTES + 1];
  mg_message_t batch[BATCH_MAX];
  size_t n_batch, stored;
  bool reader_dirty;
  double in_callback, in_flush;
  stages_t t;
} pipeline_t;

static void check_store(mg_store_err_t err, const char *what) {
  if (err == MG_STORE_OK) return;
  fprintf(stderr, "bench_decode: %s: %s\n", what, mg_store_strerror(err));
  exit(1);
}

static void flush(pipeline_t *p);

/* A decoded packet becomes a store row, as the watcher's queue does it. */
static void queue_packet(pipeline_t *p, const mam_decoded_t *d, const char *bundle) {
  if (p->n_batch == BATCH_MAX) flush(p);
  if (mg_message_from_decoded(&p->batch[p->n_batch], d, p->channel, bundle, (int64_t)(bench_now() * 1e3)) != 0)
    mamfix_die("out of memory");
  p->n_batch++;
}

static void on_message(void *ctx, const mam_decoded_t *d, const char *bundle) { queue_packet(ctx, d, bundle); }

static void on_state_changed(void *ctx) { ((pipeline_t *)ctx)->reader_dirty = true; }

static void on_rejected(void *ctx, mam_err_t err) {
  (void)ctx;
  fprintf(stderr, "bench_decode: a bundle was rejected: %s\n", mam_strerror(err));
  exit(1);
}

static mg_decoder_events_t events(pipeline_t *p) {
  return (mg_decoder_events_t){.ctx = p, .state_changed = on_state_changed, .message = on_message, .rejected = on_rejected};
}

static void replay(void *ctx, mg_decoder_t *dec, void *owner) {
  (void)owner;
  pipeline_t *p = ctx;
  const mg_decoder_events_t ev = events(p);
  mg_decode_outcome_t outcome;
  while (mg_decoder_replay_next(dec, (uint64_t)(bench_now() * 1e3), &ev, &outcome))
    if (outcome != MG_DECODE_READ) mamfix_die("a kept bundle did not read");
}

/* Verifies the kept signatures and reads their bundles (time counted as MAM read). */
static void flush_decoding(pipeline_t *p) {
  double t0 = bench_now();
  mg_decode_batch_flush(p->decode_batch, replay, p);
  p->t.read += bench_now() - t0;
}

static void on_bundle(void *ctx, const tangle_tx_t *const *txs, const mam_trit_t *const *hashes, size_t n) {
  (void)hashes;
  pipeline_t *p = ctx;
  double t0 = bench_now();
  char bundle[HASH_TRYTES + 1] = {0};
  mam_trits_to_trytes(txs[0]->bundle, MAM_ID_TRITS, bundle);
  mam_tx_t *m = mamfix_alloc(n * sizeof *m);
  for (size_t i = 0; i < n; i++) {
    memcpy(m[i].address, txs[i]->address, MAM_ID_TRITS);
    memcpy(m[i].tag, txs[i]->tag, MAM_TAG_TRITS);
    memcpy(m[i].fragment, txs[i]->signature_message_fragment, MAM_FRAGMENT_TRITS);
  }
  const mg_decoder_events_t ev = events(p);
  mg_decode_outcome_t outcome = mg_decoder_add(p->decoder, m, n, bundle, (uint64_t)(t0 * 1e3), &ev);
  if (outcome != MG_DECODE_READ && outcome != MG_DECODE_DEFERRED) mamfix_die("a bundle did not read");
  free(m);
  p->in_callback += bench_now() - t0;
}

static void save_reader_state(pipeline_t *p) {
  uint8_t *buf;
  size_t written;
  mamfix_check(mg_decoder_state_save(p->decoder, &buf, &written), "saving the reader state");
  check_store(mg_store_set_watch_state(p->store, p->channel, buf, written), "storing the reader state");
  free(buf);
  p->reader_dirty = false;
}

static void flush(pipeline_t *p) {
  double t0 = bench_now();
  int inserted[BATCH_MAX] = {0};
  if (p->n_batch) check_store(mg_store_put_messages(p->store, p->batch, p->n_batch, inserted), "storing packets");
  for (size_t i = 0; i < p->n_batch; i++) {
    p->stored += (size_t)inserted[i];
    free(p->batch[i].payload_trytes);
  }
  p->n_batch = 0;
  if (p->reader_dirty) save_reader_state(p);
  p->t.store += bench_now() - t0;
}

/* A transaction with its hash, as the watcher's on_hashed (time counted as assembler, MAM read
 * and store). */
static void on_hashed(void *ctx, const tangle_tx_t *tx, const mam_trit_t *hash, bool hash_matches) {
  pipeline_t *p = ctx;
  if (!hash_matches) mamfix_die("a feed hash does not match its transaction");
  double t0 = bench_now();
  p->in_callback = 0;
  if (mg_assembler_add(p->assembler, tx, hash, (uint64_t)(t0 * 1e3), on_bundle, p) != MG_ASSEMBLER_ADDED)
    mamfix_die("the assembler did not take a transaction");
  double t1 = bench_now();
  p->t.read += p->in_callback;
  p->t.assemble += t1 - t0 - p->in_callback;
  if (mg_decode_batch_due(p->decode_batch, (uint64_t)(t1 * 1e3), UINT64_MAX)) flush_decoding(p);
  if (p->n_batch == BATCH_MAX) flush(p);
  p->in_flush += bench_now() - t0;
}

/* The kept transactions hashed and assembled, as the watcher's flush_hashing. */
static void flush_hashing(pipeline_t *p) {
  double t0 = bench_now();
  p->in_flush = 0;
  check_tangle(mg_txbatch_flush(p->txbatch, on_hashed, p), "hashing the transactions");
  p->t.hash += bench_now() - t0 - p->in_flush;
}

/* One feed transaction, as the watcher's handle_transaction. */
static void handle(pipeline_t *p, const char *trytes, const char *hash) {
  if (!mg_addrset_has(p->watched, trytes + TANGLE_TX_OFF_ADDRESS / 3)) return;
  if (mg_txbatch_full(p->txbatch)) flush_hashing(p);
  double t0 = bench_now();
  check_tangle(mg_txbatch_add(p->txbatch, trytes, TX_TRYTES, hash), "parsing a transaction");
  p->t.parse += bench_now() - t0;
}

static void pipeline_open(pipeline_t *p, const char *db, const mam_channel_t *ch) {
  memset(p, 0, sizeof *p);
  mam_trits_to_trytes(mam_channel_id(ch), MAM_ID_TRITS, p->channel);
  p->watched = mg_addrset_new(16);
  p->assembler = mg_assembler_new(NULL);
  if (!p->watched || !p->assembler || mg_addrset_add(p->watched, p->channel) != 0) mamfix_die("out of memory");
  mam_trit_t chid[MAM_ID_TRITS];
  memcpy(chid, mam_channel_id(ch), MAM_ID_TRITS);
  const mg_decoder_limits_t limits = {.max_contexts = MAM_READER_DEFAULT_MAX_CONTEXTS,
                                      .max_payload_trytes = MAM_READER_DEFAULT_MAX_PAYLOAD_TRYTES,
                                      .max_pending = 256};
  p->decoder = mg_decoder_new(chid, &limits);
  p->decode_batch = mg_decode_batch_new(DECODE_BATCH_SIGNATURES);
  p->txbatch = mg_txbatch_new(MG_TXBATCH_WATCHER);
  if (!p->decoder || !p->decode_batch || !p->txbatch) mamfix_die("out of memory");
  mg_decoder_join(p->decoder, p->decode_batch, NULL);
  check_store(mg_store_open(db, &p->store), "opening the database");
  mg_watch_t row = {.options = "{}", .created_at_ms = 1};
  memcpy(row.channel_id, p->channel, sizeof row.channel_id);
  check_store(mg_store_add_watch(p->store, &row), "adding the watch");
}

static void pipeline_close(pipeline_t *p, const char *db) {
  mg_store_close(p->store);
  mg_decoder_free(p->decoder);
  mg_decode_batch_free(p->decode_batch);
  mg_txbatch_free(p->txbatch);
  mg_assembler_free(p->assembler);
  mg_addrset_free(p->watched);
  static const char *const suffixes[] = {"", "-wal", "-shm"};
  for (size_t i = 0; i < 3; i++) {
    char path[PATH_MAX + 8];
    snprintf(path, sizeof path, "%s%s", db, suffixes[i]);
    unlink(path);
  }
}

enum { ONLY_MAC = 1, ONLY_SIGNED = 2, MIXED = ONLY_MAC | ONLY_SIGNED };

static bool selected(const message_in_t *m, int which) { return (which & (m->is_signed ? ONLY_SIGNED : ONLY_MAC)) != 0; }

/* MIXED, ONLY_MAC or ONLY_SIGNED by name; 0 for an unknown name. */
static int stream_named(const char *name) {
  if (strcmp(name, "mixed") == 0) return MIXED;
  if (strcmp(name, "mac") == 0) return ONLY_MAC;
  return strcmp(name, "signed") == 0 ? ONLY_SIGNED : 0;
}

/* Decodes the selected messages into a fresh database; packets per second. Adds the stage times
 * to *stages when not NULL. */
static double run_once(const message_in_t *msgs, size_t n, int which, const mam_channel_t *ch, const char *db,
                       stages_t *stages) {
  pipeline_t *p = mamfix_alloc(sizeof *p);
  pipeline_open(p, db, ch);
  size_t want = 0;
  double t0 = bench_now();
  for (size_t i = 0; i < n; i++) {
    if (!selected(&msgs[i], which)) continue;
    want++;
    for (size_t k = 0; k < msgs[i].n; k++) handle(p, msgs[i].trytes + k * TX_TRYTES, msgs[i].hashes + k * HASH_TRYTES);
  }
  flush_hashing(p);
  flush_decoding(p);
  flush(p);
  double rate = (double)p->stored / (bench_now() - t0);
  if (p->stored != want) mamfix_die("not every packet was decoded and stored");
  if (stages) {
    stages->parse += p->t.parse;
    stages->hash += p->t.hash;
    stages->assemble += p->t.assemble;
    stages->read += p->t.read;
    stages->store += p->t.store;
  }
  pipeline_close(p, db);
  free(p);
  return rate;
}

/* Reports the rate over `runs` runs, then the time per packet of each stage. */
static void report_rate(const message_in_t *msgs, size_t n, int which, const mam_channel_t *ch, const char *db,
                        size_t runs, const char *name) {
  double *s = mamfix_alloc(runs * sizeof *s);
  stages_t t = {0};
  size_t packets = 0;
  for (size_t i = 0; i < n; i++) packets += selected(&msgs[i], which);
  for (size_t r = 0; r < runs; r++) s[r] = run_once(msgs, n, which, ch, db, &t);
  bench_report(name, "packets/s", s, runs);
  double us = 1e6 / (double)(packets * runs), total = t.parse + t.hash + t.assemble + t.read + t.store;
  printf("  us per packet: parse %.1f, tx hashes and their check %.1f, assembler %.1f, MAM read %.1f, store %.1f "
         "(total %.1f)\n",
         t.parse * us, t.hash * us, t.assemble * us, t.read * us, t.store * us, total * us);
  free(s);
}

/* Sends a command to `perf record --control fifo:PATH` when $BENCH_PERF_CTL names that FIFO, so
 * that the profile covers the decoding only, not the preparation. */
static void perf_control(const char *command) {
  const char *path = getenv("BENCH_PERF_CTL");
  if (!path || !*path) return;
  int fd = open(path, O_WRONLY);
  if (fd < 0 || write(fd, command, strlen(command)) != (ssize_t)strlen(command)) mamfix_die("cannot control perf");
  close(fd);
}

int main(int argc, char **argv) {
  double profile_s = argc >= 3 && strcmp(argv[1], "--profile") == 0 ? atof(argv[2]) : 0;
  int profile_which = argc == 4 ? stream_named(argv[3]) : MIXED;
  if (argc > 4 || (argc != 1 && (profile_s <= 0 || profile_which == 0))) {
    fprintf(stderr, "usage: bench_decode [--profile SECONDS [mixed|mac|signed]]\n");
    return 2;
  }
  bool quick = mamfix_quick();
  size_t n = quick ? 20 : 400, runs = bench_runs(quick ? 1 : 21);
  const char *base = getenv("TMPDIR");
  char dir[PATH_MAX], db[PATH_MAX + 16];
  snprintf(dir, sizeof dir, "%s/mg-bench-decode-XXXXXX", base && *base ? base : "/tmp");
  if (!mkdtemp(dir)) mamfix_die("cannot create a temporary directory");
  snprintf(db, sizeof db, "%s/decode.db", dir);

  mam_prng_t prng;
  mam_channel_t ch;
  mamfix_prng(&prng);
  mamfix_channel(&ch, &prng, 1, quick ? 5 : 8, 0, 0);
  mam_trit_t *payload = mamfix_alloc(MAMFIX_1K_TRITS);
  mamfix_payload_1k(payload);
  message_in_t *msgs = mamfix_alloc(n * sizeof *msgs);
  for (size_t i = 0; i < n; i++) msgs[i] = make_message(&prng, &ch, payload, i % 2 == 1);
  printf("input: %zu messages of 1 KiB; %zu transactions per MAC message, %zu per signed one\n", n, msgs[0].n,
         msgs[1].n);

  if (profile_s > 0) {
    size_t rounds = 0;
    perf_control("enable\n");
    for (double end = bench_now() + profile_s; bench_now() < end; rounds++)
      run_once(msgs, n, profile_which, &ch, db, NULL);
    perf_control("disable\n");
    printf("decoded the stream %zu times\n", rounds);
  } else {
    report_rate(msgs, n, MIXED, &ch, db, runs, "decode_packets_per_s");
    report_rate(msgs, n, ONLY_MAC, &ch, db, runs, "decode_mac_packets_per_s");
    report_rate(msgs, n, ONLY_SIGNED, &ch, db, runs, "decode_signed_packets_per_s");
  }

  for (size_t i = 0; i < n; i++) {
    free(msgs[i].trytes);
    free(msgs[i].hashes);
  }
  free(msgs);
  free(payload);
  mam_channel_destroy(&ch);
  mam_prng_destroy(&prng);
  rmdir(dir);
  return 0;
}
