/* Troika: the known answers of spec 2.3 for the plain and the fast implementation. */
#include <stdlib.h>
#include <string.h>

#include "mamcore/troika.h"
#include "tests/testutil.h"

START_TEST(test_f_of_zero_state) {
  trit_t s[729] = {0}, r[729] = {0};
  mam_troika_f(s);
  mam_troika_ref_f(r);
  char *want = tu_vector("mam2.txt", "F(balanced 0^729) [= mam/troika/tests KAT] =");
  char *got = tu_trytes(s, 729), *got_ref = tu_trytes(r, 729);
  ck_assert_str_eq(got_ref, want);
  ck_assert_str_eq(got, want);
  free(want);
  free(got);
  free(got_ref);
}
END_TEST

START_TEST(test_permutation_of_unbalanced_zero) {
  uint8_t u[729] = {0};
  mam_troika_ref_permute(u, MAM_TROIKA_ROUNDS);
  trit_t s[729];
  for (int i = 0; i < 729; i++) s[i] = (trit_t)(u[i] - 1);
  char *want = tu_vector("mam2.txt", "TroikaPerm(unbalanced 0^729) =");
  char *got = tu_trytes(s, 729);
  ck_assert_str_eq(got, want);
  free(want);
  free(got);
}
END_TEST

int main(void) {
  Suite *s = suite_create("troika");
  TCase *tc = tcase_create("kat");
  tcase_add_test(tc, test_f_of_zero_state);
  tcase_add_test(tc, test_permutation_of_unbalanced_zero);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
