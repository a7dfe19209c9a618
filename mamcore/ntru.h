/* mamcore/ntru.h: NTRU transport of MAM2 session keys (spec mam2.md section 8).
 *
 * Keys live in the ring R = Z_q[x]/(x^1024 + 1), q = 12289. A secret key is a small polynomial f
 * (1024 trits); the public key is h = 3g / (1 + 3f) written as 1024 nine-trit coefficients. */
#ifndef MAMCORE_NTRU_H
#define MAMCORE_NTRU_H

#include <stddef.h>
#include <stdint.h>

#include "mamcore/prng.h"
#include "mamcore/trits.h"

MAM_BEGIN_DECLS

#define MAM_NTRU_N 1024          /* ring degree: polynomials have 1024 coefficients */
#define MAM_NTRU_Q 12289         /* coefficient modulus */
#define MAM_NTRU_COEFF_TRITS 9   /* trits per coefficient of a "big" polynomial */

#define MAM_NTRU_SK_TRITS 1024   /* the trits of f */
#define MAM_NTRU_PK_TRITS 9216   /* 1024 coefficients of 9 trits */
#define MAM_NTRU_SK_TRYTES ((MAM_NTRU_SK_TRITS + 2) / 3) /* 342: f and two zero trits, whole trytes */
#define MAM_NTRU_PK_TRYTES (MAM_NTRU_PK_TRITS / 3)       /* 3072 */
#define MAM_NTRU_ID_TRITS 81     /* pk id = first 81 trits of the public key */
#define MAM_NTRU_ID_TRYTES (MAM_NTRU_ID_TRITS / 3) /* 27 */
#define MAM_NTRU_KEY_TRITS 243   /* session key */
#define MAM_NTRU_EKEY_TRITS 9216 /* encrypted session key: 1024 coefficients of 9 trits */

/* An element of R with coefficients in 0..q-1, in coefficient or NTT form (see ntru_poly.h). */
typedef struct mam_ntru_poly {
  uint16_t c[MAM_NTRU_N];
} mam_ntru_poly_t;

typedef struct mam_ntru_sk {
  mam_trit_t f[MAM_NTRU_SK_TRITS];   /* the secret key proper */
  mam_trit_t pk[MAM_NTRU_PK_TRITS];  /* its public key */
  mam_ntru_poly_t one_3f_ntt;    /* NTT of 1 + 3f, what decryption multiplies by */
} mam_ntru_sk_t;

/* Key generation from the PRNG and a nonce (spec 8.2: a counter loop until F = 1 + 3f and g are
 * both invertible). nonce may be NULL when nonce_len is 0. */
MAM_API mam_err_t mam_ntru_keygen(const mam_prng_t *prng, const mam_trit_t *nonce, size_t nonce_len,
                                  mam_ntru_sk_t *sk) MAM_WARN_UNUSED;

/* Rebuilds a secret key from saved f and pk (they may point into sk itself). Fails with
 * MAM_ERR_INVALID_VALUE when f holds a value other than -1, 0, 1, and with MAM_ERR_NTRU_KEY when
 * pk does not decode or is not the public key of f. On failure sk is wiped. */
MAM_API mam_err_t mam_ntru_sk_load(mam_ntru_sk_t *sk, const mam_trit_t f[MAM_NTRU_SK_TRITS],
                                   const mam_trit_t pk[MAM_NTRU_PK_TRITS]) MAM_WARN_UNUSED;

/* Wipes the secret key. */
MAM_API void mam_ntru_sk_destroy(mam_ntru_sk_t *sk);

/* Encrypts the 243-trit session key to pk with nonce (in MAM: the 63-trit message id), exactly as
 * spec 8.3, including the PRNG quirk that makes the result independent of the PRNG key for long
 * inputs. ekey must not overlap the inputs. Fails with MAM_ERR_NTRU_KEY when pk does not decode and
 * MAM_ERR_INVALID_ARG when key or nonce holds a value other than -1, 0, 1. */
MAM_API mam_err_t mam_ntru_encrypt(const mam_prng_t *prng, const mam_trit_t pk[MAM_NTRU_PK_TRITS],
                                   const mam_trit_t key[MAM_NTRU_KEY_TRITS], const mam_trit_t *nonce,
                                   size_t nonce_len, mam_trit_t ekey[MAM_NTRU_EKEY_TRITS]) MAM_WARN_UNUSED;

/* Decrypts (spec 8.4). Fails with MAM_ERR_NTRU_DECRYPT when ekey does not decode or the check
 * squeeze differs; key is then zeroed. */
MAM_API mam_err_t mam_ntru_decrypt(const mam_ntru_sk_t *sk, const mam_trit_t ekey[MAM_NTRU_EKEY_TRITS],
                                   mam_trit_t key[MAM_NTRU_KEY_TRITS]) MAM_WARN_UNUSED;

MAM_END_DECLS

#endif
