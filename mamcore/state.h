/* mamcore/state.h: saving and loading writer and reader state.
 *
 * A versioned, checksummed byte format so a process restarts exactly where it stopped:
 *   "MAMG" | format version (1 byte) | kind (1 byte) | body length (4 bytes, big-endian) | body |
 *   the first 16 bytes of SHA-256 over everything before.
 * A corrupted, truncated or unknown-version state is refused with MAM_ERR_STATE_FORMAT and nothing
 * is half-loaded. States hold no secret key: leaf keys come from the PRNG key, kept elsewhere. A
 * reader state holds open-message sponges, which can decrypt the rest of those messages: store it
 * as privately as keys. */
#ifndef MAMCORE_STATE_H
#define MAMCORE_STATE_H

#include <stdint.h>

#include "mamcore/transport.h"

MAM_BEGIN_DECLS

#define MAM_STATE_FORMAT_VERSION 1

/* A channel with its endpoints (their MSS trees with traversal caches, counters). */
MAM_API size_t mam_channel_state_size(const mam_channel_t *ch, const mam_endpoint_t *eps, size_t n_eps);
MAM_API mam_err_t mam_channel_state_save(const mam_channel_t *ch, const mam_endpoint_t *eps, size_t n_eps,
                                         uint8_t *buf, size_t len, size_t *written) MAM_WARN_UNUSED;
/* Loads into *ch and a malloc'd array of endpoints (free each with mam_endpoint_destroy, then the
 * array). Exhausted trees load. */
MAM_API mam_err_t mam_channel_state_load(const uint8_t *buf, size_t len, mam_channel_t *ch, mam_endpoint_t **eps,
                                         size_t *n_eps) MAM_WARN_UNUSED;

/* A reader's trusted ids and open messages (not its keys, not its limits). */
MAM_API size_t mam_reader_state_size(const mam_reader_t *r);
MAM_API mam_err_t mam_reader_state_save(const mam_reader_t *r, uint8_t *buf, size_t len, size_t *written) MAM_WARN_UNUSED;
/* Loads into an initialised reader, replacing its trusted sets and contexts. */
MAM_API mam_err_t mam_reader_state_load(mam_reader_t *r, const uint8_t *buf, size_t len) MAM_WARN_UNUSED;

MAM_END_DECLS

#endif
