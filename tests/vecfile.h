/* tests/vecfile.h: the one reader of the vector files in tests/vectors/.
 *
 * Sectioned files (tangle.txt): "#" starts a comment line; "[name]" starts a section; inside a
 * section, vectors are separated by blank lines and every other line is "key = value" (value to
 * the end of line). Flat files (mam2.txt) are looked up by the start of a line (vf_value). */
#ifndef TESTS_VECFILE_H
#define TESTS_VECFILE_H

#include <stddef.h>

typedef struct vf_entry {
  char *key;
  char *value;
} vf_entry_t;

/* One vector: its key/value lines in file order. */
typedef struct vf_record {
  vf_entry_t *entries;
  size_t n;
} vf_record_t;

typedef struct vf_section {
  vf_record_t *records;
  size_t n;
} vf_section_t;

/* The vectors of section `name` of tests/vectors/<file> (MAMGATE_VECTORS_DIR overrides the
 * directory). Fails the running test when the file cannot be read, a line is malformed or the
 * section is missing or empty. Free with vf_free. */
vf_section_t *vf_load(const char *file, const char *name);
void vf_free(vf_section_t *s);

/* The value of `key` in a vector, or NULL. */
const char *vf_find(const vf_record_t *r, const char *key);
/* The value of `key`; fails the running test when it is missing. */
const char *vf_get(const vf_record_t *r, const char *key);

/* The rest of the first line of tests/vectors/<file> that starts with `prefix`, leading blanks
 * removed; the caller frees it. Fails the running test when the file or the line is missing. */
char *vf_value(const char *file, const char *prefix);

/* Parses a comma-separated list of integers into out (at most max); returns the count. */
size_t vf_ints(const char *list, long long *out, size_t max);
/* Parses hexadecimal digits into bytes (at most max); returns the count. */
size_t vf_hex(const char *hex, unsigned char *out, size_t max);

#endif
