#include "tools/cli_args.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static void vreport(const char *fmt, va_list ap) {
  fputs("mamgate-cli: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
}

void cli_usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vreport(fmt, ap);
  va_end(ap);
  exit(CLI_EXIT_USAGE);
}

void cli_fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vreport(fmt, ap);
  va_end(ap);
  exit(CLI_EXIT_FAILURE);
}

void cli_check(mam_err_t err, const char *what) {
  if (err != MAM_OK) cli_fail("%s: %s", what, mam_strerror(err));
}

void *cli_alloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) cli_fail("out of memory");
  return p;
}

void cli_trits_into(const char *what, const char *trytes, size_t n, mam_trit_t *out) {
  for (size_t i = 0; i < n; i++)
    if (mam_tryte_value(trytes[i]) == MAM_TRYTE_INVALID)
      cli_usage_error("%s: invalid tryte character at position %zu (allowed: 9 and A-Z)", what, i);
  if (mam_trytes_to_trits(trytes, n, out) != MAM_OK) cli_usage_error("%s: invalid trytes", what);
}

mam_trit_t *cli_trits(const char *what, const char *trytes, size_t want_trytes, size_t *n_trits) {
  if (!trytes) cli_usage_error("missing %s", what);
  size_t n = strlen(trytes);
  if (want_trytes && n != want_trytes)
    cli_usage_error("%s must be %zu trytes, got %zu", what, want_trytes, n);
  mam_trit_t *t = cli_alloc(3 * n);
  cli_trits_into(what, trytes, n, t);
  if (n_trits) *n_trits = 3 * n;
  return t;
}

uint64_t cli_uint(const char *what, const char *text, uint64_t min, uint64_t max) {
  if (!text || !*text) cli_usage_error("missing %s", what);
  char *end;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  if (errno || *end || text[0] == '-' || v < min || v > max)
    cli_usage_error("%s must be an integer from %llu to %llu, got '%s'", what, (unsigned long long)min,
                    (unsigned long long)max, text);
  return (uint64_t)v;
}

/* Splits "A:B" where A has exactly a_trytes characters; returns B. */
static const char *split_pair(const char *what, const char *form, const char *text, size_t a_trytes,
                              size_t b_trytes) {
  const char *colon = strchr(text, ':');
  if (!colon || (size_t)(colon - text) != a_trytes || strlen(colon + 1) != b_trytes)
    cli_usage_error("%s must be %s (%zu and %zu trytes)", what, form, a_trytes, b_trytes);
  return colon + 1;
}

void cli_psk_id(const char *what, const char *id, size_t len, mam_trit_t out[MAM_PSK_ID_TRITS]) {
  char padded[MAM_PSK_ID_TRYTES + 1];
  mam_err_t err = mam_psk_id_pad(id, len, padded);
  if (err != MAM_OK)
    cli_usage_error("%s must be 1 to %d trytes (9 and A-Z; padded with 9): %s", what, MAM_PSK_ID_TRYTES, mam_strerror(err));
  cli_trits_into(what, padded, MAM_PSK_ID_TRYTES, out);
}

void cli_psk(const char *text, mam_psk_t *out) {
  const char *colon = strchr(text, ':');
  if (!colon || strlen(colon + 1) != MAM_PSK_KEY_TRITS / 3)
    cli_usage_error("--psk must be ID:KEY (an id of 1 to %d trytes and a key of %d trytes)", MAM_PSK_ID_TRYTES,
                    MAM_PSK_KEY_TRITS / 3);
  cli_psk_id("--psk id", text, (size_t)(colon - text), out->id);
  cli_trits_into("--psk key", colon + 1, MAM_PSK_KEY_TRITS / 3, out->key);
}

#define NTRU_SK_FIELD_TRITS (MAM_NTRU_SK_TRITS + 2) /* f and two zero trits: whole trytes */

void cli_ntru_sk(const char *text, mam_ntru_sk_t *out) {
  const char *pk = split_pair("--ntru", "SK:PK", text, NTRU_SK_FIELD_TRITS / 3, MAM_NTRU_PK_TRITS / 3);
  mam_trit_t f[NTRU_SK_FIELD_TRITS];
  cli_trits_into("--ntru secret key", text, NTRU_SK_FIELD_TRITS / 3, f);
  mam_trit_t *h = cli_alloc(MAM_NTRU_PK_TRITS);
  cli_trits_into("--ntru public key", pk, MAM_NTRU_PK_TRITS / 3, h);
  bool padded = f[MAM_NTRU_SK_TRITS] == 0 && f[MAM_NTRU_SK_TRITS + 1] == 0;
  mam_err_t err = padded ? mam_ntru_sk_load(out, f, h) : MAM_ERR_INVALID_VALUE;
  mam_wipe(f, sizeof f);
  free(h);
  if (err != MAM_OK) cli_usage_error("--ntru: not a key pair of ntru-keygen (%s)", mam_strerror(err));
}

void cli_trytes(const mam_trit_t *trits, size_t n, char *out) {
  mam_trits_to_trytes(trits, n, out);
  out[n / 3] = 0;
}

void cli_print_trytes(const mam_trit_t *trits, size_t n) {
  char *s = cli_alloc(n / 3 + 2);
  mam_trits_to_trytes(trits, n, s);
  s[n / 3] = '\n';
  fwrite(s, 1, n / 3 + 1, stdout);
  free(s);
}

void cli_random_trits(mam_trit_t *out, size_t n) {
  uint8_t bytes[256];
  size_t have = 0, used = sizeof bytes;
  while (have < n) {
    if (used == sizeof bytes) {
      if (getrandom(bytes, sizeof bytes, 0) != (ssize_t)sizeof bytes) cli_fail("cannot read random bytes");
      used = 0;
    }
    uint8_t b = bytes[used++];
    if (b < 243) out[have++] = (mam_trit_t)(b % 3 - 1); /* 243 = 3^5: no bias */
  }
  mam_wipe(bytes, sizeof bytes);
}
