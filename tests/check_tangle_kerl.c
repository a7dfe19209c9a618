/* Kerl (spec node-interface.md 4.1): Keccak-384 bytes, conversions incl. the -(3^242-1)/2-1
 * edge case, absorb/squeeze vectors, and the rejection of malformed input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tangle/kerl.h"
#include "tests/testutil.h"
#include "tests/vecfile.h"

#define CHUNK TANGLE_KERL_CHUNK_TRITS
#define BYTES TANGLE_KERL_CHUNK_BYTES

static void assert_trytes(const mam_trit_t *trits, size_t n, const char *want, const char *what) {
  char *got = tu_trytes(trits, n);
  ck_assert_msg(strcmp(got, want) == 0, "%s: got %s, want %s", what, got, want);
  free(got);
}

static void assert_hex(const uint8_t *bytes, size_t n, const char *want_hex, const char *what) {
  uint8_t *want = malloc(n);
  ck_assert_ptr_nonnull(want);
  ck_assert_uint_eq(vf_hex(want_hex, want, n), n);
  ck_assert_msg(memcmp(bytes, want, n) == 0, "%s differs", what);
  free(want);
}

/* The Kerl input bytes of n trits (n a multiple of 243). */
static uint8_t *kerl_input_bytes(const mam_trit_t *trits, size_t n) {
  uint8_t *bytes = malloc(n / CHUNK * BYTES);
  ck_assert_ptr_nonnull(bytes);
  for (size_t c = 0; c < n / CHUNK; c++) tangle_kerl_trits_to_bytes(trits + c * CHUNK, bytes + c * BYTES);
  return bytes;
}

START_TEST(test_absorb_vectors) {
  vf_section_t *s = vf_load("tangle.txt", "kerl.absorb");
  for (size_t i = 0; i < s->n; i++) {
    const vf_record_t *r = &s->records[i];
    size_t n;
    mam_trit_t *in = tu_trits(vf_get(r, "input"), &n);
    ck_assert_uint_eq(n, (size_t)atoi(vf_get(r, "input_trits")));
    uint8_t *bytes = kerl_input_bytes(in, n);
    assert_hex(bytes, n / CHUNK * BYTES, vf_get(r, "keccak_input_hex"), "keccak input");
    uint8_t digest[BYTES];
    tangle_keccak384(bytes, n / CHUNK * BYTES, digest);
    assert_hex(digest, BYTES, vf_get(r, "keccak384_hex"), "keccak-384 digest");
    mam_trit_t out[CHUNK];
    ck_assert_int_eq(tangle_kerl_hash(in, n, out, CHUNK), TANGLE_OK);
    assert_trytes(out, CHUNK, vf_get(r, "hash"), "kerl hash");
    free(bytes);
    free(in);
  }
  vf_free(s);
}
END_TEST

/* Absorbing chunk by chunk equals absorbing at once. */
START_TEST(test_absorb_in_pieces) {
  uint64_t rng = 5;
  mam_trit_t in[3 * CHUNK], once[CHUNK], pieces[CHUNK];
  tu_random_trits(in, sizeof in, &rng);
  ck_assert_int_eq(tangle_kerl_hash(in, sizeof in, once, CHUNK), TANGLE_OK);
  tangle_kerl_t k;
  tangle_kerl_init(&k);
  for (size_t c = 0; c < 3; c++) ck_assert_int_eq(tangle_kerl_absorb(&k, in + c * CHUNK, CHUNK), TANGLE_OK);
  ck_assert_int_eq(tangle_kerl_squeeze(&k, pieces, CHUNK), TANGLE_OK);
  ck_assert_mem_eq(once, pieces, CHUNK);
}
END_TEST

START_TEST(test_trit242_ignored) {
  vf_section_t *s = vf_load("tangle.txt", "kerl.trit242_ignored");
  const vf_record_t *r = &s->records[0];
  mam_trit_t *a = tu_trits(vf_get(r, "input_a"), NULL), *b = tu_trits(vf_get(r, "input_b"), NULL);
  ck_assert(a[CHUNK - 1] != b[CHUNK - 1]);
  mam_trit_t ha[CHUNK], hb[CHUNK];
  ck_assert_int_eq(tangle_kerl_hash(a, CHUNK, ha, CHUNK), TANGLE_OK);
  ck_assert_int_eq(tangle_kerl_hash(b, CHUNK, hb, CHUNK), TANGLE_OK);
  assert_trytes(ha, CHUNK, vf_get(r, "hash"), "input_a");
  assert_trytes(hb, CHUNK, vf_get(r, "hash"), "input_b");
  free(a);
  free(b);
  vf_free(s);
}
END_TEST

START_TEST(test_multi_squeeze) {
  vf_section_t *s = vf_load("tangle.txt", "kerl.multi_squeeze");
  for (size_t i = 0; i < s->n; i++) {
    const vf_record_t *r = &s->records[i];
    size_t n;
    mam_trit_t *in = tu_trits(vf_get(r, "input"), &n);
    size_t n_out = (size_t)atoi(vf_get(r, "output_trits"));
    mam_trit_t *out = malloc(n_out);
    ck_assert_ptr_nonnull(out);
    ck_assert_int_eq(tangle_kerl_hash(in, n, out, n_out), TANGLE_OK);
    assert_trytes(out, n_out, vf_get(r, "output"), "multi-chunk squeeze");
    /* digest k+1 = Keccak-384(NOT digest k) */
    for (size_t c = 0; c + 1 < n_out / CHUNK; c++) {
      char key[32];
      uint8_t d[BYTES], next[BYTES];
      snprintf(key, sizeof key, "keccak384_hex.%zu", c);
      vf_hex(vf_get(r, key), d, BYTES);
      for (size_t j = 0; j < BYTES; j++) d[j] = (uint8_t)~d[j];
      tangle_keccak384(d, BYTES, next);
      snprintf(key, sizeof key, "keccak384_hex.%zu", c + 1);
      assert_hex(next, BYTES, vf_get(r, key), key);
    }
    free(out);
    free(in);
  }
  vf_free(s);
}
END_TEST

START_TEST(test_trits_to_bytes_vectors) {
  vf_section_t *s = vf_load("tangle.txt", "kerl.trits_to_bytes");
  for (size_t i = 0; i < s->n; i++) {
    const vf_record_t *r = &s->records[i];
    mam_trit_t *t = tu_trits(vf_get(r, "trits"), NULL);
    uint8_t bytes[BYTES], want[BYTES];
    tangle_kerl_trits_to_bytes(t, bytes);
    assert_hex(bytes, BYTES, vf_get(r, "bytes_hex"), "trits_to_bytes");
    vf_hex(vf_get(r, "bytes_hex"), want, BYTES);
    mam_trit_t back[CHUNK];
    tangle_kerl_bytes_to_trits(want, back);
    assert_trytes(back, CHUNK, vf_get(r, "trits_back"), "bytes back to trits");
    free(t);
  }
  vf_free(s);
}
END_TEST

/* Includes H+1 -> -H, -H-1 -> +H (where the legacy converters fail) and the extremes. */
START_TEST(test_bytes_to_trits_vectors) {
  vf_section_t *s = vf_load("tangle.txt", "kerl.bytes_to_trits");
  ck_assert_uint_ge(s->n, 10);
  for (size_t i = 0; i < s->n; i++) {
    const vf_record_t *r = &s->records[i];
    uint8_t bytes[BYTES];
    ck_assert_uint_eq(vf_hex(vf_get(r, "bytes_hex"), bytes, BYTES), BYTES);
    mam_trit_t t[CHUNK];
    memset(t, 7, sizeof t);
    tangle_kerl_bytes_to_trits(bytes, t);
    assert_trytes(t, CHUNK, vf_get(r, "trits"), vf_get(r, "bytes_hex"));
  }
  vf_free(s);
}
END_TEST

/* Every 242-trit value survives trits -> bytes -> trits; trit 242 comes back 0. */
START_TEST(test_conversion_round_trip) {
  uint64_t rng = 42;
  for (int i = 0; i < 2000; i++) {
    mam_trit_t t[CHUNK], back[CHUNK];
    tu_random_trits(t, CHUNK, &rng);
    uint8_t bytes[BYTES];
    tangle_kerl_trits_to_bytes(t, bytes);
    tangle_kerl_bytes_to_trits(bytes, back);
    t[CHUNK - 1] = 0;
    ck_assert_mem_eq(t, back, CHUNK);
  }
}
END_TEST

/* The address checksum is the tail of a Kerl hash of the address (one 243-trit chunk). */
START_TEST(test_checksum_hashes) {
  vf_section_t *s = vf_load("tangle.txt", "checksum");
  for (size_t i = 0; i < s->n; i++) {
    mam_trit_t *addr = tu_trits(vf_get(&s->records[i], "address"), NULL);
    mam_trit_t h[CHUNK];
    ck_assert_int_eq(tangle_kerl_hash(addr, CHUNK, h, CHUNK), TANGLE_OK);
    assert_trytes(h, CHUNK, vf_get(&s->records[i], "kerl_hash"), "address hash");
    free(addr);
  }
  vf_free(s);
}
END_TEST

START_TEST(test_rejects_malformed_input) {
  mam_trit_t in[2 * CHUNK] = {0}, out[2 * CHUNK];
  tangle_kerl_t k;
  tangle_kerl_init(&k);
  ck_assert_int_eq(tangle_kerl_absorb(&k, in, CHUNK - 1), TANGLE_ERR_INVALID_LENGTH);
  ck_assert_int_eq(tangle_kerl_absorb(&k, in, CHUNK + 3), TANGLE_ERR_INVALID_LENGTH);
  ck_assert_int_eq(tangle_kerl_squeeze(&k, out, CHUNK + 1), TANGLE_ERR_INVALID_LENGTH);
  ck_assert_int_eq(tangle_kerl_hash(in, CHUNK, out, 10), TANGLE_ERR_INVALID_LENGTH);
  in[100] = 2;
  ck_assert_int_eq(tangle_kerl_absorb(&k, in, CHUNK), TANGLE_ERR_INVALID_VALUE);
  ck_assert_int_eq(tangle_kerl_absorb(NULL, in, CHUNK), TANGLE_ERR_NULL_ARG);
  ck_assert_int_eq(tangle_kerl_absorb(&k, NULL, CHUNK), TANGLE_ERR_NULL_ARG);
  ck_assert_int_eq(tangle_kerl_squeeze(&k, NULL, CHUNK), TANGLE_ERR_NULL_ARG);
  /* rejected input left the sponge untouched: it still hashes the empty input */
  mam_trit_t fresh[CHUNK], after[CHUNK];
  ck_assert_int_eq(tangle_kerl_hash(NULL, 0, fresh, CHUNK), TANGLE_OK);
  ck_assert_int_eq(tangle_kerl_squeeze(&k, after, CHUNK), TANGLE_OK);
  ck_assert_mem_eq(fresh, after, CHUNK);
}
END_TEST

static Suite *kerl_suite(void) {
  Suite *s = suite_create("tangle_kerl");
  TCase *tc = tcase_create("kerl");
  tcase_add_test(tc, test_absorb_vectors);
  tcase_add_test(tc, test_absorb_in_pieces);
  tcase_add_test(tc, test_trit242_ignored);
  tcase_add_test(tc, test_multi_squeeze);
  tcase_add_test(tc, test_trits_to_bytes_vectors);
  tcase_add_test(tc, test_bytes_to_trits_vectors);
  tcase_add_test(tc, test_conversion_round_trip);
  tcase_add_test(tc, test_checksum_hashes);
  tcase_add_test(tc, test_rejects_malformed_input);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run_suite(kerl_suite()); }
