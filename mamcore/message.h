/* mamcore/message.h: MAM2 message headers and packets (spec mam2.md section 11).
 *
 * A message is a header then one or more packets, all processed by one Spongos. Writers and readers
 * keep a context per message between its parts. Buffers are trit arrays; the transaction layout of
 * section 12 lives in mamcore/bundle.h. */
#ifndef MAMCORE_MESSAGE_H
#define MAMCORE_MESSAGE_H

#include <stdbool.h>

#include "mamcore/channel.h"
#include "mamcore/ntru.h"
#include "mamcore/spongos.h"

MAM_BEGIN_DECLS

#define MAM_PSK_ID_TRITS 81
#define MAM_PSK_KEY_TRITS 243
#define MAM_SESSION_KEY_TRITS 243
#define MAM_MAC_TRITS 243
#define MAM_ORD_TRITS 18
#define MAM_KEYLOADS_MAX 4096 /* keyloads in one header, for both writing and reading */

typedef struct mam_psk {
  mam_trit_t id[MAM_PSK_ID_TRITS];
  mam_trit_t key[MAM_PSK_KEY_TRITS];
} mam_psk_t;

#define MAM_PSK_ID_TRYTES (MAM_PSK_ID_TRITS / 3)
#define MAM_PSK_KEY_TRYTES (MAM_PSK_KEY_TRITS / 3)

/* A PSK id as people write it: 1 to 27 trytes (9, A-Z), padded with 9 on the right to 27, as the
 * reference's users pad theirs. out gets the 27 trytes and a NUL. Errors: MAM_ERR_NULL_ARG,
 * MAM_ERR_INVALID_ARG (empty, or longer than 27 trytes), MAM_ERR_INVALID_TRYTE. */
MAM_API mam_err_t mam_psk_id_pad(const char *id, size_t len, char out[MAM_PSK_ID_TRYTES + 1]) MAM_WARN_UNUSED;

/* The PSK key of the reference's mam_psk_gen: PRNG(K, SECKEY, nonce truncated to 486 trits, 243). */
MAM_API mam_err_t mam_psk_derive(const mam_prng_t *prng, const mam_trit_t *nonce, size_t nonce_len,
                                 mam_trit_t key[MAM_PSK_KEY_TRITS]) MAM_WARN_UNUSED;

typedef enum mam_checksum { MAM_CHECKSUM_NONE = 0, MAM_CHECKSUM_MAC = 1, MAM_CHECKSUM_SIG = 2 } mam_checksum_t;

/* What the header says signs this message's packets (spec 11.3, "oneof pubkey"). */
typedef enum mam_pubkey_kind {
  MAM_PUBKEY_CHID = 0,  /* the channel itself */
  MAM_PUBKEY_EPID = 1,  /* an endpoint of the channel */
  MAM_PUBKEY_CHID1 = 2, /* announces a new channel, signed by this one */
  MAM_PUBKEY_EPID1 = 3, /* announces a new endpoint, signed by the channel */
} mam_pubkey_kind_t;

/* How the session key of an encrypted message is made. */
typedef enum mam_session_key_mode {
  /* Default: unique per message (a digest of the names, the signing leaf counter, the message id
   * and optional caller entropy goes into the PRNG nonce). Readers cannot tell the difference. */
  MAM_SESSION_KEY_UNIQUE = 0,
  /* The reference's derivation (spec 11.3), which repeats a key until the next signature; only
   * for reproducing the reference's vectors. */
  MAM_SESSION_KEY_REFERENCE = 1,
} mam_session_key_mode_t;

typedef struct mam_header_params {
  mam_channel_t *ch;             /* required: the channel the message is on */
  mam_endpoint_t *ep;            /* optional: the message is on this endpoint of ch */
  mam_channel_t *announce_ch;    /* optional: announce this channel (signed by ch) */
  mam_endpoint_t *announce_ep;   /* optional: announce this endpoint (signed by ch) */
  const mam_trit_t *msg_id;          /* 63 trits */
  const mam_psk_t *psks;         /* PSK keyloads, in this order */
  size_t n_psks;
  const mam_trit_t *ntru_pks;        /* NTRU keyloads: n_ntru public keys of 9216 trits */
  size_t n_ntru;
  mam_session_key_mode_t key_mode;
  const mam_trit_t *entropy;         /* optional extra session-key input (UNIQUE mode) */
  size_t entropy_len;
} mam_header_params_t;

typedef struct mam_write_ctx {
  mam_trit_t chid[MAM_ID_TRITS];
  mam_trit_t msg_id[MAM_MSG_ID_TRITS];
  mam_spongos_t sp;
  int64_t ord;   /* next packet's number, from 1 */
  mam_mss_t *mss; /* signs SIG packets */
} mam_write_ctx_t;

/* Trits the header will take. */
MAM_API size_t mam_header_trits(const mam_header_params_t *p);
/* Writes the header into buf and starts the message context. Uses one leaf of ch for an
 * announcement. On error nothing usable is written (a leaf may still have been spent). */
MAM_API mam_err_t mam_header_write(const mam_prng_t *prng, const mam_header_params_t *p, mam_trit_t *buf,
                                   size_t buf_len, size_t *written, mam_write_ctx_t *ctx) MAM_WARN_UNUSED;

/* Trits a packet with this many payload trytes and checksum takes (sig_height: the signing tree's
 * height, for SIG). */
MAM_API size_t mam_packet_trits(size_t payload_trytes, mam_checksum_t checksum, unsigned sig_height);
/* Writes one packet. payload_trits must be a multiple of 3. *tag_ord gets the packet's ord as the
 * tag carries it (negative for the last packet). */
MAM_API mam_err_t mam_packet_write(const mam_prng_t *prng, mam_write_ctx_t *ctx, const mam_trit_t *payload,
                                   size_t payload_trits, mam_checksum_t checksum, bool last, mam_trit_t *buf,
                                   size_t buf_len, size_t *written, int64_t *tag_ord) MAM_WARN_UNUSED;

/* A growable set of 243-trit ids (trusted channels and endpoints). */
typedef struct mam_id_set {
  mam_trit_t *ids;
  size_t n, cap;
} mam_id_set_t;
MAM_API mam_err_t mam_id_set_add(mam_id_set_t *s, const mam_trit_t id[MAM_ID_TRITS]) MAM_WARN_UNUSED;
MAM_API bool mam_id_set_has(const mam_id_set_t *s, const mam_trit_t id[MAM_ID_TRITS]);
MAM_API void mam_id_set_free(mam_id_set_t *s);

/* What a reader holds: trusted ids (announcements add to them) and the keys it may decrypt with. */
typedef struct mam_reader_keys {
  mam_id_set_t trusted_channels;
  mam_id_set_t trusted_endpoints;
  const mam_psk_t *psks;
  size_t n_psks;
  const mam_ntru_sk_t *ntru_sks;
  size_t n_ntru;
  mam_mss_memo_t *memo; /* where signatures are looked up (see mss.h); NULL: verified on the spot */
} mam_reader_keys_t;

typedef struct mam_read_ctx {
  mam_trit_t chid[MAM_ID_TRITS];
  mam_trit_t msg_id[MAM_MSG_ID_TRITS];
  mam_spongos_t sp;
  mam_trit_t pk[MAM_ID_TRITS]; /* what SIG packets must verify against */
  mam_pubkey_kind_t pubkey_kind;
  int64_t ord;             /* the next packet's number */
} mam_read_ctx_t;

/* Reads a header (chid from the transaction address, msg_id from the tag). Errors: the header's
 * own (MAM_ERR_VERSION, MAM_ERR_CHANNEL_UNTRUSTED, MAM_ERR_ENDPOINT_UNTRUSTED, MAM_ERR_PUBKEY_KIND,
 * MAM_ERR_BAD_SIGNATURE, MAM_ERR_KEYLOAD_KIND, MAM_ERR_KEYLOAD_IRRELEVANT,
 * MAM_ERR_KEYLOAD_OVERLOADED, MAM_ERR_NTRU_DECRYPT, MAM_ERR_TRUNCATED, MAM_ERR_LIMIT). Trusted sets
 * change only when the whole header reads. */
MAM_API mam_err_t mam_header_read(mam_reader_keys_t *keys, const mam_trit_t chid[MAM_ID_TRITS],
                                  const mam_trit_t msg_id[MAM_MSG_ID_TRITS], const mam_trit_t *buf, size_t len,
                                  size_t *consumed, mam_read_ctx_t *ctx) MAM_WARN_UNUSED;

typedef struct mam_packet {
  mam_trit_t *payload; /* malloc'd; the caller frees it */
  size_t payload_trits;
  mam_checksum_t checksum;
  int64_t sig_leaf; /* the leaf (skn) whose one-time key signed the packet; -1 without a signature */
} mam_packet_t;

/* Reads the packet numbered ctx->ord, or -ctx->ord when `last`. payload_max_trytes bounds the
 * payload (MAM_ERR_LIMIT past it). On any error the context is left as it was. */
MAM_API mam_err_t mam_packet_read(mam_read_ctx_t *ctx, bool last, const mam_trit_t *buf, size_t len,
                                  size_t payload_max_trytes, size_t *consumed, mam_packet_t *out) MAM_WARN_UNUSED;
/* The same, with signatures looked up in `memo` (NULL: verified on the spot). */
MAM_API mam_err_t mam_packet_read_memo(mam_read_ctx_t *ctx, mam_mss_memo_t *memo, bool last, const mam_trit_t *buf,
                                       size_t len, size_t payload_max_trytes, size_t *consumed,
                                       mam_packet_t *out) MAM_WARN_UNUSED;

MAM_END_DECLS

#endif
