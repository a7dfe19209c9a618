/* http/route.h: route patterns, request-path splitting and percent-decoding for http/server.c.
 * Pure string work (no I/O, no MHD), so it is tested on its own.
 *
 * Paths are split on '/' *before* decoding, so an escaped byte never creates a segment boundary.
 * A request path is refused when a segment decodes to "." or "..", holds a NUL byte or a '/'
 * (from %00 or %2F), or has a malformed escape ('%' not followed by two hex digits). One trailing
 * slash is ignored ("/v1/channels/" is "/v1/channels"); other empty segments are kept and match
 * nothing. '+' is a literal plus in paths. */
#ifndef HTTP_ROUTE_H
#define HTTP_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

/* Decodes the %XX escapes of in[0..n) into out (room for n + 1 bytes), NUL-terminates it and sets
 * *out_len. False on a malformed escape or a decoded NUL byte. */
bool mg_percent_decode(const char *in, size_t n, char *out, size_t *out_len);

typedef enum mg_path_err {
  MG_PATH_OK = 0,
  MG_PATH_NOT_ABSOLUTE, /* does not start with '/' */
  MG_PATH_BAD_ESCAPE,   /* malformed %XX or %00 */
  MG_PATH_SEPARATOR,    /* a segment decodes to a '/' (%2F) */
  MG_PATH_DOT_SEGMENT,  /* a segment decodes to "." or ".." */
  MG_PATH_NO_MEMORY,
  MG_PATH_ERR__COUNT
} mg_path_err_t;

/* A short English description of err (never NULL). */
const char *mg_path_strerror(mg_path_err_t err);

/* A request path as decoded segments; the root "/" has none. */
typedef struct mg_path {
  char *text;        /* the decoded segments, each NUL-terminated */
  const char **segs; /* n pointers into text */
  size_t n;
} mg_path_t;

mg_path_err_t mg_path_split(const char *raw, mg_path_t *out);
void mg_path_free(mg_path_t *p);

/* A pattern such as "/v1/channels/{id}/messages": literal segments and {name} parameters (name of
 * letters, digits and '_', unique in the pattern). "/" alone is the root. */
typedef struct mg_pattern {
  char *text;        /* the segments (parameter names without braces), each NUL-terminated */
  const char **segs; /* n pointers into text */
  bool *is_param;
  size_t n;
} mg_pattern_t;

/* 0, or -1 for a malformed pattern (empty or dot segment, trailing '/', '{' or '}' or '%' or '?'
 * outside a whole-segment parameter, duplicate name) or when out of memory. */
int mg_pattern_parse(const char *text, mg_pattern_t *out);
void mg_pattern_free(mg_pattern_t *p);

/* True when the path has as many segments, equal literals and a non-empty segment per parameter. */
bool mg_pattern_match(const mg_pattern_t *p, const mg_path_t *path);

/* The path segment bound to parameter `name` by a matching pattern; NULL when there is none. */
const char *mg_pattern_param(const mg_pattern_t *p, const mg_path_t *path, const char *name);

#endif
