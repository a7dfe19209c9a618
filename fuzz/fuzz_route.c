/* Fuzz target: the REST adapter's path handling (http/route.c): percent-decoding, request-path
 * splitting and route patterns, the code every request path and query argument passes through
 * before a handler sees it.
 *
 * Input: a route pattern, a newline, then a request path (NUL bytes cut it short, as in an HTTP
 * request line). Percent-decoding is compared with a plain decoder written here; an accepted path
 * has no dot segments, no '/' or NUL inside a segment, and segments that are exactly the decoded
 * raw pieces; a pattern that parses and matches binds every parameter to a non-empty
 * segment. */
#include <string.h>

#include "fuzz/fuzz.h"
#include "http/route.h"

/* The rules of route.h spelt out independently: %XX with two hex digits, no decoded NUL. */
static bool plain_decode(const char *in, size_t n, char *out, size_t *out_len) {
  static const char hex[] = "0123456789abcdef0123456789ABCDEF";
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    int c = (unsigned char)in[i];
    if (c == '%') {
      const char *hi = i + 2 < n && in[i + 1] ? strchr(hex, in[i + 1]) : NULL;
      const char *lo = hi && in[i + 2] ? strchr(hex, in[i + 2]) : NULL;
      if (!hi || !lo) return false;
      c = (int)(((hi - hex) % 16) * 16 + (lo - hex) % 16);
      i += 2;
    }
    if (c == 0) return false;
    out[o++] = (char)c;
  }
  *out_len = o;
  return true;
}

static void check_decode(const char *in, size_t n) {
  char *a = malloc(n + 1), *b = malloc(n + 1);
  size_t alen = 0, blen = 0;
  if (a && b) {
    bool ok = mg_percent_decode(in, n, a, &alen);
    FZ_CHECK(ok == plain_decode(in, n, b, &blen));
    if (ok) FZ_CHECK(alen == blen && alen <= n && a[alen] == 0 && memcmp(a, b, alen) == 0);
  }
  free(a);
  free(b);
}

/* Every segment of an accepted path against its raw piece. */
static void check_path(const char *raw, const mg_path_t *p) {
  size_t len = strlen(raw);
  if (len > 1 && raw[len - 1] == '/') len--;
  const char *piece = raw + 1;
  for (size_t i = 0; i < p->n; i++) {
    const char *end = memchr(piece, '/', (size_t)(raw + len - piece));
    if (!end) end = raw + len;
    size_t n = (size_t)(end - piece), dlen;
    char *decoded = malloc(n + 1);
    FZ_CHECK(decoded && plain_decode(piece, n, decoded, &dlen));
    FZ_CHECK(strlen(p->segs[i]) == dlen && memcmp(p->segs[i], decoded, dlen) == 0);
    FZ_CHECK(!strchr(p->segs[i], '/') && strcmp(p->segs[i], ".") != 0 && strcmp(p->segs[i], "..") != 0);
    free(decoded);
    piece = end + 1;
  }
  FZ_CHECK(piece >= raw + len); /* no piece left over */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = 0;
  char *nl = memchr(text, '\n', size), *pattern_text = text, *raw = nl ? nl + 1 : text;
  if (nl) *nl = 0;
  check_decode(raw, strlen(raw));
  check_decode((const char *)data, size); /* with NUL bytes inside */
  mg_path_t path;
  mg_path_err_t err = mg_path_split(raw, &path);
  FZ_CHECK(err >= MG_PATH_OK && err <= MG_PATH_NO_MEMORY);
  if (err == MG_PATH_OK) {
    check_path(raw, &path);
    mg_pattern_t pattern;
    if (mg_pattern_parse(pattern_text, &pattern) == 0) {
      if (mg_pattern_match(&pattern, &path)) {
        for (size_t i = 0; i < pattern.n; i++) {
          if (!pattern.is_param[i]) continue;
          const char *v = mg_pattern_param(&pattern, &path, pattern.segs[i]);
          FZ_CHECK(v && *v && v == path.segs[i]);
        }
      }
      FZ_CHECK(mg_pattern_param(&pattern, &path, "{no such name}") == NULL);
      mg_pattern_free(&pattern);
    }
    mg_path_free(&path);
  }
  free(text);
  return 0;
}
