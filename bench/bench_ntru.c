/* NTRU key generation, encryption of a session key, and decryption: median times in ms. Also one
 * ring multiplication (two transforms, pointwise product, inverse transform), the part of the cost
 * that does not come from Troika. */
#include <stdlib.h>

#include "bench/bench.h"
#include "mamcore/ntru.h"
#include "mamcore/ntru_poly.h"

#define RUNS 50
#define NONCE_TRITS 63 /* MAM's message id */

/* A fixed varied trit pattern (any values do; the timing does not depend on them much). */
static void fill_trits(mam_trit_t *t, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) t[i] = (mam_trit_t)((seed + 7 * i + i / 5) % 3) - 1;
}

int main(void) {
  size_t runs = bench_runs(RUNS);
  double *samples = malloc(runs * sizeof *samples);
  mam_ntru_sk_t *sk = malloc(sizeof *sk);
  mam_trit_t *ekey = malloc(MAM_NTRU_EKEY_TRITS);
  if (!samples || !sk || !ekey) return 1;
  mam_trit_t prng_key[MAM_PRNG_KEY_TRITS], nonce[NONCE_TRITS], key[MAM_NTRU_KEY_TRITS];
  mam_trit_t back[MAM_NTRU_KEY_TRITS];
  fill_trits(prng_key, sizeof prng_key, 1);
  mam_prng_t prng;
  mam_prng_init(&prng, prng_key);

  for (size_t i = 0; i < runs; i++) {
    fill_trits(nonce, sizeof nonce, (unsigned)i);
    double t0 = bench_now();
    if (mam_ntru_keygen(&prng, nonce, sizeof nonce, sk) != MAM_OK) return 1;
    samples[i] = (bench_now() - t0) * 1e3;
  }
  bench_report("ntru_keygen_ms", "ms", samples, runs);

  fill_trits(key, sizeof key, 2);
  for (size_t i = 0; i < runs; i++) {
    fill_trits(nonce, sizeof nonce, (unsigned)i);
    double t0 = bench_now();
    if (mam_ntru_encrypt(&prng, sk->pk, key, nonce, sizeof nonce, ekey) != MAM_OK) return 1;
    samples[i] = (bench_now() - t0) * 1e3;
  }
  bench_report("ntru_encrypt_ms", "ms", samples, runs);

  for (size_t i = 0; i < runs; i++) {
    double t0 = bench_now();
    if (mam_ntru_decrypt(sk, ekey, back) != MAM_OK) return 1;
    samples[i] = (bench_now() - t0) * 1e3;
  }
  bench_report("ntru_decrypt_ms", "ms", samples, runs);

  mam_ntru_poly_t a, b;
  mam_ntru_poly_from_small(&a, sk->f);
  if (!mam_ntru_poly_from_big(&b, sk->pk)) return 1;
  for (size_t i = 0; i < runs; i++) {
    double t0 = bench_now();
    mam_ntru_poly_mul(&a, &a, &b);
    samples[i] = (bench_now() - t0) * 1e3;
  }
  bench_report("ntru_poly_mul_ms", "ms", samples, runs);

  mam_ntru_sk_destroy(sk);
  mam_prng_destroy(&prng);
  free(sk);
  free(ekey);
  free(samples);
  return 0;
}
