/* mamcore/transport.h: MAM2 messages on zero-value transactions (spec mam2.md section 12).
 *
 * Writing: a header or packet becomes consecutive transactions with address = channel id, tag =
 * msg_id || <ord>_18 (ord 0 for the header) and 6561-trit message fragments, the last one padded
 * with zeros. Bundle hash, timestamps, trunk/branch and proof of work belong to tangle/.
 * Reading: one bundle at a time, with read contexts keyed by (channel id, message id), because
 * message ids repeat across channels of different seeds (spec 15). */
#ifndef MAMCORE_TRANSPORT_H
#define MAMCORE_TRANSPORT_H

#include "mamcore/message.h"

MAM_BEGIN_DECLS

#define MAM_FRAGMENT_TRITS 6561
#define MAM_TAG_TRITS 81

/* The MAM-controlled fields of one transaction. */
typedef struct mam_tx {
  mam_trit_t address[MAM_ID_TRITS];
  mam_trit_t tag[MAM_TAG_TRITS];
  mam_trit_t fragment[MAM_FRAGMENT_TRITS];
} mam_tx_t;

/* A bundle's transactions in index order. */
typedef struct mam_bundle {
  mam_tx_t *txs;
  size_t n, cap;
} mam_bundle_t;

MAM_API void mam_bundle_free(mam_bundle_t *b);

/* Appends the trits of one header (ord 0) or packet (its signed ord) as transactions. */
MAM_API mam_err_t mam_bundle_append(mam_bundle_t *b, const mam_trit_t chid[MAM_ID_TRITS],
                                    const mam_trit_t msg_id[MAM_MSG_ID_TRITS], int64_t ord, const mam_trit_t *trits,
                                    size_t n) MAM_WARN_UNUSED;

/* The message id and ord a tag carries. */
MAM_API void mam_tag_parse(const mam_trit_t tag[MAM_TAG_TRITS], mam_trit_t msg_id[MAM_MSG_ID_TRITS], int64_t *ord);

/* A whole message: header then `packets` packets sharing the payload (split into nearly equal
 * parts of whole units), each with the same checksum. The header and the first packet share the first bundle
 * unless the header fills whole transactions exactly (the reference reader cannot find such a
 * packet, spec 12.3); every further packet has a bundle of its own. */
typedef struct mam_message_spec {
  mam_header_params_t header;
  const mam_trit_t *payload;
  size_t payload_trits; /* a multiple of 3 */
  mam_checksum_t checksum;
  size_t packets;       /* at least 1 */
  size_t unit_trytes;   /* packets split the payload only between units (2 keeps bytes whole);
                           0 means 1 */
} mam_message_spec_t;

/* Writes the message into *bundles (an array of *n_bundles bundles the caller frees with
 * mam_bundles_free). */
MAM_API mam_err_t mam_message_write(const mam_prng_t *prng, const mam_message_spec_t *spec, mam_bundle_t **bundles,
                                    size_t *n_bundles) MAM_WARN_UNUSED;
MAM_API void mam_bundles_free(mam_bundle_t *bundles, size_t n);

/* One decoded packet. */
typedef struct mam_decoded {
  mam_trit_t chid[MAM_ID_TRITS];
  mam_trit_t signer[MAM_ID_TRITS]; /* the channel, endpoint or announced id packets verify against */
  mam_pubkey_kind_t pubkey_kind;
  mam_trit_t msg_id[MAM_MSG_ID_TRITS];
  int64_t ord;                 /* 1, 2, ...; the tag's sign is in `last` */
  bool last;
  mam_checksum_t checksum;
  mam_trit_t *payload;             /* malloc'd; freed by mam_decoded_free */
  size_t payload_trits;
  int64_t sig_leaf;            /* the signing MSS leaf of a signed packet, else -1 */
} mam_decoded_t;

MAM_API void mam_decoded_free(mam_decoded_t *d);

#define MAM_READER_DEFAULT_MAX_CONTEXTS 4096
#define MAM_READER_DEFAULT_MAX_PAYLOAD_TRYTES (1u << 20)

typedef struct mam_reader {
  mam_reader_keys_t keys;
  mam_read_ctx_t *ctxs; /* open messages, oldest first */
  size_t n_ctxs, cap_ctxs;
  size_t max_contexts;        /* the oldest context is dropped past this */
  size_t max_payload_trytes;
} mam_reader_t;

MAM_API void mam_reader_init(mam_reader_t *r);
MAM_API void mam_reader_destroy(mam_reader_t *r);

/* Reads one bundle (transactions in index order). *has_packet tells whether a packet was decoded
 * into *out (a header-only bundle, or a header seen before, gives none). Errors are those of
 * mam_header_read and mam_packet_read plus MAM_ERR_MESSAGE_NOT_FOUND and MAM_ERR_BAD_ORD; on any
 * error the reader's contexts are unchanged (an announcement whose signature verified stays trusted
 * even when a packet in the same bundle fails). */
MAM_API mam_err_t mam_reader_read_bundle(mam_reader_t *r, const mam_tx_t *txs, size_t n, mam_decoded_t *out,
                                         bool *has_packet) MAM_WARN_UNUSED;

MAM_END_DECLS

#endif
