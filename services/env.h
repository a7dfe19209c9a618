/* services/env.h: the log and the clock every service is given, instead of the gateway.
 *
 * The plugin fills one in from the host's callbacks; a test fills one in with its own. Services
 * never call back into plugin/ for these. */
#ifndef SERVICES_ENV_H
#define SERVICES_ENV_H

#include <stdarg.h>
#include <stdint.h>

#include "mamgate/mamgate_plugin.h" /* the log levels (MAMGATE_LOG_*) are the ABI's */

typedef struct mg_env {
  void *ctx;
  int min_level;                                    /* lines below this level are dropped */
  void (*log)(void *ctx, int level, const char *line); /* NULL: no log */
  uint64_t (*now_ms)(void *ctx);                    /* NULL: the system's wall clock */
} mg_env_t;

/* A log line (formatted with printf rules), when level >= min_level. Never pass secrets. */
void mg_env_log(const mg_env_t *env, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void mg_env_vlog(const mg_env_t *env, int level, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));
/* Wall-clock milliseconds. */
uint64_t mg_env_now_ms(const mg_env_t *env);

#endif
