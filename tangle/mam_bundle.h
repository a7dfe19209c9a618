/* tangle/mam_bundle.h: the tangle transactions that carry one MAM bundle (mam2.md, transport;
 * spec 4.4 for the bundle). */
#ifndef TANGLE_MAM_BUNDLE_H
#define TANGLE_MAM_BUNDLE_H

#include <stdint.h>

#include "mamcore/transport.h"
#include "tangle/bundle.h"
#include "tangle/error.h"
#include "tangle/transaction.h"

MAM_BEGIN_DECLS

/* Builds and finalises the zero-value bundle of b into txs[0..b->n): each run of transactions
 * with one tag (the header and each packet) is one entry, with obsoleteTag = tag, so that two
 * equal-sized bundles of one channel in the same second still get different bundle hashes;
 * timestamp in seconds. Trunk, branch, nonce and the attachment fields stay zero (see
 * tangle_bundle_attach). Errors: TANGLE_ERR_NULL_ARG, TANGLE_ERR_INVALID_ARG (an empty bundle),
 * TANGLE_ERR_NO_MEMORY, and those of tangle_bundle_build and tangle_bundle_finalize. */
MAM_API tangle_err_t tangle_bundle_from_mam(const mam_bundle_t *b, int64_t timestamp, tangle_tx_t *txs) MAM_WARN_UNUSED;

MAM_END_DECLS

#endif
