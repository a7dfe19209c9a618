/* Sponge, Spongos and PRNG: known answers from the vector file and the closed forms of spec 4. */
#include <stdlib.h>
#include <string.h>

#include "mamcore/prng.h"
#include "mamcore/spongos.h"
#include "tests/testutil.h"

static void prng_from_trytes(mam_prng_t *p, const char *key_trytes) {
  size_t n;
  mam_trit_t *k = tu_trits(key_trytes, &n);
  ck_assert_uint_eq(n, MAM_PRNG_KEY_TRITS);
  mam_prng_init(p, k);
  free(k);
}

static void check_prng_vector(const char *key, mam_prng_dest_t dest, size_t n) {
  mam_prng_t p;
  char a81[82];
  memset(a81, 'A', 81);
  a81[81] = 0;
  prng_from_trytes(&p, a81);
  size_t nn;
  mam_trit_t *nonce = tu_trits("NONCE9", &nn);
  mam_trits_view_t v = {nonce, nn};
  mam_trit_t *out = malloc(n);
  ck_assert_int_eq(mam_prng_gen(&p, dest, &v, 1, out, n), MAM_OK);
  char *got = tu_trytes(out, n);
  char *want = vf_value("mam2.txt", key);
  ck_assert_str_eq(got, want);
  /* prefix consistency: the first 81 trits of the same request */
  mam_trit_t prefix[81];
  ck_assert_int_eq(mam_prng_gen(&p, dest, &v, 1, prefix, 81), MAM_OK);
  ck_assert_mem_eq(prefix, out, 81);
  free(got);
  free(want);
  free(out);
  free(nonce);
}

START_TEST(test_prng_seckey_vector) { check_prng_vector("PRNG(K=A*81,d=SECKEY,N=NONCE9,243)=", MAM_PRNG_SECKEY, 243); }
END_TEST

START_TEST(test_prng_wotskey_vector) { check_prng_vector("PRNG(K=A*81,d=WOTSKEY,N=NONCE9,729)=", MAM_PRNG_WOTSKEY, 729); }
END_TEST

/* Only the last 486-trit block of the absorbed input counts (spec 5): with a long nonce the key
 * does not matter, with a short one it does. */
START_TEST(test_prng_last_block_only) {
  mam_prng_t a, b;
  mam_trit_t ka[243], kb[243];
  uint64_t seed = 7;
  tu_random_trits(ka, 243, &seed);
  tu_random_trits(kb, 243, &seed);
  mam_prng_init(&a, ka);
  mam_prng_init(&b, kb);
  mam_trit_t nonce[600];
  tu_random_trits(nonce, sizeof nonce, &seed);
  mam_trit_t oa[243], ob[243];
  mam_trits_view_t v = {nonce, 600};
  ck_assert_int_eq(mam_prng_gen(&a, MAM_PRNG_SECKEY, &v, 1, oa, 243), MAM_OK);
  ck_assert_int_eq(mam_prng_gen(&b, MAM_PRNG_SECKEY, &v, 1, ob, 243), MAM_OK);
  ck_assert_mem_eq(oa, ob, 243);
  v.n = 240;
  ck_assert_int_eq(mam_prng_gen(&a, MAM_PRNG_SECKEY, &v, 1, oa, 243), MAM_OK);
  ck_assert_int_eq(mam_prng_gen(&b, MAM_PRNG_SECKEY, &v, 1, ob, 243), MAM_OK);
  ck_assert_mem_ne(oa, ob, 243);
  /* split nonces are a concatenation */
  mam_trits_view_t parts[3] = {{nonce, 100}, {nonce + 100, 0}, {nonce + 100, 140}};
  mam_trit_t oc[243];
  ck_assert_int_eq(mam_prng_gen(&a, MAM_PRNG_SECKEY, parts, 3, oc, 243), MAM_OK);
  ck_assert_mem_eq(oa, oc, 243);
  mam_trits_view_t many[6] = {{0}};
  ck_assert_int_eq(mam_prng_gen(&a, MAM_PRNG_SECKEY, many, 6, oc, 243), MAM_ERR_INVALID_ARG);
}
END_TEST

START_TEST(test_spongos_hash_vector) {
  size_t n;
  mam_trit_t *x = tu_trits("AB", &n);
  mam_trit_t out[243];
  mam_spongos_hash(x, n, out, 243);
  char *got = tu_trytes(out, 243);
  char *want = vf_value("mam2.txt", "Spongos.Hash243(trytes 'AB')=");
  ck_assert_str_eq(got, want);
  free(got);
  free(want);
  free(x);
}
END_TEST

/* Hash_n(X) = F(X || 0)[0..n) for short X, and the empty hash is zero (spec 4). */
START_TEST(test_spongos_closed_forms) {
  uint64_t seed = 11;
  mam_trit_t x[486], out[486], s[729];
  for (size_t len = 1; len <= 486; len += 97) {
    tu_random_trits(x, len, &seed);
    mam_spongos_hash(x, len, out, 243);
    memset(s, 0, sizeof s);
    memcpy(s, x, len);
    mam_troika_f(s);
    ck_assert_mem_eq(out, s, 243);
  }
  mam_spongos_hash(x, 0, out, 243);
  for (int i = 0; i < 243; i++) ck_assert_int_eq(out[i], 0);
}
END_TEST

/* Encryption round trip across commit boundaries; the state keeps the plaintext. */
START_TEST(test_spongos_encr_decr) {
  uint64_t seed = 3;
  mam_trit_t key[243], plain[1500], cipher[1500], back[1500];
  tu_random_trits(key, 243, &seed);
  tu_random_trits(plain, sizeof plain, &seed);
  mam_spongos_t w, r;
  mam_spongos_init(&w);
  mam_spongos_absorb(&w, key, 243);
  mam_spongos_commit(&w);
  r = w; /* fork */
  mam_spongos_encr(&w, plain, cipher, sizeof plain);
  ck_assert_mem_ne(plain, cipher, sizeof plain);
  mam_spongos_decr(&r, cipher, back, sizeof plain);
  ck_assert_mem_eq(plain, back, sizeof plain);
  ck_assert_mem_eq(w.s, r.s, sizeof w.s);
  ck_assert_uint_eq(w.pos, r.pos);
  /* in place */
  mam_spongos_t w2 = w, r2 = r;
  memcpy(back, plain, sizeof plain);
  mam_spongos_encr(&w2, back, back, sizeof plain);
  mam_spongos_decr(&r2, back, back, sizeof plain);
  ck_assert_mem_eq(back, plain, sizeof plain);
  /* a MAC squeezed by one side is verified by the other, and a changed one is not */
  mam_trit_t mac[243];
  mam_spongos_squeeze(&w, mac, 243);
  mam_spongos_t r3 = r;
  ck_assert(mam_spongos_squeeze_eq(&r, mac, 243));
  mac[5] = mam_trit_add(mac[5], 1);
  ck_assert(!mam_spongos_squeeze_eq(&r3, mac, 243));
  ck_assert_mem_eq(r.s, r3.s, sizeof r.s); /* same state either way */
}
END_TEST

/* Encrypting or decrypting n trits in one call (16 at a time, then one by one) equals doing it
 * trit by trit, in output and state, for every n around the vector width, from every start
 * position of a 16-trit block and across the end of the rate; in place too. */
static void crypt_by_trit(mam_spongos_t *sp, const mam_trit_t *in, mam_trit_t *out, size_t n, bool decrypt) {
  for (size_t i = 0; i < n; i++) (decrypt ? mam_spongos_decr : mam_spongos_encr)(sp, in + i, out + i, 1);
}

START_TEST(test_spongos_crypt_vector_equals_scalar) {
  enum { N = 2 * MAM_TROIKA_RATE_TRITS + 40 };
  mam_trit_t in[N], want[N], got[N];
  uint64_t rng = 11;
  for (size_t i = 0; i < N; i++) in[i] = (mam_trit_t)((int)(tu_rand(&rng) % 3) - 1);
  static const size_t starts[] = {0, 1, 7, 15, 16, 17, MAM_TROIKA_RATE_TRITS - 20};
  for (int decrypt = 0; decrypt <= 1; decrypt++)
    for (size_t si = 0; si < sizeof starts / sizeof *starts; si++)
      for (size_t n = 0; n <= 70; n += (n < 50 ? 1 : 20)) {
        mam_spongos_t a, b;
        mam_spongos_init(&a);
        mam_spongos_absorb(&a, in + 5, 300);
        mam_spongos_commit(&a);
        mam_spongos_absorb(&a, in, starts[si]);
        b = a;
        crypt_by_trit(&a, in, want, n, decrypt);
        (decrypt ? mam_spongos_decr : mam_spongos_encr)(&b, in, got, n);
        ck_assert_mem_eq(got, want, n);
        ck_assert_mem_eq(b.s, a.s, sizeof a.s);
        ck_assert_uint_eq(b.pos, a.pos);
        memcpy(got, in, sizeof got);
        mam_spongos_t c = b;
        (decrypt ? mam_spongos_decr : mam_spongos_encr)(&b, got, got, N); /* in place, several runs */
        crypt_by_trit(&c, in, want, N, decrypt);
        ck_assert_mem_eq(got, want, N);
        ck_assert_mem_eq(b.s, c.s, sizeof c.s);
        ck_assert_uint_eq(b.pos, c.pos);
      }
}
END_TEST

START_TEST(test_spongos_auto_commit_position) {
  mam_spongos_t sp;
  mam_spongos_init(&sp);
  mam_trit_t x[500] = {0};
  x[0] = 1;
  mam_spongos_absorb(&sp, x, 485);
  ck_assert_uint_eq(sp.pos, 485);
  mam_spongos_absorb(&sp, x, 1);
  ck_assert_uint_eq(sp.pos, 0);
  mam_spongos_absorb(&sp, x, 500);
  ck_assert_uint_eq(sp.pos, 14);
  mam_spongos_commit(&sp);
  ck_assert_uint_eq(sp.pos, 0);
}
END_TEST

int main(void) {
  Suite *s = suite_create("sponge");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_prng_seckey_vector);
  tcase_add_test(tc, test_prng_wotskey_vector);
  tcase_add_test(tc, test_prng_last_block_only);
  tcase_add_test(tc, test_spongos_hash_vector);
  tcase_add_test(tc, test_spongos_closed_forms);
  tcase_add_test(tc, test_spongos_encr_decr);
  tcase_add_test(tc, test_spongos_auto_commit_position);
  tcase_add_test(tc, test_spongos_crypt_vector_equals_scalar);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
