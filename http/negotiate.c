/* Strict parsers of If-None-Match and Accept-Encoding (see http/negotiate.h). */
#include "http/negotiate.h"

#include <string.h>
#include <strings.h>

static const char *skip_ows(const char *p) {
  while (*p == ' ' || *p == '\t') p++;
  return p;
}

/* etagc = %x21 / %x23-7E / obs-text (%x80-FF) */
static bool is_etagc(unsigned char c) { return c == 0x21 || (c >= 0x23 && c != 0x7f); }

/* tchar: a token character */
static bool is_tchar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* The end of an element: spaces, then ',' or the end of the header; NULL when something else follows. */
static const char *element_end(const char *p) {
  p = skip_ows(p);
  return *p == ',' || *p == '\0' ? p : NULL;
}

bool mg_http_if_none_match(const char *header, const char *etag) {
  if (header == NULL) return false;
  const char *p = skip_ows(header);
  if (*p == '*') {
    p = element_end(p + 1);
    return p != NULL && *p == '\0';
  }
  size_t etag_len = strlen(etag);
  bool matched = false;
  for (;;) {
    p = skip_ows(p);
    if (*p == ',') {
      p++;
      continue;
    }
    if (*p == '\0') return matched;
    if (p[0] == 'W' && p[1] == '/') p += 2;
    if (*p != '"') return false;
    const char *tag = p++;
    while (is_etagc((unsigned char)*p)) p++;
    if (*p++ != '"') return false;
    matched |= (size_t)(p - tag) == etag_len && memcmp(tag, etag, etag_len) == 0;
    if ((p = element_end(p)) == NULL) return false;
  }
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths; NULL when malformed. */
static const char *parse_qvalue(const char *p, int *q) {
  if (*p != '0' && *p != '1') return NULL;
  *q = *p == '1' ? 1000 : 0;
  if (*++p != '.') return p;
  p++;
  for (int scale = 100, i = 0; i < 3 && *p >= '0' && *p <= '9'; i++, p++, scale /= 10) {
    if (*q == 1000 && *p != '0') return NULL;
    *q += (*p - '0') * scale;
  }
  return p;
}

enum { UNLISTED = -1 };

typedef struct weights {
  int gzip, identity, any; /* thousandths, or UNLISTED */
} weights_t;

static bool is_coding(const char *token, size_t len, const char *name) {
  return len == strlen(name) && strncasecmp(token, name, len) == 0;
}

static void record(weights_t *w, const char *token, size_t len, int q) {
  int *slot = is_coding(token, len, "gzip") || is_coding(token, len, "x-gzip") ? &w->gzip
              : is_coding(token, len, "identity")                                ? &w->identity
              : is_coding(token, len, "*")                                       ? &w->any
                                                                                 : NULL;
  if (slot != NULL && *slot == UNLISTED) *slot = q;
}

/* Reads the list into w; false when malformed. */
static bool parse_accept_encoding(const char *p, weights_t *w) {
  for (;;) {
    p = skip_ows(p);
    if (*p == ',') {
      p++;
      continue;
    }
    if (*p == '\0') return true;
    const char *token = p;
    while (is_tchar((unsigned char)*p)) p++;
    size_t len = (size_t)(p - token);
    if (len == 0) return false;
    int q = 1000;
    p = skip_ows(p);
    if (*p == ';') {
      p = skip_ows(p + 1);
      if ((*p != 'q' && *p != 'Q') || p[1] != '=' || (p = parse_qvalue(p + 2, &q)) == NULL) return false;
    }
    if ((p = element_end(p)) == NULL) return false;
    record(w, token, len, q);
  }
}

bool mg_http_accepts_gzip(const char *header) {
  weights_t w = {UNLISTED, UNLISTED, UNLISTED};
  if (header == NULL || !parse_accept_encoding(header, &w)) return false;
  int gzip = w.gzip != UNLISTED ? w.gzip : (w.any != UNLISTED ? w.any : 0);
  int identity = w.identity != UNLISTED ? w.identity : (w.any != UNLISTED ? w.any : 0);
  return gzip > 0 && gzip >= identity;
}
