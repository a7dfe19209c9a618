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
  mam_trit_t *t = tu_trits(k, NULL);
  mam_prng_t p;
  mam_prng_init(&p, t);
  free(t);
  return p;
}

START_TEST(test_wots_pk_vector) {
  mam_prng_t p = prng_a81();
  size_t n;
  mam_trit_t *nonce = tu_trits("NONCE9", &n);
  mam_trits_view_t v = {nonce, n};
  mam_trit_t *sk = malloc(MAM_WOTS_SK_TRITS), pk[MAM_WOTS_PK_TRITS];
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
  mam_trit_t nonce[30];
  tu_random_trits(nonce, 30, &seed);
  mam_trits_view_t v = {nonce, 30};
  mam_trit_t *sk = malloc(MAM_WOTS_SK_TRITS), *copy = malloc(MAM_WOTS_SK_TRITS), *sig = malloc(MAM_WOTS_SIG_TRITS);
  mam_trit_t pk[243], rec[243], msg[MAM_WOTS_HASH_TRITS];
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
  mam_trit_t msg[MAM_WOTS_HASH_TRITS];
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
  mam_trit_t *nonce = tu_trits("MSSNONCE", &n);
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
  mam_trit_t *sig = malloc(len), msg[MAM_WOTS_HASH_TRITS];
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
  mam_trit_t *sig = malloc(len), msg[MAM_WOTS_HASH_TRITS] = {0};
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
  mam_trit_t f[18];
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
  mam_trit_t neg[18] = {-1};
  ck_assert_int_eq(mam_mss_skn_decode(neg, &h, &n), MAM_ERR_MSS_HEIGHT);
  mam_mss_t m;
  ck_assert_int_eq(mam_mss_init(&m, 21, NULL, 0), MAM_ERR_MSS_HEIGHT);
  mam_trit_t big[500] = {0};
  mam_trits_view_t v = {big, 487};
  ck_assert_int_eq(mam_mss_init(&m, 2, &v, 1), MAM_ERR_LIMIT);
}
END_TEST

START_TEST(test_mss_verify_rejects_malformed) {
  mam_trit_t msg[MAM_WOTS_HASH_TRITS] = {0}, pk[243] = {0};
  mam_trit_t *sig = calloc(MAM_MSS_SIG_TRITS(3), 1);
  ck_assert_int_eq(mam_mss_verify(msg, sig, 100, pk), MAM_ERR_TRUNCATED);
  mam_mss_skn_encode(3, 0, sig);
  ck_assert_int_eq(mam_mss_verify(msg, sig, MAM_MSS_SIG_TRITS(2), pk), MAM_ERR_INVALID_VALUE);
  ck_assert_int_eq(mam_mss_verify(msg, sig, MAM_MSS_SIG_TRITS(3), pk), MAM_ERR_BAD_SIGNATURE);
  free(sig);
}
END_TEST

/* The batch recovery gives each signature the key mam_wots_recover gives it, for 1..9 random
 * signatures (random trits are as good as real signatures here). */
START_TEST(test_wots_recover_batch_equals_one_by_one) {
  enum { MAX_N = 9 };
  uint64_t seed = 0x3a7;
  mam_trit_t *sigs = malloc(MAX_N * MAM_WOTS_SIG_TRITS), hashes[MAX_N][MAM_WOTS_HASH_TRITS];
  mam_trit_t got[MAX_N * MAM_WOTS_PK_TRITS], want[MAM_WOTS_PK_TRITS];
  const mam_trit_t *hash_at[MAX_N], *sig_at[MAX_N];
  ck_assert_ptr_nonnull(sigs);
  tu_random_trits(sigs, MAX_N * MAM_WOTS_SIG_TRITS, &seed);
  tu_random_trits(&hashes[0][0], sizeof hashes, &seed);
  for (size_t j = 0; j < MAX_N; j++) {
    hash_at[j] = hashes[j];
    sig_at[j] = sigs + j * MAM_WOTS_SIG_TRITS;
  }
  for (size_t n = 1; n <= MAX_N; n++) {
    ck_assert_int_eq(mam_wots_recover_batch(hash_at, sig_at, n, got), MAM_OK);
    for (size_t j = 0; j < n; j++) {
      mam_wots_recover(hashes[j], sig_at[j], want);
      ck_assert_mem_eq(got + j * MAM_WOTS_PK_TRITS, want, sizeof want);
    }
  }
  ck_assert_int_eq(mam_wots_recover_batch(hash_at, sig_at, 0, NULL), MAM_OK);
  ck_assert_int_eq(mam_wots_recover_batch(NULL, sig_at, 1, got), MAM_ERR_NULL_ARG);
  free(sigs);
}
END_TEST

/* Signatures of every leaf of two trees (heights 3 and 1), each also with a tampered message, a
 * tampered auth path, a cut length, a wrong key or no key: every prefix of the list verified as
 * a batch gives what mam_mss_verify gives one by one. */
enum { BATCH_MAX = 6 * (8 + 2) };

typedef struct {
  mam_mss_check_t checks[BATCH_MAX];
  mam_trit_t hashes[BATCH_MAX][MAM_WOTS_HASH_TRITS];
  mam_trit_t *sigs[BATCH_MAX];
  mam_trit_t roots[2][MAM_MSS_HASH_TRITS], wrong_pk[MAM_MSS_HASH_TRITS];
  size_t n;
} batch_fixture_t;

/* Adds a check of a copy of sig (len trits) over hash with pk. */
static mam_trit_t *add_check(batch_fixture_t *f, const mam_trit_t *hash, const mam_trit_t *sig, size_t len, const mam_trit_t *pk) {
  ck_assert_uint_lt(f->n, BATCH_MAX);
  size_t j = f->n++;
  memcpy(f->hashes[j], hash, MAM_WOTS_HASH_TRITS);
  f->sigs[j] = malloc(len);
  ck_assert_ptr_nonnull(f->sigs[j]);
  memcpy(f->sigs[j], sig, len);
  f->checks[j] = (mam_mss_check_t){f->hashes[j], f->sigs[j], len, pk};
  return f->sigs[j];
}

static void add_tree_checks(batch_fixture_t *f, unsigned h, unsigned tree, uint64_t *seed) {
  mam_prng_t p = prng_a81();
  mam_mss_t m;
  mss_init_mssnonce(&m, h);
  ck_assert_int_eq(mam_mss_gen(&m, &p, 1), MAM_OK);
  memcpy(f->roots[tree], m.root, MAM_MSS_HASH_TRITS);
  size_t len = mam_mss_sig_trits(&m);
  mam_trit_t *sig = malloc(len), msg[MAM_WOTS_HASH_TRITS];
  ck_assert_ptr_nonnull(sig);
  for (uint32_t leaf = 0; leaf < (1u << h); leaf++) {
    tu_random_trits(msg, sizeof msg, seed);
    ck_assert_int_eq(mam_mss_sign(&m, &p, msg, sig, len), MAM_OK);
    add_check(f, msg, sig, len, f->roots[tree]);
    add_check(f, msg, sig, len, f->roots[tree]);
    f->hashes[f->n - 1][3] = mam_trit_add(f->hashes[f->n - 1][3], 1);
    mam_trit_t *path = add_check(f, msg, sig, len, f->roots[tree]);
    if (h > 0) path[len - 5] = mam_trit_add(path[len - 5], 1);
    add_check(f, msg, sig, len - 1, f->roots[tree]);
    add_check(f, msg, sig, len, f->wrong_pk);
    add_check(f, msg, sig, len, NULL);
  }
  free(sig);
  mam_mss_destroy(&m);
}

START_TEST(test_mss_verify_batch_equals_one_by_one) {
  batch_fixture_t *f = calloc(1, sizeof *f);
  ck_assert_ptr_nonnull(f);
  uint64_t seed = 0xba7c;
  tu_random_trits(f->wrong_pk, sizeof f->wrong_pk, &seed);
  add_tree_checks(f, 3, 0, &seed);
  add_tree_checks(f, 1, 1, &seed);
  mam_err_t got[BATCH_MAX];
  size_t ok = 0;
  for (size_t n = 0; n <= f->n; n++) {
    ck_assert_int_eq(mam_mss_verify_batch(f->checks, n, got), MAM_OK);
    for (size_t j = 0; j < n; j++) {
      const mam_mss_check_t *c = &f->checks[j];
      mam_err_t want = mam_mss_verify(c->hash, c->sig, c->sig_len, c->pk);
      ck_assert_msg(got[j] == want, "check %zu of %zu: %d, one by one %d", j, n, got[j], want);
    }
  }
  for (size_t j = 0; j < f->n; j++) ok += got[j] == MAM_OK;
  ck_assert_uint_eq(ok, 8 + 2); /* the untouched signature of every leaf */
  ck_assert_int_eq(mam_mss_verify_batch(NULL, 1, got), MAM_ERR_NULL_ARG);
  for (size_t j = 0; j < f->n; j++) free(f->sigs[j]);
  free(f);
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
  tcase_add_test(tc, test_wots_recover_batch_equals_one_by_one);
  tcase_add_test(tc, test_mss_verify_batch_equals_one_by_one);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
