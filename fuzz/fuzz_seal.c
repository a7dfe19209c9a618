/* Fuzz target: opening sealed secrets (mg_seal_open and mg_seal_check_verify in seal/), which
 * parse text read from a database other processes write to.
 *
 * Input: a mode byte, then the rest.
 * - Mode even: the rest is a sealed text, opened with the fixed key and label below (the seeds
 *   are real sealed values for them). A text that opens has exactly the length its secret calls
 *   for, and does not open under another label or key; a text that does not open leaves no byte
 *   in the output buffer. The key check value parser is run on it too, and accepts only the
 *   marker sealed under its own label.
 * - Mode odd: the rest (at most MG_SEAL_PLAIN_MAX bytes) is a secret: it is sealed, must open to
 *   itself, and must be refused once any one byte of the text (chosen by the mode byte and the
 *   input's length) is changed or once the text is cut short. */
#include <stdbool.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "seal/check.h"
#include "seal/seal.h"

#define LABEL "psk:FUZZ"

static void fuzz_key(mg_seal_key_t *key) {
  for (size_t i = 0; i < MG_SEAL_KEY_BYTES; i++) key->bytes[i] = (uint8_t)i;
}

static bool all_zero(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i]) return false;
  return true;
}

static void open_text(const mg_seal_key_t *key, const char *text, size_t len) {
  static uint8_t plain[MG_SEAL_PLAIN_MAX];
  memset(plain, 0, sizeof plain);
  size_t n = 12345;
  mg_seal_err_t err = mg_seal_open(key, LABEL, text, len, plain, sizeof plain, &n);
  if (err != MG_SEAL_OK) {
    FZ_CHECK(n == 0 && all_zero(plain, sizeof plain));
    FZ_CHECK(mg_seal_strerror(err)[0] != '\0');
  } else {
    FZ_CHECK(len == MG_SEAL_TEXT_LEN(n));
    size_t m = 0;
    FZ_CHECK(mg_seal_open(key, "psk:FUZY", text, len, plain, sizeof plain, &m) == MG_SEAL_ERR_AUTH && m == 0);
    mg_seal_key_t other = *key;
    other.bytes[0] ^= 0x80;
    FZ_CHECK(mg_seal_open(&other, LABEL, text, len, plain, sizeof plain, &m) == MG_SEAL_ERR_AUTH && m == 0);
  }
  /* The check value parser accepts only the marker sealed under its own label. */
  mg_seal_err_t check = mg_seal_check_verify(key, text, len);
  FZ_CHECK(check != MG_SEAL_ERR_AUTH && check < MG_SEAL_ERR__COUNT);
  if (check == MG_SEAL_OK) {
    size_t m = 0;
    FZ_CHECK(mg_seal_open(key, MG_SEAL_CHECK_LABEL, text, len, plain, sizeof plain, &m) == MG_SEAL_OK);
    FZ_CHECK(m == strlen(MG_SEAL_CHECK_MARKER) && memcmp(plain, MG_SEAL_CHECK_MARKER, m) == 0);
  }
}

static void round_trip(const mg_seal_key_t *key, uint8_t mode, const uint8_t *secret, size_t n) {
  static char text[MG_SEAL_TEXT_SIZE(MG_SEAL_PLAIN_MAX)];
  static uint8_t back[MG_SEAL_PLAIN_MAX];
  FZ_CHECK(mg_seal(key, LABEL, secret, n, text, sizeof text) == MG_SEAL_OK);
  size_t len = strlen(text), m = 0;
  FZ_CHECK(len == MG_SEAL_TEXT_LEN(n));
  FZ_CHECK(mg_seal_open(key, LABEL, text, len, back, sizeof back, &m) == MG_SEAL_OK);
  FZ_CHECK(m == n && memcmp(back, secret, n) == 0);
  size_t at = ((size_t)mode * 131 + n) % len;
  char was = text[at];
  text[at] = (char)(was == 'A' ? 'B' : 'A');
  FZ_CHECK(mg_seal_open(key, LABEL, text, len, back, sizeof back, &m) != MG_SEAL_OK && m == 0);
  text[at] = was;
  FZ_CHECK(mg_seal_open(key, LABEL, text, at, back, sizeof back, &m) != MG_SEAL_OK && m == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  mg_seal_key_t key;
  fuzz_key(&key);
  uint8_t mode = data[0];
  if (mode % 2 == 0) open_text(&key, (const char *)data + 1, size - 1);
  else round_trip(&key, mode, data + 1, size - 1 > MG_SEAL_PLAIN_MAX ? MG_SEAL_PLAIN_MAX : size - 1);
  return 0;
}
