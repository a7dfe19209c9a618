#include "seal/random.h"

#include <errno.h>
#include <sys/random.h>

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
