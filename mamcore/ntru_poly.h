/* mamcore/ntru_poly.h: arithmetic in R = Z_q[x]/(x^1024 + 1), q = 12289, for NTRU (spec mam2.md
 * section 8.1). Internal to mamcore (not installed).
 *
 * Coefficients are kept in 0..q-1. Multiplication goes through a negacyclic number-theoretic
 * transform built on psi = 7, a primitive 2048-th root of unity mod q: the NTT form of a holds
 * a(psi^(2j+1)) for the 1024 odd powers (in bit-reversed order), so products are pointwise and a
 * polynomial is invertible exactly when none of its NTT coefficients is zero. */
#ifndef MAMCORE_NTRU_POLY_H
#define MAMCORE_NTRU_POLY_H

#include <stdbool.h>
#include <stdint.h>

#include "mamcore/ntru.h"

#define MAM_NTRU_Q_HALF ((MAM_NTRU_Q - 1) / 2) /* centred coefficients lie in -6144..6144 */

/* The representative of c (0..q-1) in -6144..6144. */
static inline int32_t mam_ntru_coeff_centred(uint16_t c) {
  return (int32_t)c - (MAM_NTRU_Q & -(int32_t)(c > MAM_NTRU_Q_HALF));
}

/* p = the small polynomial whose coefficient i is trit i (1024 trits, each -1..1). */
void mam_ntru_poly_from_small(mam_ntru_poly_t *p, const mam_trit_t *trits);
/* p = the big polynomial of 9216 trits (9 per coefficient, coefficient 0 first). False, with p
 * unspecified, when a trit is not -1..1 or a coefficient lies outside -6144..6144. */
bool mam_ntru_poly_from_big(mam_ntru_poly_t *p, const mam_trit_t *trits) MAM_WARN_UNUSED;
/* Writes the 9216 trits of p, each coefficient centred in -6144..6144. */
void mam_ntru_poly_to_big(const mam_ntru_poly_t *p, mam_trit_t *trits);
/* Writes 1024 trits: each coefficient, centred, reduced to -1..1 (balanced mod 3). */
void mam_ntru_poly_to_trits_mod3(const mam_ntru_poly_t *p, mam_trit_t *trits);

/* r = a + b, r = a - b, r = k a (k < q); r may alias a or b. Any form, both the same. */
void mam_ntru_poly_add(mam_ntru_poly_t *r, const mam_ntru_poly_t *a, const mam_ntru_poly_t *b);
void mam_ntru_poly_sub(mam_ntru_poly_t *r, const mam_ntru_poly_t *a, const mam_ntru_poly_t *b);
void mam_ntru_poly_scale(mam_ntru_poly_t *r, const mam_ntru_poly_t *a, uint16_t k);

/* In place: coefficient form to NTT form, and back. */
void mam_ntru_poly_ntt(mam_ntru_poly_t *p);
void mam_ntru_poly_intt(mam_ntru_poly_t *p);

/* NTT form only: r = a * b (r may alias a or b). */
void mam_ntru_poly_mul_ntt(mam_ntru_poly_t *r, const mam_ntru_poly_t *a, const mam_ntru_poly_t *b);
/* NTT form only: true when a has an inverse in R (no zero coefficient). */
bool mam_ntru_poly_invertible_ntt(const mam_ntru_poly_t *a);
/* NTT form only: r = a^-1 for an invertible a; r must not alias a. */
void mam_ntru_poly_invert_ntt(mam_ntru_poly_t *r, const mam_ntru_poly_t *a);

/* r = a * b in R for polynomials in coefficient form (r may alias a or b). */
void mam_ntru_poly_mul(mam_ntru_poly_t *r, const mam_ntru_poly_t *a, const mam_ntru_poly_t *b);

#endif
