/* mamcore/ntru.c: NTRU key generation, session-key encryption and decryption (spec section 8). */
#include "mamcore/ntru.h"

#include <string.h>

#include "mamcore/ntru_poly.h"
#include "mamcore/spongos.h"

#define SMALL_MODULUS 3                               /* p of F = 1 + p f and pk = p g / F */
#define KEYGEN_COUNTER_TRITS 81                       /* the counter appended to the nonce (8.2) */
#define KEYGEN_DRAW_TRITS (2 * MAM_NTRU_SK_TRITS)     /* f then g */
#define MASK_TRITS MAM_NTRU_N                         /* m: encrypted key then check trits (8.3) */
#define CHECK_TRITS (MASK_TRITS - MAM_NTRU_KEY_TRITS) /* 781 squeezed trits */

_Static_assert(MAM_NTRU_SK_TRITS == MAM_NTRU_N, "f has one trit per coefficient");
_Static_assert(MAM_NTRU_PK_TRITS == MAM_NTRU_COEFF_TRITS * MAM_NTRU_N, "pk is a big polynomial");
_Static_assert(MAM_NTRU_EKEY_TRITS == MAM_NTRU_PK_TRITS, "ekey is a big polynomial");
_Static_assert(MAM_NTRU_ID_TRITS <= MAM_NTRU_PK_TRITS, "pk id is a prefix of pk");

static bool trits_arg_ok(const mam_trit_t *t, size_t n) { return n == 0 || mam_trits_valid(t, n); }

/* NTT of k small(trits) + c, for F = 1 + 3f and 3g (spec 8.2). */
static void small_affine_ntt(mam_ntru_poly_t *p, const mam_trit_t *trits, uint16_t k, uint16_t c) {
  mam_ntru_poly_from_small(p, trits);
  mam_ntru_poly_scale(p, p, k);
  p->c[0] = (uint16_t)((p->c[0] + c) % MAM_NTRU_Q);
  mam_ntru_poly_ntt(p);
}

static void one_plus_3f_ntt(mam_ntru_poly_t *p, const mam_trit_t f[MAM_NTRU_SK_TRITS]) {
  small_affine_ntt(p, f, SMALL_MODULUS, 1);
}

static void three_g_ntt(mam_ntru_poly_t *p, const mam_trit_t g[MAM_NTRU_SK_TRITS]) {
  small_affine_ntt(p, g, SMALL_MODULUS, 0);
}

/* pk = big(3g / F) from the NTT forms of F and 3g. */
static void public_key(mam_trit_t pk[MAM_NTRU_PK_TRITS], const mam_ntru_poly_t *f_ntt,
                       const mam_ntru_poly_t *g3_ntt) {
  mam_ntru_poly_t h;
  mam_ntru_poly_invert_ntt(&h, f_ntt);
  mam_ntru_poly_mul_ntt(&h, &h, g3_ntt);
  mam_ntru_poly_intt(&h);
  mam_ntru_poly_to_big(&h, pk);
  mam_wipe(&h, sizeof h);
}

/* Draws f and g for successive counters until both 1 + 3f and g are invertible (spec 8.2). Each try
 * succeeds with probability about 0.85, so the loop ends after a few tries at most. */
mam_err_t mam_ntru_keygen(const mam_prng_t *prng, const mam_trit_t *nonce, size_t nonce_len,
                          mam_ntru_sk_t *sk) {
  if (!prng || !sk || (!nonce && nonce_len)) return MAM_ERR_NULL_ARG;
  if (!trits_arg_ok(nonce, nonce_len)) return MAM_ERR_INVALID_ARG;
  mam_trit_t counter[KEYGEN_COUNTER_TRITS] = {0};
  mam_trit_t fg[KEYGEN_DRAW_TRITS];
  mam_ntru_poly_t g3;
  const mam_trits_view_t pieces[2] = {{nonce, nonce_len}, {counter, KEYGEN_COUNTER_TRITS}};
  mam_err_t err;
  for (;;) {
    err = mam_prng_gen(prng, MAM_PRNG_NTRUKEY, pieces, 2, fg, KEYGEN_DRAW_TRITS);
    if (err != MAM_OK) break;
    one_plus_3f_ntt(&sk->one_3f_ntt, fg);
    three_g_ntt(&g3, fg + MAM_NTRU_SK_TRITS);
    if (mam_ntru_poly_invertible_ntt(&sk->one_3f_ntt) && mam_ntru_poly_invertible_ntt(&g3)) break;
    mam_trits_increment(counter, KEYGEN_COUNTER_TRITS);
  }
  if (err == MAM_OK) {
    memcpy(sk->f, fg, MAM_NTRU_SK_TRITS);
    public_key(sk->pk, &sk->one_3f_ntt, &g3);
  } else {
    mam_ntru_sk_destroy(sk);
  }
  mam_wipe(fg, sizeof fg);
  mam_wipe(&g3, sizeof g3);
  return err;
}

/* Decodes a public key h. A genuine one is 3g / (1 + 3f) with g invertible, so it is invertible
 * itself; one that is not (the all-zero key, for one) would make s = r h reveal the session key
 * to everybody, and is refused. */
static mam_err_t decode_public_key(mam_ntru_poly_t *h, const mam_trit_t pk[MAM_NTRU_PK_TRITS]) {
  if (!mam_ntru_poly_from_big(h, pk)) return MAM_ERR_NTRU_KEY;
  mam_ntru_poly_t h_ntt = *h;
  mam_ntru_poly_ntt(&h_ntt);
  return mam_ntru_poly_invertible_ntt(&h_ntt) ? MAM_OK : MAM_ERR_NTRU_KEY;
}

/* True when pk * (1 + 3f) = 3g for a small g, i.e. pk is the public key of f. */
static bool pk_matches(const mam_ntru_poly_t *h, const mam_ntru_poly_t *f_ntt) {
  mam_ntru_poly_t g3 = *h;
  mam_ntru_poly_ntt(&g3);
  mam_ntru_poly_mul_ntt(&g3, &g3, f_ntt);
  mam_ntru_poly_intt(&g3);
  uint32_t bad = 0;
  for (size_t i = 0; i < MAM_NTRU_N; i++) {
    int32_t c = mam_ntru_coeff_centred(g3.c[i]);
    bad |= (uint32_t)(c != 0 && c != SMALL_MODULUS && c != -SMALL_MODULUS);
  }
  mam_wipe(&g3, sizeof g3);
  return bad == 0;
}

static mam_err_t sk_rebuild(mam_ntru_sk_t *sk) {
  if (!mam_trits_valid(sk->f, MAM_NTRU_SK_TRITS)) return MAM_ERR_INVALID_VALUE;
  mam_ntru_poly_t h;
  if (decode_public_key(&h, sk->pk) != MAM_OK) return MAM_ERR_NTRU_KEY;
  one_plus_3f_ntt(&sk->one_3f_ntt, sk->f);
  bool ok = mam_ntru_poly_invertible_ntt(&sk->one_3f_ntt) && pk_matches(&h, &sk->one_3f_ntt);
  return ok ? MAM_OK : MAM_ERR_NTRU_KEY;
}

mam_err_t mam_ntru_sk_load(mam_ntru_sk_t *sk, const mam_trit_t f[MAM_NTRU_SK_TRITS],
                           const mam_trit_t pk[MAM_NTRU_PK_TRITS]) {
  if (!sk || !f || !pk) return MAM_ERR_NULL_ARG;
  memmove(sk->f, f, MAM_NTRU_SK_TRITS);
  memmove(sk->pk, pk, MAM_NTRU_PK_TRITS);
  mam_err_t err = sk_rebuild(sk);
  if (err != MAM_OK) mam_ntru_sk_destroy(sk);
  return err;
}

void mam_ntru_sk_destroy(mam_ntru_sk_t *sk) {
  if (sk) mam_wipe(sk, sizeof *sk);
}

/* The Spongos both sides key with big(s) (encryption) or big(Y - small(m)) (decryption). */
static void keyed_spongos(mam_spongos_t *sp, const mam_trit_t big[MAM_NTRU_EKEY_TRITS]) {
  mam_spongos_init(sp);
  mam_spongos_absorb(sp, big, MAM_NTRU_EKEY_TRITS);
  mam_spongos_commit(sp);
}

/* Y = big(s + small(m)) with m = Encr(key) || Squeeze(781) under a Spongos keyed with big(s); ekey
 * holds big(s) meanwhile. There is no Commit between Encr and Squeeze (spec 8.3). */
static void encrypt_with_r(const mam_ntru_poly_t *h, const mam_trit_t r[MAM_NTRU_SK_TRITS],
                           const mam_trit_t key[MAM_NTRU_KEY_TRITS], mam_trit_t ekey[MAM_NTRU_EKEY_TRITS]) {
  mam_ntru_poly_t s, m_poly;
  mam_trit_t m[MASK_TRITS];
  mam_spongos_t sp;
  mam_ntru_poly_from_small(&s, r);
  mam_ntru_poly_mul(&s, &s, h);
  mam_ntru_poly_to_big(&s, ekey);
  keyed_spongos(&sp, ekey);
  mam_spongos_encr(&sp, key, m, MAM_NTRU_KEY_TRITS);
  mam_spongos_squeeze(&sp, m + MAM_NTRU_KEY_TRITS, CHECK_TRITS);
  mam_ntru_poly_from_small(&m_poly, m);
  mam_ntru_poly_add(&s, &s, &m_poly);
  mam_ntru_poly_to_big(&s, ekey);
  mam_wipe(&s, sizeof s);
  mam_wipe(&m_poly, sizeof m_poly);
  mam_wipe(m, sizeof m);
  mam_wipe(&sp, sizeof sp);
}

mam_err_t mam_ntru_encrypt(const mam_prng_t *prng, const mam_trit_t pk[MAM_NTRU_PK_TRITS],
                           const mam_trit_t key[MAM_NTRU_KEY_TRITS], const mam_trit_t *nonce,
                           size_t nonce_len, mam_trit_t ekey[MAM_NTRU_EKEY_TRITS]) {
  if (!prng || !pk || !key || !ekey || (!nonce && nonce_len)) return MAM_ERR_NULL_ARG;
  if (!mam_trits_valid(key, MAM_NTRU_KEY_TRITS) || !trits_arg_ok(nonce, nonce_len))
    return MAM_ERR_INVALID_ARG;
  mam_ntru_poly_t h;
  if (decode_public_key(&h, pk) != MAM_OK) return MAM_ERR_NTRU_KEY;
  /* r = PRNG(K, NTRUKEY, pkid || key || nonce, 1024); with MAM's 63-trit nonce only the last
   * 486-trit block of that input counts, so K drops out (spec 5 and 8.3). */
  const mam_trits_view_t pieces[3] = {
      {pk, MAM_NTRU_ID_TRITS}, {key, MAM_NTRU_KEY_TRITS}, {nonce, nonce_len}};
  mam_trit_t r[MAM_NTRU_SK_TRITS];
  mam_err_t err = mam_prng_gen(prng, MAM_PRNG_NTRUKEY, pieces, 3, r, MAM_NTRU_SK_TRITS);
  if (err == MAM_OK) encrypt_with_r(&h, r, key, ekey);
  mam_wipe(r, sizeof r);
  return err;
}

/* kt = Y (1 + 3f) in R, centred, then reduced mod 3; the Spongos keyed with big(Y - small(kt))
 * decrypts kt[0..243) and must squeeze kt[243..1024) (spec 8.4). */
mam_err_t mam_ntru_decrypt(const mam_ntru_sk_t *sk, const mam_trit_t ekey[MAM_NTRU_EKEY_TRITS],
                           mam_trit_t key[MAM_NTRU_KEY_TRITS]) {
  if (!sk || !ekey || !key) return MAM_ERR_NULL_ARG;
  mam_ntru_poly_t y, t;
  if (!mam_ntru_poly_from_big(&y, ekey)) {
    memset(key, 0, MAM_NTRU_KEY_TRITS);
    return MAM_ERR_NTRU_DECRYPT;
  }
  t = y;
  mam_ntru_poly_ntt(&t);
  mam_ntru_poly_mul_ntt(&t, &t, &sk->one_3f_ntt);
  mam_ntru_poly_intt(&t);
  mam_trit_t kt[MASK_TRITS];
  mam_ntru_poly_to_trits_mod3(&t, kt);
  mam_ntru_poly_from_small(&t, kt);
  mam_ntru_poly_sub(&y, &y, &t);
  mam_trit_t rh[MAM_NTRU_EKEY_TRITS];
  mam_ntru_poly_to_big(&y, rh);
  mam_spongos_t sp;
  keyed_spongos(&sp, rh);
  mam_spongos_decr(&sp, kt, key, MAM_NTRU_KEY_TRITS);
  bool ok = mam_spongos_squeeze_eq(&sp, kt + MAM_NTRU_KEY_TRITS, CHECK_TRITS);
  if (!ok) memset(key, 0, MAM_NTRU_KEY_TRITS);
  mam_wipe(&y, sizeof y);
  mam_wipe(&t, sizeof t);
  mam_wipe(kt, sizeof kt);
  mam_wipe(rh, sizeof rh);
  mam_wipe(&sp, sizeof sp);
  return ok ? MAM_OK : MAM_ERR_NTRU_DECRYPT;
}
