/* tests/testutil.h: helpers shared by the Check suites (with the vector-file reader). */
#ifndef TESTS_TESTUTIL_H
#define TESTS_TESTUTIL_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "mamcore/trits.h"
#include "tests/vecfile.h"

/* Trits of a tryte string (aborts the test on a bad character); the caller frees them. */
mam_trit_t *tu_trits(const char *trytes, size_t *n_trits);
/* Tryte string of n trits (n a multiple of 3), NUL-terminated; the caller frees it. */
char *tu_trytes(const mam_trit_t *trits, size_t n);

/* A deterministic pseudo-random generator for property tests (splitmix64). */
uint64_t tu_rand(uint64_t *state);
void tu_random_trits(mam_trit_t *out, size_t n, uint64_t *state);

/* Runs a suite and returns the process exit status (0 when every test passed). */
int tu_run_suite(Suite *suite);

#endif
