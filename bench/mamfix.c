#include "bench/mamfix.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamcore/payload.h"

static uint64_t rng_state = 0x3a3f1e;

static uint64_t next_random(void) {
  rng_state = rng_state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
  return rng_state >> 33;
}

bool mamfix_quick(void) {
  const char *q = getenv("BENCH_QUICK");
  return q && *q && strcmp(q, "0") != 0;
}

_Noreturn void mamfix_die(const char *what) {
  fprintf(stderr, "bench: %s\n", what);
  exit(1);
}

void *mamfix_alloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) mamfix_die("out of memory");
  return p;
}

void mamfix_check(mam_err_t err, const char *what) {
  if (err == MAM_OK) return;
  fprintf(stderr, "bench: %s: %s\n", what, mam_strerror(err));
  exit(1);
}

void mamfix_random_trits(mam_trit_t *t, size_t n) {
  for (size_t i = 0; i < n; i++) t[i] = (mam_trit_t)((int)(next_random() % 3) - 1);
}

void mamfix_prng(mam_prng_t *prng) {
  mam_trit_t key[MAM_PRNG_KEY_TRITS];
  mamfix_random_trits(key, sizeof key);
  mam_prng_init(prng, key);
}

void mamfix_payload_1k(mam_trit_t *out) {
  uint8_t bytes[MAMFIX_1K_BYTES];
  char trytes[2 * MAMFIX_1K_BYTES];
  for (size_t i = 0; i < sizeof bytes; i++) bytes[i] = (uint8_t)next_random();
  mam_bytes_to_trytes(bytes, sizeof bytes, trytes);
  mamfix_check(mam_trytes_to_trits(trytes, sizeof trytes, out), "payload trytes");
}

void mamfix_channel(mam_channel_t *ch, const mam_prng_t *prng, unsigned index, unsigned height, unsigned layer,
                    unsigned threads) {
  mam_trit_t name[MAM_API_NAME_TRITS];
  mam_trits_from_int((int64_t)index, name, sizeof name);
  mamfix_check(mam_channel_init(ch, name, sizeof name, height), "channel init");
  if (layer) mamfix_check(mam_mss_set_layer_height(&ch->mss, layer), "layer height");
  mamfix_check(mam_mss_gen(&ch->mss, prng, threads), "channel key generation");
}

mam_bundle_t *mamfix_write(const mam_prng_t *prng, mam_channel_t *ch, mamfix_keys_t keys, const mam_trit_t *payload,
                           size_t payload_trits, mam_checksum_t checksum, size_t *n_bundles) {
  mam_trit_t msg_id[MAM_MSG_ID_TRITS];
  mam_channel_next_msg_id(ch, msg_id);
  mam_message_spec_t spec = {
      .header = {.ch = ch, .msg_id = msg_id, .psks = keys.psk, .n_psks = keys.psk ? 1 : 0,
                 .ntru_pks = keys.ntru_pk, .n_ntru = keys.ntru_pk ? 1 : 0},
      .payload = payload,
      .payload_trits = payload_trits,
      .checksum = checksum,
      .packets = 1,
      .unit_trytes = 2,
  };
  mam_bundle_t *bundles = NULL;
  mamfix_check(mam_message_write(prng, &spec, &bundles, n_bundles), "message write");
  return bundles;
}

void mamfix_reader(mam_reader_t *r, const mam_channel_t *ch, const mam_psk_t *psk, const mam_ntru_sk_t *ntru) {
  mam_reader_init(r);
  mamfix_check(mam_id_set_add(&r->keys.trusted_channels, mam_channel_id(ch)), "trust the channel");
  r->keys.psks = psk;
  r->keys.n_psks = psk ? 1 : 0;
  r->keys.ntru_sks = ntru;
  r->keys.n_ntru = ntru ? 1 : 0;
}

void mamfix_read(mam_reader_t *r, const mam_bundle_t *bundles, size_t n_bundles, size_t payload_trits,
                 mam_checksum_t checksum) {
  size_t packets = 0;
  for (size_t i = 0; i < n_bundles; i++) {
    mam_decoded_t d;
    bool has = false;
    mamfix_check(mam_reader_read_bundle(r, bundles[i].txs, bundles[i].n, &d, &has), "message read");
    if (!has) continue;
    packets++;
    bool ok = d.payload_trits == payload_trits && d.checksum == checksum && d.last;
    mam_decoded_free(&d);
    if (!ok) mamfix_die("a packet decoded with the wrong length, checksum or flag");
  }
  if (packets != 1) mamfix_die("a message did not decode to exactly one packet");
}
