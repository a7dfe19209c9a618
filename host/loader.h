/* host/loader.h: one loaded plugin: dlopen, ABI version negotiation, init, and the way back
 * (cleanup, dlclose). Every failure is logged with what went wrong and whose side it is. */
#ifndef HOST_LOADER_H
#define HOST_LOADER_H

#include "mamgate/mamgate_plugin.h"

typedef struct mgd_plugin mgd_plugin_t;

/* Loads the shared object at path (a path without '/' means one in the current directory),
 * negotiates the ABI version, and starts the plugin with the options (which must outlive it).
 * Its log lines carry its file name without ".so". Returns NULL after logging why it failed;
 * nothing of the plugin is left loaded then. */
mgd_plugin_t *mgd_plugin_start(const char *path, const mamgate_opt_t *opts, int nopts);

typedef enum mgd_check {
  MGD_CHECK_VALID,   /* the plugin accepts the options */
  MGD_CHECK_INVALID, /* it refused them and logged why */
  MGD_CHECK_FAILED,  /* it could not be loaded, speaks no ABI version that can check, or failed */
} mgd_check_t;

/* Loads the shared object at path and has it check the options without starting anything
 * (ABI version 2, MAMGATE_HOST_CHECK_ONLY), then unloads it. Failures are logged. */
mgd_check_t mgd_plugin_check(const char *path, const mamgate_opt_t *opts, int nopts);

/* Calls the plugin's cleanup, unloads it and frees p. Returns 0, or -1 (logged) when cleanup
 * failed; such a plugin is left loaded, since its threads may still run its code. */
int mgd_plugin_stop(mgd_plugin_t *p);

#endif
