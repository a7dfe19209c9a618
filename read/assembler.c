/* read/assembler.c: bundle reassembly from feed transactions (spec node-interface.md 4.6-4.7).
 *
 * Every held transaction is indexed twice: by its own hash and by its trunk. When a transaction
 * X with currentIndex i arrives, a bundle can only complete through it, so the assembler
 *   1. follows trunk links from X up to the head (index lastIndex); if a link is missing or
 *      inconsistent nothing completes;
 *   2. walks back from X through every held transaction whose trunk is X (index i - 1, the same
 *      lastIndex and bundle field), and so on down to index 0: each tail reached this way is a
 *      tail of the group whose chain runs through X - every such tail is tried;
 *   3. checks each tail's chain with tangle_bundle_validate (indexes, values, chaining, the Kerl
 *      bundle hash) and delivers it unless that tail was delivered before.
 * Transactions stay held after delivery until they expire, so a tail posted by an attacker on
 * top of real transactions cannot use them up before the real tail arrives.
 *
 * Unattached transactions (when the limits ask for them) are indexed by their bundle field and
 * position instead of their trunk. A new one, X at position i, completes every chain of
 * positions 0 .. lastIndex with X at i whose tags follow each other (see the header); the search
 * is depth-first from position 0 and places at most max_unattached_steps transactions. Each
 * chain found holds X, which was not held before, so none is delivered twice while X is held.
 *
 * Memory: a held transaction keeps its 8019 trits packed five to a byte (3^5 = 243 <= 256) and
 * its hash, trunk, bundle and position key packed the same way, about 1.9 KB each. */
#include "read/assembler.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "mamcore/transport.h"
#include "read/addrset.h"
#include "tangle/bundle.h"

#define TRITS_PER_BYTE 5
#define PACKED_BYTES(trits) (((trits) + TRITS_PER_BYTE - 1) / TRITS_PER_BYTE)
#define KEY_BYTES PACKED_BYTES(TANGLE_TX_HASH_TRITS) /* 49 */
#define TX_BYTES PACKED_BYTES(TANGLE_TX_TRITS)        /* 1604 */
#define MSG_ID_BYTES PACKED_BYTES(MAM_MSG_ID_TRITS)   /* 13 */

#define DEFAULT_MAX_TXS 100000
#define DEFAULT_TTL_MS (10 * 60 * 1000)
#define DEFAULT_MAX_BUNDLE_TXS 1000
#define DEFAULT_MAX_UNATTACHED_STEPS 10000
#define INITIAL_BUCKETS 64

#define CONTAINER_OF(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* ---- packed trits ---- */

/* Five balanced trits per byte, the first trit least significant; trits must be -1, 0 or 1.
 * Every held transaction is packed once and unpacked once, so whole bytes go straight: a sum of
 * (t + 1) 3^k is 121 + the sum of t 3^k, and a table gives the five trits of a byte. */
static void pack_trits(const mam_trit_t *t, size_t n, uint8_t *out) {
  size_t i = 0;
  for (; i + TRITS_PER_BYTE <= n; i += TRITS_PER_BYTE)
    *out++ = (uint8_t)(121 + t[i] + 3 * t[i + 1] + 9 * t[i + 2] + 27 * t[i + 3] + 81 * t[i + 4]);
  if (i == n) return;
  unsigned v = 0;
  for (size_t k = n - i; k-- > 0;) v = v * 3 + (unsigned)(t[i + k] + 1);
  *out = (uint8_t)v;
}

#define PACKED_VALUES 243 /* 3^TRITS_PER_BYTE */
typedef mam_trit_t unpack_table_t[PACKED_VALUES][TRITS_PER_BYTE];

static void unpack_table_init(unpack_table_t table) {
  for (unsigned v = 0; v < PACKED_VALUES; v++)
    for (unsigned k = 0, x = v; k < TRITS_PER_BYTE; k++, x /= 3) table[v][k] = (mam_trit_t)((int)(x % 3) - 1);
}

static void unpack_trits(const unpack_table_t table, const uint8_t *in, size_t n, mam_trit_t *t) {
  size_t i = 0;
  for (; i + TRITS_PER_BYTE <= n; i += TRITS_PER_BYTE) memcpy(t + i, table[*in++], TRITS_PER_BYTE);
  if (i < n) memcpy(t + i, table[*in], n - i);
}

/* ---- chained hash table of 243-trit keys (intrusive links, duplicates allowed) ---- */

typedef struct key_link {
  struct key_link *next;
  uint8_t key[KEY_BYTES];
} key_link_t;

typedef struct key_table {
  key_link_t **buckets;
  size_t mask, count;
  uint64_t seed;
} key_table_t;

static bool table_init(key_table_t *t, uint64_t seed) {
  t->buckets = calloc(INITIAL_BUCKETS, sizeof *t->buckets);
  t->mask = INITIAL_BUCKETS - 1;
  t->count = 0;
  t->seed = seed;
  return t->buckets != NULL;
}

static key_link_t **table_bucket(const key_table_t *t, const uint8_t key[KEY_BYTES]) {
  return &t->buckets[mg_hash_bytes(key, KEY_BYTES, t->seed) & t->mask];
}

/* Doubles the bucket array; on allocation failure the table just keeps longer chains. */
static void table_grow(key_table_t *t) {
  size_t n = (t->mask + 1) * 2;
  key_link_t **old = t->buckets, **buckets = calloc(n, sizeof *buckets);
  if (buckets == NULL) return;
  size_t old_n = t->mask + 1;
  t->buckets = buckets;
  t->mask = n - 1;
  for (size_t b = 0; b < old_n; b++) {
    for (key_link_t *l = old[b], *next; l != NULL; l = next) {
      next = l->next;
      key_link_t **head = table_bucket(t, l->key);
      l->next = *head;
      *head = l;
    }
  }
  free(old);
}

static void table_insert(key_table_t *t, key_link_t *l) {
  if (t->count >= t->mask + 1) table_grow(t);
  key_link_t **head = table_bucket(t, l->key);
  l->next = *head;
  *head = l;
  t->count++;
}

static void table_remove(key_table_t *t, key_link_t *l) {
  for (key_link_t **p = table_bucket(t, l->key); *p != NULL; p = &(*p)->next) {
    if (*p == l) {
      *p = l->next;
      t->count--;
      return;
    }
  }
}

/* The first link with this key at or after l in its chain, or NULL. */
static key_link_t *chain_match(key_link_t *l, const uint8_t key[KEY_BYTES]) {
  while (l != NULL && memcmp(l->key, key, KEY_BYTES) != 0) l = l->next;
  return l;
}

static key_link_t *table_find(const key_table_t *t, const uint8_t key[KEY_BYTES]) {
  return chain_match(*table_bucket(t, key), key);
}

/* ---- the assembler ---- */

typedef struct held_tx {
  key_link_t by_hash;     /* key: this transaction's hash */
  key_link_t by_trunk;    /* key: its trunk; not in the table when unattached */
  key_link_t by_position; /* unattached only: position_key() of its bundle and currentIndex */
  struct held_tx *older, *newer;
  uint64_t added_ms;
  int64_t current_index, last_index;
  bool unattached;
  int64_t ord;                  /* the tag's packet order */
  uint8_t msg_id[MSG_ID_BYTES]; /* the tag's message id */
  uint8_t bundle[KEY_BYTES];
  uint8_t trits[TX_BYTES];
} held_tx_t;

/* A delivered tail hash, remembered (first in, first out) so a repeat is not delivered again. */
typedef struct delivered {
  key_link_t link;
  struct delivered *newer;
} delivered_t;

struct mg_assembler {
  mg_assembler_limits_t limits;
  mg_assembler_stats_t stats;
  key_table_t by_hash, by_trunk, by_position, delivered;
  held_tx_t *oldest, *newest;
  delivered_t *delivered_oldest, *delivered_newest;
  /* Scratch for one add: the chain being built, the back-walk cursors and the callback's
   * pointer arrays (max_bundle_txs each), one transaction's trits, and the unpacked bundle
   * (grown to the largest bundle checked so far). */
  held_tx_t **path;
  key_link_t **cursor;
  const tangle_tx_t **tx_ptrs;
  const mam_trit_t **hash_ptrs;
  mam_trit_t tx_trits[TANGLE_TX_TRITS];
  unpack_table_t unpack; /* the trits of each packed byte */
  tangle_tx_t *txs; /* one block: unpacked_cap transactions, then their hashes */
  mam_trit_t *hashes;
  size_t unpacked_cap;
};

static mg_assembler_limits_t limits_or_defaults(const mg_assembler_limits_t *l) {
  mg_assembler_limits_t d = {DEFAULT_MAX_TXS, DEFAULT_TTL_MS, DEFAULT_MAX_BUNDLE_TXS, false,
                             DEFAULT_MAX_UNATTACHED_STEPS};
  if (l != NULL) {
    if (l->max_txs > 0) d.max_txs = l->max_txs;
    if (l->ttl_ms > 0) d.ttl_ms = l->ttl_ms;
    if (l->max_bundle_txs > 0) d.max_bundle_txs = l->max_bundle_txs;
    d.unattached = l->unattached;
    if (l->max_unattached_steps > 0) d.max_unattached_steps = l->max_unattached_steps;
  }
  return d;
}

mg_assembler_t *mg_assembler_new(const mg_assembler_limits_t *limits) {
  mg_assembler_t *a = calloc(1, sizeof *a);
  if (a == NULL) return NULL;
  a->limits = limits_or_defaults(limits);
  unpack_table_init(a->unpack);
  uint64_t seed = mg_hash_seed();
  bool ok = table_init(&a->by_hash, seed);
  ok = table_init(&a->by_trunk, seed) && ok;
  ok = table_init(&a->by_position, seed) && ok;
  ok = table_init(&a->delivered, seed) && ok;
  size_t n = a->limits.max_bundle_txs;
  a->path = calloc(n, sizeof *a->path);
  a->cursor = calloc(n, sizeof *a->cursor);
  a->tx_ptrs = calloc(n, sizeof *a->tx_ptrs);
  a->hash_ptrs = calloc(n, sizeof *a->hash_ptrs);
  if (!ok || a->path == NULL || a->cursor == NULL || a->tx_ptrs == NULL || a->hash_ptrs == NULL) {
    mg_assembler_free(a);
    return NULL;
  }
  return a;
}

static void drop_tx(mg_assembler_t *a, held_tx_t *h) {
  table_remove(&a->by_hash, &h->by_hash);
  if (h->unattached) table_remove(&a->by_position, &h->by_position);
  else table_remove(&a->by_trunk, &h->by_trunk);
  if (h->older) h->older->newer = h->newer;
  else a->oldest = h->newer;
  if (h->newer) h->newer->older = h->older;
  else a->newest = h->older;
  a->stats.held--;
  free(h);
}

void mg_assembler_free(mg_assembler_t *a) {
  if (a == NULL) return;
  for (held_tx_t *h = a->oldest, *next; h != NULL; h = next) {
    next = h->newer;
    free(h);
  }
  for (delivered_t *d = a->delivered_oldest, *next; d != NULL; d = next) {
    next = d->newer;
    free(d);
  }
  free(a->by_hash.buckets);
  free(a->by_trunk.buckets);
  free(a->by_position.buckets);
  free(a->delivered.buckets);
  free(a->path);
  free(a->cursor);
  free(a->tx_ptrs);
  free(a->hash_ptrs);
  free(a->txs);
  free(a);
}

void mg_assembler_expire(mg_assembler_t *a, uint64_t now_ms) {
  if (a == NULL) return;
  while (a->oldest != NULL && now_ms >= a->oldest->added_ms && now_ms - a->oldest->added_ms >= a->limits.ttl_ms) {
    drop_tx(a, a->oldest);
    a->stats.expired++;
  }
}

void mg_assembler_stats(const mg_assembler_t *a, mg_assembler_stats_t *out) {
  if (a != NULL && out != NULL) *out = a->stats;
}

/* Zero-value transactions with 0 <= currentIndex <= lastIndex < max_bundle_txs. */
static bool tx_acceptable(const mg_assembler_t *a, const tangle_tx_t *tx) {
  return tx->value == 0 && tx->current_index >= 0 && tx->current_index <= tx->last_index &&
         (uint64_t)tx->last_index < a->limits.max_bundle_txs;
}

/* The by_position key of position `index` of an unattached bundle: its packed bundle field with
 * the index mixed into the first bytes. It only narrows the search: fits_chain compares the
 * fields themselves. */
static void position_key(const uint8_t bundle[KEY_BYTES], int64_t index, uint8_t key[KEY_BYTES]) {
  memcpy(key, bundle, KEY_BYTES);
  for (size_t k = 0; k < sizeof index; k++) key[k] ^= (uint8_t)((uint64_t)index >> (8 * k));
}

/* Files h in the table that chains it: by trunk, or by position when it is unattached. */
static void index_chain(mg_assembler_t *a, held_tx_t *h, const tangle_tx_t *tx) {
  h->unattached = a->limits.unattached && tangle_trits_zero(tx->trunk, TANGLE_TX_HASH_TRITS);
  mam_trit_t msg_id[MAM_MSG_ID_TRITS];
  mam_tag_parse(tx->tag, msg_id, &h->ord);
  pack_trits(msg_id, MAM_MSG_ID_TRITS, h->msg_id);
  if (h->unattached) {
    position_key(h->bundle, h->current_index, h->by_position.key);
    table_insert(&a->by_position, &h->by_position);
  } else {
    pack_trits(a->tx_trits + TANGLE_TX_OFF_TRUNK, TANGLE_TX_HASH_TRITS, h->by_trunk.key);
    table_insert(&a->by_trunk, &h->by_trunk);
  }
}

/* Copies tx into a new held transaction at the newest end; NULL when out of memory. The
 * transaction's trits are in a->tx_trits. */
static held_tx_t *hold_tx(mg_assembler_t *a, const tangle_tx_t *tx, const uint8_t hash_key[KEY_BYTES],
                          uint64_t now_ms) {
  if (a->stats.held >= a->limits.max_txs) {
    drop_tx(a, a->oldest);
    a->stats.evicted++;
  }
  held_tx_t *h = malloc(sizeof *h);
  if (h == NULL) return NULL;
  memcpy(h->by_hash.key, hash_key, KEY_BYTES);
  pack_trits(a->tx_trits + TANGLE_TX_OFF_BUNDLE, TANGLE_TX_HASH_TRITS, h->bundle);
  pack_trits(a->tx_trits, TANGLE_TX_TRITS, h->trits);
  h->current_index = tx->current_index;
  h->last_index = tx->last_index;
  h->added_ms = now_ms;
  table_insert(&a->by_hash, &h->by_hash);
  index_chain(a, h, tx);
  h->older = a->newest;
  h->newer = NULL;
  if (a->newest) a->newest->newer = h;
  else a->oldest = h;
  a->newest = h;
  a->stats.held++;
  return h;
}

/* True when h can stand at position `index` of the chain that `like` belongs to. */
static bool fits_chain(const held_tx_t *h, int64_t index, const held_tx_t *like) {
  return h->current_index == index && h->last_index == like->last_index &&
         memcmp(h->bundle, like->bundle, KEY_BYTES) == 0;
}

/* Step 1: fills path[i + 1 .. last] by following trunks from path[i]; false when incomplete. */
static bool follow_trunks(mg_assembler_t *a, size_t i, size_t last) {
  for (size_t k = i; k < last; k++) {
    key_link_t *l = table_find(&a->by_hash, a->path[k]->by_trunk.key);
    if (l == NULL) return false;
    held_tx_t *next = CONTAINER_OF(l, held_tx_t, by_hash);
    if (!fits_chain(next, (int64_t)k + 1, a->path[k])) return false;
    a->path[k + 1] = next;
  }
  return true;
}

/* The next held transaction at or after *cursor whose trunk is path[d] and that fits position
 * d - 1; the cursor moves past it. */
static held_tx_t *next_approver(mg_assembler_t *a, size_t d) {
  const uint8_t *hash = a->path[d]->by_hash.key;
  for (key_link_t *l = chain_match(a->cursor[d], hash); l != NULL; l = chain_match(l->next, hash)) {
    held_tx_t *h = CONTAINER_OF(l, held_tx_t, by_trunk);
    if (fits_chain(h, (int64_t)d - 1, a->path[d])) {
      a->cursor[d] = l->next;
      return h;
    }
  }
  a->cursor[d] = NULL;
  return NULL;
}

static bool reserve_unpacked(mg_assembler_t *a, size_t n) {
  if (n <= a->unpacked_cap) return true;
  tangle_tx_t *txs = malloc(n * (sizeof *txs + TANGLE_TX_HASH_TRITS));
  if (txs == NULL) return false;
  free(a->txs);
  a->txs = txs;
  a->hashes = (mam_trit_t *)(txs + n);
  a->unpacked_cap = n;
  return true;
}

/* Unpacks path[0 .. n) for the callback (n <= unpacked_cap). */
static bool unpack_path(mg_assembler_t *a, size_t n) {
  for (size_t k = 0; k < n; k++) {
    mam_trit_t *hash = a->hashes + k * TANGLE_TX_HASH_TRITS;
    unpack_trits(a->unpack, a->path[k]->trits, TANGLE_TX_TRITS, a->tx_trits);
    if (tangle_tx_from_trits(&a->txs[k], a->tx_trits) != TANGLE_OK) return false;
    unpack_trits(a->unpack, a->path[k]->by_hash.key, TANGLE_TX_HASH_TRITS, hash);
    a->tx_ptrs[k] = &a->txs[k];
    a->hash_ptrs[k] = hash;
  }
  return true;
}

/* Remembers a delivered tail, forgetting the oldest past max_txs of them. Best effort: without
 * memory the tail is just not remembered. */
static void remember_delivered(mg_assembler_t *a, const uint8_t tail[KEY_BYTES]) {
  delivered_t *d;
  if (a->delivered.count >= a->limits.max_txs) {
    d = a->delivered_oldest;
    a->delivered_oldest = d->newer;
    if (a->delivered_oldest == NULL) a->delivered_newest = NULL;
    table_remove(&a->delivered, &d->link);
  } else if ((d = malloc(sizeof *d)) == NULL) {
    return;
  }
  memcpy(d->link.key, tail, KEY_BYTES);
  d->newer = NULL;
  if (a->delivered_newest) a->delivered_newest->newer = d;
  else a->delivered_oldest = d;
  a->delivered_newest = d;
  table_insert(&a->delivered, &d->link);
}

/* Validates the unpacked path[0 .. n). An unattached chain has no trunks to check, and the
 * chaining check comes last in the validator, so its failure means everything else held. */
static bool path_valid(mg_assembler_t *a, size_t n) {
  tangle_err_t err = tangle_bundle_validate(a->txs, n, a->hashes);
  return err == TANGLE_OK || (err == TANGLE_ERR_BUNDLE_CHAIN && a->path[0]->unattached);
}

/* Step 3 for the chain in path[0 .. n): validate and deliver, an attached chain once per tail. */
static mg_assembler_result_t try_bundle(mg_assembler_t *a, size_t n, mg_bundle_cb cb, void *ctx) {
  const uint8_t *tail = a->path[0]->by_hash.key;
  bool attached = !a->path[0]->unattached;
  if (attached && table_find(&a->delivered, tail) != NULL) return MG_ASSEMBLER_ADDED;
  if (!reserve_unpacked(a, n)) return MG_ASSEMBLER_NO_MEMORY;
  if (!unpack_path(a, n) || !path_valid(a, n)) {
    a->stats.invalid_bundles++;
    return MG_ASSEMBLER_ADDED;
  }
  if (attached) remember_delivered(a, tail);
  a->stats.bundles++;
  if (cb != NULL) cb(ctx, a->tx_ptrs, a->hash_ptrs, n);
  return MG_ASSEMBLER_ADDED;
}

/* Steps 1-3 for a new transaction x. */
static mg_assembler_result_t complete_through(mg_assembler_t *a, held_tx_t *x, mg_bundle_cb cb, void *ctx) {
  size_t i = (size_t)x->current_index, last = (size_t)x->last_index;
  a->path[i] = x;
  if (!follow_trunks(a, i, last)) return MG_ASSEMBLER_ADDED;
  if (i == 0) return try_bundle(a, last + 1, cb, ctx);
  mg_assembler_result_t result = MG_ASSEMBLER_ADDED;
  /* Depth-first over the approvers: path[d] is fixed, path[d - 1] is the next candidate. */
  size_t d = i;
  a->cursor[d] = *table_bucket(&a->by_trunk, x->by_hash.key);
  for (;;) {
    held_tx_t *p = next_approver(a, d);
    if (p == NULL) {
      if (d == i) return result;
      d++;
      continue;
    }
    a->path[d - 1] = p;
    if (d - 1 == 0) {
      if (try_bundle(a, last + 1, cb, ctx) == MG_ASSEMBLER_NO_MEMORY) result = MG_ASSEMBLER_NO_MEMORY;
      continue;
    }
    d--;
    a->cursor[d] = *table_bucket(&a->by_trunk, p->by_hash.key);
  }
}

/* ---- unattached chains ---- */

/* Along one bundle the message id stays, and the packet order stays or steps from the header
 * (0) to the first packet (1, or -1 when it is also the last). */
static bool tags_follow(const held_tx_t *prev, const held_tx_t *next) {
  return memcmp(prev->msg_id, next->msg_id, MSG_ID_BYTES) == 0 &&
         (next->ord == prev->ord || (prev->ord == 0 && (next->ord == 1 || next->ord == -1)));
}

/* True when h may stand at position p, after path[p - 1] when p > 0, in x's bundle. */
static bool fits_position(const mg_assembler_t *a, const held_tx_t *h, size_t p, const held_tx_t *x) {
  return fits_chain(h, (int64_t)p, x) && (p == 0 || tags_follow(a->path[p - 1], h));
}

/* Points cursor[p] at the first candidate for position p: x itself at its own position. */
static void start_position(mg_assembler_t *a, size_t p, held_tx_t *x) {
  if (p == (size_t)x->current_index) {
    a->cursor[p] = &x->by_position;
    return;
  }
  uint8_t key[KEY_BYTES];
  position_key(x->bundle, (int64_t)p, key);
  a->cursor[p] = *table_bucket(&a->by_position, key);
}

/* The next transaction at or after cursor[p] that fits position p; the cursor moves past it. */
static held_tx_t *next_at_position(mg_assembler_t *a, size_t p, held_tx_t *x) {
  if (p == (size_t)x->current_index) {
    bool first = a->cursor[p] != NULL;
    a->cursor[p] = NULL;
    return first && fits_position(a, x, p, x) ? x : NULL;
  }
  uint8_t key[KEY_BYTES];
  position_key(x->bundle, (int64_t)p, key);
  for (key_link_t *l = chain_match(a->cursor[p], key); l != NULL; l = chain_match(l->next, key)) {
    held_tx_t *h = CONTAINER_OF(l, held_tx_t, by_position);
    if (fits_position(a, h, p, x)) {
      a->cursor[p] = l->next;
      return h;
    }
  }
  a->cursor[p] = NULL;
  return NULL;
}

/* Every unattached chain through the new transaction x: depth-first from position 0, placing
 * at most max_unattached_steps transactions. */
static mg_assembler_result_t complete_unattached(mg_assembler_t *a, held_tx_t *x, mg_bundle_cb cb, void *ctx) {
  size_t last = (size_t)x->last_index, steps = a->limits.max_unattached_steps, p = 0;
  mg_assembler_result_t result = MG_ASSEMBLER_ADDED;
  start_position(a, 0, x);
  for (;;) {
    held_tx_t *h = next_at_position(a, p, x);
    if (h == NULL) {
      if (p == 0) return result;
      p--;
      continue;
    }
    if (steps == 0) {
      a->stats.cut_searches++;
      return result;
    }
    steps--;
    a->path[p] = h;
    if (p == last) {
      if (try_bundle(a, last + 1, cb, ctx) == MG_ASSEMBLER_NO_MEMORY) result = MG_ASSEMBLER_NO_MEMORY;
      continue;
    }
    start_position(a, ++p, x);
  }
}

mg_assembler_result_t mg_assembler_add(mg_assembler_t *a, const tangle_tx_t *tx, const mam_trit_t hash[TANGLE_TX_HASH_TRITS],
                                       uint64_t now_ms, mg_bundle_cb cb, void *ctx) {
  if (a == NULL || tx == NULL || hash == NULL) return MG_ASSEMBLER_REJECTED;
  mg_assembler_expire(a, now_ms);
  if (!tx_acceptable(a, tx) || !mam_trits_valid(hash, TANGLE_TX_HASH_TRITS) ||
      tangle_tx_to_trits(tx, a->tx_trits) != TANGLE_OK) {
    a->stats.rejected++;
    return MG_ASSEMBLER_REJECTED;
  }
  uint8_t key[KEY_BYTES];
  pack_trits(hash, TANGLE_TX_HASH_TRITS, key);
  if (table_find(&a->by_hash, key) != NULL || table_find(&a->delivered, key) != NULL) {
    a->stats.duplicates++;
    return MG_ASSEMBLER_DUPLICATE;
  }
  held_tx_t *h = hold_tx(a, tx, key, now_ms);
  if (h == NULL) return MG_ASSEMBLER_NO_MEMORY;
  a->stats.added++;
  return h->unattached ? complete_unattached(a, h, cb, ctx) : complete_through(a, h, cb, ctx);
}
