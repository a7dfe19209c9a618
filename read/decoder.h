/* read/decoder.h: the decoding of one channel's bundles (design "Layers", read path).
 *
 * A decoder holds a channel's MAM reader (its read contexts and trusted ids) and a bounded queue
 * of bundles that came too early: a packet before its header, or a packet of an endpoint whose
 * announcement has not been read yet (the node's feed and its API give bundles in any order).
 * Such a bundle waits and is tried again after each bundle of the channel that reads; one that
 * waits longer than the configured time is dropped as rejected. Pure: no threads, no clock (the
 * caller passes the time), no store (the caller answers whether a packet is stored already). */
#ifndef READ_DECODER_H
#define READ_DECODER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamcore/transport.h"

typedef struct mg_decoder mg_decoder_t;

typedef struct mg_decoder_limits {
  size_t max_contexts;       /* open messages held by the reader */
  size_t max_payload_trytes; /* of one message */
  size_t max_pending;        /* bundles waiting for an earlier one */
  uint64_t pending_ttl_ms;   /* how long such a bundle may wait */
} mg_decoder_limits_t;

/* What the decoder tells its caller while it reads; every member may be NULL. `bundle` is the
 * bundle hash (81 trytes and a NUL). */
typedef struct mg_decoder_events {
  void *ctx;
  /* the reader's state changed (a bundle was read): the caller saves it some time later */
  void (*state_changed)(void *ctx);
  /* a packet decoded; d is freed after the call */
  void (*message)(void *ctx, const mam_decoded_t *d, const char *bundle);
  /* a header seen before came again, changed: a forged copy */
  void (*forged_copy)(void *ctx);
  /* a bundle was dropped: it failed to read, or waited too long, or the queue was full */
  void (*rejected)(void *ctx, mam_err_t err);
  /* whether packet `ord` of message `msg_id` (trits) is stored already */
  bool (*packet_stored)(void *ctx, const mam_trit_t msg_id[MAM_MSG_ID_TRITS], int64_t ord);
} mg_decoder_events_t;

/* What became of one bundle given to mg_decoder_add. */
typedef enum mg_decode_outcome {
  MG_DECODE_READ = 0,    /* read (a packet decoded, or a header skipped as known) */
  MG_DECODE_WAITING,     /* too early: queued until an earlier bundle reads */
  MG_DECODE_CLOSED_COPY, /* a copy of a packet stored already whose message the reader let go */
  MG_DECODE_REJECTED,    /* dropped (events->rejected was told why) */
  MG_DECODE_DEFERRED,    /* kept until its batch's signatures are checked (mg_decode_batch_flush) */
} mg_decode_outcome_t;

/* Signatures of many bundles, of any channels, checked together: one mam_mss_verify_batch call
 * runs the WOTS chains of all of them in the Troika lanes. A decoder joined to a batch reads a
 * bundle as usual, but a signature it meets is noted in the batch instead of verified, and the
 * bundle is kept (MG_DECODE_DEFERRED); so is a later bundle of the same decoder that cannot read
 * before a kept one has (a packet of its message, a message of its endpoint). The reader's state
 * does not change until mg_decode_batch_flush verifies the noted signatures and reads the kept
 * bundles again, each decoder's in the order they came; what they give (events, outcomes) is what
 * reading them without a batch gives. Bundles of other messages do not wait for a kept one. */
typedef struct mg_decode_batch mg_decode_batch_t;

/* A batch that notes up to max_signatures signatures between two flushes (further ones are
 * verified on the spot). NULL when out of memory. */
mg_decode_batch_t *mg_decode_batch_new(size_t max_signatures);
/* Frees the batch; its decoders must be freed first. */
void mg_decode_batch_free(mg_decode_batch_t *b);
/* Whether bundles are kept and it is time to flush: max_signatures noted, or the oldest kept
 * bundle is max_age_ms old. */
bool mg_decode_batch_due(const mg_decode_batch_t *b, uint64_t now_ms, uint64_t max_age_ms);
/* Whether any bundle is kept. */
bool mg_decode_batch_waiting(const mg_decode_batch_t *b);
/* Verifies the noted signatures at once, then calls replay(ctx, dec, owner) for every decoder
 * that keeps bundles, which must read them with mg_decoder_replay_next until it returns false. */
void mg_decode_batch_flush(mg_decode_batch_t *b, void (*replay)(void *ctx, mg_decoder_t *dec, void *owner),
                           void *ctx);

/* A decoder for channel chid (trusted from the start). NULL when out of memory. */
mg_decoder_t *mg_decoder_new(const mam_trit_t chid[MAM_ID_TRITS], const mg_decoder_limits_t *limits);
void mg_decoder_free(mg_decoder_t *dec);

/* The keys the reader decrypts with; they stay the caller's and must outlive their use. */
void mg_decoder_set_keys(mg_decoder_t *dec, const mam_psk_t *psks, size_t n_psks, const mam_ntru_sk_t *ntru,
                         size_t n_ntru);

/* The reader's state (contexts and trusted ids), as mamcore/state.h serialises it. Save gives a
 * malloc'd buffer; load leaves the decoder unchanged on error. */
mam_err_t mg_decoder_state_save(const mg_decoder_t *dec, uint8_t **buf, size_t *len) MAM_WARN_UNUSED;
mam_err_t mg_decoder_state_load(mg_decoder_t *dec, const uint8_t *buf, size_t len) MAM_WARN_UNUSED;

/* Reads one bundle (transactions in index order; copied when it has to wait) at time now_ms. */
mg_decode_outcome_t mg_decoder_add(mg_decoder_t *dec, const mam_tx_t *txs, size_t n, const char *bundle,
                                   uint64_t now_ms, const mg_decoder_events_t *ev);

/* Drops the bundles that have waited pending_ttl_ms or longer (each told as rejected with
 * MAM_ERR_MESSAGE_NOT_FOUND). */
void mg_decoder_expire(mg_decoder_t *dec, uint64_t now_ms, const mg_decoder_events_t *ev);

/* Joins the decoder to a batch (see mg_decode_batch_t); owner is given back to replay. */
void mg_decoder_join(mg_decoder_t *dec, mg_decode_batch_t *b, void *owner);

/* Reads the oldest kept bundle again, as mg_decoder_add would, into *outcome; false when none is
 * kept. Called by the replay callback of mg_decode_batch_flush. */
bool mg_decoder_replay_next(mg_decoder_t *dec, uint64_t now_ms, const mg_decoder_events_t *ev,
                            mg_decode_outcome_t *outcome);

/* Bundles waiting now. */
size_t mg_decoder_pending(const mg_decoder_t *dec);

#endif
