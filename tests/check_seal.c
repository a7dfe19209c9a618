/* tests/check_seal.c: sealing with the fleet key (seal/): nettle's ChaCha20-Poly1305 against RFC
 * 8439, round trips, every kind of tampering, the key file's checks on real files, and the key
 * check value. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <nettle/base64.h>
#include <nettle/chacha-poly1305.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "seal/check.h"
#include "seal/key.h"
#include "seal/random.h"
#include "seal/seal.h"
#include "tests/testutil.h"

/* ---- RFC 8439, section 2.8.2: the AEAD test vector ---- */

static const char rfc_plain[] =
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
#define RFC_PLAIN_LEN (sizeof rfc_plain - 1)
static const uint8_t rfc_aad[] = {0x50, 0x51, 0x52, 0x53, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7};
/* The 32-bit constant 7 (little-endian) and the 64-bit IV 40..47. */
static const uint8_t rfc_nonce[MG_SEAL_NONCE_BYTES] = {0x07, 0x00, 0x00, 0x00, 0x40, 0x41,
                                                        0x42, 0x43, 0x44, 0x45, 0x46, 0x47};
static const uint8_t rfc_cipher[RFC_PLAIN_LEN] = {
    0xd3, 0x1a, 0x8d, 0x34, 0x64, 0x8e, 0x60, 0xdb, 0x7b, 0x86, 0xaf, 0xbc, 0x53, 0xef, 0x7e, 0xc2, 0xa4, 0xad, 0xed,
    0x51, 0x29, 0x6e, 0x08, 0xfe, 0xa9, 0xe2, 0xb5, 0xa7, 0x36, 0xee, 0x62, 0xd6, 0x3d, 0xbe, 0xa4, 0x5e, 0x8c, 0xa9,
    0x67, 0x12, 0x82, 0xfa, 0xfb, 0x69, 0xda, 0x92, 0x72, 0x8b, 0x1a, 0x71, 0xde, 0x0a, 0x9e, 0x06, 0x0b, 0x29, 0x05,
    0xd6, 0xa5, 0xb6, 0x7e, 0xcd, 0x3b, 0x36, 0x92, 0xdd, 0xbd, 0x7f, 0x2d, 0x77, 0x8b, 0x8c, 0x98, 0x03, 0xae, 0xe3,
    0x28, 0x09, 0x1b, 0x58, 0xfa, 0xb3, 0x24, 0xe4, 0xfa, 0xd6, 0x75, 0x94, 0x55, 0x85, 0x80, 0x8b, 0x48, 0x31, 0xd7,
    0xbc, 0x3f, 0xf4, 0xde, 0xf0, 0x8e, 0x4b, 0x7a, 0x9d, 0xe5, 0x76, 0xd2, 0x65, 0x86, 0xce, 0xc6, 0x4b, 0x61, 0x16};
static const uint8_t rfc_tag[MG_SEAL_TAG_BYTES] = {0x1a, 0xe1, 0x0b, 0x59, 0x4f, 0x09, 0xe2, 0x6a,
                                                    0x7e, 0x90, 0x2e, 0xcb, 0xd0, 0x60, 0x06, 0x91};

/* The same key, nonce and plaintext in the sealed format, for the label "psk:RFC8439": the
 * associated data is then 0x01 "psk:RFC8439", so the ciphertext is the RFC's and only the tag
 * differs. The tag was computed once with another implementation (OpenSSL 3.0 through Python's
 * cryptography 48: ChaCha20Poly1305(key).encrypt(nonce, plaintext, b"\x01psk:RFC8439")), and the
 * text is base64(0x01 | nonce | RFC ciphertext | that tag). */
static const char rfc_label[] = "psk:RFC8439";
static const char rfc_sealed[] =
    "AQcAAABAQUJDREVGR9MajTRkjmDbe4avvFPvfsKkre1RKW4I/qnitac27mLWPb6kXoypZxKC+vtp2pJyixpx3gqeBgspBdaltn7NOzaS3b1/LXeL"
    "jJgDruMoCRtY+rMk5PrWdZRVhYCLSDHXvD/03vCOS3qd5XbSZYbOxkthFj+K/9GqTEfK8r24oBrX9/8=";

static void rfc_key(mg_seal_key_t *key) {
  for (size_t i = 0; i < MG_SEAL_KEY_BYTES; i++) key->bytes[i] = (uint8_t)(0x80 + i);
}

/* ---- helpers ---- */

static void test_key(mg_seal_key_t *key, uint8_t fill) {
  for (size_t i = 0; i < MG_SEAL_KEY_BYTES; i++) key->bytes[i] = (uint8_t)(fill + 7 * i);
}

/* Seals n pseudo-random bytes for label; returns the text (caller frees) and the secret in plain. */
static char *seal_random(const mg_seal_key_t *key, const char *label, uint8_t *plain, size_t n, uint64_t *rng) {
  for (size_t i = 0; i < n; i++) plain[i] = (uint8_t)tu_rand(rng);
  char *text = malloc(MG_SEAL_TEXT_SIZE(n));
  ck_assert_ptr_nonnull(text);
  ck_assert_int_eq(mg_seal(key, label, plain, n, text, MG_SEAL_TEXT_SIZE(n)), MG_SEAL_OK);
  return text;
}

/* The bytes under a sealed text (the test's own base64 decoding). */
static size_t decode(const char *text, uint8_t *bin) {
  struct base64_decode_ctx ctx;
  base64_decode_init(&ctx);
  size_t n = 0;
  ck_assert(base64_decode_update(&ctx, &n, bin, strlen(text), text));
  ck_assert(base64_decode_final(&ctx));
  return n;
}

static char *encode(const uint8_t *bin, size_t n) {
  char *text = malloc(BASE64_ENCODE_RAW_LENGTH(n) + 1);
  ck_assert_ptr_nonnull(text);
  base64_encode_raw(text, n, bin);
  text[BASE64_ENCODE_RAW_LENGTH(n)] = '\0';
  return text;
}

static mg_seal_err_t open_text(const mg_seal_key_t *key, const char *label, const char *text, uint8_t *plain,
                               size_t *n) {
  return mg_seal_open(key, label, text, strlen(text), plain, MG_SEAL_PLAIN_MAX, n);
}

/* ---- the AEAD against RFC 8439 ---- */

START_TEST(test_nettle_aead_matches_rfc8439) {
  mg_seal_key_t key;
  rfc_key(&key);
  struct chacha_poly1305_ctx ctx;
  uint8_t out[RFC_PLAIN_LEN], tag[MG_SEAL_TAG_BYTES];
  chacha_poly1305_set_key(&ctx, key.bytes);
  chacha_poly1305_set_nonce(&ctx, rfc_nonce);
  chacha_poly1305_update(&ctx, sizeof rfc_aad, rfc_aad);
  chacha_poly1305_encrypt(&ctx, RFC_PLAIN_LEN, out, (const uint8_t *)rfc_plain);
  chacha_poly1305_digest(&ctx, sizeof tag, tag);
  ck_assert_mem_eq(out, rfc_cipher, RFC_PLAIN_LEN);
  ck_assert_mem_eq(tag, rfc_tag, sizeof tag);
}
END_TEST

START_TEST(test_sealed_rfc8439_vector_opens) {
  mg_seal_key_t key;
  rfc_key(&key);
  uint8_t plain[MG_SEAL_PLAIN_MAX];
  size_t n = 0;
  ck_assert_int_eq(open_text(&key, rfc_label, rfc_sealed, plain, &n), MG_SEAL_OK);
  ck_assert_uint_eq(n, RFC_PLAIN_LEN);
  ck_assert_mem_eq(plain, rfc_plain, RFC_PLAIN_LEN);
  ck_assert_int_eq(open_text(&key, "psk:RFC8438", rfc_sealed, plain, &n), MG_SEAL_ERR_AUTH);
}
END_TEST

/* What mg_seal writes is the RFC's ciphertext under the nonce it chose: decrypting the stored
 * ciphertext with nettle under that nonce, outside the module, gives the secret back. */
START_TEST(test_seal_layout_is_version_nonce_cipher_tag) {
  mg_seal_key_t key;
  rfc_key(&key);
  char text[MG_SEAL_TEXT_SIZE(RFC_PLAIN_LEN)];
  ck_assert_int_eq(mg_seal(&key, rfc_label, (const uint8_t *)rfc_plain, RFC_PLAIN_LEN, text, sizeof text), MG_SEAL_OK);
  ck_assert_uint_eq(strlen(text), MG_SEAL_TEXT_LEN(RFC_PLAIN_LEN));
  uint8_t bin[BASE64_DECODE_LENGTH(sizeof text)];
  ck_assert_uint_eq(decode(text, bin), RFC_PLAIN_LEN + MG_SEAL_OVERHEAD);
  ck_assert_uint_eq(bin[0], MG_SEAL_VERSION);
  struct chacha_poly1305_ctx ctx;
  uint8_t out[RFC_PLAIN_LEN], tag[MG_SEAL_TAG_BYTES];
  chacha_poly1305_set_key(&ctx, key.bytes);
  chacha_poly1305_set_nonce(&ctx, bin + 1);
  chacha_poly1305_update(&ctx, 1, bin);
  chacha_poly1305_update(&ctx, strlen(rfc_label), (const uint8_t *)rfc_label);
  chacha_poly1305_decrypt(&ctx, RFC_PLAIN_LEN, out, bin + 1 + MG_SEAL_NONCE_BYTES);
  chacha_poly1305_digest(&ctx, sizeof tag, tag);
  ck_assert_mem_eq(out, rfc_plain, RFC_PLAIN_LEN);
  ck_assert_mem_eq(tag, bin + 1 + MG_SEAL_NONCE_BYTES + RFC_PLAIN_LEN, sizeof tag);
}
END_TEST

/* ---- round trips and limits ---- */

START_TEST(test_round_trip_every_size_class) {
  static const size_t sizes[] = {0, 1, 2, 3, 31, 32, 33, 81, 342, 1000, MG_SEAL_PLAIN_MAX - 1, MG_SEAL_PLAIN_MAX};
  mg_seal_key_t key;
  test_key(&key, 1);
  uint64_t rng = 42;
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    uint8_t plain[MG_SEAL_PLAIN_MAX], back[MG_SEAL_PLAIN_MAX];
    char *text = seal_random(&key, "seed:CHANNEL", plain, sizes[i], &rng);
    ck_assert_uint_eq(strlen(text), MG_SEAL_TEXT_LEN(sizes[i]));
    size_t n = 99999;
    ck_assert_int_eq(open_text(&key, "seed:CHANNEL", text, back, &n), MG_SEAL_OK);
    ck_assert_uint_eq(n, sizes[i]);
    if (n) ck_assert_mem_eq(back, plain, n);
    free(text);
  }
}
END_TEST

START_TEST(test_limits_and_arguments) {
  mg_seal_key_t key;
  test_key(&key, 2);
  static uint8_t plain[MG_SEAL_PLAIN_MAX + 1];
  static char text[MG_SEAL_TEXT_SIZE(MG_SEAL_PLAIN_MAX + 1)];
  ck_assert_int_eq(mg_seal(&key, "k:1", plain, MG_SEAL_PLAIN_MAX + 1, text, sizeof text), MG_SEAL_ERR_TOO_LONG);
  ck_assert_int_eq(mg_seal(&key, "k:1", plain, 10, text, MG_SEAL_TEXT_SIZE(10) - 1), MG_SEAL_ERR_BUFFER);
  ck_assert_int_eq(mg_seal(&key, "", plain, 10, text, sizeof text), MG_SEAL_ERR_ARG);
  ck_assert_int_eq(mg_seal(&key, NULL, plain, 10, text, sizeof text), MG_SEAL_ERR_ARG);
  ck_assert_int_eq(mg_seal(NULL, "k:1", plain, 10, text, sizeof text), MG_SEAL_ERR_ARG);
  ck_assert_int_eq(mg_seal(&key, "k:1", NULL, 10, text, sizeof text), MG_SEAL_ERR_ARG);
  char label[MG_SEAL_LABEL_MAX + 2];
  memset(label, 'L', sizeof label - 1);
  label[sizeof label - 1] = '\0';
  ck_assert_int_eq(mg_seal(&key, label, plain, 10, text, sizeof text), MG_SEAL_ERR_ARG);
  label[MG_SEAL_LABEL_MAX] = '\0';
  ck_assert_int_eq(mg_seal(&key, label, plain, 10, text, sizeof text), MG_SEAL_OK);
  size_t n = 0;
  uint8_t small[9];
  ck_assert_int_eq(mg_seal_open(&key, label, text, strlen(text), small, sizeof small, &n), MG_SEAL_ERR_BUFFER);
  uint8_t big[10];
  ck_assert_int_eq(mg_seal_open(&key, label, text, strlen(text), big, sizeof big, &n), MG_SEAL_OK);
  ck_assert_int_eq(mg_seal_open(&key, label, text, MG_SEAL_TEXT_MAX + 1, big, sizeof big, &n), MG_SEAL_ERR_TOO_LONG);
  ck_assert_int_eq(mg_seal_open(&key, label, text, strlen(text), big, sizeof big, NULL), MG_SEAL_ERR_ARG);
}
END_TEST

/* ---- tampering ---- */

START_TEST(test_every_flipped_byte_is_refused) {
  mg_seal_key_t key;
  test_key(&key, 3);
  uint64_t rng = 7;
  uint8_t plain[40], back[MG_SEAL_PLAIN_MAX], bin[128];
  char *text = seal_random(&key, "psk:A", plain, sizeof plain, &rng);
  size_t len = decode(text, bin);
  static const uint8_t masks[] = {0x01, 0x80, 0xff};
  for (size_t i = 0; i < len; i++) {
    for (size_t m = 0; m < sizeof masks; m++) {
      bin[i] ^= masks[m];
      char *bad = encode(bin, len);
      size_t n = 1;
      mg_seal_err_t err = open_text(&key, "psk:A", bad, back, &n);
      ck_assert_int_eq(err, i == 0 ? MG_SEAL_ERR_VERSION : MG_SEAL_ERR_AUTH);
      ck_assert_uint_eq(n, 0);
      free(bad);
      bin[i] ^= masks[m];
    }
  }
  free(text);
}
END_TEST

/* Every character of the text changed into every other base64 character is refused too (some
 * changes touch only filler bits: those fail as non-canonical). */
START_TEST(test_every_changed_character_is_refused) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  mg_seal_key_t key;
  test_key(&key, 4);
  uint64_t rng = 8;
  uint8_t plain[20], back[MG_SEAL_PLAIN_MAX];
  char *text = seal_random(&key, "psk:B", plain, sizeof plain, &rng);
  size_t len = strlen(text);
  for (size_t i = 0; i < len; i++) {
    char was = text[i];
    for (const char *c = alphabet; *c; c++) {
      if (*c == was) continue;
      text[i] = *c;
      size_t n = 1;
      ck_assert_int_ne(open_text(&key, "psk:B", text, back, &n), MG_SEAL_OK);
      ck_assert_uint_eq(n, 0);
    }
    text[i] = was;
  }
  free(text);
}
END_TEST

START_TEST(test_every_truncation_is_refused) {
  mg_seal_key_t key;
  test_key(&key, 5);
  uint64_t rng = 9;
  uint8_t plain[33], back[MG_SEAL_PLAIN_MAX], bin[128];
  char *text = seal_random(&key, "psk:C", plain, sizeof plain, &rng);
  size_t len = strlen(text);
  for (size_t k = 0; k < len; k++) {
    size_t n = 1;
    ck_assert_int_ne(mg_seal_open(&key, "psk:C", text, k, back, sizeof back, &n), MG_SEAL_OK);
    ck_assert_uint_eq(n, 0);
  }
  /* Cut in the bytes, encoded properly again: too short for the format, or the tag fails. */
  size_t blen = decode(text, bin);
  for (size_t k = 0; k < blen; k++) {
    char *cut = encode(bin, k);
    size_t n = 1;
    mg_seal_err_t err = open_text(&key, "psk:C", cut, back, &n);
    ck_assert_int_eq(err, k == 0 || k < MG_SEAL_OVERHEAD ? MG_SEAL_ERR_TRUNCATED : MG_SEAL_ERR_AUTH);
    free(cut);
  }
  free(text);
}
END_TEST

START_TEST(test_wrong_key_and_wrong_label_are_refused) {
  mg_seal_key_t key, other;
  test_key(&key, 6);
  test_key(&other, 6);
  other.bytes[MG_SEAL_KEY_BYTES - 1] ^= 1;
  uint64_t rng = 10;
  uint8_t plain[32], back[MG_SEAL_PLAIN_MAX];
  char *text = seal_random(&key, "psk:ROW1", plain, sizeof plain, &rng);
  size_t n = 0;
  ck_assert_int_eq(open_text(&other, "psk:ROW1", text, back, &n), MG_SEAL_ERR_AUTH);
  ck_assert_int_eq(open_text(&key, "psk:ROW2", text, back, &n), MG_SEAL_ERR_AUTH);
  ck_assert_int_eq(open_text(&key, "seed:ROW1", text, back, &n), MG_SEAL_ERR_AUTH);
  ck_assert_int_eq(open_text(&key, "psk:ROW1 ", text, back, &n), MG_SEAL_ERR_AUTH);
  ck_assert_int_eq(open_text(&key, "psk:ROW", text, back, &n), MG_SEAL_ERR_AUTH);
  ck_assert_int_eq(open_text(&key, "psk:ROW1", text, back, &n), MG_SEAL_OK);
  free(text);
}
END_TEST

/* A failed opening leaves nothing of the decrypted bytes in the caller's buffer. */
START_TEST(test_refused_opening_erases_output) {
  mg_seal_key_t key;
  test_key(&key, 7);
  uint64_t rng = 11;
  uint8_t plain[64], back[MG_SEAL_PLAIN_MAX], bin[128];
  char *text = seal_random(&key, "ntru:X", plain, sizeof plain, &rng);
  size_t len = decode(text, bin);
  bin[len - 1] ^= 1; /* the tag */
  char *bad = encode(bin, len);
  memset(back, 0xa5, sizeof back);
  size_t n = 1;
  ck_assert_int_eq(open_text(&key, "ntru:X", bad, back, &n), MG_SEAL_ERR_AUTH);
  for (size_t i = 0; i < sizeof plain; i++) ck_assert_uint_eq(back[i], 0);
  free(bad);
  free(text);
}
END_TEST

START_TEST(test_unknown_versions_are_refused) {
  mg_seal_key_t key;
  test_key(&key, 8);
  uint64_t rng = 12;
  uint8_t plain[16], back[MG_SEAL_PLAIN_MAX], bin[128];
  char *text = seal_random(&key, "psk:D", plain, sizeof plain, &rng);
  size_t len = decode(text, bin);
  static const uint8_t versions[] = {0, 2, 0x41, 0xff};
  for (size_t i = 0; i < sizeof versions; i++) {
    bin[0] = versions[i];
    char *bad = encode(bin, len);
    size_t n = 0;
    ck_assert_int_eq(open_text(&key, "psk:D", bad, back, &n), MG_SEAL_ERR_VERSION);
    free(bad);
  }
  /* A one-byte value of another version is a version error, not a truncation. */
  uint8_t one = 2;
  char *short_bad = encode(&one, 1);
  size_t n = 0;
  ck_assert_int_eq(open_text(&key, "psk:D", short_bad, back, &n), MG_SEAL_ERR_VERSION);
  free(short_bad);
  free(text);
}
END_TEST

/* Only the one canonical encoding opens: no white space, exact padding, zero filler bits, the
 * standard alphabet. */
START_TEST(test_non_canonical_base64_is_refused) {
  mg_seal_key_t key;
  test_key(&key, 9);
  uint64_t rng = 13;
  uint8_t plain[17], back[MG_SEAL_PLAIN_MAX];
  /* 17 + 29 = 46 bytes: 46 % 3 == 1, so the text ends in "==" and has 4 filler bits. */
  char *text = seal_random(&key, "psk:E", plain, sizeof plain, &rng);
  size_t len = strlen(text);
  ck_assert_str_eq(text + len - 2, "==");
  size_t n = 0;
  ck_assert_int_eq(open_text(&key, "psk:E", text, back, &n), MG_SEAL_OK);
  char buf[256];
  /* white space inside, also in runs that keep the length a multiple of 4 */
  static const char *const inserts[] = {" ", "\n", "\t", "\r\n", "    ", " \r\n\t", "\n\n\n\n\n\n\n\n"};
  for (size_t i = 0; i < sizeof inserts / sizeof *inserts; i++) {
    snprintf(buf, sizeof buf, "%.8s%s%s", text, inserts[i], text + 8);
    ck_assert_int_eq(open_text(&key, "psk:E", buf, back, &n), MG_SEAL_ERR_ENCODING);
  }
  snprintf(buf, sizeof buf, "%s\n", text); /* a trailing newline */
  ck_assert_int_eq(open_text(&key, "psk:E", buf, back, &n), MG_SEAL_ERR_ENCODING);
  snprintf(buf, sizeof buf, "%.*s", (int)len - 1, text); /* one '=' missing */
  ck_assert_int_eq(open_text(&key, "psk:E", buf, back, &n), MG_SEAL_ERR_ENCODING);
  snprintf(buf, sizeof buf, "%.*s", (int)len - 2, text); /* no padding */
  ck_assert_int_eq(open_text(&key, "psk:E", buf, back, &n), MG_SEAL_ERR_ENCODING);
  snprintf(buf, sizeof buf, "%s====", text); /* extra padding */
  ck_assert_int_eq(open_text(&key, "psk:E", buf, back, &n), MG_SEAL_ERR_ENCODING);
  /* filler bits set: the character before "==" carries 2 data bits and 4 filler bits */
  snprintf(buf, sizeof buf, "%s", text);
  char *last = buf + len - 3;
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  *last = alphabet[(strchr(alphabet, *last) - alphabet) | 1];
  ck_assert_int_eq(open_text(&key, "psk:E", buf, back, &n), MG_SEAL_ERR_ENCODING);
  /* characters outside the alphabet, and the URL-safe alphabet */
  static const char bad_chars[] = "*-_.!~\"\\\x80\xff";
  for (const char *c = bad_chars; *c; c++) {
    snprintf(buf, sizeof buf, "%s", text);
    buf[5] = *c;
    ck_assert_int_eq(open_text(&key, "psk:E", buf, back, &n), MG_SEAL_ERR_ENCODING);
  }
  /* an embedded NUL within the given length */
  snprintf(buf, sizeof buf, "%s", text);
  buf[4] = '\0';
  ck_assert_int_eq(mg_seal_open(&key, "psk:E", buf, len, back, sizeof back, &n), MG_SEAL_ERR_ENCODING);
  ck_assert_int_eq(open_text(&key, "psk:E", "", back, &n), MG_SEAL_ERR_TRUNCATED);
  free(text);
}
END_TEST

static int compare_nonces(const void *a, const void *b) { return memcmp(a, b, MG_SEAL_NONCE_BYTES); }

START_TEST(test_nonces_are_fresh) {
  enum { SEALS = 20000 };
  mg_seal_key_t key;
  test_key(&key, 10);
  uint8_t(*nonces)[MG_SEAL_NONCE_BYTES] = malloc(SEALS * sizeof *nonces);
  ck_assert_ptr_nonnull(nonces);
  static const uint8_t same[8] = "SAMESAME";
  for (size_t i = 0; i < SEALS; i++) {
    char text[MG_SEAL_TEXT_SIZE(sizeof same)];
    uint8_t bin[64];
    ck_assert_int_eq(mg_seal(&key, "psk:F", same, sizeof same, text, sizeof text), MG_SEAL_OK);
    ck_assert_uint_eq(decode(text, bin), sizeof same + MG_SEAL_OVERHEAD);
    memcpy(nonces[i], bin + 1, MG_SEAL_NONCE_BYTES);
  }
  qsort(nonces, SEALS, sizeof *nonces, compare_nonces);
  for (size_t i = 1; i < SEALS; i++) ck_assert_int_ne(memcmp(nonces[i - 1], nonces[i], MG_SEAL_NONCE_BYTES), 0);
  free(nonces);
}
END_TEST

/* ---- key files ---- */

static char dir[PATH_MAX];

static void make_dir(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/mg-seal-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void) {
  char cmd[PATH_MAX + 16];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

/* The path of name in the test's directory; two calls may be used together. */
static const char *in_dir(const char *name) {
  static char paths[2][PATH_MAX + 64];
  static unsigned next;
  char *path = paths[next++ % 2];
  snprintf(path, sizeof paths[0], "%s/%s", dir, name);
  return path;
}

static void write_file(const char *name, const void *data, size_t n, mode_t mode) {
  int fd = open(in_dir(name), O_WRONLY | O_CREAT | O_TRUNC, mode);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, data, n), (ssize_t)n);
  ck_assert_int_eq(fchmod(fd, mode), 0);
  close(fd);
}

static size_t read_file(const char *name, uint8_t *buf, size_t size) {
  int fd = open(in_dir(name), O_RDONLY);
  ck_assert_int_ge(fd, 0);
  ssize_t n = read(fd, buf, size);
  close(fd);
  ck_assert_int_ge(n, 0);
  return (size_t)n;
}

START_TEST(test_created_key_file_is_private_and_loads) {
  mode_t old = umask(0277); /* would leave the owner read-only */
  ck_assert_int_eq(mg_seal_key_create(in_dir("fleet.key")), MG_SEAL_OK);
  umask(old);
  struct stat st;
  ck_assert_int_eq(stat(in_dir("fleet.key"), &st), 0);
  ck_assert_uint_eq(st.st_mode & 07777, MG_SEAL_KEY_FILE_MODE);
  ck_assert_int_eq(st.st_size, MG_SEAL_KEY_BYTES);
  uint8_t raw[64];
  ck_assert_uint_eq(read_file("fleet.key", raw, sizeof raw), MG_SEAL_KEY_BYTES);
  mg_seal_key_t key;
  ck_assert_int_eq(mg_seal_key_load(in_dir("fleet.key"), &key), MG_SEAL_OK);
  ck_assert_mem_eq(key.bytes, raw, MG_SEAL_KEY_BYTES);
  mg_seal_key_wipe(&key);
  static const uint8_t zero[MG_SEAL_KEY_BYTES];
  ck_assert_mem_eq(key.bytes, zero, MG_SEAL_KEY_BYTES);
  /* a second key is another key */
  ck_assert_int_eq(mg_seal_key_create(in_dir("other.key")), MG_SEAL_OK);
  uint8_t raw2[64];
  ck_assert_uint_eq(read_file("other.key", raw2, sizeof raw2), MG_SEAL_KEY_BYTES);
  ck_assert_int_ne(memcmp(raw, raw2, MG_SEAL_KEY_BYTES), 0);
}
END_TEST

START_TEST(test_create_never_replaces_a_file) {
  write_file("taken", "keep", 4, 0600);
  ck_assert_int_eq(mg_seal_key_create(in_dir("taken")), MG_SEAL_ERR_KEY_EXISTS);
  uint8_t buf[16];
  ck_assert_uint_eq(read_file("taken", buf, sizeof buf), 4);
  ck_assert_mem_eq(buf, "keep", 4);
  /* nor a symbolic link, even one pointing nowhere */
  ck_assert_int_eq(symlink(in_dir("nowhere"), in_dir("link")), 0);
  ck_assert_int_eq(mg_seal_key_create(in_dir("link")), MG_SEAL_ERR_KEY_EXISTS);
  ck_assert_int_eq(access(in_dir("nowhere"), F_OK), -1);
  ck_assert_int_eq(mg_seal_key_create(in_dir("no/such/dir/k")), MG_SEAL_ERR_KEY_CREATE);
  ck_assert_int_eq(errno, ENOENT);
  ck_assert_int_eq(mg_seal_key_create(""), MG_SEAL_ERR_ARG);
}
END_TEST

START_TEST(test_load_refuses_open_modes) {
  uint8_t bytes[MG_SEAL_KEY_BYTES] = {1, 2, 3};
  static const mode_t refused[] = {0640, 0604, 0660, 0644, 0666, 0700 | 0004, 0610, 0601};
  mg_seal_key_t key;
  for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
    write_file("k", bytes, sizeof bytes, refused[i]);
    memset(&key, 0x5a, sizeof key);
    ck_assert_int_eq(mg_seal_key_load(in_dir("k"), &key), MG_SEAL_ERR_KEY_MODE);
    static const uint8_t zero[MG_SEAL_KEY_BYTES];
    ck_assert_mem_eq(key.bytes, zero, MG_SEAL_KEY_BYTES);
  }
  static const mode_t accepted[] = {0600, 0400};
  for (size_t i = 0; i < sizeof accepted / sizeof *accepted; i++) {
    write_file("k", bytes, sizeof bytes, accepted[i]);
    ck_assert_int_eq(mg_seal_key_load(in_dir("k"), &key), MG_SEAL_OK);
    ck_assert_mem_eq(key.bytes, bytes, sizeof bytes);
  }
  /* a link is followed and the file it names is checked */
  ck_assert_int_eq(symlink(in_dir("k"), in_dir("via-link")), 0);
  ck_assert_int_eq(mg_seal_key_load(in_dir("via-link"), &key), MG_SEAL_OK);
  ck_assert_int_eq(chmod(in_dir("k"), 0644), 0);
  ck_assert_int_eq(mg_seal_key_load(in_dir("via-link"), &key), MG_SEAL_ERR_KEY_MODE);
}
END_TEST

START_TEST(test_load_refuses_wrong_sizes_and_non_files) {
  uint8_t bytes[MG_SEAL_KEY_BYTES + 1] = {0};
  static const size_t sizes[] = {0, 1, MG_SEAL_KEY_BYTES - 1, MG_SEAL_KEY_BYTES + 1};
  mg_seal_key_t key;
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    write_file("k", bytes, sizes[i], 0600);
    ck_assert_int_eq(mg_seal_key_load(in_dir("k"), &key), MG_SEAL_ERR_KEY_SIZE);
  }
  /* the text form of a key (base64 with a newline) is not a key file */
  write_file("k", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", 45, 0600);
  ck_assert_int_eq(mg_seal_key_load(in_dir("k"), &key), MG_SEAL_ERR_KEY_SIZE);
  ck_assert_int_eq(mkdir(in_dir("d"), 0700), 0);
  ck_assert_int_eq(mg_seal_key_load(in_dir("d"), &key), MG_SEAL_ERR_KEY_NOT_FILE);
  ck_assert_int_eq(mkfifo(in_dir("fifo"), 0600), 0);
  ck_assert_int_eq(mg_seal_key_load(in_dir("fifo"), &key), MG_SEAL_ERR_KEY_NOT_FILE);
  ck_assert_int_eq(mg_seal_key_load("/dev/null", &key), MG_SEAL_ERR_KEY_NOT_FILE);
  errno = 0;
  ck_assert_int_eq(mg_seal_key_load(in_dir("missing"), &key), MG_SEAL_ERR_KEY_OPEN);
  ck_assert_int_eq(errno, ENOENT);
  ck_assert_int_eq(mg_seal_key_load(NULL, &key), MG_SEAL_ERR_ARG);
  ck_assert_int_eq(mg_seal_key_load(in_dir("k"), NULL), MG_SEAL_ERR_ARG);
}
END_TEST

/* ---- key check value ---- */

START_TEST(test_key_check_value) {
  mg_seal_key_t key, other;
  test_key(&key, 11);
  test_key(&other, 12);
  char a[MG_SEAL_CHECK_TEXT_SIZE], b[MG_SEAL_CHECK_TEXT_SIZE];
  ck_assert_int_eq(mg_seal_check_make(&key, a, sizeof a), MG_SEAL_OK);
  ck_assert_int_eq(mg_seal_check_make(&key, b, sizeof b), MG_SEAL_OK);
  ck_assert_str_ne(a, b); /* fresh nonces */
  ck_assert_int_eq(mg_seal_check_verify(&key, a, strlen(a)), MG_SEAL_OK);
  ck_assert_int_eq(mg_seal_check_verify(&key, b, strlen(b)), MG_SEAL_OK);
  ck_assert_int_eq(mg_seal_check_verify(&other, a, strlen(a)), MG_SEAL_ERR_KEY_MISMATCH);
  ck_assert_int_eq(mg_seal_check_verify(&key, "not sealed", 10), MG_SEAL_ERR_ENCODING);
  ck_assert_int_eq(mg_seal_check_make(&key, a, sizeof a - 1), MG_SEAL_ERR_BUFFER);
  /* a secret sealed under the key is not a check value, even under the check's label */
  char text[MG_SEAL_TEXT_SIZE(23)];
  ck_assert_int_eq(mg_seal(&key, MG_SEAL_CHECK_LABEL, (const uint8_t *)"mamgate fleet key chec!", 23, text, sizeof text),
                   MG_SEAL_OK);
  ck_assert_int_eq(mg_seal_check_verify(&key, text, strlen(text)), MG_SEAL_ERR_KEY_MISMATCH);
  ck_assert_int_eq(mg_seal(&key, "psk:X", (const uint8_t *)MG_SEAL_CHECK_MARKER, 23, text, sizeof text), MG_SEAL_OK);
  ck_assert_int_eq(mg_seal_check_verify(&key, text, strlen(text)), MG_SEAL_ERR_KEY_MISMATCH);
}
END_TEST

/* Random trytes: the length asked, NUL-terminated, every character of the alphabet in use and
 * none other, and each of the 27 about equally often (no bias from the byte mapping). */
START_TEST(test_random_trytes) {
  enum { N = 27000 };
  char *t = malloc(N + 2);
  ck_assert_ptr_nonnull(t);
  t[N + 1] = 'x';
  ck_assert_int_eq(mg_seal_random_trytes(t, N), MG_SEAL_OK);
  ck_assert_uint_eq(strlen(t), N);
  ck_assert_int_eq(t[N + 1], 'x');
  size_t count[27] = {0};
  for (size_t i = 0; i < N; i++) {
    const char *at = strchr(MAM_TRYTE_ALPHABET, t[i]);
    ck_assert_ptr_nonnull(at);
    count[at - MAM_TRYTE_ALPHABET]++;
  }
  for (size_t c = 0; c < 27; c++) ck_assert_msg(count[c] > 800 && count[c] < 1200, "tryte %zu: %zu of %d", c, count[c], N);
  char a[82], b[82];
  ck_assert_int_eq(mg_seal_random_trytes(a, 81), MG_SEAL_OK);
  ck_assert_int_eq(mg_seal_random_trytes(b, 81), MG_SEAL_OK);
  ck_assert_str_ne(a, b);
  ck_assert_int_eq(mg_seal_random_trytes(a, 0), MG_SEAL_OK);
  ck_assert_str_eq(a, "");
  free(t);
}
END_TEST

START_TEST(test_strerror_names_every_code) {
  for (int e = 0; e < MG_SEAL_ERR__COUNT; e++) {
    const char *s = mg_seal_strerror((mg_seal_err_t)e);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_ne(s, "unknown seal error");
    for (int f = 0; f < e; f++) ck_assert_str_ne(s, mg_seal_strerror((mg_seal_err_t)f));
  }
  ck_assert_str_eq(mg_seal_strerror(MG_SEAL_ERR__COUNT), "unknown seal error");
  ck_assert_str_eq(mg_seal_strerror((mg_seal_err_t)-1), "unknown seal error");
}
END_TEST

int main(void) {
  Suite *suite = suite_create("seal");
  TCase *aead = tcase_create("aead");
  tcase_add_test(aead, test_nettle_aead_matches_rfc8439);
  tcase_add_test(aead, test_sealed_rfc8439_vector_opens);
  tcase_add_test(aead, test_seal_layout_is_version_nonce_cipher_tag);
  tcase_add_test(aead, test_round_trip_every_size_class);
  tcase_add_test(aead, test_limits_and_arguments);
  tcase_add_test(aead, test_every_flipped_byte_is_refused);
  tcase_add_test(aead, test_every_changed_character_is_refused);
  tcase_add_test(aead, test_every_truncation_is_refused);
  tcase_add_test(aead, test_wrong_key_and_wrong_label_are_refused);
  tcase_add_test(aead, test_refused_opening_erases_output);
  tcase_add_test(aead, test_unknown_versions_are_refused);
  tcase_add_test(aead, test_non_canonical_base64_is_refused);
  tcase_add_test(aead, test_nonces_are_fresh);
  tcase_add_test(aead, test_key_check_value);
  tcase_add_test(aead, test_strerror_names_every_code);
  tcase_add_test(aead, test_random_trytes);
  suite_add_tcase(suite, aead);
  TCase *files = tcase_create("key_files");
  tcase_add_checked_fixture(files, make_dir, remove_dir);
  tcase_add_test(files, test_created_key_file_is_private_and_loads);
  tcase_add_test(files, test_create_never_replaces_a_file);
  tcase_add_test(files, test_load_refuses_open_modes);
  tcase_add_test(files, test_load_refuses_wrong_sizes_and_non_files);
  suite_add_tcase(suite, files);
  return tu_run_suite(suite);
}
