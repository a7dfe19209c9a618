/* read/txbatch.h: feed transactions hashed together. The watched transactions of the feed are
 * parsed as they come and kept; a flush computes all their Curl-P-81 hashes in one lane-parallel
 * call (tangle_curl_hash_tx_batch: 256 or 512 lanes once enough wait, one at a time otherwise),
 * then hands each transaction, in arrival order, with its hash and whether the hash the feed sent
 * (if any) is that hash. Pure: no threads, no I/O. */
#ifndef MG_READ_TXBATCH_H
#define MG_READ_TXBATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "tangle/transaction.h"

/* The watcher's capacity: enough to fill the 256-lane group the batch hash picks first, whose
 * cost per transaction is about a third of a single hash. */
#define MG_TXBATCH_WATCHER 256

typedef struct mg_txbatch mg_txbatch_t;

/* One transaction of a flush: `hash` is its computed hash; `hash_matches` is false when the feed
 * sent a hash that differs from it (a frame that lies about its transaction). */
typedef void (*mg_txbatch_fn)(void *ctx, const tangle_tx_t *tx, const mam_trit_t hash[TANGLE_TX_HASH_TRITS],
                              bool hash_matches);

/* Keeps up to `capacity` (> 0) transactions. NULL when out of memory or capacity is 0. */
mg_txbatch_t *mg_txbatch_new(size_t capacity);
void mg_txbatch_free(mg_txbatch_t *b);

/* Parses one transaction (len trytes; `hash`: the 81 trytes the feed sent with it, or NULL) and
 * keeps it for the next flush. Errors: those of tangle_tx_from_trytes (the transaction is not
 * kept), TANGLE_ERR_INVALID_ARG when the batch is full (flush first). */
tangle_err_t mg_txbatch_add(mg_txbatch_t *b, const char *trytes, size_t len, const char *hash) MAM_WARN_UNUSED;

size_t mg_txbatch_count(const mg_txbatch_t *b);
bool mg_txbatch_full(const mg_txbatch_t *b);

/* Hashes every kept transaction, calls fn for each in the order they were added (fn must not add
 * to b), and empties the batch. TANGLE_ERR_NO_MEMORY when the batch hash cannot get its work area: the transactions are
 * then hashed one at a time, so fn still sees every one; the error is only reported. */
tangle_err_t mg_txbatch_flush(mg_txbatch_t *b, mg_txbatch_fn fn, void *ctx);

#endif
