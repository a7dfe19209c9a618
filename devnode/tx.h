/* devnode/tx.h: one transaction as devnode stores and publishes it, and the checks a transaction
 * passes before it is stored (spec node-interface.md 2.2, 2.3). */
#ifndef DEVNODE_TX_H
#define DEVNODE_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tangle/transaction.h"

typedef struct devnode_tx {
  char hash[TANGLE_TX_HASH_TRYTES + 1];
  char address[TANGLE_TX_HASH_TRYTES + 1];
  char bundle[TANGLE_TX_HASH_TRYTES + 1];
  char trunk[TANGLE_TX_HASH_TRYTES + 1];
  char branch[TANGLE_TX_HASH_TRYTES + 1];
  char tag[TANGLE_TX_TAG_TRYTES + 1];
  char obsolete_tag[TANGLE_TX_TAG_TRYTES + 1];
  int64_t value;
  int64_t timestamp;
  int64_t current_index;
  int64_t last_index;
  int64_t arrival_ms; /* set when devnode stores it */
  char trytes[TANGLE_TX_TRYTES + 1];
} devnode_tx_t;

/* Reads a transaction for storing: exactly 2673 characters of 9A-Z, value trits 33..80 zero, and a
 * Curl-P-81 hash ending in at least `mwm` zero trits. On failure returns false and writes a
 * one-line reason into `why`; on success fills every field but arrival_ms and returns true. */
bool devnode_tx_read(const char *trytes, size_t len, unsigned mwm, devnode_tx_t *tx, char *why,
                     size_t why_size);

#endif
