/* Trits, trytes, fixed-width integers and PB3 sizet (spec sections 1 and 10.1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamcore/pb3.h"
#include "tests/testutil.h"

START_TEST(test_alphabet_round_trip) {
  const char *all = MAM_TRYTE_ALPHABET;
  mam_trit_t t[81];
  ck_assert_int_eq(mam_trytes_to_trits(all, 27, t), MAM_OK);
  char back[28] = {0};
  mam_trits_to_trytes(t, 81, back);
  ck_assert_str_eq(back, all);
  /* B = 2 = (-1, 1, 0), N = -13 = (-1, -1, -1) */
  ck_assert_int_eq(t[6], -1);
  ck_assert_int_eq(t[7], 1);
  ck_assert_int_eq(t[8], 0);
  ck_assert_int_eq(mam_tryte_value('N'), -13);
  ck_assert_int_eq(mam_tryte_value('Z'), -1);
  ck_assert_int_eq(mam_tryte_value('M'), 13);
  for (size_t i = 0; i < 27; i++) { /* each character's trits are those of its value */
    mam_trit_t want[3];
    mam_trits_from_int(mam_tryte_value(all[i]), want, 3);
    ck_assert_mem_eq(t + 3 * i, want, 3);
  }
  t[3] = 42; /* a conversion writes 3 trits per tryte, not one more */
  ck_assert_int_eq(mam_trytes_to_trits("M", 1, t), MAM_OK);
  ck_assert_int_eq(t[2], 1);
  ck_assert_int_eq(t[3], 42);
}
END_TEST

START_TEST(test_invalid_trytes_rejected) {
  mam_trit_t t[30];
  const char *bad[] = {"ABCa", "AB C", "AB0", "AB\x80", "AB@", "AB["};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    ck_assert_int_eq(mam_trytes_to_trits(bad[i], strlen(bad[i]), t), MAM_ERR_INVALID_TRYTE);
    ck_assert(!mam_trytes_valid(bad[i], strlen(bad[i])));
  }
  ck_assert_int_eq(mam_tryte_value('\0'), MAM_TRYTE_INVALID);
}
END_TEST

/* mam_trits_valid finds one bad trit (each of 2, -2, 127, -128) at any place of buffers around
 * its block size, and accepts them all valid. */
START_TEST(test_trits_valid_everywhere) {
  static const int8_t bad_values[] = {2, -2, 127, -128};
  mam_trit_t t[200] = {0};
  for (size_t n = 0; n <= sizeof t; n++) {
    for (size_t i = 0; i < n; i++) t[i] = (mam_trit_t)((int)(i % 3) - 1);
    ck_assert(mam_trits_valid(t, n));
    for (size_t i = 0; i < n; i++) {
      mam_trit_t keep = t[i];
      t[i] = bad_values[(i + n) % 4];
      ck_assert(!mam_trits_valid(t, n));
      t[i] = keep;
    }
  }
}
END_TEST

START_TEST(test_int_round_trip) {
  mam_trit_t t[40];
  const int64_t values[] = {0, 1, -1, 13, -13, 364, -365, 4542, 193710244, -193710244};
  for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
    mam_trits_from_int(values[i], t, 20);
    ck_assert_int_eq(mam_trits_to_int(t, 20), values[i]);
  }
}
END_TEST

START_TEST(test_increment_carries) {
  mam_trit_t t[3] = {1, 1, 0};
  mam_trits_increment(t, 3); /* 4 + 1 = 5 = (-1, -1, 1) */
  ck_assert_int_eq(mam_trits_to_int(t, 3), 5);
  mam_trit_t top[2] = {1, 1}; /* 4 is the largest 2-trit value: overflow wraps to -4 */
  mam_trits_increment(top, 2);
  ck_assert_int_eq(mam_trits_to_int(top, 2), -4);
}
END_TEST

START_TEST(test_trit_arithmetic) {
  for (int a = -1; a <= 1; a++)
    for (int b = -1; b <= 1; b++) {
      mam_trit_t s = mam_trit_add((mam_trit_t)a, (mam_trit_t)b);
      ck_assert_int_eq(((s - a - b) % 3 + 3) % 3, 0);
      ck_assert_int_eq(mam_trit_sub(s, (mam_trit_t)b), a);
    }
}
END_TEST

/* The plain definition of a valid tryte string, byte by byte, to check the block-wise one. */
static bool trytes_valid_plain(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (memchr(MAM_TRYTE_ALPHABET, s[i], 27) == NULL) return false;
  return true;
}

/* Every byte value at every position of strings around the 16-byte block size, and strings with
 * one bad byte on either side of each block boundary. */
START_TEST(test_trytes_valid_edges) {
  char s[50];
  for (size_t n = 0; n <= sizeof s; n++) {
    memset(s, 'M', sizeof s);
    ck_assert(mam_trytes_valid(s, n));
    for (size_t at = 0; at < n; at++)
      for (int c = 0; c < 256; c++) {
        s[at] = (char)c;
        ck_assert_msg(mam_trytes_valid(s, n) == trytes_valid_plain(s, n), "n=%zu at=%zu byte=%d", n, at, c);
        s[at] = 'M';
      }
  }
  ck_assert(mam_trytes_valid("", 0));
  ck_assert(!mam_trytes_valid(NULL, 1));
  ck_assert(mam_trytes_valid(MAM_TRYTE_ALPHABET, 27));
}
END_TEST

/* Random strings, mostly of tryte characters and sometimes with arbitrary bytes, up to and past
 * a feed transaction's length. */
START_TEST(test_trytes_valid_random) {
  static char s[2754 + 40];
  srand(15);
  for (int round = 0; round < 20000; round++) {
    size_t n = (size_t)rand() % (round % 10 == 0 ? sizeof s : 70);
    int junk_per_mille = rand() % 3 == 0 ? 0 : rand() % 20;
    for (size_t i = 0; i < n; i++)
      s[i] = rand() % 1000 < junk_per_mille ? (char)(rand() % 256) : MAM_TRYTE_ALPHABET[rand() % 27];
    ck_assert_msg(mam_trytes_valid(s, n) == trytes_valid_plain(s, n), "round %d n=%zu", round, n);
  }
}
END_TEST

/* Every sizet line of the vector file, both ways. */
START_TEST(test_sizet_vectors) {
  const uint64_t values[] = {0, 1, 2, 13, 14, 100, 364, 365, 4542, 9841, 9842};
  for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
    char key[32];
    snprintf(key, sizeof key, "sizet(%llu) = ", (unsigned long long)values[i]);
    char *want = vf_value("mam2.txt", key);
    mam_trit_t buf[MAM_PB3_SIZET_MAX_TRITS];
    size_t pos = 0;
    mam_pb3_encode_sizet(values[i], buf, &pos);
    ck_assert_uint_eq(pos, mam_pb3_sizet_trits(values[i]));
    char *got = tu_trytes(buf, pos);
    ck_assert_str_eq(got, want);
    size_t rpos = 0;
    uint64_t v = 0;
    ck_assert_int_eq(mam_pb3_decode_sizet(buf, pos, &rpos, &v), MAM_OK);
    ck_assert_uint_eq(v, values[i]);
    ck_assert_uint_eq(rpos, pos);
    free(got);
    free(want);
  }
}
END_TEST

START_TEST(test_sizet_extremes_and_errors) {
  mam_trit_t buf[MAM_PB3_SIZET_MAX_TRITS + 3];
  size_t pos = 0;
  uint64_t v;
  mam_pb3_encode_sizet(MAM_PB3_SIZET_MAX, buf, &pos);
  ck_assert_uint_eq(pos, MAM_PB3_SIZET_MAX_TRITS);
  size_t rpos = 0;
  ck_assert_int_eq(mam_pb3_decode_sizet(buf, pos, &rpos, &v), MAM_OK);
  ck_assert_uint_eq(v, MAM_PB3_SIZET_MAX);
  /* truncated */
  rpos = 0;
  ck_assert_int_eq(mam_pb3_decode_sizet(buf, pos - 1, &rpos, &v), MAM_ERR_TRUNCATED);
  ck_assert_uint_eq(rpos, 0);
  rpos = 0;
  ck_assert_int_eq(mam_pb3_decode_sizet(buf, 2, &rpos, &v), MAM_ERR_TRUNCATED);
  /* length tryte 14 (= "BNA"'s first tryte is 2; use N = -13) */
  mam_trit_t bad[3];
  mam_trits_from_int(-13, bad, 3);
  rpos = 0;
  ck_assert_int_eq(mam_pb3_decode_sizet(bad, 3, &rpos, &v), MAM_ERR_INVALID_VALUE);
  /* negative value: d = 1, value tryte Z = -1 */
  mam_trit_t *neg = tu_trits("AZ", NULL);
  rpos = 0;
  ck_assert_int_eq(mam_pb3_decode_sizet(neg, 6, &rpos, &v), MAM_ERR_INVALID_VALUE);
  free(neg);
  /* a non-minimal encoding is accepted, as the reference does: "BA9" = 1 */
  mam_trit_t *nonmin = tu_trits("BA9", NULL);
  rpos = 0;
  ck_assert_int_eq(mam_pb3_decode_sizet(nonmin, 9, &rpos, &v), MAM_OK);
  ck_assert_uint_eq(v, 1);
  free(nonmin);
}
END_TEST

START_TEST(test_pb3_fixed_fields) {
  mam_trit_t buf[64];
  size_t pos = 0;
  mam_pb3_encode_int(-1, MAM_PB3_LONG_TRINT_TRITS, buf, &pos);
  mam_pb3_encode_int(0, MAM_PB3_TRINT_TRITS, buf, &pos);
  char *s = tu_trytes(buf, pos);
  ck_assert_str_eq(s, "Z99999999");
  free(s);
  size_t rpos = 0;
  int64_t v;
  ck_assert_int_eq(mam_pb3_decode_int(buf, pos, &rpos, MAM_PB3_LONG_TRINT_TRITS, &v), MAM_OK);
  ck_assert_int_eq(v, -1);
  ck_assert_int_eq(mam_pb3_decode_int(buf, pos, &rpos, MAM_PB3_TRINT_TRITS, &v), MAM_OK);
  ck_assert_int_eq(mam_pb3_decode_int(buf, pos, &rpos, MAM_PB3_TRYTE_TRITS, &v), MAM_ERR_TRUNCATED);
  mam_trit_t x[3];
  ck_assert_int_eq(mam_pb3_decode_trits(buf, pos, &rpos, x, 3), MAM_ERR_TRUNCATED);
}
END_TEST

START_TEST(test_strerror_total) {
  for (int e = 0; e < MAM_ERR__COUNT; e++) ck_assert_str_ne(mam_strerror((mam_err_t)e), "unknown error");
  ck_assert_str_eq(mam_strerror((mam_err_t)9999), "unknown error");
}
END_TEST

int main(void) {
  Suite *s = suite_create("trits");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_alphabet_round_trip);
  tcase_add_test(tc, test_invalid_trytes_rejected);
  tcase_add_test(tc, test_trytes_valid_edges);
  tcase_add_test(tc, test_trytes_valid_random);
  tcase_add_test(tc, test_int_round_trip);
  tcase_add_test(tc, test_trits_valid_everywhere);
  tcase_add_test(tc, test_increment_carries);
  tcase_add_test(tc, test_trit_arithmetic);
  tcase_add_test(tc, test_sizet_vectors);
  tcase_add_test(tc, test_sizet_extremes_and_errors);
  tcase_add_test(tc, test_pb3_fixed_fields);
  tcase_add_test(tc, test_strerror_total);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
