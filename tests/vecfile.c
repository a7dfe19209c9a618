#include "tests/vecfile.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *vf_grow(void *array, size_t count, size_t size) {
  void *p = realloc(array, (count + 1) * size);
  ck_assert_msg(p != NULL, "out of memory");
  return p;
}

static char *vf_strdup(const char *s, size_t n) {
  char *d = malloc(n + 1);
  ck_assert_msg(d != NULL, "out of memory");
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

/* Appends an empty record when the last one is not empty (a blank line ends a vector). */
static void vf_close_record(vf_section_t *s) {
  if (s->n > 0 && s->records[s->n - 1].n == 0) return;
  s->records = vf_grow(s->records, s->n, sizeof *s->records);
  s->records[s->n].entries = NULL;
  s->records[s->n].n = 0;
  s->n++;
}

static void vf_add_entry(vf_section_t *s, const char *line, const char *path) {
  const char *eq = strstr(line, " = ");
  ck_assert_msg(eq != NULL, "%s: malformed line '%s'", path, line);
  vf_record_t *r = &s->records[s->n - 1];
  r->entries = vf_grow(r->entries, r->n, sizeof *r->entries);
  r->entries[r->n].key = vf_strdup(line, (size_t)(eq - line));
  r->entries[r->n].value = vf_strdup(eq + 3, strlen(eq + 3));
  r->n++;
}

/* Calls visit(line, path, ctx) on each line of tests/vectors/<file> (MAMGATE_VECTORS_DIR overrides
 * the directory), without its line ending, until visit returns false. Fails the running test when
 * the file cannot be opened. */
static void vf_read_lines(const char *file, bool (*visit)(char *line, const char *path, void *ctx), void *ctx) {
  const char *dir = getenv("MAMGATE_VECTORS_DIR");
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests/vectors", file);
  FILE *f = fopen(path, "r");
  ck_assert_msg(f != NULL, "cannot open vector file %s", path);
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, f) > 0) {
    line[strcspn(line, "\r\n")] = '\0';
    if (!visit(line, path, ctx)) break;
  }
  free(line);
  fclose(f);
}

typedef struct section_reader {
  const char *name;
  vf_section_t *section;
  bool inside;
} section_reader_t;

static bool read_section_line(char *line, const char *path, void *ctx) {
  section_reader_t *r = ctx;
  if (line[0] == '[') {
    size_t n = strlen(line);
    r->inside = n >= 2 && line[n - 1] == ']' && strlen(r->name) == n - 2 && strncmp(line + 1, r->name, n - 2) == 0;
    if (r->inside) vf_close_record(r->section);
  } else if (r->inside && line[0] != '#') {
    if (line[0] == '\0')
      vf_close_record(r->section);
    else
      vf_add_entry(r->section, line, path);
  }
  return true;
}

vf_section_t *vf_load(const char *file, const char *name) {
  vf_section_t *s = calloc(1, sizeof *s);
  ck_assert_msg(s != NULL, "out of memory");
  section_reader_t reader = {.name = name, .section = s, .inside = false};
  vf_read_lines(file, read_section_line, &reader);
  size_t kept = 0; /* drop the empty records left by runs of blank lines */
  for (size_t i = 0; i < s->n; i++)
    if (s->records[i].n > 0) s->records[kept++] = s->records[i];
  s->n = kept;
  ck_assert_msg(s->n > 0, "section [%s] missing or empty in vector file %s", name, file);
  return s;
}

typedef struct prefix_reader {
  const char *prefix;
  char *value;
} prefix_reader_t;

static bool read_prefixed_line(char *line, const char *path, void *ctx) {
  (void)path;
  prefix_reader_t *r = ctx;
  size_t plen = strlen(r->prefix);
  if (strncmp(line, r->prefix, plen) != 0) return true;
  const char *v = line + plen;
  while (*v == ' ' || *v == '\t') v++;
  r->value = strdup(v);
  ck_assert_msg(r->value != NULL, "out of memory");
  return false;
}

char *vf_value(const char *file, const char *prefix) {
  prefix_reader_t reader = {.prefix = prefix, .value = NULL};
  vf_read_lines(file, read_prefixed_line, &reader);
  ck_assert_msg(reader.value != NULL, "vector '%s' not found in vector file %s", prefix, file);
  return reader.value;
}

void vf_free(vf_section_t *s) {
  if (!s) return;
  for (size_t i = 0; i < s->n; i++) {
    for (size_t j = 0; j < s->records[i].n; j++) {
      free(s->records[i].entries[j].key);
      free(s->records[i].entries[j].value);
    }
    free(s->records[i].entries);
  }
  free(s->records);
  free(s);
}

const char *vf_find(const vf_record_t *r, const char *key) {
  for (size_t i = 0; i < r->n; i++)
    if (strcmp(r->entries[i].key, key) == 0) return r->entries[i].value;
  return NULL;
}

const char *vf_get(const vf_record_t *r, const char *key) {
  const char *v = vf_find(r, key);
  ck_assert_msg(v != NULL, "vector key '%s' missing", key);
  return v;
}

size_t vf_ints(const char *list, long long *out, size_t max) {
  size_t n = 0;
  const char *p = list;
  while (*p) {
    char *end;
    long long v = strtoll(p, &end, 10);
    ck_assert_msg(end != p, "bad integer list '%s'", list);
    ck_assert_msg(n < max, "integer list longer than %zu", max);
    out[n++] = v;
    p = *end == ',' ? end + 1 : end;
    ck_assert_msg(*end == ',' || *end == '\0', "bad integer list '%s'", list);
  }
  return n;
}

static int vf_hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  ck_abort_msg("bad hex digit '%c'", c);
  return 0;
}

size_t vf_hex(const char *hex, unsigned char *out, size_t max) {
  size_t len = strlen(hex);
  ck_assert_msg(len % 2 == 0 && len / 2 <= max, "bad hex string of length %zu", len);
  for (size_t i = 0; i < len / 2; i++)
    out[i] = (unsigned char)(vf_hex_digit(hex[2 * i]) << 4 | vf_hex_digit(hex[2 * i + 1]));
  return len / 2;
}
