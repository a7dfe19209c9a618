/* include/mamgate/mamgate_plugin.h: the mamgate plugin ABI, the only header a host needs.
 *
 * A host loads the plugin with dlopen and looks up three symbols:
 *
 *   int mamgate_plugin_version(int count, const int *supported);
 *       The host lists the ABI versions it speaks; the plugin returns the one it picks, or -1.
 *   int mamgate_plugin_init(const mamgate_host_t *host, const mamgate_opt_t *opts, int nopts,
 *                           void **userdata);
 *       Starts the plugin (threads, sockets, servers) and returns MAMGATE_OK or an error code;
 *       on failure everything started is stopped again and *userdata is left NULL.
 *   int mamgate_plugin_cleanup(void *userdata);
 *       Stops every thread and frees everything; the plugin may then be unloaded, or initialised
 *       again.
 *
 * The host passes callbacks in a versioned struct: its first field is the struct's size as the
 * host compiled it, so fields can be added at the end (taking reserved slots) without breaking
 * older plugins or hosts. The host keeps `host` and `opts` valid until cleanup returns. Nothing
 * else is exported by the plugin.
 *
 * ABI versions: 1 is the original; 2 adds `flags` (in what was the first reserved slot), with
 * which a host asks init only to check the options (mamgated --check-config). A host offers
 * version 2 alone when it needs that, so a plugin that knows only version 1 is never started by
 * mistake; it offers 2 and 1 otherwise, and a plugin picks the highest it knows. */
#ifndef MAMGATE_PLUGIN_H
#define MAMGATE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MAMGATE_PLUGIN_ABI_V1 1
#define MAMGATE_PLUGIN_ABI_V2 2

/* Bits of mamgate_host_t.flags (ABI version 2 and later). */
/* init checks the options, logs what is wrong with them and returns MAMGATE_OK or
 * MAMGATE_ERR_CONFIG without starting anything: *userdata stays NULL and no cleanup follows. */
#define MAMGATE_HOST_CHECK_ONLY ((uintptr_t)1)

/* Error codes returned by init and cleanup. */
typedef enum mamgate_err {
  MAMGATE_OK = 0,
  MAMGATE_ERR_ABI = 1,       /* no common ABI version, or a host struct too small */
  MAMGATE_ERR_CONFIG = 2,    /* a missing, unknown or invalid option */
  MAMGATE_ERR_NO_MEMORY = 3, /* an allocation failed */
  MAMGATE_ERR_IO = 4,        /* the data directory or a file could not be used */
  MAMGATE_ERR_STORE = 5,     /* the database could not be opened or migrated */
  MAMGATE_ERR_ZMQ = 6,       /* a ZeroMQ socket could not be created, bound or connected */
  MAMGATE_ERR_HTTP = 7,      /* the REST server could not start (address in use?) */
  MAMGATE_ERR_THREAD = 8,    /* a thread could not be started */
  MAMGATE_ERR_STATE = 9,     /* init on a running instance, or cleanup of an unknown one */
} mamgate_err_t;

/* A static description of an error code (compiled into the host). */
static inline const char *mamgate_strerror(int err) {
  switch (err) {
    case MAMGATE_OK: return "success";
    case MAMGATE_ERR_ABI: return "no common plugin ABI version";
    case MAMGATE_ERR_CONFIG: return "invalid configuration";
    case MAMGATE_ERR_NO_MEMORY: return "out of memory";
    case MAMGATE_ERR_IO: return "data directory or file error";
    case MAMGATE_ERR_STORE: return "database error";
    case MAMGATE_ERR_ZMQ: return "ZeroMQ socket error";
    case MAMGATE_ERR_HTTP: return "REST server could not start";
    case MAMGATE_ERR_THREAD: return "cannot start thread";
    case MAMGATE_ERR_STATE: return "plugin in the wrong state for this call";
    default: return "unknown error";
  }
}

typedef enum mamgate_log_level {
  MAMGATE_LOG_DEBUG = 0,
  MAMGATE_LOG_INFO = 1,
  MAMGATE_LOG_WARNING = 2,
  MAMGATE_LOG_ERROR = 3,
} mamgate_log_level_t;

/* Callbacks the host offers (versions 1 and 2). Every callback may be called from any plugin thread. */
typedef struct mamgate_host {
  uint32_t struct_size; /* sizeof(mamgate_host_t) as the host compiled it */
  uint32_t abi_version; /* the version mamgate_plugin_version picked */
  void *host_data;      /* passed back to every callback */
  /* One log line (no trailing newline). Required. */
  void (*log)(void *host_data, int level, const char *message);
  /* Wall-clock time in milliseconds since the Unix epoch. NULL: the plugin uses the system clock. */
  uint64_t (*now_ms)(void *host_data);
  /* Version 2: MAMGATE_HOST_* bits; a plugin ignores the field when abi_version is 1. */
  uintptr_t flags;
  void *reserved[7];    /* for later versions; the host sets them to NULL */
} mamgate_host_t;

/* One configuration option: key and value as text (see the README's configuration reference).
 * origin says where it came from, for error messages: "mamgate.conf:12", "--set", or the name of
 * the environment variable ("MAMGATE_HTTP"); it may be NULL. A plugin rejects unknown keys from
 * files and flags but skips unknown MAMGATE_* environment variables, a namespace other programs
 * share. */
typedef struct mamgate_opt {
  const char *key;
  const char *value;
  const char *origin;
} mamgate_opt_t;

#define MAMGATE_EXPORT __attribute__((visibility("default")))

MAMGATE_EXPORT int mamgate_plugin_version(int count, const int *supported);
MAMGATE_EXPORT int mamgate_plugin_init(const mamgate_host_t *host, const mamgate_opt_t *opts, int nopts,
                                       void **userdata);
MAMGATE_EXPORT int mamgate_plugin_cleanup(void *userdata);

/* Function pointer types for dlsym. */
typedef int (*mamgate_plugin_version_fn)(int count, const int *supported);
typedef int (*mamgate_plugin_init_fn)(const mamgate_host_t *host, const mamgate_opt_t *opts, int nopts,
                                      void **userdata);
typedef int (*mamgate_plugin_cleanup_fn)(void *userdata);

#ifdef __cplusplus
}
#endif

#endif
