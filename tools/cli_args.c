#include "tools/cli_args.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

void cli_usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("mamgate-cli: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(CLI_EXIT_USAGE);
}

trit_t *cli_trits(const char *what, const char *trytes, size_t want_trytes, size_t *n_trits) {
  if (!trytes) cli_usage_error("missing %s", what);
  size_t n = strlen(trytes);
  if (want_trytes && n != want_trytes)
    cli_usage_error("%s must be %zu trytes, got %zu", what, want_trytes, n);
  trit_t *t = malloc(3 * n + 1);
  if (!t) cli_usage_error("out of memory");
  for (size_t i = 0; i < n; i++)
    if (mam_tryte_value(trytes[i]) == MAM_TRYTE_INVALID)
      cli_usage_error("%s: invalid tryte character at position %zu (allowed: 9 and A-Z)", what, i);
  if (mam_trytes_to_trits(trytes, n, t) != MAM_OK) cli_usage_error("%s: invalid trytes", what);
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

void cli_print_trytes(const trit_t *trits, size_t n) {
  char *s = malloc(n / 3 + 2);
  if (!s) cli_usage_error("out of memory");
  mam_trits_to_trytes(trits, n, s);
  s[n / 3] = '\n';
  fwrite(s, 1, n / 3 + 1, stdout);
  free(s);
}

void cli_random_trits(trit_t *out, size_t n) {
  uint8_t bytes[256];
  size_t have = 0, used = sizeof bytes;
  while (have < n) {
    if (used == sizeof bytes) {
      if (getrandom(bytes, sizeof bytes, 0) != (ssize_t)sizeof bytes) cli_usage_error("cannot read random bytes");
      used = 0;
    }
    uint8_t b = bytes[used++];
    if (b < 243) out[have++] = (trit_t)(b % 3 - 1); /* 243 = 3^5: no bias */
  }
  mam_wipe(bytes, sizeof bytes);
}
