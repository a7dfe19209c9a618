/* NTRU (spec section 8): known answers, round trips, rejection of bad inputs, and the ring
 * arithmetic against a schoolbook negacyclic product. */
#include <stdlib.h>
#include <string.h>

#include "mamcore/ntru.h"
#include "mamcore/ntru_poly.h"
#include "tests/testutil.h"

#define VECTORS "mam2.txt"
#define PK_ID_TRYTES "KODLYBQSXTISTOGYFFHHFMHDMFV" /* the pk id quoted by the vector file */
#define COUNTER_TRITS 81                             /* key-generation counter (spec 8.2) */

/* The vector file's PRNG key: the API seed. */
static void prng_from_seed(mam_prng_t *prng) {
  char *seed = vf_value(VECTORS, "seed=");
  size_t n;
  mam_trit_t *k = tu_trits(seed, &n);
  ck_assert_uint_eq(n, MAM_PRNG_KEY_TRITS);
  mam_prng_init(prng, k);
  free(k);
  free(seed);
}

static void prng_random(mam_prng_t *prng, uint64_t *state) {
  mam_trit_t k[MAM_PRNG_KEY_TRITS];
  tu_random_trits(k, MAM_PRNG_KEY_TRITS, state);
  mam_prng_init(prng, k);
}

/* Trits of a tryte string into a fixed buffer of exactly n trits. */
static void trits_of(const char *trytes, mam_trit_t *out, size_t n) {
  size_t got;
  mam_trit_t *t = tu_trits(trytes, &got);
  ck_assert_uint_eq(got, n);
  memcpy(out, t, n);
  free(t);
}

/* The secret key of the vector file (keygen nonce NTRUBNONCE); heap-allocated for its size. */
static mam_ntru_sk_t *vector_sk(void) {
  mam_prng_t prng;
  prng_from_seed(&prng);
  mam_trit_t nonce[30];
  trits_of("NTRUBNONCE", nonce, sizeof nonce);
  mam_ntru_sk_t *sk = malloc(sizeof *sk);
  ck_assert_ptr_nonnull(sk);
  ck_assert_int_eq(mam_ntru_keygen(&prng, nonce, sizeof nonce, sk), MAM_OK);
  return sk;
}

static mam_ntru_sk_t *random_sk(uint64_t *state) {
  mam_prng_t prng;
  prng_random(&prng, state);
  mam_trit_t nonce[27];
  tu_random_trits(nonce, sizeof nonce, state);
  mam_ntru_sk_t *sk = malloc(sizeof *sk);
  ck_assert_ptr_nonnull(sk);
  ck_assert_int_eq(mam_ntru_keygen(&prng, nonce, sizeof nonce, sk), MAM_OK);
  return sk;
}

static void random_poly(mam_ntru_poly_t *p, uint64_t *state) {
  for (size_t i = 0; i < MAM_NTRU_N; i++) p->c[i] = (uint16_t)(tu_rand(state) % MAM_NTRU_Q);
}

static void free_sk(mam_ntru_sk_t *sk) {
  mam_ntru_sk_destroy(sk);
  free(sk);
}

START_TEST(test_ntru_keygen_vector) {
  mam_ntru_sk_t *sk = vector_sk();
  char *got = tu_trytes(sk->pk, MAM_NTRU_PK_TRITS);
  char *want = vf_value(VECTORS, "NTRU_PK ");
  ck_assert_str_eq(got, want);
  ck_assert_int_eq(strncmp(got, PK_ID_TRYTES, MAM_NTRU_ID_TRITS / 3), 0);
  free(got);
  free(want);
  free_sk(sk);
}
END_TEST

/* Whether the key-generation candidate PRNG(K, NTRUKEY, nonce || counter) has 1 + 3f and g both
 * invertible (spec 8.2, modelled directly with the ring operations); its f goes to f_out. */
static bool candidate_ok(const mam_prng_t *prng, const mam_trit_t *nonce, size_t nonce_len,
                         const mam_trit_t counter[COUNTER_TRITS], mam_trit_t f_out[MAM_NTRU_SK_TRITS]) {
  mam_trit_t fg[2 * MAM_NTRU_SK_TRITS];
  mam_trits_view_t pieces[2] = {{nonce, nonce_len}, {counter, COUNTER_TRITS}};
  ck_assert_int_eq(mam_prng_gen(prng, MAM_PRNG_NTRUKEY, pieces, 2, fg, sizeof fg), MAM_OK);
  mam_ntru_poly_t f, g;
  mam_ntru_poly_from_small(&f, fg);
  mam_ntru_poly_scale(&f, &f, 3);
  f.c[0] = (uint16_t)((f.c[0] + 1) % MAM_NTRU_Q);
  mam_ntru_poly_from_small(&g, fg + MAM_NTRU_SK_TRITS);
  mam_ntru_poly_ntt(&f);
  mam_ntru_poly_ntt(&g);
  memcpy(f_out, fg, MAM_NTRU_SK_TRITS);
  return mam_ntru_poly_invertible_ntt(&f) && mam_ntru_poly_invertible_ntt(&g);
}

/* A nonce whose first candidate (counter 0) is rejected: key generation moves on to the first
 * counter value that works (about one nonce in seven needs this). */
START_TEST(test_ntru_keygen_counter) {
  uint64_t state = 14;
  mam_prng_t prng;
  prng_random(&prng, &state);
  mam_trit_t nonce[18], counter[COUNTER_TRITS], f[MAM_NTRU_SK_TRITS];
  memset(counter, 0, sizeof counter);
  int64_t i = 0;
  do mam_trits_from_int(i++, nonce, sizeof nonce);
  while (candidate_ok(&prng, nonce, sizeof nonce, counter, f));
  do mam_trits_increment(counter, sizeof counter);
  while (!candidate_ok(&prng, nonce, sizeof nonce, counter, f));
  mam_ntru_sk_t *sk = malloc(sizeof *sk), *loaded = malloc(sizeof *loaded);
  ck_assert_ptr_nonnull(sk);
  ck_assert_ptr_nonnull(loaded);
  ck_assert_int_eq(mam_ntru_keygen(&prng, nonce, sizeof nonce, sk), MAM_OK);
  ck_assert_mem_eq(sk->f, f, sizeof f);
  ck_assert_int_eq(mam_ntru_sk_load(loaded, sk->f, sk->pk), MAM_OK); /* pk belongs to f */
  free_sk(sk);
  free_sk(loaded);
}
END_TEST

/* Session key KEY*27, nonce NONCENONCENONCENONCEN: the same ekey under the vector's PRNG key and
 * under random ones (spec 8.3 quirk), and it decrypts back with the vector's secret key. */
START_TEST(test_ntru_encrypt_vector) {
  mam_ntru_sk_t *sk = vector_sk();
  mam_trit_t key[MAM_NTRU_KEY_TRITS], nonce[63], ekey[MAM_NTRU_EKEY_TRITS], back[MAM_NTRU_KEY_TRITS];
  char key_trytes[MAM_NTRU_KEY_TRITS / 3 + 1] = {0};
  for (size_t i = 0; i < sizeof key_trytes - 1; i += 3) memcpy(key_trytes + i, "KEY", 3);
  trits_of(key_trytes, key, sizeof key);
  trits_of("NONCENONCENONCENONCEN", nonce, sizeof nonce);
  char *want = vf_value(VECTORS, "NTRU_EKEY ");
  uint64_t state = 1;
  for (int round = 0; round < 3; round++) {
    mam_prng_t prng;
    if (round == 0)
      prng_from_seed(&prng);
    else
      prng_random(&prng, &state);
    ck_assert_int_eq(mam_ntru_encrypt(&prng, sk->pk, key, nonce, sizeof nonce, ekey), MAM_OK);
    char *got = tu_trytes(ekey, MAM_NTRU_EKEY_TRITS);
    ck_assert_str_eq(got, want);
    free(got);
  }
  ck_assert_int_eq(mam_ntru_decrypt(sk, ekey, back), MAM_OK);
  ck_assert_mem_eq(back, key, sizeof key);
  free(want);
  free_sk(sk);
}
END_TEST

/* Random session keys and nonces of many lengths (0, short, MAM's 63, beyond the PRNG block). */
START_TEST(test_ntru_round_trip) {
  uint64_t state = 2;
  mam_ntru_sk_t *sk = random_sk(&state);
  mam_prng_t prng;
  prng_random(&prng, &state);
  static const size_t nonce_lens[] = {0, 1, 63, 81, 240, 300};
  mam_trit_t key[MAM_NTRU_KEY_TRITS], back[MAM_NTRU_KEY_TRITS], nonce[300], ekey[MAM_NTRU_EKEY_TRITS];
  for (int i = 0; i < 60; i++) {
    size_t nlen = nonce_lens[i % (sizeof nonce_lens / sizeof nonce_lens[0])];
    tu_random_trits(key, sizeof key, &state);
    tu_random_trits(nonce, nlen, &state);
    ck_assert_int_eq(mam_ntru_encrypt(&prng, sk->pk, key, nonce, nlen, ekey), MAM_OK);
    memset(back, 0, sizeof back);
    ck_assert_int_eq(mam_ntru_decrypt(sk, ekey, back), MAM_OK);
    ck_assert_mem_eq(back, key, sizeof key);
  }
  free_sk(sk);
}
END_TEST

/* Different session keys give different ekeys; different keygen nonces give different keys. */
START_TEST(test_ntru_outputs_differ) {
  uint64_t state = 3;
  mam_prng_t prng;
  prng_random(&prng, &state);
  mam_trit_t n1[9] = {0}, n2[9] = {0};
  n2[8] = 1;
  mam_ntru_sk_t *a = malloc(sizeof *a), *b = malloc(sizeof *b);
  ck_assert_ptr_nonnull(a);
  ck_assert_ptr_nonnull(b);
  ck_assert_int_eq(mam_ntru_keygen(&prng, n1, sizeof n1, a), MAM_OK);
  ck_assert_int_eq(mam_ntru_keygen(&prng, n2, sizeof n2, b), MAM_OK);
  ck_assert_mem_ne(a->f, b->f, MAM_NTRU_SK_TRITS);
  ck_assert_mem_ne(a->pk, b->pk, MAM_NTRU_PK_TRITS);
  mam_trit_t k1[MAM_NTRU_KEY_TRITS], k2[MAM_NTRU_KEY_TRITS];
  tu_random_trits(k1, sizeof k1, &state);
  memcpy(k2, k1, sizeof k2);
  k2[0] = (mam_trit_t)(k1[0] == 1 ? 0 : 1);
  static mam_trit_t e1[MAM_NTRU_EKEY_TRITS], e2[MAM_NTRU_EKEY_TRITS];
  ck_assert_int_eq(mam_ntru_encrypt(&prng, a->pk, k1, n1, sizeof n1, e1), MAM_OK);
  ck_assert_int_eq(mam_ntru_encrypt(&prng, a->pk, k2, n1, sizeof n1, e2), MAM_OK);
  ck_assert_mem_ne(e1, e2, sizeof e1);
  free_sk(a);
  free_sk(b);
}
END_TEST

START_TEST(test_ntru_wrong_sk_fails) {
  uint64_t state = 4;
  mam_ntru_sk_t *sk = random_sk(&state), *other = random_sk(&state);
  mam_prng_t prng;
  prng_random(&prng, &state);
  mam_trit_t key[MAM_NTRU_KEY_TRITS], back[MAM_NTRU_KEY_TRITS], nonce[63], ekey[MAM_NTRU_EKEY_TRITS];
  for (int i = 0; i < 20; i++) {
    tu_random_trits(key, sizeof key, &state);
    tu_random_trits(nonce, sizeof nonce, &state);
    ck_assert_int_eq(mam_ntru_encrypt(&prng, sk->pk, key, nonce, sizeof nonce, ekey), MAM_OK);
    memcpy(back, key, sizeof back);
    ck_assert_int_eq(mam_ntru_decrypt(other, ekey, back), MAM_ERR_NTRU_DECRYPT);
    for (size_t j = 0; j < sizeof back; j++) ck_assert_int_eq(back[j], 0);
  }
  /* random decodable ekeys */
  for (int i = 0; i < 20; i++) {
    mam_ntru_poly_t y;
    random_poly(&y, &state);
    mam_ntru_poly_to_big(&y, ekey);
    ck_assert_int_eq(mam_ntru_decrypt(sk, ekey, back), MAM_ERR_NTRU_DECRYPT);
  }
  free_sk(sk);
  free_sk(other);
}
END_TEST

/* Any single changed trit makes decryption fail (or the ekey undecodable). */
START_TEST(test_ntru_changed_trit_fails) {
  uint64_t state = 5;
  mam_ntru_sk_t *sk = random_sk(&state);
  mam_prng_t prng;
  prng_random(&prng, &state);
  mam_trit_t key[MAM_NTRU_KEY_TRITS], back[MAM_NTRU_KEY_TRITS], nonce[63], ekey[MAM_NTRU_EKEY_TRITS];
  tu_random_trits(key, sizeof key, &state);
  tu_random_trits(nonce, sizeof nonce, &state);
  ck_assert_int_eq(mam_ntru_encrypt(&prng, sk->pk, key, nonce, sizeof nonce, ekey), MAM_OK);
  for (int i = 0; i < 60; i++) {
    /* every trit position of a coefficient, then random positions */
    size_t pos = i < MAM_NTRU_COEFF_TRITS ? (size_t)i
                                          : (size_t)(tu_rand(&state) % MAM_NTRU_EKEY_TRITS);
    mam_trit_t old = ekey[pos];
    ekey[pos] = (mam_trit_t)(old == 1 ? -1 : old + 1);
    ck_assert_int_eq(mam_ntru_decrypt(sk, ekey, back), MAM_ERR_NTRU_DECRYPT);
    ekey[pos] = old;
  }
  ck_assert_int_eq(mam_ntru_decrypt(sk, ekey, back), MAM_OK);
  ck_assert_mem_eq(back, key, sizeof key);
  free_sk(sk);
}
END_TEST

/* A 9-trit group outside -6144..6144, or a trit that is not -1..1, does not decode; the bounds
 * themselves do. */
/* A public key that is not invertible (all zero, or zero in one NTT slot) would turn the
 * encrypted session key into something anyone can open: refused for encryption and loading. */
START_TEST(test_ntru_non_invertible_public_key) {
  mam_trit_t *pk = calloc(MAM_NTRU_PK_TRITS, 1), ekey[MAM_NTRU_EKEY_TRITS], key[MAM_NTRU_KEY_TRITS] = {1};
  mam_trit_t f[MAM_NTRU_SK_TRITS] = {0}, nonce[63] = {0}, seed[243] = {1, -1, 1};
  mam_prng_t prng;
  mam_prng_init(&prng, seed);
  ck_assert_int_eq(mam_ntru_encrypt(&prng, pk, key, nonce, 63, ekey), MAM_ERR_NTRU_KEY);
  mam_ntru_sk_t sk;
  ck_assert_int_eq(mam_ntru_sk_load(&sk, f, pk), MAM_ERR_NTRU_KEY);
  /* the constant polynomial 1 is invertible: accepted for encryption */
  mam_trits_from_int(1, pk, MAM_NTRU_COEFF_TRITS);
  ck_assert_int_eq(mam_ntru_encrypt(&prng, pk, key, nonce, 63, ekey), MAM_OK);
  /* x - 7 vanishes at 7, a primitive 2048th root of unity mod q and so one of the points the NTT
   * evaluates at (spec 8.1): not invertible, refused */
  mam_trits_from_int(-7, pk, MAM_NTRU_COEFF_TRITS);
  mam_trits_from_int(1, pk + MAM_NTRU_COEFF_TRITS, MAM_NTRU_COEFF_TRITS);
  ck_assert_int_eq(mam_ntru_encrypt(&prng, pk, key, nonce, 63, ekey), MAM_ERR_NTRU_KEY);
  free(pk);
}
END_TEST

START_TEST(test_ntru_coefficient_range) {
  uint64_t state = 6;
  mam_ntru_sk_t *sk = random_sk(&state);
  mam_prng_t prng;
  prng_random(&prng, &state);
  mam_trit_t key[MAM_NTRU_KEY_TRITS], back[MAM_NTRU_KEY_TRITS], ekey[MAM_NTRU_EKEY_TRITS];
  static mam_trit_t pk[MAM_NTRU_PK_TRITS];
  tu_random_trits(key, sizeof key, &state);
  ck_assert_int_eq(mam_ntru_encrypt(&prng, sk->pk, key, NULL, 0, ekey), MAM_OK);
  static const int64_t bad[] = {6145, -6145, 9841, -9841};
  static const int64_t edge[] = {6144, -6144};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    size_t at = MAM_NTRU_COEFF_TRITS * (size_t)(tu_rand(&state) % MAM_NTRU_N);
    memcpy(pk, sk->pk, sizeof pk);
    mam_trits_from_int(bad[i], pk + at, MAM_NTRU_COEFF_TRITS);
    ck_assert_int_eq(mam_ntru_encrypt(&prng, pk, key, NULL, 0, ekey), MAM_ERR_NTRU_KEY);
    mam_trit_t saved[MAM_NTRU_COEFF_TRITS];
    memcpy(saved, ekey + at, sizeof saved);
    mam_trits_from_int(bad[i], ekey + at, MAM_NTRU_COEFF_TRITS);
    ck_assert_int_eq(mam_ntru_decrypt(sk, ekey, back), MAM_ERR_NTRU_DECRYPT);
    memcpy(ekey + at, saved, sizeof saved);
  }
  for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
    memcpy(pk, sk->pk, sizeof pk);
    mam_trit_t *last = pk + MAM_NTRU_PK_TRITS - MAM_NTRU_COEFF_TRITS;
    mam_trits_from_int(edge[i], last, MAM_NTRU_COEFF_TRITS);
    ck_assert_int_eq(mam_ntru_encrypt(&prng, pk, key, NULL, 0, ekey), MAM_OK);
  }
  memcpy(pk, sk->pk, sizeof pk);
  pk[5] = 2;
  ck_assert_int_eq(mam_ntru_encrypt(&prng, pk, key, NULL, 0, ekey), MAM_ERR_NTRU_KEY);
  ck_assert_int_eq(mam_ntru_encrypt(&prng, sk->pk, key, NULL, 0, ekey), MAM_OK);
  ekey[7] = -2;
  ck_assert_int_eq(mam_ntru_decrypt(sk, ekey, back), MAM_ERR_NTRU_DECRYPT);
  free_sk(sk);
}
END_TEST

START_TEST(test_ntru_sk_load) {
  uint64_t state = 7;
  mam_ntru_sk_t *sk = random_sk(&state), *other = random_sk(&state);
  mam_ntru_sk_t *loaded = malloc(sizeof *loaded);
  ck_assert_ptr_nonnull(loaded);
  memset(loaded, 0x55, sizeof *loaded);
  ck_assert_int_eq(mam_ntru_sk_load(loaded, sk->f, sk->pk), MAM_OK);
  ck_assert_mem_eq(loaded, sk, sizeof *sk);
  /* in place, as after reading saved state into the struct */
  memset(&loaded->one_3f_ntt, 0, sizeof loaded->one_3f_ntt);
  ck_assert_int_eq(mam_ntru_sk_load(loaded, loaded->f, loaded->pk), MAM_OK);
  ck_assert_mem_eq(loaded, sk, sizeof *sk);
  /* the pk of another key, an undecodable pk, a bad trit in f */
  ck_assert_int_eq(mam_ntru_sk_load(loaded, sk->f, other->pk), MAM_ERR_NTRU_KEY);
  static mam_trit_t pk[MAM_NTRU_PK_TRITS];
  mam_trit_t f[MAM_NTRU_SK_TRITS];
  memcpy(pk, sk->pk, sizeof pk);
  mam_trits_from_int(7000, pk, MAM_NTRU_COEFF_TRITS);
  ck_assert_int_eq(mam_ntru_sk_load(loaded, sk->f, pk), MAM_ERR_NTRU_KEY);
  memcpy(f, sk->f, sizeof f);
  f[100] = 3;
  ck_assert_int_eq(mam_ntru_sk_load(loaded, f, sk->pk), MAM_ERR_INVALID_VALUE);
  free_sk(loaded);
  free_sk(sk);
  free_sk(other);
}
END_TEST

START_TEST(test_ntru_bad_arguments) {
  uint64_t state = 8;
  mam_ntru_sk_t *sk = random_sk(&state);
  mam_prng_t prng;
  prng_random(&prng, &state);
  mam_trit_t key[MAM_NTRU_KEY_TRITS] = {0}, nonce[3] = {1, 0, -1}, ekey[MAM_NTRU_EKEY_TRITS];
  ck_assert_int_eq(mam_ntru_keygen(NULL, nonce, 3, sk), MAM_ERR_NULL_ARG);
  ck_assert_int_eq(mam_ntru_keygen(&prng, NULL, 3, sk), MAM_ERR_NULL_ARG);
  ck_assert_int_eq(mam_ntru_keygen(&prng, nonce, 3, NULL), MAM_ERR_NULL_ARG);
  ck_assert_int_eq(mam_ntru_encrypt(&prng, NULL, key, nonce, 3, ekey), MAM_ERR_NULL_ARG);
  ck_assert_int_eq(mam_ntru_encrypt(&prng, sk->pk, key, NULL, 3, ekey), MAM_ERR_NULL_ARG);
  ck_assert_int_eq(mam_ntru_decrypt(NULL, ekey, key), MAM_ERR_NULL_ARG);
  ck_assert_int_eq(mam_ntru_sk_load(sk, NULL, sk->pk), MAM_ERR_NULL_ARG);
  key[10] = 2;
  ck_assert_int_eq(mam_ntru_encrypt(&prng, sk->pk, key, nonce, 3, ekey), MAM_ERR_INVALID_ARG);
  key[10] = 0;
  nonce[1] = -3;
  ck_assert_int_eq(mam_ntru_encrypt(&prng, sk->pk, key, nonce, 3, ekey), MAM_ERR_INVALID_ARG);
  ck_assert_int_eq(mam_ntru_keygen(&prng, nonce, 3, sk), MAM_ERR_INVALID_ARG);
  free_sk(sk);
}
END_TEST

/* ---- ring arithmetic ---- */

/* r = a b mod (x^n + 1, q) the slow way: x^n wraps round to -1. */
static void schoolbook_mul(mam_ntru_poly_t *r, const mam_ntru_poly_t *a, const mam_ntru_poly_t *b) {
  static int64_t acc[MAM_NTRU_N];
  memset(acc, 0, sizeof acc);
  for (size_t i = 0; i < MAM_NTRU_N; i++)
    for (size_t j = 0; j < MAM_NTRU_N; j++) {
      int64_t prod = (int64_t)a->c[i] * b->c[j];
      if (i + j < MAM_NTRU_N)
        acc[i + j] += prod;
      else
        acc[i + j - MAM_NTRU_N] -= prod;
    }
  for (size_t k = 0; k < MAM_NTRU_N; k++)
    r->c[k] = (uint16_t)(((acc[k] % MAM_NTRU_Q) + MAM_NTRU_Q) % MAM_NTRU_Q);
}

START_TEST(test_poly_ntt_inverse) {
  uint64_t state = 9;
  mam_ntru_poly_t a, b;
  for (int i = 0; i < 20; i++) {
    random_poly(&a, &state);
    b = a;
    mam_ntru_poly_ntt(&b);
    ck_assert_mem_ne(&a, &b, sizeof a);
    mam_ntru_poly_intt(&b);
    ck_assert_mem_eq(&a, &b, sizeof a);
  }
}
END_TEST

/* The transform of x holds the 1024 distinct roots psi^(2j+1) of x^1024 + 1, psi = 7. */
START_TEST(test_poly_ntt_evaluates_at_roots) {
  mam_ntru_poly_t x = {{0}};
  x.c[1] = 1;
  mam_ntru_poly_ntt(&x);
  static bool seen[MAM_NTRU_Q];
  memset(seen, 0, sizeof seen);
  uint32_t root = 7, square = 49;
  for (size_t j = 0; j < MAM_NTRU_N; j++, root = root * square % MAM_NTRU_Q) seen[root] = true;
  for (size_t i = 0; i < MAM_NTRU_N; i++) {
    ck_assert(seen[x.c[i]]);
    seen[x.c[i]] = false; /* each root once */
  }
}
END_TEST

START_TEST(test_poly_mul_schoolbook) {
  uint64_t state = 10;
  mam_ntru_poly_t a, b, fast, slow;
  for (int i = 0; i < 6; i++) {
    random_poly(&a, &state);
    if (i % 2) {
      mam_trit_t t[MAM_NTRU_N];
      tu_random_trits(t, MAM_NTRU_N, &state);
      mam_ntru_poly_from_small(&b, t);
    } else {
      random_poly(&b, &state);
    }
    schoolbook_mul(&slow, &a, &b);
    mam_ntru_poly_mul(&fast, &a, &b);
    ck_assert_mem_eq(&fast, &slow, sizeof fast);
    mam_ntru_poly_mul(&a, &a, &b); /* aliasing */
    ck_assert_mem_eq(&a, &slow, sizeof a);
  }
  /* x * x^1023 = x^1024 = -1 */
  mam_ntru_poly_t x = {{0}}, top = {{0}};
  x.c[1] = 1;
  top.c[MAM_NTRU_N - 1] = 1;
  mam_ntru_poly_mul(&fast, &x, &top);
  ck_assert_uint_eq(fast.c[0], MAM_NTRU_Q - 1);
  for (size_t k = 1; k < MAM_NTRU_N; k++) ck_assert_uint_eq(fast.c[k], 0);
}
END_TEST

START_TEST(test_poly_add_sub_scale) {
  uint64_t state = 11;
  mam_ntru_poly_t a, b, r;
  random_poly(&a, &state);
  random_poly(&b, &state);
  mam_ntru_poly_add(&r, &a, &b);
  for (size_t i = 0; i < MAM_NTRU_N; i++) ck_assert_uint_eq(r.c[i], (a.c[i] + b.c[i]) % MAM_NTRU_Q);
  mam_ntru_poly_sub(&r, &r, &b);
  ck_assert_mem_eq(&r, &a, sizeof a);
  mam_ntru_poly_scale(&r, &a, 3);
  for (size_t i = 0; i < MAM_NTRU_N; i++) ck_assert_uint_eq(r.c[i], 3u * a.c[i] % MAM_NTRU_Q);
}
END_TEST

START_TEST(test_poly_invert) {
  uint64_t state = 12;
  mam_ntru_poly_t a, inv, prod;
  for (int i = 0; i < 10; i++) {
    do random_poly(&a, &state);
    while (!mam_ntru_poly_invertible_ntt(&a));
    mam_ntru_poly_invert_ntt(&inv, &a);
    mam_ntru_poly_mul_ntt(&prod, &a, &inv);
    mam_ntru_poly_intt(&prod); /* 1 */
    ck_assert_uint_eq(prod.c[0], 1);
    for (size_t k = 1; k < MAM_NTRU_N; k++) ck_assert_uint_eq(prod.c[k], 0);
  }
  a.c[tu_rand(&state) % MAM_NTRU_N] = 0;
  ck_assert(!mam_ntru_poly_invertible_ntt(&a));
  /* x + 1 is invertible: -1 is not a root of x^1024 + 1 */
  mam_ntru_poly_t x1 = {{0}};
  x1.c[0] = x1.c[1] = 1;
  mam_ntru_poly_ntt(&x1);
  ck_assert(mam_ntru_poly_invertible_ntt(&x1));
}
END_TEST

START_TEST(test_poly_encodings) {
  uint64_t state = 13;
  mam_ntru_poly_t a, b;
  static mam_trit_t big[MAM_NTRU_PK_TRITS];
  mam_trit_t small[MAM_NTRU_N];
  random_poly(&a, &state);
  a.c[0] = MAM_NTRU_Q_HALF;     /* +6144 */
  a.c[1] = MAM_NTRU_Q_HALF + 1; /* -6144 */
  mam_ntru_poly_to_big(&a, big);
  ck_assert(mam_trits_valid(big, MAM_NTRU_PK_TRITS));
  for (size_t i = 0; i < MAM_NTRU_N; i++) {
    int64_t v = mam_trits_to_int(big + MAM_NTRU_COEFF_TRITS * i, MAM_NTRU_COEFF_TRITS);
    ck_assert_int_eq(v, mam_ntru_coeff_centred(a.c[i]));
    ck_assert(v >= -MAM_NTRU_Q_HALF && v <= MAM_NTRU_Q_HALF);
  }
  ck_assert(mam_ntru_poly_from_big(&b, big));
  ck_assert_mem_eq(&a, &b, sizeof a);
  mam_ntru_poly_to_trits_mod3(&a, small);
  for (size_t i = 0; i < MAM_NTRU_N; i++) {
    int32_t v = mam_ntru_coeff_centred(a.c[i]);
    ck_assert_int_eq(((v - small[i]) % 3 + 3) % 3, 0);
    ck_assert(small[i] >= -1 && small[i] <= 1);
  }
  tu_random_trits(small, MAM_NTRU_N, &state);
  mam_ntru_poly_from_small(&a, small);
  for (size_t i = 0; i < MAM_NTRU_N; i++)
    ck_assert_int_eq(mam_ntru_coeff_centred(a.c[i]), small[i]);
}
END_TEST

static Suite *ntru_suite(void) {
  Suite *s = suite_create("ntru");
  TCase *ring = tcase_create("ring");
  tcase_add_test(ring, test_poly_ntt_inverse);
  tcase_add_test(ring, test_poly_ntt_evaluates_at_roots);
  tcase_add_test(ring, test_poly_mul_schoolbook);
  tcase_add_test(ring, test_poly_add_sub_scale);
  tcase_add_test(ring, test_poly_invert);
  tcase_add_test(ring, test_poly_encodings);
  suite_add_tcase(s, ring);
  TCase *ntru = tcase_create("ntru");
  tcase_add_test(ntru, test_ntru_keygen_vector);
  tcase_add_test(ntru, test_ntru_keygen_counter);
  tcase_add_test(ntru, test_ntru_encrypt_vector);
  tcase_add_test(ntru, test_ntru_round_trip);
  tcase_add_test(ntru, test_ntru_outputs_differ);
  tcase_add_test(ntru, test_ntru_wrong_sk_fails);
  tcase_add_test(ntru, test_ntru_changed_trit_fails);
  tcase_add_test(ntru, test_ntru_coefficient_range);
  tcase_add_test(ntru, test_ntru_non_invertible_public_key);
  tcase_add_test(ntru, test_ntru_sk_load);
  tcase_add_test(ntru, test_ntru_bad_arguments);
  suite_add_tcase(s, ntru);
  return s;
}

int main(void) { return tu_run_suite(ntru_suite()); }
