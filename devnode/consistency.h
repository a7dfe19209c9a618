/* devnode/consistency.h: checkConsistency's test of one tail (IRI semantics, reduced to what a
 * node without a ledger can say): the tail is stored and is a tail, its bundle is complete along
 * the trunk chain and valid (spec 4.6), and what the bundle approves is stored (or is the all-9
 * genesis hash). Only direct approvees are looked up, not the whole past. */
#ifndef DEVNODE_CONSISTENCY_H
#define DEVNODE_CONSISTENCY_H

#include "devnode/store.h"

#define DEVNODE_MAX_BUNDLE 1000 /* longer bundles are reported invalid */

typedef enum devnode_consistency {
  DEVNODE_CONSISTENT,
  DEVNODE_TAIL_MISSING,   /* the hash is not stored */
  DEVNODE_NOT_A_TAIL,     /* its currentIndex is not 0 */
  DEVNODE_NOT_SOLID,      /* a transaction of the bundle or one it approves is missing */
  DEVNODE_BUNDLE_INVALID, /* indexes, values, bundle hash or chaining wrong */
  DEVNODE_CHECK_FAILED    /* out of memory or a database failure */
} devnode_consistency_t;

devnode_consistency_t devnode_check_tail(devnode_store_t *store, const char *tail);

#endif
