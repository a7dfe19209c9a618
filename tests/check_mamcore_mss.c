/* WOTS and MSS: known answers, sign/verify round trips at every leaf, tampering, traversal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamcore/mss.h"
#include "tests/testutil.h"

static mam_prng_t prng_a81(void) {
  char k[82];
  memset(k, 'A', 81);
  k[81] = 0;
  trit_t *t = tu_trits(k, NULL);
  mam_prng_t p;
  mam_prng_init(&p, t);
  free(t);
  return p;
}

START_TEST(test_wots_pk_vector) {
  mam_prng_t p = prng_a81();
  size_t n;
  trit_t *nonce = tu_trits("NONCE9", &n);
  mam_trits_view_t v = {nonce, n};
  trit_t *sk = malloc(MAM_WOTS_SK_TRITS), pk[MAM_WOTS_PK_TRITS];
  ck_assert_int_eq(mam_wots_gen_sk(&p, &v, 1, sk), MAM_OK);
  ck_assert_int_eq(mam_wots_pk_from_sk_consume(sk, 1, pk), MAM_OK);
  char *got = tu_trytes(pk, MAM_WOTS_PK_TRITS);
  char *want = vf_value("mam2.txt", "WOTS pk (K=A*81, nonce=NONCE9) =");
  ck_assert_str_eq(got, want);
  free(got);
  free(want);
  free(sk);
  free(nonce);
}
END_TEST

/* Recover(m, Sign(sk, m)) = pk for random messages; a changed message or signature does not. */
START_TEST(test_wots_sign_recover) {
  mam_prng_t p = prng_a81();
  uint64_t seed = 42;
  trit_t nonce[30];
  tu_random_trits(nonce, 30, &seed);
  mam_trits_view_t v = {nonce, 30};
  trit_t *sk = malloc(MAM_WOTS_SK_TRITS), *copy = malloc(MAM_WOTS_SK_TRITS), *sig = malloc(MAM_WOTS_SIG_TRITS);
  trit_t pk[243], rec[243], msg[MAM_WOTS_HASH_TRITS];
  ck_assert_int_eq(mam_wots_gen_sk(&p, &v, 1, sk), MAM_OK);
  memcpy(copy, sk, MAM_WOTS_SK_TRITS);
  ck_assert_int_eq(mam_wots_pk_from_sk_consume(copy, 1, pk), MAM_OK);
  for (int round = 0; round < 4; round++) {
    tu_random_trits(msg, sizeof msg, &seed);
    if (round == 0) memset(msg, 1, sizeof msg); /* extreme digits: every tryte 13 */
    if (round == 1) memset(msg, -1, sizeof msg);
    mam_wots_sign(sk, msg, sig);
    mam_wots_recover(msg, sig, rec);
    ck_assert_mem_eq(rec, pk, 243);
    msg[0] = mam_trit_add(msg[0], 1);
    mam_wots_recover(msg, sig, rec);
    ck_assert_mem_ne(rec, pk, 243);
    msg[0] = mam_trit_sub(msg[0], 1);
    sig[5000] = mam_trit_add(sig[5000], 1);
    mam_wots_recover(msg, sig, rec);
    ck_assert_mem_ne(rec, pk, 243);
  }
  free(sk);
  free(copy);
  free(sig);
}
END_TEST

START_TEST(test_wots_digits_checksum) {
  trit_t msg[MAM_WOTS_HASH_TRITS];
  int8_t d[MAM_WOTS_CHAINS];
  uint64_t seed = 5;
  for (int r = 0; r < 50; r++) {
    tu_random_trits(msg, sizeof msg, &seed);
    mam_wots_digits(msg, d);
    int sum = 0;
    for (int i = 0; i < 78; i++) sum += d[i];
    ck_assert_int_eq(d[78] + 27 * d[79] + 729 * d[80], -sum);
    for (int i = 0; i < 81; i++) ck_assert(d[i] >= -13 && d[i] <= 13);
  }
}
END_TEST

static void mss_init_mssnonce(mam_mss_t *m, unsigned h) {
  size_t n;
  trit_t *nonce = tu_trits("MSSNONCE", &n);
  mam_trits_view_t v[4] = {{nonce, n}, {NULL, 0}, {NULL, 0}, {NULL, 0}};
  ck_assert_int_eq(mam_mss_init(m, h, v, 4), MAM_OK);
  free(nonce);
}

START_TEST(test_mss_root_vectors) {
  unsigned h = (unsigned)_i;
  mam_prng_t p = prng_a81();
  mam_mss_t m;
  mss_init_mssnonce(&m, h);
  ck_assert_int_eq(mam_mss_gen(&m, &p, 0), MAM_OK);
  char key[64];
  snprintf(key, sizeof key, "MSS root h=%u (K=A*81, nonce=MSSNONCE) =", h);
  char *want = vf_value("mam2.txt", key);
  char *got = tu_trytes(m.root, 243);
  ck_assert_str_eq(got, want);
  free(got);
  free(want);
  mam_mss_destroy(&m);
}
END_TEST

/* Signs with every leaf of a tree (layered traversal when layer < height) and verifies each. */
static void sign_every_leaf(unsigned h, unsigned layer) {
  mam_prng_t p = prng_a81();
  mam_mss_t m;
  mss_init_mssnonce(&m, h);
  if (layer) ck_assert_int_eq(mam_mss_set_layer_height(&m, layer), MAM_OK);
  ck_assert_int_eq(mam_mss_gen(&m, &p, 2), MAM_OK);
  size_t len = mam_mss_sig_trits(&m);
  ck_assert_uint_eq(len, 13140 + 243 * h);
  trit_t *sig = malloc(len), msg[MAM_WOTS_HASH_TRITS];
  uint64_t seed = h * 100 + layer;
  for (uint32_t leaf = 0; leaf < (1u << h); leaf++) {
    ck_assert_uint_eq(mam_mss_remaining(&m), (1u << h) - leaf);
    tu_random_trits(msg, sizeof msg, &seed);
    ck_assert_int_eq(mam_mss_sign(&m, &p, msg, sig, len), MAM_OK);
    unsigned hh;
    uint32_t skn;
    ck_assert_int_eq(mam_mss_skn_decode(sig, &hh, &skn), MAM_OK);
    ck_assert_uint_eq(hh, h);
    ck_assert_uint_eq(skn, leaf);
    ck_assert_int_eq(mam_mss_verify(msg, sig, len, m.root), MAM_OK);
    /* tamper: message, WOTS part, auth path, SKN */
    msg[7] = mam_trit_add(msg[7], 1);
    ck_assert_int_eq(mam_mss_verify(msg, sig, len, m.root), MAM_ERR_BAD_SIGNATURE);
    msg[7] = mam_trit_sub(msg[7], 1);
    if (h > 0) {
      size_t at = MAM_MSS_SKN_TRITS + MAM_WOTS_SIG_TRITS + 243 * (leaf % h) + 11;
      sig[at] = mam_trit_add(sig[at], 1);
      ck_assert_int_eq(mam_mss_verify(msg, sig, len, m.root), MAM_ERR_BAD_SIGNATURE);
      sig[at] = mam_trit_sub(sig[at], 1);
    }
    ck_assert_int_eq(mam_mss_verify(msg, sig, len - 1, m.root), h ? MAM_ERR_INVALID_VALUE : MAM_ERR_TRUNCATED);
  }
  ck_assert_uint_eq(mam_mss_remaining(&m), 0);
  ck_assert_int_eq(mam_mss_sign(&m, &p, msg, sig, len), MAM_ERR_MSS_EXHAUSTED);
  free(sig);
  mam_mss_destroy(&m);
}

START_TEST(test_mss_sign_every_leaf) { sign_every_leaf((unsigned)_i, 0); }
END_TEST

START_TEST(test_mss_layered_traversal) {
  /* height 5 in layers of 2 (top 3) and 3 (top 2): the same root as one layer, every leaf signs */
  sign_every_leaf(5, 2);
  sign_every_leaf(5, 3);
  mam_prng_t p = prng_a81();
  mam_mss_t a, b;
  mss_init_mssnonce(&a, 5);
  mss_init_mssnonce(&b, 5);
  ck_assert_int_eq(mam_mss_set_layer_height(&b, 2), MAM_OK);
  ck_assert_int_eq(mam_mss_gen(&a, &p, 1), MAM_OK);
  ck_assert_int_eq(mam_mss_gen(&b, &p, 2), MAM_OK);
  ck_assert_mem_eq(a.root, b.root, 243);
  mam_mss_destroy(&a);
  mam_mss_destroy(&b);
}
END_TEST

/* Skipping forward (crash recovery) lands on the right leaf with a valid auth path. */
START_TEST(test_mss_skip_to) {
  mam_prng_t p = prng_a81();
  mam_mss_t m;
  mss_init_mssnonce(&m, 5);
  ck_assert_int_eq(mam_mss_set_layer_height(&m, 2), MAM_OK);
  ck_assert_int_eq(mam_mss_gen(&m, &p, 0), MAM_OK);
  size_t len = mam_mss_sig_trits(&m);
  trit_t *sig = malloc(len), msg[MAM_WOTS_HASH_TRITS] = {0};
  const uint32_t targets[] = {1, 2, 9, 10, 17, 31};
  for (size_t i = 0; i < sizeof targets / sizeof *targets; i++) {
    ck_assert_int_eq(mam_mss_skip_to(&m, &p, targets[i], 0), MAM_OK);
    ck_assert_int_eq(mam_mss_sign(&m, &p, msg, sig, len), MAM_OK);
    ck_assert_int_eq(mam_mss_verify(msg, sig, len, m.root), MAM_OK);
  }
  ck_assert_int_eq(mam_mss_skip_to(&m, &p, 3, 0), MAM_ERR_MSS_SKN); /* never backwards */
  ck_assert_int_eq(mam_mss_skip_to(&m, &p, 33, 0), MAM_ERR_MSS_SKN);
  ck_assert_int_eq(mam_mss_skip_to(&m, &p, 32, 0), MAM_OK);
  ck_assert_int_eq(mam_mss_sign(&m, &p, msg, sig, len), MAM_ERR_MSS_EXHAUSTED);
  free(sig);
  mam_mss_destroy(&m);
}
END_TEST

START_TEST(test_mss_skn_field) {
  trit_t f[18];
  mam_mss_skn_encode(2, 1, f);
  char *s = tu_trytes(f, 18);
  ck_assert_str_eq(s, "BC9999");
  free(s);
  unsigned h;
  uint32_t n;
  mam_mss_skn_encode(2, 4, f); /* skn past the tree */
  ck_assert_int_eq(mam_mss_skn_decode(f, &h, &n), MAM_ERR_MSS_SKN);
  mam_mss_skn_encode(21, 0, f);
  ck_assert_int_eq(mam_mss_skn_decode(f, &h, &n), MAM_ERR_MSS_HEIGHT);
  trit_t neg[18] = {-1};
  ck_assert_int_eq(mam_mss_skn_decode(neg, &h, &n), MAM_ERR_MSS_HEIGHT);
  mam_mss_t m;
  ck_assert_int_eq(mam_mss_init(&m, 21, NULL, 0), MAM_ERR_MSS_HEIGHT);
  trit_t big[500] = {0};
  mam_trits_view_t v = {big, 487};
  ck_assert_int_eq(mam_mss_init(&m, 2, &v, 1), MAM_ERR_LIMIT);
}
END_TEST

START_TEST(test_mss_verify_rejects_malformed) {
  trit_t msg[MAM_WOTS_HASH_TRITS] = {0}, pk[243] = {0};
  trit_t *sig = calloc(MAM_MSS_SIG_TRITS(3), 1);
  ck_assert_int_eq(mam_mss_verify(msg, sig, 100, pk), MAM_ERR_TRUNCATED);
  mam_mss_skn_encode(3, 0, sig);
  ck_assert_int_eq(mam_mss_verify(msg, sig, MAM_MSS_SIG_TRITS(2), pk), MAM_ERR_INVALID_VALUE);
  ck_assert_int_eq(mam_mss_verify(msg, sig, MAM_MSS_SIG_TRITS(3), pk), MAM_ERR_BAD_SIGNATURE);
  free(sig);
}
END_TEST

int main(void) {
  Suite *s = suite_create("mss");
  TCase *tc = tcase_create("wots");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_wots_pk_vector);
  tcase_add_test(tc, test_wots_sign_recover);
  tcase_add_test(tc, test_wots_digits_checksum);
  suite_add_tcase(s, tc);
  tc = tcase_create("mss");
  tcase_set_timeout(tc, 600);
  tcase_add_loop_test(tc, test_mss_root_vectors, 0, 3);
  tcase_add_loop_test(tc, test_mss_sign_every_leaf, 0, 5);
  tcase_add_test(tc, test_mss_layered_traversal);
  tcase_add_test(tc, test_mss_skip_to);
  tcase_add_test(tc, test_mss_skn_field);
  tcase_add_test(tc, test_mss_verify_rejects_malformed);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
