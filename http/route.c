#include "http/route.h"

#include <stdlib.h>
#include <string.h>

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool mg_percent_decode(const char *in, size_t n, char *out, size_t *out_len) {
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    char c = in[i];
    if (c == '%') {
      if (n - i < 3) return false;
      int hi = hex_digit(in[i + 1]), lo = hex_digit(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      c = (char)(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0') return false;
    out[o++] = c;
  }
  out[o] = '\0';
  *out_len = o;
  return true;
}

/* Number of '/'-separated segments of s[0..n) when s starts with '/'. */
static size_t count_segments(const char *s, size_t n) {
  size_t count = 0;
  for (size_t i = 0; i < n; i++) count += s[i] == '/';
  return count;
}

static bool is_dot_segment(const char *seg) { return strcmp(seg, ".") == 0 || strcmp(seg, "..") == 0; }

/* Allocates text (room for len bytes of segments) and n segment pointers. */
static bool alloc_segments(size_t len, size_t n, char **text, const char ***segs) {
  *text = malloc(len + 1);
  *segs = malloc((n ? n : 1) * sizeof **segs);
  if (*text != NULL && *segs != NULL) return true;
  free(*text);
  free(*segs);
  *text = NULL;
  *segs = NULL;
  return false;
}

/* Decodes one raw segment into *cursor and checks it. */
static mg_path_err_t decode_segment(const char *raw, size_t n, char **cursor) {
  size_t len;
  if (!mg_percent_decode(raw, n, *cursor, &len)) return MG_PATH_BAD_ESCAPE;
  if (memchr(*cursor, '/', len) != NULL) return MG_PATH_SEPARATOR;
  if (is_dot_segment(*cursor)) return MG_PATH_DOT_SEGMENT;
  *cursor += len + 1;
  return MG_PATH_OK;
}

static const char *const path_err_names[MG_PATH_ERR__COUNT] = {
    [MG_PATH_OK] = "ok",
    [MG_PATH_NOT_ABSOLUTE] = "the path does not start with '/'",
    [MG_PATH_BAD_ESCAPE] = "a malformed %XX escape or %00",
    [MG_PATH_SEPARATOR] = "a segment holds an escaped '/'",
    [MG_PATH_DOT_SEGMENT] = "a '.' or '..' segment",
    [MG_PATH_NO_MEMORY] = "out of memory",
};

const char *mg_path_strerror(mg_path_err_t err) {
  return (unsigned)err < MG_PATH_ERR__COUNT ? path_err_names[err] : "unknown path error";
}

mg_path_err_t mg_path_split(const char *raw, mg_path_t *out) {
  memset(out, 0, sizeof *out);
  if (raw[0] != '/') return MG_PATH_NOT_ABSOLUTE;
  size_t len = strlen(raw);
  if (len > 1 && raw[len - 1] == '/') len--; /* one trailing slash is ignored */
  size_t n = len == 1 ? 0 : count_segments(raw, len);
  char *text;
  const char **segs;
  if (!alloc_segments(len, n, &text, &segs)) return MG_PATH_NO_MEMORY;
  *out = (mg_path_t){.text = text, .segs = segs, .n = n};
  const char *seg = raw + 1;
  char *cursor = text;
  for (size_t i = 0; i < n; i++) {
    const char *end = memchr(seg, '/', len - (size_t)(seg - raw));
    if (end == NULL) end = raw + len;
    segs[i] = cursor;
    mg_path_err_t err = decode_segment(seg, (size_t)(end - seg), &cursor);
    if (err != MG_PATH_OK) {
      mg_path_free(out);
      return err;
    }
    seg = end + 1;
  }
  return MG_PATH_OK;
}

void mg_path_free(mg_path_t *p) {
  free(p->text);
  free(p->segs);
  memset(p, 0, sizeof *p);
}

static bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* "{name}" → the name in place (braces dropped), true; a literal → true unchanged; else false. */
static bool parse_pattern_segment(char *seg, bool *is_param) {
  size_t len = strlen(seg);
  *is_param = len > 2 && seg[0] == '{' && seg[len - 1] == '}';
  if (*is_param) {
    memmove(seg, seg + 1, len - 2);
    seg[len - 2] = '\0';
    for (const char *c = seg; *c; c++)
      if (!is_name_char(*c)) return false;
    return true;
  }
  return len > 0 && strpbrk(seg, "{}%?#") == NULL && !is_dot_segment(seg);
}

static bool has_duplicate_param(const mg_pattern_t *p, size_t upto) {
  for (size_t j = 0; j < upto; j++)
    if (p->is_param[j] && strcmp(p->segs[j], p->segs[upto]) == 0) return true;
  return false;
}

int mg_pattern_parse(const char *text, mg_pattern_t *out) {
  memset(out, 0, sizeof *out);
  size_t len = strlen(text);
  if (len == 0 || text[0] != '/' || (len > 1 && text[len - 1] == '/')) return -1;
  size_t n = len == 1 ? 0 : count_segments(text, len);
  char *copy;
  const char **segs;
  if (!alloc_segments(len, n, &copy, &segs)) return -1;
  *out = (mg_pattern_t){.text = copy, .segs = segs, .is_param = calloc(n ? n : 1, sizeof(bool)), .n = n};
  if (out->is_param == NULL) goto fail;
  memcpy(copy, text + 1, len); /* the segments and the terminator, without the leading '/' */
  char *seg = copy;
  for (size_t i = 0; i < n; i++) {
    char *slash = strchr(seg, '/');
    if (slash != NULL) *slash = '\0';
    segs[i] = seg;
    if (!parse_pattern_segment(seg, &out->is_param[i]) || (out->is_param[i] && has_duplicate_param(out, i))) goto fail;
    seg = slash != NULL ? slash + 1 : seg + strlen(seg);
  }
  return 0;
fail:
  mg_pattern_free(out);
  return -1;
}

void mg_pattern_free(mg_pattern_t *p) {
  free(p->text);
  free(p->segs);
  free(p->is_param);
  memset(p, 0, sizeof *p);
}

bool mg_pattern_match(const mg_pattern_t *p, const mg_path_t *path) {
  if (p->n != path->n) return false;
  for (size_t i = 0; i < p->n; i++) {
    bool ok = p->is_param[i] ? path->segs[i][0] != '\0' : strcmp(p->segs[i], path->segs[i]) == 0;
    if (!ok) return false;
  }
  return true;
}

const char *mg_pattern_param(const mg_pattern_t *p, const mg_path_t *path, const char *name) {
  for (size_t i = 0; i < p->n && i < path->n; i++)
    if (p->is_param[i] && strcmp(p->segs[i], name) == 0) return path->segs[i];
  return NULL;
}
