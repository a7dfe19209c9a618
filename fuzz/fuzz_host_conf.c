/* Fuzz target: mamgated's configuration parsing (host/options.c): the configuration file, single
 * lines, --set flags and MAMGATE_* environment entries.
 *
 * The input is the file's contents (read through a memfd, so the real getline path runs, NUL
 * bytes and all), each of its lines parsed on its own, the whole input as one --set flag, and its
 * NUL-separated pieces as an environment. Whatever is accepted has valid keys, one item per key,
 * origins that name the file (and line), and values within one line. */
#define _GNU_SOURCE
#include <ctype.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz/fuzz.h"
#include "host/options.h"

#define MAX_ENV 64

static bool valid_key(const char *key) {
  if (!*key) return false;
  for (const char *c = key; *c; c++)
    if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-' && *c != '.') return false;
  return true;
}

static void check_opts(const mgd_opts_t *opts, const char *origin_prefix) {
  for (size_t i = 0; i < opts->count; i++) {
    const mamgate_opt_t *o = &opts->items[i];
    FZ_CHECK(o->key && o->value && o->origin);
    FZ_CHECK(strncmp(o->origin, origin_prefix, strlen(origin_prefix)) == 0);
    for (size_t j = 0; j < i; j++) FZ_CHECK(strcmp(opts->items[j].key, o->key) != 0);
  }
}

static void check_file(const uint8_t *data, size_t size) {
  int fd = memfd_create("mamgate.conf", 0);
  if (fd < 0) return;
  char path[64], err[256];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  mgd_opts_t opts = {0};
  if (write(fd, data, size) == (ssize_t)size && mgd_opts_read_file(&opts, path, err, sizeof err) == MGD_OPTS_OK) {
    check_opts(&opts, path);
    for (size_t i = 0; i < opts.count; i++) {
      FZ_CHECK(valid_key(opts.items[i].key));
      FZ_CHECK(strchr(opts.items[i].value, '\n') == NULL);
    }
  }
  mgd_opts_free(&opts);
  close(fd);
}

static void check_lines(const uint8_t *data, size_t size) {
  char *copy = malloc(size + 1);
  if (!copy) return;
  memcpy(copy, data, size);
  copy[size] = 0;
  for (char *line = copy, *next; line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = 0;
    char *key = NULL, *value = NULL;
    const char *why = NULL;
    int kind = mgd_conf_parse_line(line, &key, &value, &why);
    FZ_CHECK(kind >= -1 && kind <= 1);
    if (kind == 1) FZ_CHECK(valid_key(key) && value != NULL);
    if (kind == -1) FZ_CHECK(why != NULL && *why);
  }
  free(copy);
}

static void check_flag_and_env(const uint8_t *data, size_t size) {
  char *copy = malloc(size + 1), *env[MAX_ENV + 1], err[128];
  if (!copy) return;
  memcpy(copy, data, size);
  copy[size] = 0;
  mgd_opts_t opts = {0};
  if (mgd_opts_read_flag(&opts, copy, "--set", err, sizeof err) == MGD_OPTS_OK) {
    check_opts(&opts, "--set");
    FZ_CHECK(opts.count == 1 && valid_key(opts.items[0].key));
  }
  mgd_opts_free(&opts);
  size_t n = 0;
  for (char *p = copy; p < copy + size && n < MAX_ENV; p += strlen(p) + 1) env[n++] = p;
  env[n] = NULL;
  if (mgd_opts_read_env(&opts, env) == MGD_OPTS_OK) {
    check_opts(&opts, MGD_ENV_PREFIX);
    for (size_t i = 0; i < opts.count; i++) FZ_CHECK(strcmp(opts.items[i].origin, MGD_ENV_PLUGIN) != 0);
  }
  mgd_opts_free(&opts);
  free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  check_file(data, size);
  check_lines(data, size);
  check_flag_and_env(data, size);
  return 0;
}
