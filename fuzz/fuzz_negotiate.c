/* Fuzz target: the strict header parsers of http/negotiate.c, If-None-Match and Accept-Encoding,
 * which read what any client sends on the REST reads.
 *
 * Input: an entity tag's text, a newline, an If-None-Match value, a newline, an Accept-Encoding
 * value (NUL bytes end a value, as in a header). Checked: a match names the tag or is "*"; a tag
 * always matches itself, its W/ form, and any list that matched with the tag appended; a header
 * that allows gzip names gzip or "*"; a weight after "gzip;q=" allows gzip exactly when it is a
 * q-value above 0 by the grammar's rules, checked with a plain reader written here. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "fuzz/fuzz.h"
#include "http/negotiate.h"

/* The next line of the input as a NUL-terminated string (malloc'd). */
static char *next_line(fz_input_t *in) {
  size_t start = in->pos, end = start;
  while (end < in->n && in->p[end] != '\n') end++;
  in->pos = end < in->n ? end + 1 : end;
  char *s = malloc(end - start + 1);
  if (s == NULL) abort();
  memcpy(s, in->p + start, end - start);
  s[end - start] = '\0';
  return s;
}

/* A strong entity tag from raw text: its characters that an entity tag may hold, quoted. */
static char *make_tag(const char *raw) {
  char *t = malloc(strlen(raw) + 3), *p = t;
  if (t == NULL) abort();
  *p++ = '"';
  for (const unsigned char *c = (const unsigned char *)raw; *c; c++)
    if (*c == 0x21 || (*c >= 0x23 && *c != 0x7f)) *p++ = (char)*c;
  *p++ = '"';
  *p = '\0';
  return t;
}

static char *concat(const char *a, const char *b, const char *c) {
  size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
  char *s = malloc(la + lb + lc + 1);
  if (s == NULL) abort();
  memcpy(s, a, la);
  memcpy(s + la, b, lb);
  memcpy(s + la + lb, c, lc + 1);
  return s;
}

static bool mentions(const char *header, const char *needle) {
  size_t n = strlen(needle);
  for (const char *p = header; *p; p++)
    if (strncasecmp(p, needle, n) == 0) return true;
  return false;
}

/* The q-value grammar read plainly: "0", "0." and up to three digits, "1", "1." and up to three
 * zeros; true with the value in thousandths. */
static bool plain_qvalue(const char *s, int *q) {
  size_t n = strlen(s);
  if (n == 0 || n > 5 || (s[0] != '0' && s[0] != '1') || (n > 1 && s[1] != '.')) return false;
  int value = (s[0] - '0') * 1000;
  for (size_t i = 2; i < n; i++) {
    if (!isdigit((unsigned char)s[i]) || (s[0] == '1' && s[i] != '0')) return false;
    value += (s[i] - '0') * (i == 2 ? 100 : i == 3 ? 10 : 1);
  }
  *q = value;
  return true;
}

static void check_if_none_match(const char *tag, const char *header) {
  FZ_CHECK(mg_http_if_none_match(tag, tag));
  char *weak = concat("W/", tag, "");
  FZ_CHECK(mg_http_if_none_match(weak, tag));
  free(weak);
  if (!mg_http_if_none_match(header, tag)) return;
  const char *h = header;
  while (*h == ' ' || *h == '\t') h++;
  FZ_CHECK(*h == '*' || strstr(header, tag) != NULL);
  if (*h != '*') {
    char *longer = concat(header, ", ", tag);
    FZ_CHECK(mg_http_if_none_match(longer, tag));
    free(longer);
  }
}

static void check_accept_encoding(const char *header) {
  if (mg_http_accepts_gzip(header)) FZ_CHECK(mentions(header, "gzip") || strchr(header, '*') != NULL);
  if (strchr(header, ',') != NULL || strchr(header, ' ') != NULL || strchr(header, '\t') != NULL) return;
  char *weighted = concat("gzip;q=", header, "");
  int q = 0;
  bool plain = plain_qvalue(header, &q) && q > 0;
  FZ_CHECK(mg_http_accepts_gzip(weighted) == plain);
  free(weighted);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_input_t in = {data, size, 0};
  char *raw = next_line(&in), *inm = next_line(&in), *ae = next_line(&in);
  char *tag = make_tag(raw);
  check_if_none_match(tag, inm);
  check_accept_encoding(ae);
  free(tag);
  free(raw);
  free(inm);
  free(ae);
  return 0;
}
