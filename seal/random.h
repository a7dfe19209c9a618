/* seal/random.h: bytes from the kernel's random generator. */
#ifndef SEAL_RANDOM_H
#define SEAL_RANDOM_H

#include <stddef.h>
#include <stdint.h>

#include "seal/error.h"

/* Fills buf with n random bytes (getrandom, waiting for the pool at boot). */
mg_seal_err_t mg_seal_random(uint8_t *buf, size_t n) MAM_WARN_UNUSED;

#endif
