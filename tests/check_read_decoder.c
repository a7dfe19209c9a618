/* Unit tests of read/decoder.c: one channel's bundles in any order, without sockets or a store. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamcore/channel.h"
#include "mamcore/transport.h"
#include "read/decoder.h"
#include "tests/testutil.h"

#define MAX_SEEN 32

/* Everything the decoder told, in order. */
typedef struct seen {
  size_t state_changes, forged, stored_asked;
  size_t n_messages;
  int64_t ords[MAX_SEEN];
  char payloads[MAX_SEEN][64];
  char bundles[MAX_SEEN][82];
  size_t n_rejected;
  mam_err_t rejected[MAX_SEEN];
  bool answer_stored; /* what packet_stored answers */
} seen_t;

static void on_state(void *ctx) { ((seen_t *)ctx)->state_changes++; }

static void on_message(void *ctx, const mam_decoded_t *d, const char *bundle) {
  seen_t *s = ctx;
  ck_assert_uint_lt(s->n_messages, MAX_SEEN);
  ck_assert_uint_lt(d->payload_trits / 3, sizeof s->payloads[0]);
  s->ords[s->n_messages] = d->ord;
  mam_trits_to_trytes(d->payload, d->payload_trits, s->payloads[s->n_messages]);
  memcpy(s->bundles[s->n_messages], bundle, 82);
  s->n_messages++;
}

static void on_forged(void *ctx) { ((seen_t *)ctx)->forged++; }

static void on_rejected(void *ctx, mam_err_t err) {
  seen_t *s = ctx;
  ck_assert_uint_lt(s->n_rejected, MAX_SEEN);
  s->rejected[s->n_rejected++] = err;
}

static bool on_stored(void *ctx, const mam_trit_t msg_id[MAM_MSG_ID_TRITS], int64_t ord) {
  (void)msg_id;
  seen_t *s = ctx;
  s->stored_asked++;
  ck_assert_int_gt(ord, 0);
  return s->answer_stored;
}

static mg_decoder_events_t events(seen_t *s) {
  return (mg_decoder_events_t){.ctx = s,
                               .state_changed = on_state,
                               .message = on_message,
                               .forged_copy = on_forged,
                               .rejected = on_rejected,
                               .packet_stored = on_stored};
}

typedef struct fixture {
  mam_prng_t prng;
  mam_channel_t ch;
  mam_endpoint_t ep;
} fixture_t;

/* A channel of the given height (and an endpoint of height 2). */
static fixture_t *fixture_of_height(uint64_t seed, unsigned height) {
  fixture_t *f = calloc(1, sizeof *f);
  ck_assert_ptr_nonnull(f);
  mam_trit_t key[243], name[18] = {0};
  tu_random_trits(key, 243, &seed);
  mam_prng_init(&f->prng, key);
  ck_assert_int_eq(mam_channel_create(&f->ch, &f->prng, name, 18, height, 0), MAM_OK);
  ck_assert_int_eq(mam_endpoint_create(&f->ep, &f->ch, &f->prng, name, 18, 2, 0), MAM_OK);
  return f;
}

static fixture_t *fixture_new(uint64_t seed) { return fixture_of_height(seed, 3); }

static void fixture_free(fixture_t *f) {
  mam_endpoint_destroy(&f->ep);
  mam_channel_destroy(&f->ch);
  free(f);
}

/* A message of `packets` packets with payload text (split between them) and the checksum, into
 * *nb bundles. */
static mam_bundle_t *write_checked(fixture_t *f, mam_header_params_t hp, const char *text, size_t packets,
                                   mam_checksum_t checksum, size_t *nb) {
  mam_trit_t msg_id[MAM_MSG_ID_TRITS];
  mam_channel_next_msg_id(&f->ch, msg_id);
  hp.ch = &f->ch;
  hp.msg_id = msg_id;
  size_t n;
  mam_trit_t *pl = tu_trits(text, &n);
  mam_message_spec_t spec = {.header = hp, .payload = pl, .payload_trits = n, .checksum = checksum,
                             .packets = packets};
  mam_bundle_t *bundles;
  ck_assert_int_eq(mam_message_write(&f->prng, &spec, &bundles, nb), MAM_OK);
  ck_assert_uint_eq(*nb, packets);
  free(pl);
  return bundles;
}

static mam_bundle_t *write_message(fixture_t *f, mam_header_params_t hp, const char *text, size_t packets, size_t *nb) {
  return write_checked(f, hp, text, packets, MAM_CHECKSUM_MAC, nb);
}

static const mg_decoder_limits_t default_limits = {
    .max_contexts = 16, .max_payload_trytes = 1024, .max_pending = 8, .pending_ttl_ms = 1000};

static mg_decoder_t *decoder_for(const fixture_t *f, const mg_decoder_limits_t *limits) {
  mg_decoder_t *dec = mg_decoder_new(mam_channel_id(&f->ch), limits);
  ck_assert_ptr_nonnull(dec);
  return dec;
}

static mg_decode_outcome_t add(mg_decoder_t *dec, const mam_bundle_t *b, const char *hash, uint64_t now, seen_t *s) {
  const mg_decoder_events_t ev = events(s);
  return mg_decoder_add(dec, b->txs, b->n, hash, now, &ev);
}

#define HASH_A "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define HASH_B "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
#define HASH_C "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"

START_TEST(test_in_order) {
  fixture_t *f = fixture_new(1);
  size_t nb;
  mam_bundle_t *b = write_message(f, (mam_header_params_t){0}, "FIRSTPARTSECONDPART", 2, &nb);
  mg_decoder_t *dec = decoder_for(f, &default_limits);
  seen_t s = {0};
  ck_assert_int_eq(add(dec, &b[0], HASH_A, 0, &s), MG_DECODE_READ);
  ck_assert_int_eq(add(dec, &b[1], HASH_B, 0, &s), MG_DECODE_READ);
  ck_assert_uint_eq(s.n_messages, 2);
  ck_assert_int_eq(s.ords[0], 1);
  ck_assert_int_eq(s.ords[1], 2);
  ck_assert_str_eq(s.bundles[0], HASH_A);
  ck_assert_str_eq(s.bundles[1], HASH_B);
  ck_assert_uint_eq(s.state_changes, 2);
  ck_assert_uint_eq(s.n_rejected, 0);
  mg_decoder_free(dec);
  mam_bundles_free(b, nb);
  fixture_free(f);
}
END_TEST

/* A packet before its header waits, and reads once the header has come. */
START_TEST(test_out_of_order) {
  fixture_t *f = fixture_new(2);
  size_t nb;
  mam_bundle_t *b = write_message(f, (mam_header_params_t){0}, "ONETWOTHREEFOURFIVESIX", 3, &nb);
  mg_decoder_t *dec = decoder_for(f, &default_limits);
  seen_t s = {0};
  ck_assert_int_eq(add(dec, &b[2], HASH_C, 0, &s), MG_DECODE_WAITING);
  ck_assert_int_eq(add(dec, &b[1], HASH_B, 0, &s), MG_DECODE_WAITING);
  ck_assert_uint_eq(mg_decoder_pending(dec), 2);
  ck_assert_uint_eq(s.n_messages, 0);
  ck_assert_int_eq(add(dec, &b[0], HASH_A, 0, &s), MG_DECODE_READ);
  ck_assert_uint_eq(mg_decoder_pending(dec), 0);
  ck_assert_uint_eq(s.n_messages, 3);
  for (size_t i = 0; i < 3; i++) ck_assert_int_eq(s.ords[i], (int64_t)i + 1); /* in ord order, whatever came first */
  ck_assert_str_eq(s.bundles[1], HASH_B);
  ck_assert_str_eq(s.bundles[2], HASH_C);
  ck_assert_uint_eq(s.n_rejected, 0);
  mg_decoder_free(dec);
  mam_bundles_free(b, nb);
  fixture_free(f);
}
END_TEST

/* A message on an endpoint before the endpoint's announcement waits for it. */
START_TEST(test_endpoint_before_announcement) {
  fixture_t *f = fixture_new(3);
  size_t na, nm;
  mam_bundle_t *announce = write_message(f, (mam_header_params_t){.announce_ep = &f->ep}, "ANNOUNCE", 1, &na);
  mam_bundle_t *on_ep = write_message(f, (mam_header_params_t){.ep = &f->ep}, "ONTHEENDPOINT", 1, &nm);
  mg_decoder_t *dec = decoder_for(f, &default_limits);
  seen_t s = {0};
  ck_assert_int_eq(add(dec, &on_ep[0], HASH_B, 0, &s), MG_DECODE_WAITING);
  ck_assert_int_eq(add(dec, &announce[0], HASH_A, 0, &s), MG_DECODE_READ);
  ck_assert_uint_eq(s.n_messages, 2);
  ck_assert_str_eq(s.payloads[1], "ONTHEENDPOINT");
  mg_decoder_free(dec);
  mam_bundles_free(announce, na);
  mam_bundles_free(on_ep, nm);
  fixture_free(f);
}
END_TEST

/* The same bundles twice (a duplicate frame, or a reattachment: same content under the same or
 * another bundle hash). A header seen before is skipped: its packets decode once. A packet whose
 * message the reader has closed is a closed copy when the packet is stored, else it waits (it
 * could be ahead of its header). */
START_TEST(test_duplicates_and_reattachments) {
  fixture_t *f = fixture_new(4);
  size_t nb;
  mam_bundle_t *b = write_message(f, (mam_header_params_t){0}, "HEADERANDPACKETONEPACKETTWO", 2, &nb);
  mg_decoder_t *dec = decoder_for(f, &default_limits);
  seen_t s = {.answer_stored = true};
  ck_assert_int_eq(add(dec, &b[0], HASH_A, 0, &s), MG_DECODE_READ);
  ck_assert_int_eq(add(dec, &b[0], HASH_A, 0, &s), MG_DECODE_READ);
  ck_assert_int_eq(add(dec, &b[0], HASH_C, 0, &s), MG_DECODE_READ);
  ck_assert_uint_eq(s.n_messages, 1);
  ck_assert_int_eq(add(dec, &b[1], HASH_B, 0, &s), MG_DECODE_READ);
  ck_assert_uint_eq(s.n_messages, 2);
  ck_assert_int_eq(add(dec, &b[1], HASH_B, 0, &s), MG_DECODE_CLOSED_COPY);
  ck_assert_int_eq(add(dec, &b[1], HASH_C, 0, &s), MG_DECODE_CLOSED_COPY);
  ck_assert_uint_eq(s.stored_asked, 2);
  ck_assert_uint_eq(s.n_messages, 2);
  ck_assert_uint_eq(s.forged, 0);
  ck_assert_uint_eq(s.n_rejected, 0);
  ck_assert_uint_eq(mg_decoder_pending(dec), 0);
  s.answer_stored = false;
  ck_assert_int_eq(add(dec, &b[1], HASH_B, 0, &s), MG_DECODE_WAITING);
  ck_assert_uint_eq(s.n_messages, 2);
  mg_decoder_free(dec);
  mam_bundles_free(b, nb);
  fixture_free(f);
}
END_TEST

/* Two different messages given the same bundle hash each decode, each told with that hash. */
START_TEST(test_equal_bundle_hashes) {
  fixture_t *f = fixture_new(5);
  size_t n1, n2;
  mam_bundle_t *m1 = write_message(f, (mam_header_params_t){0}, "FIRSTMESSAGE", 1, &n1);
  mam_bundle_t *m2 = write_message(f, (mam_header_params_t){0}, "SECONDMESSAGE", 1, &n2);
  mg_decoder_t *dec = decoder_for(f, &default_limits);
  seen_t s = {0};
  ck_assert_int_eq(add(dec, &m1[0], HASH_A, 0, &s), MG_DECODE_READ);
  ck_assert_int_eq(add(dec, &m2[0], HASH_A, 0, &s), MG_DECODE_READ);
  ck_assert_uint_eq(s.n_messages, 2);
  ck_assert_str_eq(s.payloads[0], "FIRSTMESSAGE");
  ck_assert_str_eq(s.payloads[1], "SECONDMESSAGE");
  ck_assert_str_eq(s.bundles[0], s.bundles[1]);
  mg_decoder_free(dec);
  mam_bundles_free(m1, n1);
  mam_bundles_free(m2, n2);
  fixture_free(f);
}
END_TEST

/* A header seen before that comes again with a changed fragment is told as forged. */
START_TEST(test_forged_header_copy) {
  fixture_t *f = fixture_new(6);
  size_t nb;
  mam_bundle_t *b = write_message(f, (mam_header_params_t){0}, "HEADERANDPACKETONEPACKETTWO", 2, &nb);
  mg_decoder_t *dec = decoder_for(f, &default_limits);
  seen_t s = {0};
  ck_assert_int_eq(add(dec, &b[0], HASH_A, 0, &s), MG_DECODE_READ);
  ck_assert_uint_eq(s.forged, 0);
  /* the same bundle again, one trit changed in each transaction (its packet's MAC fails) */
  for (size_t i = 0; i < b[0].n; i++) b[0].txs[i].fragment[10] = (mam_trit_t)(b[0].txs[i].fragment[10] == 1 ? -1 : 1);
  ck_assert_int_eq(add(dec, &b[0], HASH_A, 0, &s), MG_DECODE_READ);
  ck_assert_uint_eq(s.forged, 1);
  ck_assert_uint_eq(s.n_messages, 1);
  mg_decoder_free(dec);
  mam_bundles_free(b, nb);
  fixture_free(f);
}
END_TEST

/* A bundle that waits pending_ttl_ms is dropped as rejected; one younger stays. */
START_TEST(test_expiry) {
  fixture_t *f = fixture_new(7);
  size_t nb;
  mam_bundle_t *b = write_message(f, (mam_header_params_t){0}, "ONETWOTHREEFOURFIVESIX", 3, &nb);
  mg_decoder_t *dec = decoder_for(f, &default_limits);
  seen_t s = {0};
  const mg_decoder_events_t ev = events(&s);
  ck_assert_int_eq(add(dec, &b[1], HASH_B, 100, &s), MG_DECODE_WAITING);
  ck_assert_int_eq(add(dec, &b[2], HASH_C, 600, &s), MG_DECODE_WAITING);
  mg_decoder_expire(dec, 1099, &ev);
  ck_assert_uint_eq(mg_decoder_pending(dec), 2);
  mg_decoder_expire(dec, 1100, &ev);
  ck_assert_uint_eq(mg_decoder_pending(dec), 1);
  ck_assert_uint_eq(s.n_rejected, 1);
  ck_assert_int_eq(s.rejected[0], MAM_ERR_MESSAGE_NOT_FOUND);
  /* the header now: packet 2 is gone, so packet 3 cannot follow packet 1 */
  ck_assert_int_eq(add(dec, &b[0], HASH_A, 1200, &s), MG_DECODE_READ);
  ck_assert_uint_eq(s.n_messages, 1);
  ck_assert_uint_eq(mg_decoder_pending(dec), 1);
  mg_decoder_expire(dec, 1600, &ev);
  ck_assert_uint_eq(mg_decoder_pending(dec), 0);
  ck_assert_uint_eq(s.n_rejected, 2);
  mg_decoder_free(dec);
  mam_bundles_free(b, nb);
  fixture_free(f);
}
END_TEST

/* Past max_pending an early bundle is rejected, with the error that made it wait. */
START_TEST(test_pending_limit) {
  fixture_t *f = fixture_new(8);
  size_t nb;
  mam_bundle_t *b = write_message(f, (mam_header_params_t){0}, "ONETWOTHREEFOURFIVESIX", 3, &nb);
  mg_decoder_limits_t limits = default_limits;
  limits.max_pending = 1;
  mg_decoder_t *dec = decoder_for(f, &limits);
  seen_t s = {0};
  ck_assert_int_eq(add(dec, &b[1], HASH_B, 0, &s), MG_DECODE_WAITING);
  ck_assert_int_eq(add(dec, &b[2], HASH_C, 0, &s), MG_DECODE_REJECTED);
  ck_assert_uint_eq(s.n_rejected, 1);
  ck_assert_int_eq(s.rejected[0], MAM_ERR_MESSAGE_NOT_FOUND);
  ck_assert_uint_eq(mg_decoder_pending(dec), 1);
  mg_decoder_free(dec);
  mam_bundles_free(b, nb);
  fixture_free(f);
}
END_TEST

/* Another channel's bundle is rejected: the decoder trusts its own channel only. */
START_TEST(test_other_channel) {
  fixture_t *f = fixture_new(9), *other = fixture_new(10);
  size_t nb;
  mam_bundle_t *b = write_message(other, (mam_header_params_t){0}, "NOTMINE", 1, &nb);
  mg_decoder_t *dec = decoder_for(f, &default_limits);
  seen_t s = {0};
  ck_assert_int_eq(add(dec, &b[0], HASH_A, 0, &s), MG_DECODE_REJECTED);
  ck_assert_uint_eq(s.n_rejected, 1);
  ck_assert_int_eq(s.rejected[0], MAM_ERR_CHANNEL_UNTRUSTED);
  mg_decoder_free(dec);
  mam_bundles_free(b, nb);
  fixture_free(f);
  fixture_free(other);
}
END_TEST

/* The saved state carries an open message into a new decoder (a restart between packets). */
START_TEST(test_state_round_trip) {
  fixture_t *f = fixture_new(11);
  size_t nb;
  mam_bundle_t *b = write_message(f, (mam_header_params_t){0}, "BEFORERESTARTAFTERRESTART", 2, &nb);
  mg_decoder_t *dec = decoder_for(f, &default_limits);
  seen_t s = {0};
  ck_assert_int_eq(add(dec, &b[0], HASH_A, 0, &s), MG_DECODE_READ);
  uint8_t *state;
  size_t len;
  ck_assert_int_eq(mg_decoder_state_save(dec, &state, &len), MAM_OK);
  mg_decoder_free(dec);
  dec = decoder_for(f, &default_limits);
  ck_assert_int_eq(mg_decoder_state_load(dec, state, len), MAM_OK);
  ck_assert_int_eq(add(dec, &b[1], HASH_B, 0, &s), MG_DECODE_READ);
  ck_assert_uint_eq(s.n_messages, 2);
  ck_assert_int_eq(s.ords[1], 2);
  uint8_t junk[3] = {1, 2, 3};
  ck_assert_int_ne(mg_decoder_state_load(dec, junk, sizeof junk), MAM_OK);
  free(state);
  mg_decoder_free(dec);
  mam_bundles_free(b, nb);
  fixture_free(f);
}
END_TEST


/* ---- a decode batch: signatures of many bundles verified together ---- */

/* Signatures that fill the widest Troika lanes (81 chains each): lane boundaries of a batch. */
static size_t signatures_per_lanes(void) {
  size_t lanes = mam_troika_impl_lanes(MAM_TROIKA_SLICED_AVX512);
  return (lanes + MAM_WOTS_CHAINS - 1) / MAM_WOTS_CHAINS;
}

/* Flips the last non-zero trit of a bundle: inside the Merkle path of a signed packet's
 * signature, the packet's last field. */
static void spoil_signature(mam_bundle_t *b) {
  for (size_t t = b->n; t-- > 0;)
    for (size_t i = MAM_FRAGMENT_TRITS; i-- > 0;)
      if (b->txs[t].fragment[i] != 0) {
        b->txs[t].fragment[i] = (mam_trit_t)-b->txs[t].fragment[i];
        return;
      }
}

typedef struct replay_ctx {
  seen_t *seen;
  size_t outcomes[MG_DECODE_DEFERRED + 1];
} replay_ctx_t;

static void replay_into(void *ctx, mg_decoder_t *dec, void *owner) {
  replay_ctx_t *r = ctx;
  seen_t *s = owner ? owner : r->seen;
  const mg_decoder_events_t ev = events(s);
  mg_decode_outcome_t outcome;
  while (mg_decoder_replay_next(dec, 0, &ev, &outcome)) r->outcomes[outcome]++;
}

static const char *const bundle_hashes[] = {HASH_A, HASH_B, HASH_C};

/* Reads bundles b[0..n) one by one, and through a batch noting up to `room` signatures: the
 * same events in the same order (bundles past the room read at once, so they come first). */
static void assert_batch_equals_plain(const fixture_t *f, mam_bundle_t *const *b, size_t n, size_t room) {
  seen_t plain = {0}, batched = {0};
  mg_decoder_t *one = decoder_for(f, &default_limits), *dec = decoder_for(f, &default_limits);
  mg_decode_batch_t *batch = mg_decode_batch_new(room);
  ck_assert_ptr_nonnull(batch);
  mg_decoder_join(dec, batch, NULL);
  for (size_t i = 0; i < n; i++) {
    mg_decode_outcome_t o = add(one, b[i], bundle_hashes[i % 3], 0, &plain);
    ck_assert_int_eq(add(dec, b[i], bundle_hashes[i % 3], 0, &batched), i < room ? MG_DECODE_DEFERRED : o);
  }
  ck_assert(mg_decode_batch_waiting(batch));
  ck_assert(mg_decode_batch_due(batch, 0, UINT64_MAX) == (n >= room)); /* full */
  ck_assert(mg_decode_batch_due(batch, 5, 5));                          /* old enough */
  replay_ctx_t r = {.seen = &batched};
  mg_decode_batch_flush(batch, replay_into, &r);
  ck_assert(!mg_decode_batch_waiting(batch));
  ck_assert_uint_eq(r.outcomes[MG_DECODE_READ] + r.outcomes[MG_DECODE_REJECTED], n < room ? n : room);
  ck_assert_uint_eq(batched.n_messages, plain.n_messages);
  ck_assert_uint_eq(batched.n_rejected, plain.n_rejected);
  ck_assert_uint_eq(batched.state_changes, plain.state_changes);
  for (size_t i = 0; i < plain.n_rejected; i++) ck_assert_int_eq(batched.rejected[i], plain.rejected[i]);
  for (size_t i = 0; i < plain.n_messages; i++) { /* kept bundles come after those read at once */
    size_t j = n > room ? (i + n - room) % plain.n_messages : i;
    ck_assert_str_eq(batched.payloads[j], plain.payloads[i]);
    ck_assert_int_eq(batched.ords[j], plain.ords[i]);
  }
  mg_decoder_free(one);
  mg_decoder_free(dec);
  mg_decode_batch_free(batch);
}

/* Signed one-packet messages in batches of 1, L-1, L, L+1 and 2L+1 signatures (L signatures
 * fill the widest lanes), each also with a bad signature at every position: the batch gives
 * what one-by-one reading gives. */
START_TEST(test_batch_equals_plain_at_lane_boundaries) {
  size_t l = signatures_per_lanes(), sizes[] = {1, l - 1, l, l + 1, 2 * l + 1}, most = 2 * l + 1;
  ck_assert_uint_le(most, MAX_SEEN);
  fixture_t *f = fixture_of_height(11, 5);
  mam_bundle_t *b[MAX_SEEN], spoiled[MAX_SEEN];
  for (size_t i = 0; i < most; i++) {
    char text[16];
    size_t nb;
    snprintf(text, sizeof text, "SIGNED%c", (char)('A' + i));
    b[i] = write_checked(f, (mam_header_params_t){0}, text, 1, MAM_CHECKSUM_SIG, &nb);
    ck_assert_uint_eq(nb, 1);
    spoiled[i] = (mam_bundle_t){malloc(b[i]->n * sizeof *b[i]->txs), b[i]->n, b[i]->n};
    ck_assert_ptr_nonnull(spoiled[i].txs);
    memcpy(spoiled[i].txs, b[i]->txs, b[i]->n * sizeof *b[i]->txs);
    spoil_signature(&spoiled[i]);
  }
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    size_t n = sizes[k];
    for (size_t bad = 0; bad <= n; bad++) { /* bad == n: none */
      mam_bundle_t *in[MAX_SEEN];
      for (size_t i = 0; i < n; i++) in[i] = i == bad ? &spoiled[i] : b[i];
      assert_batch_equals_plain(f, in, n, 64);
    }
  }
  /* a batch with room for fewer: the rest are verified at once, and read first */
  assert_batch_equals_plain(f, b, l + 1, l - 1);
  for (size_t i = 0; i < most; i++) {
    mam_bundles_free(b[i], 1);
    mam_bundle_free(&spoiled[i]);
  }
  fixture_free(f);
}
END_TEST

/* Later packets of a kept message are kept behind it, in order, across two channels sharing the
 * batch; a message of the other channel reads at once. Nothing waits as too early. */
START_TEST(test_batch_keeps_dependent_packets) {
  fixture_t *f = fixture_new(12), *g = fixture_new(13);
  size_t ns, nm;
  mam_bundle_t *sig = write_checked(f, (mam_header_params_t){0}, "ONETWOTHREEFOURFIVESIX", 3, MAM_CHECKSUM_SIG, &ns);
  mam_bundle_t *mac = write_message(g, (mam_header_params_t){0}, "OTHERCHANNEL", 1, &nm);
  mg_decode_batch_t *batch = mg_decode_batch_new(64);
  ck_assert_ptr_nonnull(batch);
  mg_decoder_t *df = decoder_for(f, &default_limits), *dg = decoder_for(g, &default_limits);
  seen_t sf = {0}, sg = {0};
  mg_decoder_join(df, batch, &sf);
  mg_decoder_join(dg, batch, &sg);
  ck_assert_int_eq(add(df, &sig[0], HASH_A, 0, &sf), MG_DECODE_DEFERRED);
  ck_assert_int_eq(add(dg, &mac[0], HASH_A, 0, &sg), MG_DECODE_READ);
  ck_assert_int_eq(add(df, &sig[1], HASH_B, 0, &sf), MG_DECODE_DEFERRED);
  ck_assert_int_eq(add(df, &sig[2], HASH_C, 0, &sf), MG_DECODE_DEFERRED);
  ck_assert_uint_eq(sf.n_messages + sg.n_messages, 1);
  replay_ctx_t r = {0};
  mg_decode_batch_flush(batch, replay_into, &r);
  ck_assert_uint_eq(r.outcomes[MG_DECODE_READ], 3);
  ck_assert_uint_eq(r.outcomes[MG_DECODE_WAITING] + r.outcomes[MG_DECODE_REJECTED], 0);
  ck_assert_uint_eq(sf.n_messages, 3);
  for (size_t i = 0; i < 3; i++) ck_assert_int_eq(sf.ords[i], (int64_t)i + 1);
  ck_assert_str_eq(sf.bundles[2], HASH_C);
  ck_assert_uint_eq(mg_decoder_pending(df), 0);
  /* a decoder freed while it keeps bundles leaves the batch */
  mg_decoder_t *fresh = decoder_for(f, &default_limits);
  mg_decoder_join(fresh, batch, &sf);
  ck_assert_int_eq(add(fresh, &sig[0], HASH_A, 0, &sf), MG_DECODE_DEFERRED);
  mg_decoder_free(fresh);
  ck_assert(!mg_decode_batch_waiting(batch));
  mg_decoder_free(df);
  mg_decoder_free(dg);
  mg_decode_batch_free(batch);
  mam_bundles_free(sig, ns);
  mam_bundles_free(mac, nm);
  fixture_free(f);
  fixture_free(g);
}
END_TEST

static Suite *decoder_suite(void) {
  Suite *s = suite_create("read_decoder");
  TCase *tc = tcase_create("decoder");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_in_order);
  tcase_add_test(tc, test_out_of_order);
  tcase_add_test(tc, test_endpoint_before_announcement);
  tcase_add_test(tc, test_duplicates_and_reattachments);
  tcase_add_test(tc, test_equal_bundle_hashes);
  tcase_add_test(tc, test_forged_header_copy);
  tcase_add_test(tc, test_expiry);
  tcase_add_test(tc, test_pending_limit);
  tcase_add_test(tc, test_other_channel);
  tcase_add_test(tc, test_state_round_trip);
  tcase_add_test(tc, test_batch_equals_plain_at_lane_boundaries);
  tcase_add_test(tc, test_batch_keeps_dependent_packets);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run_suite(decoder_suite()); }
