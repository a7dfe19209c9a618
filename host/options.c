#include "host/options.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

static void free_item(mamgate_opt_t *item) {
  free((char *)item->key);
  free((char *)item->value);
  free((char *)item->origin);
}

void mgd_opts_free(mgd_opts_t *opts) {
  for (size_t i = 0; i < opts->count; i++) free_item(&opts->items[i]);
  free(opts->items);
  *opts = (mgd_opts_t){0};
}

static mamgate_opt_t *find_item(const mgd_opts_t *opts, const char *key) {
  for (size_t i = 0; i < opts->count; i++)
    if (strcmp(opts->items[i].key, key) == 0) return &opts->items[i];
  return NULL;
}

/* A new empty slot at the end; plugins count options in an int. */
static mamgate_opt_t *append_item(mgd_opts_t *opts) {
  if (opts->count == (size_t)INT_MAX) return NULL;
  if (opts->count == opts->capacity) {
    size_t capacity = opts->capacity ? opts->capacity * 2 : 16;
    mamgate_opt_t *items = realloc(opts->items, capacity * sizeof *items);
    if (!items) return NULL;
    opts->items = items;
    opts->capacity = capacity;
  }
  mamgate_opt_t *item = &opts->items[opts->count++];
  *item = (mamgate_opt_t){0};
  return item;
}

/* The item of key, appended with that key (and no value yet) when absent; NULL: out of memory. */
static mamgate_opt_t *find_or_append_item(mgd_opts_t *opts, const char *key) {
  mamgate_opt_t *item = find_item(opts, key);
  if (item) return item;
  char *key_copy = strdup(key);
  if (!key_copy || !(item = append_item(opts))) {
    free(key_copy);
    return NULL;
  }
  item->key = key_copy;
  return item;
}

mgd_opts_status_t mgd_opts_set(mgd_opts_t *opts, const char *key, const char *value, const char *origin) {
  char *value_copy = strdup(value), *origin_copy = strdup(origin);
  mamgate_opt_t *item = value_copy && origin_copy ? find_or_append_item(opts, key) : NULL;
  if (!item) {
    free(value_copy);
    free(origin_copy);
    return MGD_OPTS_NO_MEMORY;
  }
  free((char *)item->value);
  free((char *)item->origin);
  item->value = value_copy;
  item->origin = origin_copy;
  return MGD_OPTS_OK;
}

static bool is_key_char(char c) { return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.'; }

static bool is_valid_key(const char *key, size_t len) {
  if (len == 0) return false;
  for (size_t i = 0; i < len; i++)
    if (!is_key_char(key[i])) return false;
  return true;
}

/* Drops leading and trailing white space (the trailing part by writing a NUL). */
static char *trim(char *text) {
  while (isspace((unsigned char)*text)) text++;
  char *end = text + strlen(text);
  while (end > text && isspace((unsigned char)end[-1])) end--;
  *end = '\0';
  return text;
}

/* A value in double quotes keeps its spaces; the quotes go. */
static int unquote(char **value, const char **why) {
  char *v = *value;
  if (*v != '"') return 0;
  size_t len = strlen(v);
  if (len < 2 || v[len - 1] != '"') {
    *why = "a value that starts with '\"' must end with '\"'";
    return -1;
  }
  v[len - 1] = '\0';
  *value = v + 1;
  return 0;
}

int mgd_conf_parse_line(char *line, char **key, char **value, const char **why) {
  char *text = trim(line);
  if (*text == '\0' || *text == '#') return 0;
  char *equals = strchr(text, '=');
  if (!equals) {
    *why = "expected 'key = value'";
    return -1;
  }
  *equals = '\0';
  char *k = trim(text), *v = trim(equals + 1);
  if (*k == '\0') {
    *why = "missing key before '='";
    return -1;
  }
  if (!is_valid_key(k, strlen(k))) {
    *why = "a key has only letters, digits, '_', '-' and '.'";
    return -1;
  }
  if (unquote(&v, why) != 0) return -1;
  *key = k;
  *value = v;
  return 1;
}

/* "PATH:LINE", allocated. */
static char *line_origin(const char *path, size_t number) {
  int len = snprintf(NULL, 0, "%s:%zu", path, number);
  char *origin = len < 0 ? NULL : malloc((size_t)len + 1);
  if (origin) snprintf(origin, (size_t)len + 1, "%s:%zu", path, number);
  return origin;
}

static mgd_opts_status_t read_line(mgd_opts_t *opts, const char *path, size_t number, char *line, size_t len,
                                   char *err, size_t err_len) {
  const char *why = NULL;
  char *key = NULL, *value = NULL;
  int kind = -1;
  if (len > MGD_CONF_LINE_MAX)
    why = "line too long";
  else if (strlen(line) != len)
    why = "line holds a NUL byte";
  if (why || (kind = mgd_conf_parse_line(line, &key, &value, &why)) < 0) {
    snprintf(err, err_len, "%s:%zu: %s", path, number, why);
    return MGD_OPTS_SYNTAX;
  }
  if (kind == 0) return MGD_OPTS_OK;
  char *origin = line_origin(path, number);
  mgd_opts_status_t status = origin ? mgd_opts_set(opts, key, value, origin) : MGD_OPTS_NO_MEMORY;
  free(origin);
  return status;
}

mgd_opts_status_t mgd_opts_read_file(mgd_opts_t *opts, const char *path, char *err, size_t err_len) {
  FILE *file = fopen(path, "r");
  if (!file) {
    snprintf(err, err_len, "%s: %s", path, strerror(errno));
    return MGD_OPTS_IO;
  }
  mgd_opts_status_t status = MGD_OPTS_OK;
  char *line = NULL;
  size_t capacity = 0, number = 0;
  ssize_t len;
  while (status == MGD_OPTS_OK && (errno = 0, len = getline(&line, &capacity, file)) >= 0)
    status = read_line(opts, path, ++number, line, (size_t)len, err, err_len);
  if (status == MGD_OPTS_OK && errno == ENOMEM) status = MGD_OPTS_NO_MEMORY;
  if (status == MGD_OPTS_OK && ferror(file)) {
    snprintf(err, err_len, "%s: read error", path);
    status = MGD_OPTS_IO;
  }
  free(line);
  fclose(file);
  return status;
}

/* True for the MAMGATE_* variables that are not options (the name is not NUL-terminated). */
static bool is_not_option(const char *name, size_t name_len) {
  static const char *const not_options[] = MGD_ENV_NOT_OPTIONS;
  for (size_t i = 0; i < sizeof not_options / sizeof *not_options; i++)
    if (strlen(not_options[i]) == name_len && strncmp(name, not_options[i], name_len) == 0) return true;
  size_t test_len = strlen(MGD_ENV_TEST_PREFIX);
  return name_len > test_len && strncmp(name, MGD_ENV_TEST_PREFIX, test_len) == 0;
}

/* MAMGATE_NODE_API=x gives option node_api, origin MAMGATE_NODE_API. */
static mgd_opts_status_t read_env_entry(mgd_opts_t *opts, const char *entry) {
  const size_t prefix_len = strlen(MGD_ENV_PREFIX);
  const char *equals = strchr(entry, '=');
  if (strncmp(entry, MGD_ENV_PREFIX, prefix_len) != 0 || !equals) return MGD_OPTS_OK;
  size_t name_len = (size_t)(equals - entry);
  if (name_len == prefix_len || is_not_option(entry, name_len)) return MGD_OPTS_OK;
  char *name = strndup(entry, name_len);
  if (!name) return MGD_OPTS_NO_MEMORY;
  char *key = strdup(name + prefix_len);
  mgd_opts_status_t status = MGD_OPTS_NO_MEMORY;
  if (key) {
    for (char *c = key; *c; c++) *c = (char)tolower((unsigned char)*c);
    status = mgd_opts_set(opts, key, equals + 1, name);
  }
  free(name);
  free(key);
  return status;
}

mgd_opts_status_t mgd_opts_read_env(mgd_opts_t *opts, char *const *env) {
  mgd_opts_status_t status = MGD_OPTS_OK;
  for (size_t i = 0; env[i] && status == MGD_OPTS_OK; i++) status = read_env_entry(opts, env[i]);
  return status;
}

mgd_opts_status_t mgd_opts_read_flag(mgd_opts_t *opts, const char *flag, const char *origin, char *err,
                                     size_t err_len) {
  const char *equals = strchr(flag, '=');
  if (!equals || !is_valid_key(flag, (size_t)(equals - flag))) {
    snprintf(err, err_len, "%s expects KEY=VALUE with a key of letters, digits, '_', '-' or '.', not '%s'",
             origin, flag);
    return MGD_OPTS_SYNTAX;
  }
  char *key = strndup(flag, (size_t)(equals - flag));
  mgd_opts_status_t status = key ? mgd_opts_set(opts, key, equals + 1, origin) : MGD_OPTS_NO_MEMORY;
  free(key);
  return status;
}
