/* Fuzz target: the bundle assembler (read/assembler.c) fed the way the watcher feeds it.
 *
 * The input is a program of operations on a small assembler (16 transactions held at most,
 * bundles of up to 6): build a valid zero-value bundle with a watched address and add its
 * transactions in an order, with gaps and repeats, the input chooses; add a held transaction again,
 * or a copy with one field changed (index, bundle, trunk, value, tag, a fragment trit); add a
 * transaction made up from input bytes whose trunk and bundle point into what was sent before;
 * let time pass. Every delivered bundle must validate (indexes, chain, Kerl bundle hash) and come
 * from a tail not among the last ones delivered; the held count never passes the limit.
 * A bit of the first byte also switches on the rebuilding of unattached bundles (trunks all 9,
 * told apart by tags, as mamgate-cli read uses it); bundles are then sometimes left unattached,
 * and such a bundle must validate but for its chaining, whose trunks it does not have. */
#include <string.h>

#include "fuzz/fuzz.h"
#include "read/assembler.h"
#include "tangle/bundle.h"

#define MAX_HELD 16
#define MAX_BUNDLE 6
#define TTL_MS 60000
#define POOL 16
#define RECENT 8 /* the assembler remembers up to MAX_HELD delivered tails; check the newest */
#define FRAGMENT_BYTES 8 /* fuzz bytes per fragment: the rest stays zero */

typedef struct sent {
  tangle_tx_t tx;
  mam_trit_t hash[TANGLE_TX_HASH_TRITS];
} sent_t;

typedef struct run {
  fz_input_t in;
  mg_assembler_t *a;
  uint64_t now_ms;
  sent_t pool[POOL]; /* the last transactions sent, a ring */
  size_t pool_n, pool_next;
  mam_trit_t delivered[RECENT][TANGLE_TX_HASH_TRITS]; /* the last tail hashes delivered, a ring */
  size_t n_delivered;
  bool unattached; /* the assembler rebuilds unattached bundles */
} run_t;

static run_t run;
static mam_trit_t watched[2][TANGLE_TX_HASH_TRITS];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  for (size_t i = 0; i < TANGLE_TX_HASH_TRITS; i++) {
    watched[0][i] = (mam_trit_t)((int)(i % 3) - 1);
    watched[1][i] = (mam_trit_t)((int)((i * 7 + 1) % 3) - 1);
  }
  return 0;
}

static void on_bundle(void *ctx, const tangle_tx_t *const *txs, const mam_trit_t *const *hashes, size_t n) {
  run_t *r = ctx;
  static tangle_tx_t copy[MAX_BUNDLE];
  static mam_trit_t hash_copy[MAX_BUNDLE * TANGLE_TX_HASH_TRITS];
  FZ_CHECK(n >= 1 && n <= MAX_BUNDLE);
  for (size_t i = 0; i < n; i++) {
    copy[i] = *txs[i];
    memcpy(hash_copy + i * TANGLE_TX_HASH_TRITS, hashes[i], TANGLE_TX_HASH_TRITS);
    mam_trit_t h[TANGLE_TX_HASH_TRITS];
    FZ_CHECK(tangle_tx_hash(txs[i], h) == TANGLE_OK && memcmp(h, hashes[i], sizeof h) == 0);
  }
  tangle_err_t err = tangle_bundle_validate(copy, n, hash_copy);
  if (r->unattached && tangle_trits_zero(copy[0].trunk, TANGLE_TX_HASH_TRITS)) {
    /* one combination of held unattached transactions: a tail may be in several */
    for (size_t i = 0; i < n; i++) FZ_CHECK(tangle_trits_zero(copy[i].trunk, TANGLE_TX_HASH_TRITS));
    FZ_CHECK(err == TANGLE_OK || err == TANGLE_ERR_BUNDLE_CHAIN);
    return;
  }
  FZ_CHECK(err == TANGLE_OK);
  for (size_t i = 0; i < r->n_delivered && i < RECENT; i++)
    FZ_CHECK(memcmp(r->delivered[i], hashes[0], TANGLE_TX_HASH_TRITS) != 0);
  memcpy(r->delivered[r->n_delivered++ % RECENT], hashes[0], TANGLE_TX_HASH_TRITS);
}

static void remember(run_t *r, const tangle_tx_t *tx, const mam_trit_t hash[TANGLE_TX_HASH_TRITS]) {
  sent_t *s = &r->pool[r->pool_next];
  s->tx = *tx;
  memcpy(s->hash, hash, TANGLE_TX_HASH_TRITS);
  r->pool_next = (r->pool_next + 1) % POOL;
  if (r->pool_n < POOL) r->pool_n++;
}

static const sent_t *pick_sent(run_t *r) { return r->pool_n ? &r->pool[fz_byte(&r->in) % r->pool_n] : NULL; }

static void add(run_t *r, const tangle_tx_t *tx, const mam_trit_t hash[TANGLE_TX_HASH_TRITS]) {
  mg_assembler_result_t res = mg_assembler_add(r->a, tx, hash, r->now_ms, on_bundle, r);
  FZ_CHECK(res == MG_ASSEMBLER_ADDED || res == MG_ASSEMBLER_DUPLICATE || res == MG_ASSEMBLER_REJECTED);
  mg_assembler_stats_t st;
  mg_assembler_stats(r->a, &st);
  FZ_CHECK(st.held <= MAX_HELD);
}

/* A hash the input picks: one sent before, or a made-up one. */
static void pick_hash(run_t *r, mam_trit_t out[TANGLE_TX_HASH_TRITS]) {
  const sent_t *s = fz_byte(&r->in) & 1 ? pick_sent(r) : NULL;
  if (s) memcpy(out, s->hash, TANGLE_TX_HASH_TRITS);
  else fz_trits(&r->in, out, TANGLE_TX_HASH_TRITS);
}

/* A valid bundle of 1..MAX_BUNDLE transactions; sent in an input-chosen order, some left out or
 * sent twice. */
static void op_bundle(run_t *r) {
  static tangle_tx_t txs[MAX_BUNDLE];
  static mam_trit_t message[MAX_BUNDLE * TANGLE_TX_FRAGMENT_TRITS];
  static mam_trit_t hashes[MAX_BUNDLE][TANGLE_TX_HASH_TRITS];
  size_t n = 1 + fz_byte(&r->in) % MAX_BUNDLE;
  mam_trit_t tag[TANGLE_TX_TAG_TRITS], tip[TANGLE_TX_HASH_TRITS];
  fz_trits(&r->in, tag, TANGLE_TX_TAG_TRITS);
  memset(message, 0, n * TANGLE_TX_FRAGMENT_TRITS);
  for (size_t i = 0; i < n; i++) fz_trits(&r->in, message + i * TANGLE_TX_FRAGMENT_TRITS, 5 * FRAGMENT_BYTES);
  tangle_bundle_entry_t entry = {watched[fz_byte(&r->in) & 1], tag, tag, (int64_t)(r->now_ms / 1000), message,
                                 n * TANGLE_TX_FRAGMENT_TRITS};
  if (tangle_bundle_build(&entry, 1, txs, n) != TANGLE_OK || tangle_bundle_finalize(txs, n, NULL) != TANGLE_OK) return;
  pick_hash(r, tip);
  bool attach = !r->unattached || (fz_byte(&r->in) & 1);
  for (size_t i = n; i-- > 0;) {
    if (attach) {
      memcpy(txs[i].trunk, i + 1 < n ? hashes[i + 1] : tip, TANGLE_TX_HASH_TRITS);
      memcpy(txs[i].branch, tip, TANGLE_TX_HASH_TRITS);
    }
    FZ_CHECK(tangle_tx_hash(&txs[i], hashes[i]) == TANGLE_OK);
  }
  uint8_t order = fz_byte(&r->in), skip = fz_byte(&r->in), twice = fz_byte(&r->in);
  for (size_t k = 0; k < n; k++) {
    size_t i = (k + order) % n;
    if (order & 0x80) i = n - 1 - i;
    if ((skip & 0x80) && i == (size_t)(skip % n)) continue;
    add(r, &txs[i], hashes[i]);
    if ((twice & 0x80) && i == (size_t)(twice % n)) add(r, &txs[i], hashes[i]);
    remember(r, &txs[i], hashes[i]);
  }
}

/* A sent transaction with one field changed, rehashed. */
static void op_mutate(run_t *r) {
  const sent_t *s = pick_sent(r);
  if (!s) return;
  tangle_tx_t tx = s->tx;
  uint8_t what = fz_byte(&r->in), v = fz_byte(&r->in);
  switch (what % 8) {
    case 0: tx.current_index = (int64_t)(v % 8) - 1; break;
    case 1: tx.last_index = (int64_t)(v % 8) - 1; break;
    case 2: pick_hash(r, tx.bundle); break;
    case 3: pick_hash(r, tx.trunk); break;
    case 4: tx.value = (int64_t)v - 128; break;
    case 5: tx.tag[v % TANGLE_TX_TAG_TRITS] = (mam_trit_t)(fz_byte(&r->in) % 3 - 1); break;
    case 6: tx.signature_message_fragment[(v * 97u) % TANGLE_TX_FRAGMENT_TRITS] ^= 1; break;
    default: tx.timestamp = v; break;
  }
  mam_trit_t hash[TANGLE_TX_HASH_TRITS];
  if (tangle_tx_hash(&tx, hash) != TANGLE_OK) return; /* a value that does not encode */
  add(r, &tx, hash);
  remember(r, &tx, hash);
}

/* A transaction made up from input bytes. */
static void op_raw(run_t *r) {
  tangle_tx_t tx;
  tangle_tx_init(&tx);
  memcpy(tx.address, watched[fz_byte(&r->in) & 1], TANGLE_TX_HASH_TRITS);
  tx.current_index = fz_byte(&r->in) % 8;
  tx.last_index = fz_byte(&r->in) % 8;
  pick_hash(r, tx.bundle);
  pick_hash(r, tx.trunk);
  fz_trits(&r->in, tx.signature_message_fragment, 5 * FRAGMENT_BYTES);
  mam_trit_t hash[TANGLE_TX_HASH_TRITS];
  FZ_CHECK(tangle_tx_hash(&tx, hash) == TANGLE_OK);
  add(r, &tx, hash);
  remember(r, &tx, hash);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  run.in = (fz_input_t){data, size, 0};
  run.now_ms = 1600000000000u;
  run.pool_n = run.pool_next = run.n_delivered = 0;
  run.unattached = size > 0 && (data[0] & 0x40);
  mg_assembler_limits_t limits = {.max_txs = MAX_HELD, .ttl_ms = TTL_MS, .max_bundle_txs = MAX_BUNDLE,
                                  .unattached = run.unattached};
  run.a = mg_assembler_new(&limits);
  if (!run.a) return 0;
  for (unsigned ops = 0; fz_left(&run.in) > 0 && ops < 64; ops++) {
    uint8_t op = fz_byte(&run.in);
    switch (op % 5) {
      case 0: op_bundle(&run); break;
      case 1: op_mutate(&run); break;
      case 2: op_raw(&run); break;
      case 3: { const sent_t *s = pick_sent(&run); if (s) add(&run, &s->tx, s->hash); } break;
      default: run.now_ms += (uint64_t)fz_byte(&run.in) * 1000; mg_assembler_expire(run.a, run.now_ms); break;
    }
  }
  mg_assembler_free(run.a);
  return 0;
}
