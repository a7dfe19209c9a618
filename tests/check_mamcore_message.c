/* The MAM2 message layer: the reference scenario of the vector file reproduced trit for trit and
 * read back, round trips over every keyload/checksum combination, tampering and trust. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamcore/payload.h"
#include "mamcore/transport.h"
#include "tests/testutil.h"

/* ---- the scenario's expected transactions, in file order ---- */

typedef struct expected_tx {
  char tag[28];
  char *msg; /* significant trytes */
} expected_tx_t;

static size_t load_scenario_txs(expected_tx_t *out, size_t max) {
  const char *dir = getenv("MAMGATE_VECTORS_DIR");
  char path[4096];
  snprintf(path, sizeof path, "%s/mam2.txt", dir ? dir : "tests/vectors");
  FILE *f = fopen(path, "r");
  ck_assert_ptr_nonnull(f);
  char *line = NULL;
  size_t cap = 0, n = 0;
  while (getline(&line, &cap, f) > 0 && n < max) {
    line[strcspn(line, "\r\n")] = 0;
    char *t = strstr(line, "      tag=");
    if (t == line) snprintf(out[n].tag, sizeof out[n].tag, "%s", t + 10);
    char *m = strstr(line, "      msg(");
    if (m == line) out[n++].msg = strdup(strchr(line, '=') + 1);
  }
  free(line);
  fclose(f);
  return n;
}

static void assert_tx_matches(const mam_tx_t *tx, const expected_tx_t *e, const char *chid) {
  char *addr = tu_trytes(tx->address, MAM_ID_TRITS), *tag = tu_trytes(tx->tag, MAM_TAG_TRITS);
  char *frag = tu_trytes(tx->fragment, MAM_FRAGMENT_TRITS);
  ck_assert_str_eq(addr, chid);
  ck_assert_str_eq(tag, e->tag);
  size_t sig = strlen(e->msg);
  ck_assert_int_eq(strncmp(frag, e->msg, sig), 0);
  for (size_t i = sig; i < MAM_FRAGMENT_TRITS / 3; i++) ck_assert_int_eq(frag[i], '9');
  free(addr);
  free(tag);
  free(frag);
}

static mam_prng_t seed_prng(void) {
  char *seed = vf_value("mam2.txt", "seed=");
  mam_trit_t *k = tu_trits(seed, NULL);
  mam_prng_t p;
  mam_prng_init(&p, k);
  free(k);
  free(seed);
  return p;
}

static mam_trit_t *payload_of(const char *trytes, size_t *n) { return tu_trits(trytes, n); }

static void read_expect(mam_reader_t *r, const mam_bundle_t *b, const char *payload, bool last) {
  mam_decoded_t d;
  bool has;
  ck_assert_int_eq(mam_reader_read_bundle(r, b->txs, b->n, &d, &has), MAM_OK);
  ck_assert_int_eq(has, payload != NULL);
  if (payload) {
    char *got = tu_trytes(d.payload, d.payload_trits);
    ck_assert_str_eq(got, payload);
    ck_assert_int_eq(d.last, last);
    free(got);
  }
  mam_decoded_free(&d);
}

START_TEST(test_reference_scenario) {
  mam_prng_t prng = seed_prng();
  mam_trit_t name[MAM_API_NAME_TRITS] = {0};
  mam_channel_t ch;
  mam_endpoint_t ep;
  ck_assert_int_eq(mam_channel_create(&ch, &prng, name, sizeof name, 2, 0), MAM_OK);
  ck_assert_int_eq(mam_endpoint_create(&ep, &ch, &prng, name, sizeof name, 2, 0), MAM_OK);
  char *chid = tu_trytes(mam_channel_id(&ch), MAM_ID_TRITS), *epid = tu_trytes(mam_endpoint_id(&ep), MAM_ID_TRITS);
  char *want_chid = vf_value("mam2.txt", "channel(h=2,name=<0>18) id=");
  char *want_epid = vf_value("mam2.txt", "endpoint(h=2) id=");
  ck_assert_str_eq(chid, want_chid);
  ck_assert_str_eq(epid, want_epid);

  expected_tx_t e[16];
  size_t ne = load_scenario_txs(e, 16);
  ck_assert_uint_eq(ne, 9);

  mam_reader_t reader;
  mam_reader_init(&reader);
  ck_assert_int_eq(mam_id_set_add(&reader.keys.trusted_channels, mam_channel_id(&ch)), MAM_OK);
  ck_assert_int_eq(mam_id_set_add(&reader.keys.trusted_endpoints, mam_endpoint_id(&ep)), MAM_OK);

  /* #0 public header + MAC packet, #1 public header + SIG packet: one bundle each */
  size_t n;
  mam_trit_t *hello = payload_of("HELLOWORLD", &n);
  const mam_checksum_t sums[2] = {MAM_CHECKSUM_MAC, MAM_CHECKSUM_SIG};
  size_t at = 0;
  for (int m = 0; m < 2; m++) {
    mam_trit_t msg_id[MAM_MSG_ID_TRITS];
    mam_channel_next_msg_id(&ch, msg_id);
    mam_message_spec_t spec = {.header = {.ch = &ch, .msg_id = msg_id}, .payload = hello, .payload_trits = n,
                               .checksum = sums[m], .packets = 1};
    mam_bundle_t *bundles;
    size_t nb;
    ck_assert_int_eq(mam_message_write(&prng, &spec, &bundles, &nb), MAM_OK);
    ck_assert_uint_eq(nb, 1);
    ck_assert_uint_eq(bundles[0].n, m == 0 ? 2 : 4);
    for (size_t i = 0; i < bundles[0].n; i++) assert_tx_matches(&bundles[0].txs[i], &e[at++], chid);
    read_expect(&reader, &bundles[0], "HELLOWORLD", true);
    mam_bundles_free(bundles, nb);
  }
  ck_assert_uint_eq(mam_mss_remaining(&ch.mss), 3);

  /* #2 is the third message: counter 2. (The vector file's note says the counter stood at 5; our
   * balanced counter, checked against the reference's add_assign, gives L9VX... for 2 and the
   * fragments below then match trit for trit, so the note is wrong, not the order of steps.) */
  mam_trit_t msg_id[MAM_MSG_ID_TRITS];
  mam_channel_next_msg_id(&ch, msg_id);
  char *id5 = tu_trytes(msg_id, MAM_MSG_ID_TRITS);
  ck_assert_str_eq(id5, "L9VXGYHRLRPSICTYSXWZT");
  mam_psk_t psk;
  mam_trit_t *psk_id = tu_trits("PSKIDAPSKIDAPSKIDAPSKIDAPSK", NULL);
  size_t nn;
  mam_trit_t *psk_nonce = tu_trits("PSKANONCE", &nn);
  memcpy(psk.id, psk_id, MAM_PSK_ID_TRITS);
  ck_assert_int_eq(mam_psk_derive(&prng, psk_nonce, nn, psk.key), MAM_OK);
  char *key = tu_trytes(psk.key, MAM_PSK_KEY_TRITS);
  char *want_key = vf_value("mam2.txt", "psk(id=PSKIDA..., nonce=PSKANONCE) key=");
  ck_assert_str_eq(key, want_key);
  reader.keys.psks = &psk;
  reader.keys.n_psks = 1;

  mam_header_params_t hp = {.ch = &ch, .ep = &ep, .msg_id = msg_id, .psks = &psk, .n_psks = 1,
                            .key_mode = MAM_SESSION_KEY_REFERENCE};
  mam_trit_t *buf = malloc(20000);
  size_t len;
  mam_write_ctx_t ctx;
  ck_assert_int_eq(mam_header_write(&prng, &hp, buf, 20000, &len, &ctx), MAM_OK);
  ck_assert_uint_eq(len, 197 * 3);
  mam_bundle_t b = {0};
  ck_assert_int_eq(mam_bundle_append(&b, ctx.chid, ctx.msg_id, 0, buf, len), MAM_OK);
  assert_tx_matches(&b.txs[0], &e[at++], chid);
  read_expect(&reader, &b, NULL, false);
  mam_bundle_free(&b);
  const char *texts[2] = {"FIRSTPACKET", "SECONDPACKET"};
  const mam_checksum_t psums[2] = {MAM_CHECKSUM_NONE, MAM_CHECKSUM_MAC};
  for (int k = 0; k < 2; k++) {
    mam_trit_t *pl = payload_of(texts[k], &n);
    int64_t ord;
    ck_assert_int_eq(mam_packet_write(&prng, &ctx, pl, n, psums[k], k == 1, buf, 20000, &len, &ord), MAM_OK);
    ck_assert_int_eq(ord, k == 0 ? 1 : -2);
    mam_bundle_t pb = {0};
    ck_assert_int_eq(mam_bundle_append(&pb, ctx.chid, ctx.msg_id, ord, buf, len), MAM_OK);
    assert_tx_matches(&pb.txs[0], &e[at++], chid);
    read_expect(&reader, &pb, texts[k], k == 1);
    mam_bundle_free(&pb);
    free(pl);
  }
  ck_assert_uint_eq(at, ne);
  ck_assert_uint_eq(mam_mss_remaining(&ep.mss), 4); /* no endpoint leaf was used */

  for (size_t i = 0; i < ne; i++) free(e[i].msg);
  free(buf), free(hello), free(psk_id), free(psk_nonce), free(key), free(want_key), free(id5);
  free(chid), free(epid), free(want_chid), free(want_epid);
  reader.keys.psks = NULL;
  mam_reader_destroy(&reader);
  mam_endpoint_destroy(&ep);
  mam_channel_destroy(&ch);
}
END_TEST

/* ---- round trips ---- */

typedef struct fixture {
  mam_prng_t prng;
  mam_channel_t ch;
  mam_endpoint_t ep;
  mam_psk_t psks[2];
  mam_ntru_sk_t ntru[2];
  mam_trit_t ntru_pks[2 * MAM_NTRU_PK_TRITS];
} fixture_t;

static fixture_t *fixture_new(uint64_t seed) {
  fixture_t *f = calloc(1, sizeof *f);
  mam_trit_t key[243], name[18] = {0};
  tu_random_trits(key, 243, &seed);
  mam_prng_init(&f->prng, key);
  ck_assert_int_eq(mam_channel_create(&f->ch, &f->prng, name, 18, 3, 0), MAM_OK);
  ck_assert_int_eq(mam_endpoint_create(&f->ep, &f->ch, &f->prng, name, 18, 2, 0), MAM_OK);
  for (int i = 0; i < 2; i++) {
    tu_random_trits(f->psks[i].id, MAM_PSK_ID_TRITS, &seed);
    tu_random_trits(f->psks[i].key, MAM_PSK_KEY_TRITS, &seed);
    mam_trit_t nonce[30];
    tu_random_trits(nonce, 30, &seed);
    ck_assert_int_eq(mam_ntru_keygen(&f->prng, nonce, 30, &f->ntru[i]), MAM_OK);
    memcpy(f->ntru_pks + i * MAM_NTRU_PK_TRITS, f->ntru[i].pk, MAM_NTRU_PK_TRITS);
  }
  return f;
}

static void fixture_free(fixture_t *f) {
  mam_endpoint_destroy(&f->ep);
  mam_channel_destroy(&f->ch);
  free(f);
}

static void trust(mam_reader_t *r, const fixture_t *f) {
  ck_assert_int_eq(mam_id_set_add(&r->keys.trusted_channels, mam_channel_id(&f->ch)), MAM_OK);
  ck_assert_int_eq(mam_id_set_add(&r->keys.trusted_endpoints, mam_endpoint_id(&f->ep)), MAM_OK);
}

/* Writes a message and reads all its bundles; returns the payload read back (trytes) or NULL and
 * the first error. */
static mam_err_t round_trip(fixture_t *f, mam_reader_t *r, mam_header_params_t hp, const char *text,
                            mam_checksum_t cs, size_t packets, char **read_back) {
  mam_trit_t msg_id[MAM_MSG_ID_TRITS];
  mam_channel_next_msg_id(&f->ch, msg_id);
  hp.ch = &f->ch;
  hp.msg_id = msg_id;
  size_t n;
  mam_trit_t *pl = tu_trits(text, &n);
  mam_message_spec_t spec = {.header = hp, .payload = pl, .payload_trits = n, .checksum = cs, .packets = packets};
  mam_bundle_t *bundles;
  size_t nb;
  const mam_mss_t *signing = hp.ep ? &hp.ep->mss : &f->ch.mss;
  bool plain_signer = !hp.announce_ch && !hp.announce_ep; /* announced trees sign their own packets */
  ck_assert_int_eq(mam_message_write(&f->prng, &spec, &bundles, &nb), MAM_OK);
  ck_assert_uint_eq(nb, packets);
  uint32_t first_leaf = signing->skn - (cs == MAM_CHECKSUM_SIG ? (uint32_t)packets : 0);
  char *all = calloc(n / 3 + 1, 1);
  mam_err_t first = MAM_OK;
  size_t got = 0;
  for (size_t i = 0; i < nb; i++) {
    mam_decoded_t d;
    bool has;
    mam_err_t err = mam_reader_read_bundle(r, bundles[i].txs, bundles[i].n, &d, &has);
    if (err != MAM_OK) {
      if (first == MAM_OK) first = err;
      continue;
    }
    ck_assert(has);
    ck_assert_int_eq(d.last, i + 1 == nb);
    ck_assert_int_eq(d.checksum, cs);
    if (cs != MAM_CHECKSUM_SIG) ck_assert_int_eq(d.sig_leaf, -1);
    else if (plain_signer) ck_assert_int_eq(d.sig_leaf, first_leaf + i); /* the leaf each packet spent */
    else ck_assert_int_ge(d.sig_leaf, 0);
    mam_trits_to_trytes(d.payload, d.payload_trits, all + got);
    got += d.payload_trits / 3;
    mam_decoded_free(&d);
  }
  mam_bundles_free(bundles, nb);
  free(pl);
  *read_back = all;
  return first;
}

START_TEST(test_round_trip_combinations) {
  fixture_t *f = fixture_new(1);
  const char *text = "THEQUICKBROWNFOXJUMPSOVERTHELAZYDOG9ANDONCEMORE";
  for (int keyload = 0; keyload < 4; keyload++)      /* public, PSK, NTRU, PSK+NTRU */
    for (int cs = 0; cs < 3; cs++)                    /* none, MAC, SIG */
      for (int on_ep = 0; on_ep < 2; on_ep++)
        for (size_t packets = 1; packets <= 2; packets++) {
          mam_reader_t r;
          mam_reader_init(&r);
          trust(&r, f);
          mam_header_params_t hp = {.ep = on_ep ? &f->ep : NULL};
          if (keyload & 1) hp.psks = f->psks, hp.n_psks = 2;
          if (keyload & 2) hp.ntru_pks = f->ntru_pks, hp.n_ntru = 2;
          /* the reader holds only the second key of each kind */
          r.keys.psks = &f->psks[1];
          r.keys.n_psks = keyload & 1 ? 1 : 0;
          r.keys.ntru_sks = &f->ntru[1];
          r.keys.n_ntru = keyload & 2 ? 1 : 0;
          if (cs == MAM_CHECKSUM_SIG && mam_mss_remaining(on_ep ? &f->ep.mss : &f->ch.mss) < packets) {
            mam_reader_destroy(&r);
            continue;
          }
          char *back;
          ck_assert_int_eq(round_trip(f, &r, hp, text, (mam_checksum_t)cs, packets, &back), MAM_OK);
          ck_assert_str_eq(back, text);
          free(back);
          mam_reader_destroy(&r);
        }
  fixture_free(f);
}
END_TEST

START_TEST(test_wrong_key_and_untrusted) {
  fixture_t *f = fixture_new(2);
  char *back;
  mam_reader_t r;
  /* PSK message, reader has another PSK */
  mam_reader_init(&r);
  trust(&r, f);
  r.keys.psks = &f->psks[1];
  r.keys.n_psks = 1;
  mam_header_params_t hp = {.psks = &f->psks[0], .n_psks = 1};
  ck_assert_int_eq(round_trip(f, &r, hp, "SECRET", MAM_CHECKSUM_MAC, 1, &back), MAM_ERR_KEYLOAD_IRRELEVANT);
  free(back);
  /* NTRU message, reader has the other secret key */
  r.keys.n_psks = 0;
  r.keys.ntru_sks = &f->ntru[1];
  r.keys.n_ntru = 1;
  mam_header_params_t hn = {.ntru_pks = f->ntru_pks, .n_ntru = 1};
  ck_assert_int_eq(round_trip(f, &r, hn, "SECRET", MAM_CHECKSUM_MAC, 1, &back), MAM_ERR_KEYLOAD_IRRELEVANT);
  free(back);
  mam_reader_destroy(&r);
  /* untrusted channel, then untrusted endpoint */
  mam_reader_init(&r);
  mam_header_params_t pub = {0};
  ck_assert_int_eq(round_trip(f, &r, pub, "HELLO", MAM_CHECKSUM_NONE, 1, &back), MAM_ERR_CHANNEL_UNTRUSTED);
  free(back);
  ck_assert_int_eq(mam_id_set_add(&r.keys.trusted_channels, mam_channel_id(&f->ch)), MAM_OK);
  mam_header_params_t onep = {.ep = &f->ep};
  ck_assert_int_eq(round_trip(f, &r, onep, "HELLO", MAM_CHECKSUM_NONE, 1, &back), MAM_ERR_ENDPOINT_UNTRUSTED);
  free(back);
  /* the reader still works afterwards */
  ck_assert_int_eq(round_trip(f, &r, pub, "HELLO", MAM_CHECKSUM_SIG, 1, &back), MAM_OK);
  ck_assert_str_eq(back, "HELLO");
  free(back);
  mam_reader_destroy(&r);
  fixture_free(f);
}
END_TEST

/* An endpoint announced by a trusted channel becomes trusted, and its packets verify. */
START_TEST(test_announcements) {
  fixture_t *f = fixture_new(3);
  mam_reader_t r;
  mam_reader_init(&r);
  ck_assert_int_eq(mam_id_set_add(&r.keys.trusted_channels, mam_channel_id(&f->ch)), MAM_OK);
  char *back;
  mam_header_params_t ann = {.announce_ep = &f->ep};
  ck_assert_int_eq(round_trip(f, &r, ann, "NEWENDPOINT", MAM_CHECKSUM_SIG, 1, &back), MAM_OK);
  free(back);
  ck_assert(mam_id_set_has(&r.keys.trusted_endpoints, mam_endpoint_id(&f->ep)));
  mam_header_params_t onep = {.ep = &f->ep};
  ck_assert_int_eq(round_trip(f, &r, onep, "FROMENDPOINT", MAM_CHECKSUM_SIG, 1, &back), MAM_OK);
  ck_assert_str_eq(back, "FROMENDPOINT");
  free(back);
  /* a new channel announced by the first */
  mam_channel_t ch2;
  mam_trit_t name2[18] = {1};
  ck_assert_int_eq(mam_channel_create(&ch2, &f->prng, name2, 18, 1, 0), MAM_OK);
  mam_header_params_t annc = {.announce_ch = &ch2};
  ck_assert_int_eq(round_trip(f, &r, annc, "NEWCHANNEL", MAM_CHECKSUM_SIG, 1, &back), MAM_OK);
  free(back);
  ck_assert(mam_id_set_has(&r.keys.trusted_channels, mam_channel_id(&ch2)));
  mam_channel_destroy(&ch2);
  mam_reader_destroy(&r);
  fixture_free(f);
}
END_TEST

/* Flipping any trit of a signed or MACed packet makes it fail; the reader then still reads the
 * genuine bundle. */
START_TEST(test_tamper_every_field) {
  fixture_t *f = fixture_new(4);
  const mam_checksum_t sums[2] = {MAM_CHECKSUM_MAC, MAM_CHECKSUM_SIG};
  for (int k = 0; k < 2; k++) {
    mam_trit_t msg_id[MAM_MSG_ID_TRITS];
    mam_channel_next_msg_id(&f->ch, msg_id);
    size_t n;
    mam_trit_t *pl = tu_trits("TAMPERPROOF", &n);
    mam_message_spec_t spec = {.header = {.ch = &f->ch, .msg_id = msg_id, .psks = f->psks, .n_psks = 1},
                               .payload = pl, .payload_trits = n, .checksum = sums[k], .packets = 1};
    mam_bundle_t *bundles;
    size_t nb;
    ck_assert_int_eq(mam_message_write(&f->prng, &spec, &bundles, &nb), MAM_OK);
    mam_bundle_t *b = &bundles[0];
    size_t header_trits = mam_header_trits(&spec.header);
    size_t packet_trits = mam_packet_trits(n / 3, sums[k], f->ch.mss.height);
    uint64_t seed = 99;
    for (size_t trial = 0; trial < 60; trial++) {
      size_t off = trial < 30 ? tu_rand(&seed) % header_trits
                              : MAM_FRAGMENT_TRITS + tu_rand(&seed) % packet_trits;
      mam_tx_t *tx = &b->txs[off / MAM_FRAGMENT_TRITS];
      mam_trit_t saved = tx->fragment[off % MAM_FRAGMENT_TRITS];
      tx->fragment[off % MAM_FRAGMENT_TRITS] = mam_trit_add(saved, 1);
      mam_reader_t r;
      mam_reader_init(&r);
      trust(&r, f);
      r.keys.psks = f->psks;
      r.keys.n_psks = 1;
      mam_decoded_t d;
      bool has;
      mam_err_t err = mam_reader_read_bundle(&r, b->txs, b->n, &d, &has);
      ck_assert_msg(err != MAM_OK, "flipped trit %zu went unnoticed", off);
      ck_assert(!has);
      tx->fragment[off % MAM_FRAGMENT_TRITS] = saved;
      ck_assert_int_eq(mam_reader_read_bundle(&r, b->txs, b->n, &d, &has), MAM_OK);
      ck_assert(has);
      mam_decoded_free(&d);
      mam_reader_destroy(&r);
    }
    mam_bundles_free(bundles, nb);
    free(pl);
  }
  fixture_free(f);
}
END_TEST

/* Unique session keys: two PSK messages in a row to different PSKs do not share a key, while the
 * reference derivation does (spec 14.5). */
START_TEST(test_session_keys_unique) {
  fixture_t *f = fixture_new(5);
  mam_trit_t buf[4096];
  mam_trit_t keys[2][243];
  for (int mode = 0; mode < 2; mode++) {
    for (int m = 0; m < 2; m++) {
      mam_trit_t msg_id[MAM_MSG_ID_TRITS];
      mam_channel_next_msg_id(&f->ch, msg_id);
      mam_header_params_t hp = {.ch = &f->ch, .msg_id = msg_id, .psks = &f->psks[m], .n_psks = 1,
                                .key_mode = mode ? MAM_SESSION_KEY_REFERENCE : MAM_SESSION_KEY_UNIQUE};
      size_t len;
      mam_write_ctx_t ctx;
      ck_assert_int_eq(mam_header_write(&f->prng, &hp, buf, sizeof buf, &len, &ctx), MAM_OK);
      /* recover the session key with the PSK, as a reader holding it would: rebuild the main
       * sponge up to the keyload (version, chid, pubkey, msg_id, type, count, oneof), then the
       * keyload's fork */
      mam_spongos_t sp;
      mam_spongos_init(&sp);
      mam_spongos_absorb(&sp, buf, 3);
      mam_spongos_absorb(&sp, mam_channel_id(&f->ch), 243);
      mam_spongos_absorb(&sp, buf + 3, 3);
      mam_spongos_absorb(&sp, msg_id, 63);
      mam_spongos_absorb(&sp, buf + 6, 9 + 6 + 3);
      mam_spongos_t fork = sp;
      mam_spongos_absorb(&fork, buf + 24, 81);
      mam_spongos_absorb(&fork, f->psks[m].key, 243);
      mam_spongos_commit(&fork);
      mam_spongos_decr(&fork, buf + 105, keys[m], 243);
    }
    if (mode == 0) ck_assert_mem_ne(keys[0], keys[1], 243);
    else ck_assert_mem_eq(keys[0], keys[1], 243);
  }
  fixture_free(f);
}
END_TEST

START_TEST(test_payload_codec) {
  uint8_t bytes[256], back[256];
  char trytes[512];
  for (int i = 0; i < 256; i++) bytes[i] = (uint8_t)i;
  mam_bytes_to_trytes(bytes, 256, trytes);
  ck_assert_int_eq(mam_trytes_to_bytes(trytes, 512, back), MAM_OK);
  ck_assert_mem_eq(bytes, back, 256);
  mam_bytes_to_trytes((const uint8_t *)"Hi", 2, trytes);
  ck_assert_int_eq(strncmp(trytes, "RBXC", 4), 0);
  ck_assert_int_eq(mam_trytes_to_bytes("RBX", 3, back), MAM_ERR_INVALID_VALUE);
  ck_assert_int_eq(mam_trytes_to_bytes("MI", 2, back), MAM_ERR_INVALID_VALUE); /* 13 + 27*9 = 256 */
  ck_assert_int_eq(mam_trytes_to_bytes("a9", 2, back), MAM_ERR_INVALID_VALUE);
  /* every character pair against the alphabet's definition: valid exactly when both are trytes and
   * the value fits a byte, in either position and after valid pairs */
  for (int a = 0; a < 256; a++)
    for (int b = 0; b < 256; b++) {
      const char *pa = a ? strchr(MAM_TRYTE_ALPHABET, a) : NULL, *pb = b ? strchr(MAM_TRYTE_ALPHABET, b) : NULL;
      int value = pa && pb ? (int)(pa - MAM_TRYTE_ALPHABET) + 27 * (int)(pb - MAM_TRYTE_ALPHABET) : 256;
      char pair[4] = {'9', '9', (char)a, (char)b};
      ck_assert_int_eq(mam_trytes_to_bytes(pair, 4, back), value < 256 ? MAM_OK : MAM_ERR_INVALID_VALUE);
      if (value < 256) ck_assert_int_eq(back[1], value);
    }
  ck_assert(mam_utf8_valid((const uint8_t *)"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80", 15));
  ck_assert(!mam_utf8_valid((const uint8_t *)"\xc0\xaf", 2));        /* overlong */
  ck_assert(!mam_utf8_valid((const uint8_t *)"\xed\xa0\x80", 3));    /* surrogate */
  ck_assert(!mam_utf8_valid((const uint8_t *)"\xe2\x82", 2));        /* truncated */
  ck_assert(!mam_utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
}
END_TEST

/* PSK ids as people write them: 1 to 27 trytes, padded with 9 on the right. */
START_TEST(test_psk_id_pad) {
  char out[MAM_PSK_ID_TRYTES + 1];
  ck_assert_int_eq(mam_psk_id_pad("ABC", 3, out), MAM_OK);
  ck_assert_str_eq(out, "ABC999999999999999999999999");
  ck_assert_int_eq(mam_psk_id_pad("PSKIDAPSKIDAPSKIDAPSKIDAPSK", 27, out), MAM_OK);
  ck_assert_str_eq(out, "PSKIDAPSKIDAPSKIDAPSKIDAPSK");
  ck_assert_int_eq(mam_psk_id_pad("Z", 1, out), MAM_OK);
  ck_assert_str_eq(out, "Z99999999999999999999999999");
  ck_assert_int_eq(mam_psk_id_pad("ABCX", 3, out), MAM_OK); /* only len characters count */
  ck_assert_str_eq(out, "ABC999999999999999999999999");
  ck_assert_int_eq(mam_psk_id_pad("", 0, out), MAM_ERR_INVALID_ARG);
  ck_assert_int_eq(mam_psk_id_pad("PSKIDAPSKIDAPSKIDAPSKIDAPSKA", 28, out), MAM_ERR_INVALID_ARG);
  ck_assert_int_eq(mam_psk_id_pad("abc", 3, out), MAM_ERR_INVALID_TRYTE);
  ck_assert_int_eq(mam_psk_id_pad("AB C", 4, out), MAM_ERR_INVALID_TRYTE);
  ck_assert_int_eq(mam_psk_id_pad(NULL, 3, out), MAM_ERR_NULL_ARG);
  ck_assert_int_eq(mam_psk_id_pad("ABC", 3, NULL), MAM_ERR_NULL_ARG);
}
END_TEST

int main(void) {
  Suite *s = suite_create("message");
  TCase *tc = tcase_create("message");
  tcase_set_timeout(tc, 900);
  tcase_add_test(tc, test_reference_scenario);
  tcase_add_test(tc, test_round_trip_combinations);
  tcase_add_test(tc, test_wrong_key_and_untrusted);
  tcase_add_test(tc, test_announcements);
  tcase_add_test(tc, test_tamper_every_field);
  tcase_add_test(tc, test_session_keys_unique);
  tcase_add_test(tc, test_payload_codec);
  tcase_add_test(tc, test_psk_id_pad);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
