#include "seal/random.h"

#include <errno.h>
#include <sys/random.h>

#include "mamcore/trits.h"

mg_seal_err_t mg_seal_random(uint8_t *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = getrandom(buf + got, n - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return MG_SEAL_ERR_RANDOM;
    got += (size_t)r;
  }
  return MG_SEAL_OK;
}

#define ALPHABET_SIZE (sizeof MAM_TRYTE_ALPHABET - 1)
/* The largest multiple of the alphabet's size that a byte holds: bytes below it map without bias. */
#define UNBIASED_BYTES (256 / ALPHABET_SIZE * ALPHABET_SIZE)

mg_seal_err_t mg_seal_random_trytes(char *out, size_t n) {
  uint8_t b[64];
  size_t have = 0;
  mg_seal_err_t err = MG_SEAL_OK;
  while (have < n && err == MG_SEAL_OK) {
    err = mg_seal_random(b, sizeof b);
    for (size_t i = 0; err == MG_SEAL_OK && i < sizeof b && have < n; i++)
      if (b[i] < UNBIASED_BYTES) out[have++] = MAM_TRYTE_ALPHABET[b[i] % ALPHABET_SIZE];
  }
  out[have] = '\0';
  mam_wipe(b, sizeof b);
  return err;
}
