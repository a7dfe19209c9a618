/* Saved state: round trips that continue exactly where they stopped, corruption and truncation
 * refused, exhausted trees still load. */
#include <stdlib.h>
#include <string.h>

#include "mamcore/state.h"
#include "tests/testutil.h"

static mam_prng_t test_prng(uint64_t seed) {
  mam_trit_t key[243];
  tu_random_trits(key, 243, &seed);
  mam_prng_t p;
  mam_prng_init(&p, key);
  return p;
}

static uint8_t *save_channel(const mam_channel_t *ch, const mam_endpoint_t *eps, size_t n, size_t *len) {
  size_t size = mam_channel_state_size(ch, eps, n);
  uint8_t *buf = malloc(size);
  ck_assert_int_eq(mam_channel_state_save(ch, eps, n, buf, size, len), MAM_OK);
  ck_assert_uint_eq(*len, size);
  ck_assert_int_eq(mam_channel_state_save(ch, eps, n, buf, size - 1, len), MAM_ERR_BUFFER_TOO_SMALL);
  *len = size;
  return buf;
}

/* Signing after save+load gives exactly the signatures the original instance gives. */
static void check_continues(unsigned height, unsigned layer, unsigned signed_before) {
  mam_prng_t prng = test_prng(height * 10 + layer);
  mam_channel_t ch;
  mam_trit_t name[18] = {0};
  ck_assert_int_eq(mam_channel_init(&ch, name, 18, height), MAM_OK);
  if (layer) ck_assert_int_eq(mam_mss_set_layer_height(&ch.mss, layer), MAM_OK);
  ck_assert_int_eq(mam_mss_gen(&ch.mss, &prng, 0), MAM_OK);
  mam_endpoint_t ep;
  ck_assert_int_eq(mam_endpoint_create(&ep, &ch, &prng, name, 18, 1, 0), MAM_OK);
  size_t sig_len = mam_mss_sig_trits(&ch.mss);
  mam_trit_t *a = malloc(sig_len), *b = malloc(sig_len), msg[MAM_WOTS_HASH_TRITS] = {0};
  for (unsigned i = 0; i < signed_before; i++) ck_assert_int_eq(mam_mss_sign(&ch.mss, &prng, msg, a, sig_len), MAM_OK);
  mam_trit_t id[MAM_MSG_ID_TRITS];
  mam_channel_next_msg_id(&ch, id);
  size_t len;
  uint8_t *buf = save_channel(&ch, &ep, 1, &len);
  mam_channel_t ch2;
  mam_endpoint_t *eps;
  size_t n_eps;
  ck_assert_int_eq(mam_channel_state_load(buf, len, &ch2, &eps, &n_eps), MAM_OK);
  ck_assert_uint_eq(n_eps, 1);
  ck_assert_mem_eq(mam_endpoint_id(&eps[0]), mam_endpoint_id(&ep), 243);
  ck_assert_mem_eq(ch2.msg_ord, ch.msg_ord, MAM_MSG_ORD_TRITS);
  ck_assert_uint_eq(mam_mss_remaining(&ch2.mss), mam_mss_remaining(&ch.mss));
  while (mam_mss_remaining(&ch.mss) > 0) {
    ck_assert_int_eq(mam_mss_sign(&ch.mss, &prng, msg, a, sig_len), MAM_OK);
    ck_assert_int_eq(mam_mss_sign(&ch2.mss, &prng, msg, b, sig_len), MAM_OK);
    ck_assert_mem_eq(a, b, sig_len);
  }
  /* an exhausted tree still saves and loads */
  free(buf);
  buf = save_channel(&ch2, NULL, 0, &len);
  mam_channel_t ch3;
  mam_endpoint_t *none;
  size_t n_none;
  ck_assert_int_eq(mam_channel_state_load(buf, len, &ch3, &none, &n_none), MAM_OK);
  ck_assert_uint_eq(n_none, 0);
  ck_assert_uint_eq(mam_mss_remaining(&ch3.mss), 0);
  ck_assert_int_eq(mam_mss_sign(&ch3.mss, &prng, msg, b, sig_len), MAM_ERR_MSS_EXHAUSTED);
  mam_channel_destroy(&ch3);
  free(buf), free(a), free(b);
  mam_endpoint_destroy(&eps[0]);
  free(eps);
  mam_channel_destroy(&ch), mam_channel_destroy(&ch2), mam_endpoint_destroy(&ep);
}

START_TEST(test_channel_round_trip) {
  check_continues(3, 0, 2);
  check_continues(5, 2, 6);  /* layered traversal, saved mid-subtree */
  check_continues(5, 2, 12); /* layered, saved at a subtree boundary */
}
END_TEST

START_TEST(test_channel_corruption_refused) {
  mam_prng_t prng = test_prng(7);
  mam_channel_t ch;
  mam_trit_t name[18] = {0};
  ck_assert_int_eq(mam_channel_create(&ch, &prng, name, 18, 2, 0), MAM_OK);
  size_t len;
  uint8_t *buf = save_channel(&ch, NULL, 0, &len);
  mam_channel_t out;
  mam_endpoint_t *eps;
  size_t n;
  for (size_t i = 0; i < len; i++) {
    buf[i] ^= 0x01;
    ck_assert_int_eq(mam_channel_state_load(buf, len, &out, &eps, &n), MAM_ERR_STATE_FORMAT);
    buf[i] ^= 0x01;
  }
  for (size_t cut = 0; cut < len; cut += 7)
    ck_assert_int_eq(mam_channel_state_load(buf, cut, &out, &eps, &n), MAM_ERR_STATE_FORMAT);
  /* a reader state is not a channel state */
  mam_reader_t r;
  mam_reader_init(&r);
  size_t rlen = mam_reader_state_size(&r), w;
  uint8_t *rbuf = malloc(rlen);
  ck_assert_int_eq(mam_reader_state_save(&r, rbuf, rlen, &w), MAM_OK);
  ck_assert_int_eq(mam_channel_state_load(rbuf, rlen, &out, &eps, &n), MAM_ERR_STATE_FORMAT);
  ck_assert_int_eq(mam_channel_state_load(buf, len, &out, &eps, &n), MAM_OK);
  mam_channel_destroy(&out);
  free(rbuf), free(buf);
  mam_reader_destroy(&r);
  mam_channel_destroy(&ch);
}
END_TEST

/* A reader saved between a header and its packet continues the message after loading. */
START_TEST(test_reader_round_trip) {
  mam_prng_t prng = test_prng(9);
  mam_channel_t ch;
  mam_trit_t name[18] = {0};
  ck_assert_int_eq(mam_channel_create(&ch, &prng, name, 18, 2, 0), MAM_OK);
  mam_trit_t msg_id[MAM_MSG_ID_TRITS];
  mam_channel_next_msg_id(&ch, msg_id);
  size_t n;
  mam_trit_t *pl = tu_trits("ONETWOTHREE", &n);
  mam_message_spec_t spec = {.header = {.ch = &ch, .msg_id = msg_id}, .payload = pl, .payload_trits = n,
                             .checksum = MAM_CHECKSUM_SIG, .packets = 3};
  mam_bundle_t *bundles;
  size_t nb;
  ck_assert_int_eq(mam_message_write(&prng, &spec, &bundles, &nb), MAM_OK);
  mam_reader_t r;
  mam_reader_init(&r);
  ck_assert_int_eq(mam_id_set_add(&r.keys.trusted_channels, mam_channel_id(&ch)), MAM_OK);
  mam_decoded_t d;
  bool has;
  ck_assert_int_eq(mam_reader_read_bundle(&r, bundles[0].txs, bundles[0].n, &d, &has), MAM_OK);
  mam_decoded_free(&d);
  size_t len = mam_reader_state_size(&r), w;
  uint8_t *buf = malloc(len);
  ck_assert_int_eq(mam_reader_state_save(&r, buf, len, &w), MAM_OK);
  mam_reader_t r2;
  mam_reader_init(&r2);
  ck_assert_int_eq(mam_reader_state_load(&r2, buf, len), MAM_OK);
  for (size_t i = 1; i < nb; i++) {
    ck_assert_int_eq(mam_reader_read_bundle(&r2, bundles[i].txs, bundles[i].n, &d, &has), MAM_OK);
    ck_assert(has);
    ck_assert_int_eq(d.last, i + 1 == nb);
    mam_decoded_free(&d);
  }
  buf[len / 2] ^= 0x40;
  ck_assert_int_eq(mam_reader_state_load(&r2, buf, len), MAM_ERR_STATE_FORMAT);
  ck_assert_uint_eq(r2.keys.trusted_channels.n, 1); /* untouched by the refused load */
  free(buf), free(pl);
  mam_bundles_free(bundles, nb);
  mam_reader_destroy(&r), mam_reader_destroy(&r2);
  mam_channel_destroy(&ch);
}
END_TEST

int main(void) {
  Suite *s = suite_create("state");
  TCase *tc = tcase_create("state");
  tcase_set_timeout(tc, 900);
  tcase_add_test(tc, test_channel_round_trip);
  tcase_add_test(tc, test_channel_corruption_refused);
  tcase_add_test(tc, test_reader_round_trip);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
