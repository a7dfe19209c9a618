/* devnode/attach.h: attachToTangle's work, chaining and proof of work (spec 4.5). */
#ifndef DEVNODE_ATTACH_H
#define DEVNODE_ATTACH_H

#include <stdatomic.h>
#include <stddef.h>

#include "devnode/tx.h"

typedef enum devnode_attach_result {
  DEVNODE_ATTACH_OK,
  DEVNODE_ATTACH_INVALID,   /* a transaction cannot be attached (reason given) */
  DEVNODE_ATTACH_CANCELLED, /* the stop flag was raised */
  DEVNODE_ATTACH_FAILED     /* out of memory or the proof of work failed (reason given) */
} devnode_attach_result_t;

/* Sorts the n transactions by descending currentIndex, then from the head down sets trunk and
 * branch (head: trunk, branch; every other: the hash of the one above, trunk), copies obsoleteTag
 * into an all-9 tag, sets the attachment timestamp to now (ms) with bounds 0 and (3^27-1)/2, and
 * finds a nonce of weight `mwm`. out[0..n) receives the attached transactions tail first. */
devnode_attach_result_t devnode_attach(const char *const *trytes, size_t n, const char *trunk,
                                       const char *branch, unsigned mwm, const atomic_int *cancel,
                                       char (*out)[TANGLE_TX_TRYTES + 1], char *why,
                                       size_t why_size);

#endif
