/* The bundle assembler: random zero-value bundles built and finalised with tangle/bundle.h and
 * chained with real transaction hashes, fed in every order; duplicates, bundles sharing a bundle
 * hash, attacker transactions, expiry, the max_txs bound, reattachments and rejected input; and
 * messages shaped as the reference writes them (obsoleteTag 9, one second, so all their bundles
 * share a bundle hash), attached or not. */
#include <stdlib.h>
#include <string.h>

#include "mamcore/transport.h"
#include "read/assembler.h"
#include "tangle/bundle.h"
#include "tests/testutil.h"

#define HASH TANGLE_TX_HASH_TRITS
#define MAX_N 8
#define MAX_DELIVERIES 64
#define TIMESTAMP 1600000000

/* A chained bundle with its transaction hashes. */
typedef struct {
  size_t n;
  tangle_tx_t txs[MAX_N];
  mam_trit_t hashes[MAX_N][HASH];
} bundle_t;

/* One delivered bundle, copied as trytes. */
typedef struct {
  size_t n;
  char trytes[MAX_N][TANGLE_TX_TRYTES];
  mam_trit_t hashes[MAX_N][HASH];
} delivery_t;

typedef struct {
  size_t count;
  delivery_t d[MAX_DELIVERIES];
} collector_t;

static void collect(void *ctx, const tangle_tx_t *const *txs, const mam_trit_t *const *hashes, size_t n) {
  collector_t *c = ctx;
  ck_assert_uint_lt(c->count, MAX_DELIVERIES);
  ck_assert_uint_le(n, MAX_N);
  delivery_t *d = &c->d[c->count++];
  d->n = n;
  for (size_t i = 0; i < n; i++) {
    ck_assert_int_eq(txs[i]->current_index, (int64_t)i);
    ck_assert_int_eq(tangle_tx_to_trytes(txs[i], d->trytes[i]), TANGLE_OK);
    memcpy(d->hashes[i], hashes[i], HASH);
  }
}

/* True when delivery d is exactly bundle b, in index order. */
static bool delivery_is(const delivery_t *d, const bundle_t *b) {
  if (d->n != b->n) return false;
  for (size_t i = 0; i < b->n; i++) {
    char trytes[TANGLE_TX_TRYTES];
    ck_assert_int_eq(tangle_tx_to_trytes(&b->txs[i], trytes), TANGLE_OK);
    if (memcmp(trytes, d->trytes[i], TANGLE_TX_TRYTES) != 0 || memcmp(b->hashes[i], d->hashes[i], HASH) != 0)
      return false;
  }
  return true;
}

static size_t deliveries_of(const collector_t *c, const bundle_t *b) {
  size_t k = 0;
  for (size_t i = 0; i < c->count; i++) k += delivery_is(&c->d[i], b);
  return k;
}

/* Attach chaining (spec 4.5) from random tips, without proof of work; records the hashes. */
static void chain(bundle_t *b, uint64_t *rng) {
  mam_trit_t trunk[HASH], branch[HASH];
  tu_random_trits(trunk, HASH, rng);
  tu_random_trits(branch, HASH, rng);
  for (size_t i = b->n; i-- > 0;) {
    ck_assert_int_eq(tangle_bundle_chain(b->txs, b->n, i, trunk, branch, 1600000000000 + (int64_t)i), TANGLE_OK);
    ck_assert_int_eq(tangle_tx_hash(&b->txs[i], b->hashes[i]), TANGLE_OK);
  }
  ck_assert_int_eq(tangle_bundle_validate(b->txs, b->n, &b->hashes[0][0]), TANGLE_OK);
}

/* An unchained, finalised bundle of n transactions carrying a random message. */
static void build(bundle_t *b, size_t n, const mam_trit_t address[HASH], int64_t timestamp, uint64_t *rng) {
  static mam_trit_t message[MAX_N * TANGLE_TX_FRAGMENT_TRITS];
  mam_trit_t tag[TANGLE_TX_TAG_TRITS];
  tu_random_trits(tag, TANGLE_TX_TAG_TRITS, rng);
  size_t message_trits = n * TANGLE_TX_FRAGMENT_TRITS - (size_t)(tu_rand(rng) % 100);
  tu_random_trits(message, message_trits, rng);
  tangle_bundle_entry_t e = {.address = address, .tag = tag, .timestamp = timestamp,
                             .message = message, .message_trits = message_trits};
  ck_assert_uint_eq(tangle_bundle_entry_txs(&e), n);
  b->n = n;
  ck_assert_int_eq(tangle_bundle_build(&e, 1, b->txs, n), TANGLE_OK);
  ck_assert_int_eq(tangle_bundle_finalize(b->txs, n, NULL), TANGLE_OK);
}

static void random_bundle(bundle_t *b, size_t n, uint64_t *rng) {
  mam_trit_t address[HASH];
  tu_random_trits(address, HASH, rng);
  build(b, n, address, TIMESTAMP, rng);
  chain(b, rng);
}

static void shuffle(size_t *order, size_t n, uint64_t *rng) {
  for (size_t i = n; i > 1; i--) {
    size_t j = (size_t)(tu_rand(rng) % i), t = order[i - 1];
    order[i - 1] = order[j];
    order[j] = t;
  }
}

static mg_assembler_result_t add(mg_assembler_t *a, const bundle_t *b, size_t i, uint64_t now, collector_t *c) {
  return mg_assembler_add(a, &b->txs[i], b->hashes[i], now, collect, c);
}

static mg_assembler_stats_t stats_of(const mg_assembler_t *a) {
  mg_assembler_stats_t s;
  mg_assembler_stats(a, &s);
  return s;
}

/* Feeds b in the given order; exactly one delivery, after the last transaction. */
static void feed_in_order(const bundle_t *b, const size_t *order) {
  mg_assembler_t *a = mg_assembler_new(NULL);
  ck_assert_ptr_nonnull(a);
  collector_t *c = calloc(1, sizeof *c);
  ck_assert_ptr_nonnull(c);
  for (size_t k = 0; k < b->n; k++) {
    ck_assert_uint_eq(c->count, 0);
    ck_assert_int_eq(add(a, b, order[k], k, c), MG_ASSEMBLER_ADDED);
  }
  ck_assert_uint_eq(c->count, 1);
  ck_assert(delivery_is(&c->d[0], b));
  mg_assembler_stats_t s = stats_of(a);
  ck_assert_uint_eq(s.bundles, 1);
  ck_assert_uint_eq(s.added, b->n);
  ck_assert_uint_eq(s.held, b->n);
  ck_assert_uint_eq(s.invalid_bundles, 0);
  free(c);
  mg_assembler_free(a);
}

/* Every order of the index set, by Heap's algorithm. */
static void feed_every_order(const bundle_t *b) {
  size_t order[MAX_N], count[MAX_N] = {0};
  for (size_t i = 0; i < b->n; i++) order[i] = i;
  feed_in_order(b, order);
  for (size_t i = 1; i < b->n;) {
    if (count[i] < i) {
      size_t j = i % 2 ? count[i] : 0, t = order[i];
      order[i] = order[j];
      order[j] = t;
      feed_in_order(b, order);
      count[i]++;
      i = 1;
    } else {
      count[i++] = 0;
    }
  }
}

START_TEST(test_every_order_delivers_once) {
  uint64_t rng = 11;
  static bundle_t b;
  for (size_t n = 1; n <= 4; n++) {
    random_bundle(&b, n, &rng);
    feed_every_order(&b);
  }
  for (size_t round = 0; round < 20; round++) {
    random_bundle(&b, 5 + round % 4, &rng);
    size_t order[MAX_N];
    for (size_t i = 0; i < b.n; i++) order[i] = i;
    shuffle(order, b.n, &rng);
    feed_in_order(&b, order);
  }
}
END_TEST

START_TEST(test_duplicates_ignored) {
  uint64_t rng = 12;
  static bundle_t b;
  random_bundle(&b, 4, &rng);
  mg_assembler_limits_t limits = {.ttl_ms = 1000};
  mg_assembler_t *a = mg_assembler_new(&limits);
  ck_assert_ptr_nonnull(a);
  static collector_t c;
  for (size_t i = 0; i < b.n; i++) {
    ck_assert_int_eq(add(a, &b, i, 0, &c), MG_ASSEMBLER_ADDED);
    ck_assert_int_eq(add(a, &b, i, 0, &c), MG_ASSEMBLER_DUPLICATE);
  }
  for (size_t i = 0; i < b.n; i++) ck_assert_int_eq(add(a, &b, i, 10, &c), MG_ASSEMBLER_DUPLICATE);
  ck_assert_uint_eq(c.count, 1);
  ck_assert(delivery_is(&c.d[0], &b));
  /* After expiry the transactions come again (e.g. a back-fill): the delivered tail is refused,
   * and the others complete nothing. */
  mg_assembler_expire(a, 1000);
  ck_assert_uint_eq(stats_of(a).held, 0);
  for (size_t i = b.n; i-- > 0;) {
    mg_assembler_result_t r = add(a, &b, i, 1000, &c);
    ck_assert_int_eq(r, i == 0 ? MG_ASSEMBLER_DUPLICATE : MG_ASSEMBLER_ADDED);
  }
  ck_assert_uint_eq(c.count, 1);
  mg_assembler_stats_t s = stats_of(a);
  ck_assert_uint_eq(s.duplicates, b.n * 2 + 1);
  ck_assert_uint_eq(s.expired, b.n);
  ck_assert_uint_eq(s.bundles, 1);
  mg_assembler_free(a);
}
END_TEST

/* The tail outlives the rest of its chain; when the chain comes again, the tail (still held)
 * is not delivered a second time. */
START_TEST(test_held_tail_not_delivered_twice) {
  uint64_t rng = 20;
  static bundle_t b;
  random_bundle(&b, 3, &rng);
  mg_assembler_limits_t limits = {.ttl_ms = 1000};
  mg_assembler_t *a = mg_assembler_new(&limits);
  ck_assert_ptr_nonnull(a);
  static collector_t c;
  for (size_t i = b.n; i-- > 0;) ck_assert_int_eq(add(a, &b, i, i == 0 ? 500 : 0, &c), MG_ASSEMBLER_ADDED);
  ck_assert_uint_eq(c.count, 1);
  mg_assembler_expire(a, 1000);
  ck_assert_uint_eq(stats_of(a).held, 1);
  for (size_t i = 1; i < b.n; i++) ck_assert_int_eq(add(a, &b, i, 1000, &c), MG_ASSEMBLER_ADDED);
  ck_assert_uint_eq(c.count, 1);
  ck_assert_uint_eq(stats_of(a).bundles, 1);
  mg_assembler_free(a);
}
END_TEST

/* Adds the transactions of several bundles in one shuffled stream. */
static void feed_mixed(mg_assembler_t *a, bundle_t *const *bundles, size_t nb, collector_t *c, uint64_t *rng) {
  size_t order[4 * MAX_N], total = 0;
  for (size_t k = 0; k < nb; k++)
    for (size_t i = 0; i < bundles[k]->n; i++) order[total++] = k * MAX_N + i;
  shuffle(order, total, rng);
  for (size_t j = 0; j < total; j++)
    ck_assert_int_eq(add(a, bundles[order[j] / MAX_N], order[j] % MAX_N, 0, c), MG_ASSEMBLER_ADDED);
}

/* Equal-sized bundles of one address in the same second share the bundle hash (spec 4.7). */
START_TEST(test_same_bundle_hash_both_delivered) {
  uint64_t rng = 13;
  static bundle_t b1, b2;
  mam_trit_t address[HASH];
  for (size_t round = 0; round < 10; round++) {
    tu_random_trits(address, HASH, &rng);
    size_t n = 1 + round % 4;
    build(&b1, n, address, TIMESTAMP, &rng);
    build(&b2, n, address, TIMESTAMP, &rng);
    ck_assert_int_eq(memcmp(b1.txs[0].bundle, b2.txs[0].bundle, HASH), 0);
    chain(&b1, &rng);
    chain(&b2, &rng);
    mg_assembler_t *a = mg_assembler_new(NULL);
    ck_assert_ptr_nonnull(a);
    static collector_t c;
    c.count = 0;
    bundle_t *both[] = {&b1, &b2};
    feed_mixed(a, both, 2, &c, &rng);
    ck_assert_uint_eq(c.count, 2);
    ck_assert_uint_eq(deliveries_of(&c, &b1), 1);
    ck_assert_uint_eq(deliveries_of(&c, &b2), 1);
    mg_assembler_free(a);
  }
}
END_TEST

/* A copy of b's transaction i with another message fragment, re-hashed. */
static void forge(const bundle_t *b, size_t i, tangle_tx_t *fake, mam_trit_t hash[HASH], uint64_t *rng) {
  *fake = b->txs[i];
  tu_random_trits(fake->signature_message_fragment, TANGLE_TX_FRAGMENT_TRITS, rng);
  ck_assert_int_eq(tangle_tx_hash(fake, hash), TANGLE_OK);
}

/* Feeds b, with the fake transaction added first or last. */
static void feed_with_fake(mg_assembler_t *a, const bundle_t *b, const tangle_tx_t *fake, const mam_trit_t *fake_hash,
                           bool fake_first, collector_t *c) {
  if (fake_first) ck_assert_int_eq(mg_assembler_add(a, fake, fake_hash, 0, collect, c), MG_ASSEMBLER_ADDED);
  for (size_t i = 0; i < b->n; i++) ck_assert_int_eq(add(a, b, i, 0, c), MG_ASSEMBLER_ADDED);
  if (!fake_first) ck_assert_int_eq(mg_assembler_add(a, fake, fake_hash, 0, collect, c), MG_ASSEMBLER_ADDED);
}

START_TEST(test_attacker_does_not_block) {
  uint64_t rng = 14;
  static bundle_t b;
  random_bundle(&b, 3, &rng);
  static collector_t c;
  for (int fake_first = 0; fake_first <= 1; fake_first++) {
    /* A middle transaction with the same index, bundle and trunk but other content. */
    tangle_tx_t fake;
    mam_trit_t fake_hash[HASH];
    forge(&b, 1, &fake, fake_hash, &rng);
    mg_assembler_t *a = mg_assembler_new(NULL);
    ck_assert_ptr_nonnull(a);
    c.count = 0;
    feed_with_fake(a, &b, &fake, fake_hash, fake_first, &c);
    ck_assert_uint_eq(c.count, 1);
    ck_assert(delivery_is(&c.d[0], &b));
    mg_assembler_free(a);

    /* A second tail on the real chain: its essence is the real one, so its bundle is valid
     * too and both are delivered (the MAM layer rejects the forged payload). */
    forge(&b, 0, &fake, fake_hash, &rng);
    a = mg_assembler_new(NULL);
    ck_assert_ptr_nonnull(a);
    c.count = 0;
    feed_with_fake(a, &b, &fake, fake_hash, fake_first, &c);
    ck_assert_uint_eq(c.count, 2);
    ck_assert_uint_eq(deliveries_of(&c, &b), 1);
    mg_assembler_free(a);

    /* A tail whose essence differs fails the bundle hash and is not delivered. */
    forge(&b, 0, &fake, fake_hash, &rng);
    fake.timestamp++;
    ck_assert_int_eq(tangle_tx_hash(&fake, fake_hash), TANGLE_OK);
    a = mg_assembler_new(NULL);
    ck_assert_ptr_nonnull(a);
    c.count = 0;
    feed_with_fake(a, &b, &fake, fake_hash, fake_first, &c);
    ck_assert_uint_eq(c.count, 1);
    ck_assert(delivery_is(&c.d[0], &b));
    ck_assert_uint_eq(stats_of(a).invalid_bundles, 1);
    mg_assembler_free(a);
  }
}
END_TEST

START_TEST(test_incomplete_bundles_expire) {
  uint64_t rng = 15;
  static bundle_t b;
  random_bundle(&b, 4, &rng);
  mg_assembler_limits_t limits = {.ttl_ms = 5000};
  mg_assembler_t *a = mg_assembler_new(&limits);
  ck_assert_ptr_nonnull(a);
  static collector_t c;
  for (size_t i = 1; i < b.n; i++) ck_assert_int_eq(add(a, &b, i, 1000 + i, &c), MG_ASSEMBLER_ADDED);
  mg_assembler_expire(a, 5999);
  ck_assert_uint_eq(stats_of(a).held, b.n - 1);
  mg_assembler_expire(a, 6002); /* the first two are 5000 ms old or more */
  ck_assert_uint_eq(stats_of(a).held, 1);
  ck_assert_uint_eq(stats_of(a).expired, 2);
  /* The tail arrives after the others expired: nothing completes. */
  ck_assert_int_eq(add(a, &b, 0, 7000, &c), MG_ASSEMBLER_ADDED);
  ck_assert_uint_eq(c.count, 0);
  ck_assert_uint_eq(stats_of(a).expired, 3);
  /* They come again in time: the bundle completes. */
  for (size_t i = 1; i < b.n; i++) add(a, &b, i, 8000, &c);
  ck_assert_uint_eq(c.count, 1);
  ck_assert(delivery_is(&c.d[0], &b));
  mg_assembler_free(a);
}
END_TEST

START_TEST(test_max_txs_bound) {
  uint64_t rng = 16;
  static bundle_t b[10];
  mg_assembler_limits_t limits = {.max_txs = 10};
  mg_assembler_t *a = mg_assembler_new(&limits);
  ck_assert_ptr_nonnull(a);
  static collector_t c;
  /* 27 transactions of bundles that never complete (their tails are withheld). */
  size_t added = 0;
  for (size_t k = 0; k < 9; k++) {
    random_bundle(&b[k], 4, &rng);
    for (size_t i = 1; i < 4; i++) {
      ck_assert_int_eq(add(a, &b[k], i, k, &c), MG_ASSEMBLER_ADDED);
      added++;
      ck_assert_uint_le(stats_of(a).held, 10);
    }
  }
  mg_assembler_stats_t s = stats_of(a);
  ck_assert_uint_eq(s.held, 10);
  ck_assert_uint_eq(s.evicted, added - 10);
  /* The oldest went first: the tail of the last bundle completes it, not that of the first. */
  ck_assert_int_eq(add(a, &b[0], 0, 20, &c), MG_ASSEMBLER_ADDED);
  ck_assert_uint_eq(c.count, 0);
  ck_assert_int_eq(add(a, &b[8], 0, 20, &c), MG_ASSEMBLER_ADDED);
  ck_assert_uint_eq(c.count, 1);
  ck_assert(delivery_is(&c.d[0], &b[8]));
  ck_assert_uint_le(stats_of(a).held, 10);
  /* A bundle of 8 still fits in 10. */
  random_bundle(&b[9], 8, &rng);
  for (size_t i = 0; i < 8; i++) add(a, &b[9], i, 30, &c);
  ck_assert_uint_eq(c.count, 2);
  ck_assert(delivery_is(&c.d[1], &b[9]));
  mg_assembler_free(a);
}
END_TEST

/* The same bundle attached twice: new trunk/branch, so new hashes; delivered again. */
START_TEST(test_reattachment_delivered_again) {
  uint64_t rng = 17;
  static bundle_t first, second;
  mam_trit_t address[HASH];
  tu_random_trits(address, HASH, &rng);
  build(&first, 3, address, TIMESTAMP, &rng);
  second = first;
  chain(&first, &rng);
  chain(&second, &rng);
  ck_assert_int_ne(memcmp(first.hashes[0], second.hashes[0], HASH), 0);
  mg_assembler_t *a = mg_assembler_new(NULL);
  ck_assert_ptr_nonnull(a);
  static collector_t c;
  bundle_t *both[] = {&first, &second};
  feed_mixed(a, both, 2, &c, &rng);
  ck_assert_uint_eq(c.count, 2);
  ck_assert_uint_eq(deliveries_of(&c, &first), 1);
  ck_assert_uint_eq(deliveries_of(&c, &second), 1);
  mg_assembler_free(a);
}
END_TEST

START_TEST(test_rejected_input) {
  uint64_t rng = 18;
  static bundle_t b;
  random_bundle(&b, 2, &rng);
  mg_assembler_limits_t limits = {.max_bundle_txs = 2};
  mg_assembler_t *a = mg_assembler_new(&limits);
  ck_assert_ptr_nonnull(a);
  static collector_t c;
  tangle_tx_t tx = b.txs[0];
  tx.value = 1;
  ck_assert_int_eq(mg_assembler_add(a, &tx, b.hashes[0], 0, collect, &c), MG_ASSEMBLER_REJECTED);
  tx = b.txs[0];
  tx.current_index = 2;
  ck_assert_int_eq(mg_assembler_add(a, &tx, b.hashes[0], 0, collect, &c), MG_ASSEMBLER_REJECTED);
  tx.current_index = -1;
  ck_assert_int_eq(mg_assembler_add(a, &tx, b.hashes[0], 0, collect, &c), MG_ASSEMBLER_REJECTED);
  tx = b.txs[0];
  tx.last_index = tx.current_index = 2; /* a bundle of 3 > max_bundle_txs */
  ck_assert_int_eq(mg_assembler_add(a, &tx, b.hashes[0], 0, collect, &c), MG_ASSEMBLER_REJECTED);
  tx = b.txs[0];
  tx.nonce[0] = 2;
  ck_assert_int_eq(mg_assembler_add(a, &tx, b.hashes[0], 0, collect, &c), MG_ASSEMBLER_REJECTED);
  mam_trit_t bad_hash[HASH];
  memcpy(bad_hash, b.hashes[0], HASH);
  bad_hash[5] = -2;
  ck_assert_int_eq(mg_assembler_add(a, &b.txs[0], bad_hash, 0, collect, &c), MG_ASSEMBLER_REJECTED);
  ck_assert_int_eq(mg_assembler_add(a, NULL, b.hashes[0], 0, collect, &c), MG_ASSEMBLER_REJECTED);
  ck_assert_int_eq(mg_assembler_add(a, &b.txs[0], NULL, 0, collect, &c), MG_ASSEMBLER_REJECTED);
  ck_assert_int_eq(mg_assembler_add(NULL, &b.txs[0], b.hashes[0], 0, collect, &c), MG_ASSEMBLER_REJECTED);
  mg_assembler_stats_t s = stats_of(a);
  ck_assert_uint_eq(s.rejected, 6);
  ck_assert_uint_eq(s.held, 0);
  /* The real ones still go through; a NULL callback only counts. */
  ck_assert_int_eq(add(a, &b, 1, 0, &c), MG_ASSEMBLER_ADDED);
  ck_assert_int_eq(mg_assembler_add(a, &b.txs[0], b.hashes[0], 0, NULL, NULL), MG_ASSEMBLER_ADDED);
  ck_assert_uint_eq(stats_of(a).bundles, 1);
  mg_assembler_free(a);
  mg_assembler_free(NULL);
}
END_TEST

/* A bundle whose essence was changed after finalisation fails the bundle hash. */
START_TEST(test_wrong_bundle_hash_not_delivered) {
  uint64_t rng = 19;
  static bundle_t b;
  mam_trit_t address[HASH];
  tu_random_trits(address, HASH, &rng);
  build(&b, 3, address, TIMESTAMP, &rng);
  b.txs[2].obsolete_tag[0] = (mam_trit_t)(b.txs[2].obsolete_tag[0] == 1 ? 0 : 1);
  mam_trit_t tip[HASH];
  tu_random_trits(tip, HASH, &rng);
  for (size_t i = b.n; i-- > 0;) {
    ck_assert_int_eq(tangle_bundle_chain(b.txs, b.n, i, tip, tip, 0), TANGLE_OK);
    ck_assert_int_eq(tangle_tx_hash(&b.txs[i], b.hashes[i]), TANGLE_OK);
  }
  mg_assembler_t *a = mg_assembler_new(NULL);
  ck_assert_ptr_nonnull(a);
  static collector_t c;
  for (size_t i = 0; i < b.n; i++) ck_assert_int_eq(add(a, &b, i, 0, &c), MG_ASSEMBLER_ADDED);
  ck_assert_uint_eq(c.count, 0);
  ck_assert_uint_eq(stats_of(a).invalid_bundles, 1);
  mg_assembler_free(a);
}
END_TEST


/* ---- messages shaped as the reference writes them ---- */

#define REF_PACKETS 3
#define REF_N 2 /* transactions per bundle: equal sizes, so one bundle hash for all */

/* One unattached bundle of a reference-shaped message: obsoleteTag all 9 and TIMESTAMP; the tag
 * holds the message id and the packet order: `header` transactions with order 0, then the rest
 * with order ord. Its transaction hashes are computed. */
static void ref_bundle(bundle_t *b, const mam_trit_t address[HASH], const mam_trit_t msg_id[MAM_MSG_ID_TRITS], size_t header,
                       int64_t ord, uint64_t *rng) {
  static mam_trit_t message[REF_N * TANGLE_TX_FRAGMENT_TRITS];
  mam_trit_t tags[2][TANGLE_TX_TAG_TRITS];
  for (int k = 0; k < 2; k++) {
    memcpy(tags[k], msg_id, MAM_MSG_ID_TRITS);
    mam_trits_from_int(k == 0 ? 0 : ord, tags[k] + MAM_MSG_ID_TRITS, MAM_ORD_TRITS);
  }
  tu_random_trits(message, sizeof message, rng);
  tangle_bundle_entry_t e[2];
  size_t ne = 0, frag = TANGLE_TX_FRAGMENT_TRITS;
  if (header > 0)
    e[ne++] = (tangle_bundle_entry_t){.address = address, .tag = tags[0], .timestamp = TIMESTAMP, .message = message,
                                      .message_trits = header * frag};
  e[ne++] = (tangle_bundle_entry_t){.address = address, .tag = tags[1], .timestamp = TIMESTAMP,
                                    .message = message + header * frag, .message_trits = (REF_N - header) * frag};
  b->n = REF_N;
  ck_assert_int_eq(tangle_bundle_build(e, ne, b->txs, REF_N), TANGLE_OK);
  ck_assert_int_eq(tangle_bundle_finalize(b->txs, REF_N, NULL), TANGLE_OK);
  for (size_t i = 0; i < REF_N; i++) ck_assert_int_eq(tangle_tx_hash(&b->txs[i], b->hashes[i]), TANGLE_OK);
}

/* A message of REF_PACKETS packets: the header with packet 1, then packets 2 .. REF_PACKETS, the
 * last one's order negative. */
static void ref_message(bundle_t m[REF_PACKETS], const mam_trit_t address[HASH], uint64_t *rng) {
  mam_trit_t msg_id[MAM_MSG_ID_TRITS];
  tu_random_trits(msg_id, MAM_MSG_ID_TRITS, rng);
  for (int64_t k = 0; k < REF_PACKETS; k++) ref_bundle(&m[k], address, msg_id, k == 0, k + 1 == REF_PACKETS ? -(k + 1) : k + 1, rng);
}

/* A transaction on its own: a conflicting copy. */
typedef struct {
  tangle_tx_t tx;
  mam_trit_t hash[HASH];
} loose_t;

#define FEED_MAX 64

/* Adds every transaction of the bundles and the loose ones in one shuffled stream. */
static void feed_shuffled(mg_assembler_t *a, bundle_t *const *bundles, size_t nb, const loose_t *loose, size_t nl,
                          mg_bundle_cb cb, void *ctx, uint64_t *rng) {
  const tangle_tx_t *txs[FEED_MAX];
  const mam_trit_t *hashes[FEED_MAX];
  size_t order[FEED_MAX], n = 0;
  for (size_t k = 0; k < nb; k++)
    for (size_t i = 0; i < bundles[k]->n; i++, n++) txs[n] = &bundles[k]->txs[i], hashes[n] = bundles[k]->hashes[i];
  for (size_t k = 0; k < nl; k++, n++) txs[n] = &loose[k].tx, hashes[n] = loose[k].hash;
  ck_assert_uint_le(n, FEED_MAX);
  for (size_t i = 0; i < n; i++) order[i] = i;
  shuffle(order, n, rng);
  for (size_t i = 0; i < n; i++)
    ck_assert_int_eq(mg_assembler_add(a, txs[order[i]], hashes[order[i]], 0, cb, ctx), MG_ASSEMBLER_ADDED);
}

/* Two messages of one channel, every bundle with the same bundle hash. */
static void two_ref_messages(bundle_t m[2][REF_PACKETS], uint64_t *rng) {
  mam_trit_t address[HASH];
  tu_random_trits(address, HASH, rng);
  ref_message(m[0], address, rng);
  ref_message(m[1], address, rng);
  for (size_t k = 0; k < 2; k++)
    for (size_t j = 0; j < REF_PACKETS; j++) ck_assert_int_eq(memcmp(m[k][j].txs[0].bundle, m[0][0].txs[0].bundle, HASH), 0);
}

/* Attached (trunks chain): shuffled, with reattachments and conflicting copies. */
START_TEST(test_reference_shaped_attached) {
  uint64_t rng = 21;
  static bundle_t m[2][REF_PACKETS], again[2];
  static collector_t c;
  for (size_t round = 0; round < 5; round++) {
    two_ref_messages(m, &rng);
    for (size_t k = 0; k < 2; k++)
      for (size_t j = 0; j < REF_PACKETS; j++) chain(&m[k][j], &rng);
    again[0] = m[0][1];
    again[1] = m[1][2];
    chain(&again[0], &rng);
    chain(&again[1], &rng);
    /* a copy of a tail on the real chain (delivered too: its essence is the real one) and a
     * copy of a head that no trunk names (never part of a bundle) */
    loose_t fakes[2];
    forge(&m[0][2], 0, &fakes[0].tx, fakes[0].hash, &rng);
    forge(&m[1][0], 1, &fakes[1].tx, fakes[1].hash, &rng);
    bundle_t *all[] = {&m[0][0], &m[0][1], &m[0][2], &m[1][0], &m[1][1], &m[1][2], &again[0], &again[1]};
    mg_assembler_t *a = mg_assembler_new(NULL);
    ck_assert_ptr_nonnull(a);
    c.count = 0;
    feed_shuffled(a, all, 8, fakes, 2, collect, &c, &rng);
    for (size_t k = 0; k < 8; k++) ck_assert_uint_eq(deliveries_of(&c, all[k]), 1);
    ck_assert_uint_eq(c.count, 9);
    mg_assembler_free(a);
  }
}
END_TEST

/* Not attached (trunks all 9): the bundles are told apart by their tags. Shuffled, with
 * reattachments (attached copies), conflicting copies, and a message whose header fills its
 * bundle (its packet alone in the next one). */
START_TEST(test_reference_shaped_unattached) {
  uint64_t rng = 22;
  static bundle_t m[2][REF_PACKETS], again[2], header_only, its_packet;
  static collector_t c;
  mg_assembler_limits_t limits = {.unattached = true};
  for (size_t round = 0; round < 5; round++) {
    two_ref_messages(m, &rng);
    mam_trit_t msg_id[MAM_MSG_ID_TRITS];
    tu_random_trits(msg_id, MAM_MSG_ID_TRITS, &rng);
    ref_bundle(&header_only, m[0][0].txs[0].address, msg_id, 0, 0, &rng);
    ref_bundle(&its_packet, m[0][0].txs[0].address, msg_id, 0, -1, &rng);
    ck_assert_int_eq(memcmp(header_only.txs[0].bundle, m[0][0].txs[0].bundle, HASH), 0);
    again[0] = m[0][1];
    again[1] = m[1][0];
    chain(&again[0], &rng);
    chain(&again[1], &rng);
    loose_t fakes[2]; /* another head for one bundle, another tail for another: one more each */
    forge(&m[0][2], 1, &fakes[0].tx, fakes[0].hash, &rng);
    forge(&m[1][1], 0, &fakes[1].tx, fakes[1].hash, &rng);
    bundle_t *all[] = {&m[0][0], &m[0][1], &m[0][2], &m[1][0], &m[1][1], &m[1][2], &again[0], &again[1],
                       &header_only, &its_packet};
    mg_assembler_t *a = mg_assembler_new(&limits);
    ck_assert_ptr_nonnull(a);
    c.count = 0;
    feed_shuffled(a, all, 10, fakes, 2, collect, &c, &rng);
    for (size_t k = 0; k < 10; k++) ck_assert_uint_eq(deliveries_of(&c, all[k]), 1);
    /* 10 genuine, 2 with a conflicting copy, and the header-only bundle's tail with its packet's
     * head (order 0 then -1 follow each other; the MAM reader refuses it) */
    ck_assert_uint_eq(c.count, 13);
    mg_assembler_stats_t s = stats_of(a);
    ck_assert_uint_eq(s.bundles, 13);
    ck_assert_uint_eq(s.invalid_bundles, 0);
    ck_assert_uint_eq(s.cut_searches, 0);
    mg_assembler_free(a);
  }
}
END_TEST

/* The gateway's default: unattached transactions are held but complete nothing. */
START_TEST(test_unattached_needs_the_option) {
  uint64_t rng = 23;
  static bundle_t m[2][REF_PACKETS];
  static collector_t c;
  two_ref_messages(m, &rng);
  bundle_t *all[] = {&m[0][0], &m[0][1], &m[0][2], &m[1][0], &m[1][1], &m[1][2]};
  mg_assembler_t *a = mg_assembler_new(NULL);
  ck_assert_ptr_nonnull(a);
  c.count = 0;
  feed_shuffled(a, all, 6, NULL, 0, collect, &c, &rng);
  ck_assert_uint_eq(c.count, 0);
  ck_assert_uint_eq(stats_of(a).held, 6 * REF_N);
  mg_assembler_free(a);
}
END_TEST

static void count_bundle(void *ctx, const tangle_tx_t *const *txs, const mam_trit_t *const *hashes, size_t n) {
  (void)txs, (void)hashes, (void)n;
  ++*(size_t *)ctx;
}

/* Conflicting copies multiply the combinations; max_unattached_steps bounds the search. */
START_TEST(test_unattached_search_bounded) {
  uint64_t rng = 24;
  static bundle_t b;
  mam_trit_t address[HASH], msg_id[MAM_MSG_ID_TRITS];
  tu_random_trits(address, HASH, &rng);
  tu_random_trits(msg_id, MAM_MSG_ID_TRITS, &rng);
  ref_bundle(&b, address, msg_id, 0, 5, &rng);
  static loose_t copies[6];
  for (size_t k = 0; k < 6; k++) forge(&b, 0, &copies[k].tx, copies[k].hash, &rng);
  size_t steps[] = {0, 5}, expect[] = {7, 2};
  for (size_t t = 0; t < 2; t++) {
    mg_assembler_limits_t limits = {.unattached = true, .max_unattached_steps = steps[t]};
    mg_assembler_t *a = mg_assembler_new(&limits);
    ck_assert_ptr_nonnull(a);
    size_t delivered = 0;
    for (size_t k = 0; k < 6; k++) ck_assert_int_eq(mg_assembler_add(a, &copies[k].tx, copies[k].hash, 0, count_bundle, &delivered), MG_ASSEMBLER_ADDED);
    ck_assert_int_eq(mg_assembler_add(a, &b.txs[0], b.hashes[0], 0, count_bundle, &delivered), MG_ASSEMBLER_ADDED);
    ck_assert_uint_eq(delivered, 0);
    /* the head completes a bundle with each of the 7 tails, two steps each: 5 steps give 2 */
    ck_assert_int_eq(mg_assembler_add(a, &b.txs[1], b.hashes[1], 0, count_bundle, &delivered), MG_ASSEMBLER_ADDED);
    ck_assert_uint_eq(delivered, expect[t]);
    ck_assert_uint_eq(stats_of(a).cut_searches, t);
    mg_assembler_free(a);
  }
}
END_TEST

static Suite *assembler_suite(void) {
  Suite *s = suite_create("assembler");
  TCase *tc = tcase_create("assembler");
  tcase_add_test(tc, test_every_order_delivers_once);
  tcase_add_test(tc, test_duplicates_ignored);
  tcase_add_test(tc, test_held_tail_not_delivered_twice);
  tcase_add_test(tc, test_same_bundle_hash_both_delivered);
  tcase_add_test(tc, test_attacker_does_not_block);
  tcase_add_test(tc, test_incomplete_bundles_expire);
  tcase_add_test(tc, test_max_txs_bound);
  tcase_add_test(tc, test_reattachment_delivered_again);
  tcase_add_test(tc, test_rejected_input);
  tcase_add_test(tc, test_wrong_bundle_hash_not_delivered);
  tcase_add_test(tc, test_reference_shaped_attached);
  tcase_add_test(tc, test_reference_shaped_unattached);
  tcase_add_test(tc, test_unattached_needs_the_option);
  tcase_add_test(tc, test_unattached_search_bounded);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run_suite(assembler_suite()); }
