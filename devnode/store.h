/* devnode/store.h: devnode's tangle in SQLite (WAL), indexed by address, tag, obsolete tag,
 * bundle, trunk and branch, with the set of current tips. All functions are thread-safe. */
#ifndef DEVNODE_STORE_H
#define DEVNODE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devnode/tx.h"

typedef struct devnode_store devnode_store_t;

#define DEVNODE_DB_FILE "tangle.db"

/* Opens (creating when needed) <dir>/tangle.db; `dir` is created when missing. On failure returns
 * NULL with a one-line reason in `why`. */
devnode_store_t *devnode_store_open(const char *dir, char *why, size_t why_size);
void devnode_store_close(devnode_store_t *store);

/* Stores the n transactions in one database transaction. is_new[i] tells whether txs[i] was not
 * stored before (a transaction already present, or repeated in txs, is left as it was). Returns
 * false, with nothing stored, when the database fails. */
bool devnode_store_put(devnode_store_t *store, const devnode_tx_t *txs, size_t n, bool *is_new);

/* Copies the 2673 trytes of the transaction with this hash into `trytes` (NUL-terminated);
 * false when the hash is unknown or the database fails. */
bool devnode_store_get_trytes(devnode_store_t *store, const char *hash,
                              char trytes[TANGLE_TX_TRYTES + 1]);

typedef enum devnode_store_key {
  DEVNODE_KEY_ADDRESS,
  DEVNODE_KEY_BUNDLE,
  DEVNODE_KEY_TAG,
  DEVNODE_KEY_OBSOLETE_TAG,
  DEVNODE_KEY_APPROVEE /* transactions whose trunk or branch is the value */
} devnode_store_key_t;

/* Calls found(hash, ctx) for each transaction matching `value` on `key` (tags: 27 trytes); stops
 * early when found returns false. Returns false when the database fails. */
bool devnode_store_find(devnode_store_t *store, devnode_store_key_t key, const char *value,
                        bool (*found)(const char *hash, void *ctx), void *ctx);

/* Two tips (tail transactions nothing approves yet) picked at random, the same one twice when
 * there is only one, the all-9 hash twice when there is none. */
bool devnode_store_pick_tips(devnode_store_t *store, char trunk[TANGLE_TX_HASH_TRYTES + 1],
                             char branch[TANGLE_TX_HASH_TRYTES + 1]);

typedef struct devnode_store_stats {
  int64_t transactions;
  int64_t tips;
  int64_t db_bytes;
} devnode_store_stats_t;

bool devnode_store_stats(devnode_store_t *store, devnode_store_stats_t *stats);

#endif
