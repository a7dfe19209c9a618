/* read/assembler.h: rebuilds bundles from transactions that arrive one at a time, in any order
 * (design "Data flow", spec node-interface.md 4.6-4.7).
 *
 * Transactions are grouped by their bundle field. A bundle is rebuilt the way nodes do it: from a
 * tail (currentIndex 0) follow trunk hashes; each step must have currentIndex = position, the same
 * lastIndex and bundle field; the Kerl bundle hash is recomputed. Grouping by bundle hash alone is
 * not enough: equal-sized MAM bundles of one channel in the same second share a bundle hash, and an
 * attacker may post conflicting transactions with a watched address and a real bundle hash; every
 * tail is tried, so the valid combination still completes. Memory is bounded: transactions older
 * than the time-to-live expire and the oldest go first past the maximum count. A bundle is
 * delivered once per tail hash (duplicates and repeats ignored); a reattachment (a new tail) is
 * delivered again, and the MAM reader and the store drop what they have already seen.
 *
 * Unattached transactions (trunk all 9, as `mamgate-cli write` prints them) have no trunks to
 * follow. When the limits ask for it, such a bundle is rebuilt from the transactions with its
 * bundle field and lastIndex, position by position, told apart by their tags (message id and
 * packet order): along one bundle the message id stays and the order stays, or steps from the
 * header (0) to the first packet (1 or -1). Every combination through the added transaction is
 * tried, conflicting copies included, up to a bound; only the MAM checks can tell which copy is
 * genuine, since the bundle hash covers neither tags nor fragments. */
#ifndef READ_ASSEMBLER_H
#define READ_ASSEMBLER_H

#include <stdbool.h>
#include <stdint.h>

#include "tangle/transaction.h"

typedef struct mg_assembler mg_assembler_t;

/* A zero field takes its default. A held transaction takes about 1.9 KB (its trits packed five
 * to a byte), so max_txs = 100000 bounds the held transactions at about 195 MB; at most max_txs
 * delivered tails are remembered (about 90 bytes each), and the largest bundle delivered so far
 * is kept unpacked for the callback (about 8 KB per transaction). */
typedef struct mg_assembler_limits {
  size_t max_txs;        /* transactions held at most (default 100000) */
  uint64_t ttl_ms;       /* a transaction expires this long after it arrived (default 10 min);
                          * those of delivered bundles too, so that a second tail on the same
                          * chain (a forged one first, the real one later) still completes */
  size_t max_bundle_txs; /* longer bundles are rejected (default 1000) */
  bool unattached;       /* also rebuild unattached bundles by their tags (default false: a node
                          * attaches every transaction, and the gateway takes only those) */
  size_t max_unattached_steps; /* transactions placed while searching the unattached bundles
                                * through one added transaction; conflicting copies multiply
                                * them (default 10000) */
} mg_assembler_limits_t;

typedef struct mg_assembler_stats {
  uint64_t added, duplicates, rejected, bundles, invalid_bundles, expired, evicted;
  uint64_t cut_searches; /* unattached searches stopped by max_unattached_steps */
  size_t held;
} mg_assembler_stats_t;

/* Called for each bundle completed by an added transaction: txs[0..n) in index order, with their
 * hashes (243 trits each). The pointers are valid during the call only; the callback must not
 * call into the same assembler. */
typedef void (*mg_bundle_cb)(void *ctx, const tangle_tx_t *const *txs, const mam_trit_t *const *hashes, size_t n);

/* NULL limits: defaults. Returns NULL when out of memory. */
mg_assembler_t *mg_assembler_new(const mg_assembler_limits_t *limits);
void mg_assembler_free(mg_assembler_t *a);

typedef enum mg_assembler_result {
  MG_ASSEMBLER_ADDED = 0,
  MG_ASSEMBLER_DUPLICATE,  /* the same transaction hash is held, or is a tail already delivered */
  MG_ASSEMBLER_REJECTED,   /* indexes out of range, value non-zero, bundle too long, trits
                            * outside -1..1, or a NULL argument */
  MG_ASSEMBLER_NO_MEMORY,  /* not held; or held, but a bundle it completed could not be checked */
} mg_assembler_result_t;

/* Adds a parsed transaction with its Curl-P hash; calls cb for every bundle it completes. now_ms
 * drives expiry. */
mg_assembler_result_t mg_assembler_add(mg_assembler_t *a, const tangle_tx_t *tx, const mam_trit_t hash[TANGLE_TX_HASH_TRITS],
                                       uint64_t now_ms, mg_bundle_cb cb, void *ctx);
/* Drops expired transactions (also done by add). */
void mg_assembler_expire(mg_assembler_t *a, uint64_t now_ms);
void mg_assembler_stats(const mg_assembler_t *a, mg_assembler_stats_t *out);

#endif
