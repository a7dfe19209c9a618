#include "tests/testutil.h"

#include <stdlib.h>
#include <string.h>

mam_trit_t *tu_trits(const char *trytes, size_t *n_trits) {
  size_t n = strlen(trytes);
  mam_trit_t *t = malloc(3 * n + 1);
  ck_assert_ptr_nonnull(t);
  ck_assert_int_eq(mam_trytes_to_trits(trytes, n, t), MAM_OK);
  if (n_trits) *n_trits = 3 * n;
  return t;
}

char *tu_trytes(const mam_trit_t *trits, size_t n) {
  char *s = malloc(n / 3 + 1);
  ck_assert_ptr_nonnull(s);
  mam_trits_to_trytes(trits, n, s);
  s[n / 3] = '\0';
  return s;
}

uint64_t tu_rand(uint64_t *state) {
  uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

void tu_random_trits(mam_trit_t *out, size_t n, uint64_t *state) {
  for (size_t i = 0; i < n; i++) out[i] = (mam_trit_t)((int)(tu_rand(state) % 3) - 1);
}

int tu_run_suite(Suite *suite) {
  SRunner *sr = srunner_create(suite);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
