#include "devnode/tx.h"

#include <stdio.h>
#include <string.h>

#include "mamcore/trits.h"
#include "tangle/transaction.h"

static void field_trytes(const mam_trit_t *trits, size_t n_trits, char *out) {
  mam_trits_to_trytes(trits, n_trits, out);
  out[n_trits / 3] = '\0';
}

/* The reason a transaction cannot be read, in IRI's words first (spec 2.3, 5.1). */
static void read_failure(tangle_err_t err, char *why, size_t why_size) {
  if (err == TANGLE_ERR_INVALID_VALUE)
    snprintf(why, why_size, "Invalid transaction value: value trits 33..80 must be zero");
  else if (err == TANGLE_ERR_INVALID_LENGTH || err == TANGLE_ERR_INVALID_TRYTE)
    snprintf(why, why_size, "Invalid trytes input: a transaction is 2673 trytes (9, A-Z)");
  else
    snprintf(why, why_size, "Invalid transaction: %s", tangle_strerror(err));
}

static void summarise(const tangle_tx_t *t, const mam_trit_t *hash, const char *trytes,
                      devnode_tx_t *tx) {
  field_trytes(hash, TANGLE_TX_HASH_TRITS, tx->hash);
  field_trytes(t->address, TANGLE_TX_HASH_TRITS, tx->address);
  field_trytes(t->bundle, TANGLE_TX_HASH_TRITS, tx->bundle);
  field_trytes(t->trunk, TANGLE_TX_HASH_TRITS, tx->trunk);
  field_trytes(t->branch, TANGLE_TX_HASH_TRITS, tx->branch);
  field_trytes(t->tag, TANGLE_TX_TAG_TRITS, tx->tag);
  field_trytes(t->obsolete_tag, TANGLE_TX_TAG_TRITS, tx->obsolete_tag);
  tx->value = t->value;
  tx->timestamp = t->timestamp;
  tx->current_index = t->current_index;
  tx->last_index = t->last_index;
  tx->arrival_ms = 0;
  memcpy(tx->trytes, trytes, TANGLE_TX_TRYTES);
  tx->trytes[TANGLE_TX_TRYTES] = '\0';
}

bool devnode_tx_read(const char *trytes, size_t len, unsigned mwm, devnode_tx_t *tx, char *why,
                     size_t why_size) {
  tangle_tx_t t;
  mam_trit_t hash[TANGLE_TX_HASH_TRITS];
  tangle_err_t err = trytes ? tangle_tx_from_trytes(&t, trytes, len) : TANGLE_ERR_NULL_ARG;
  if (err == TANGLE_OK) err = tangle_tx_hash(&t, hash);
  if (err != TANGLE_OK) {
    read_failure(err, why, why_size);
    return false;
  }
  unsigned weight = tangle_hash_weight(hash);
  if (weight < mwm) {
    snprintf(why, why_size, "Invalid transaction hash: weight magnitude %u is below this node's %u",
             weight, mwm);
    return false;
  }
  summarise(&t, hash, trytes, tx);
  return true;
}
