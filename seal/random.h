/* seal/random.h: bytes and trytes from the kernel's random generator. */
#ifndef SEAL_RANDOM_H
#define SEAL_RANDOM_H

#include <stddef.h>
#include <stdint.h>

#include "seal/error.h"

/* Fills buf with n random bytes (getrandom, waiting for the pool at boot). */
mg_seal_err_t mg_seal_random(uint8_t *buf, size_t n) MAM_WARN_UNUSED;

/* n uniformly random trytes (9A-Z) and a NUL into out (n + 1 chars), from mg_seal_random. */
mg_seal_err_t mg_seal_random_trytes(char *out, size_t n) MAM_WARN_UNUSED;

#endif
