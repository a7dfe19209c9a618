/* host/options.h: the options mamgated hands to its plugins, gathered from a configuration file,
 * the environment and --set flags (later sources win), each with the origin the plugin names in
 * its error messages. The host checks only the syntax; keys and values are the plugin's to judge. */
#ifndef HOST_OPTIONS_H
#define HOST_OPTIONS_H

#include <stddef.h>

#include "mamgate/mamgate_plugin.h"

/* Longest configuration file line, in bytes. */
#define MGD_CONF_LINE_MAX 65536

/* Environment variables MAMGATE_<KEY> carry options, except those of MGD_ENV_NOT_OPTIONS and
 * those starting with MGD_ENV_TEST_PREFIX: MAMGATE_PLUGIN names a plugin; the build and test
 * scripts set the others for themselves. Every other MAMGATE_* variable is handed to the plugins,
 * which refuse a key they do not know. */
#define MGD_ENV_PREFIX "MAMGATE_"
#define MGD_ENV_PLUGIN "MAMGATE_PLUGIN"
#define MGD_ENV_NOT_OPTIONS {MGD_ENV_PLUGIN, "MAMGATE_BUILDDIR", "MAMGATE_SRCDIR", "MAMGATE_VECTORS_DIR"}
#define MGD_ENV_TEST_PREFIX "MAMGATE_TEST_"

typedef enum mgd_opts_status {
  MGD_OPTS_OK = 0,
  MGD_OPTS_SYNTAX,    /* a malformed file line or flag: the message says where */
  MGD_OPTS_IO,        /* the file could not be opened or read */
  MGD_OPTS_NO_MEMORY,
} mgd_opts_status_t;

/* An ordered list of options, one per key; every string is owned by the list. */
typedef struct mgd_opts {
  mamgate_opt_t *items;
  size_t count;
  size_t capacity;
} mgd_opts_t;

/* Sets key to value: a key already present keeps its place and takes the new value and origin.
 * The strings are copied. */
mgd_opts_status_t mgd_opts_set(mgd_opts_t *opts, const char *key, const char *value, const char *origin);

void mgd_opts_free(mgd_opts_t *opts);

/* Splits one configuration line in place. Returns 1 for an option (*key and *value point into
 * line), 0 for a blank or comment line, -1 for a syntax error (*why says what is wrong). */
int mgd_conf_parse_line(char *line, char **key, char **value, const char **why);

/* Reads a configuration file, origins "PATH:LINE". On error writes "PATH:LINE: message" (syntax)
 * or "PATH: reason" (I/O) into err. */
mgd_opts_status_t mgd_opts_read_file(mgd_opts_t *opts, const char *path, char *err, size_t err_len);

/* Takes every MAMGATE_<KEY>=VALUE of env (a NULL-terminated "NAME=VALUE" array) except those of
 * MGD_ENV_NOT_OPTIONS as option <key> (lower-cased), origin the variable's name. */
mgd_opts_status_t mgd_opts_read_env(mgd_opts_t *opts, char *const *env);

/* Takes one "KEY=VALUE" flag, origin `origin`. On a malformed flag writes why into err. */
mgd_opts_status_t mgd_opts_read_flag(mgd_opts_t *opts, const char *flag, const char *origin, char *err,
                                     size_t err_len);

#endif
