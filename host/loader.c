#include "host/loader.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/log.h"

/* The ABI versions this host offers to mamgate_plugin_version: to run a plugin, every version it
 * speaks; to have the options checked, only those with MAMGATE_HOST_CHECK_ONLY. */
typedef struct abi_offer {
  const int *versions;
  int count;
} abi_offer_t;
static const int run_versions[] = {MAMGATE_PLUGIN_ABI_V2, MAMGATE_PLUGIN_ABI_V1};
static const int check_versions[] = {MAMGATE_PLUGIN_ABI_V2};
#define OFFER(v) {.versions = (v), .count = (int)(sizeof(v) / sizeof *(v))}
static const abi_offer_t run_offer = OFFER(run_versions), check_offer = OFFER(check_versions);

#define VERSION_LIST_SIZE 64

struct mgd_plugin {
  char *path; /* as handed to dlopen */
  char *name;
  void *handle;
  mamgate_plugin_cleanup_fn cleanup;
  void *userdata;
  mamgate_host_t host; /* host.host_data points back here */
};

static void plugin_log(void *host_data, int level, const char *message) {
  const mgd_plugin_t *p = host_data;
  mgd_log(p->name, level, message);
}

static uint64_t plugin_now_ms(void *host_data) {
  (void)host_data;
  return mgd_now_ms();
}

/* dlopen searches the library path for a bare file name; a plugin path means a file. */
static char *openable_path(const char *path) {
  const char *dir = strchr(path, '/') ? "" : "./";
  size_t len = strlen(dir) + strlen(path) + 1;
  char *out = malloc(len);
  if (out) snprintf(out, len, "%s%s", dir, path);
  return out;
}

static char *name_of(const char *path) {
  const char *base = strrchr(path, '/') + 1; /* openable_path put a '/' in every path */
  size_t len = strlen(base);
  if (len > 3 && strcmp(base + len - 3, ".so") == 0) len -= 3;
  return strndup(base, len);
}

static void plugin_free(mgd_plugin_t *p) {
  free(p->path);
  free(p->name);
  free(p);
}

static mgd_plugin_t *plugin_new(const char *path) {
  mgd_plugin_t *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  if (!(p->path = openable_path(path)) || !(p->name = name_of(p->path))) {
    plugin_free(p);
    return NULL;
  }
  p->host = (mamgate_host_t){
      .struct_size = sizeof p->host, .host_data = p, .log = plugin_log, .now_ms = plugin_now_ms};
  return p;
}

static void *look_up(const mgd_plugin_t *p, const char *symbol) {
  dlerror();
  void *address = dlsym(p->handle, symbol);
  if (!address) {
    const char *why = dlerror();
    mgd_logf(MGD_LOG_HOST, MAMGATE_LOG_ERROR, "plugin %s: missing symbol %s (%s)", p->path, symbol,
             why ? why : "it is NULL");
  }
  return address;
}

static void format_versions(const abi_offer_t *offer, char *out, size_t len) {
  size_t used = 0;
  out[0] = '\0';
  for (int i = 0; i < offer->count && used < len; i++) {
    int n = snprintf(out + used, len - used, "%s%d", i ? ", " : "", offer->versions[i]);
    if (n < 0) break;
    used += (size_t)n;
  }
}

/* The ABI version the plugin picked among those offered, or -1 (logged). */
static int negotiate_version(const mgd_plugin_t *p, mamgate_plugin_version_fn version, const abi_offer_t *offer) {
  int picked = version(offer->count, offer->versions);
  for (int i = 0; i < offer->count; i++)
    if (picked == offer->versions[i]) return picked;
  char offered[VERSION_LIST_SIZE];
  format_versions(offer, offered, sizeof offered);
  if (picked < 0)
    mgd_logf(MGD_LOG_HOST, MAMGATE_LOG_ERROR,
             "plugin %s: no common ABI version: the host supports %s, the plugin accepts none of them", p->path,
             offered);
  else
    mgd_logf(MGD_LOG_HOST, MAMGATE_LOG_ERROR,
             "plugin %s: no common ABI version: the host supports %s, the plugin picked %d", p->path, offered,
             picked);
  return -1;
}

/* Finds the three entry points and negotiates the version; returns init, or NULL (logged). */
static mamgate_plugin_init_fn enter_plugin(mgd_plugin_t *p, const abi_offer_t *offer) {
  void *version = look_up(p, "mamgate_plugin_version");
  void *init = version ? look_up(p, "mamgate_plugin_init") : NULL;
  void *cleanup = init ? look_up(p, "mamgate_plugin_cleanup") : NULL;
  if (!cleanup) return NULL;
  int abi = negotiate_version(p, (mamgate_plugin_version_fn)version, offer);
  if (abi < 0) return NULL;
  p->host.abi_version = (uint32_t)abi;
  p->cleanup = (mamgate_plugin_cleanup_fn)cleanup;
  return (mamgate_plugin_init_fn)init;
}

/* Enters the plugin and starts it; failures are logged. */
static int init_plugin(mgd_plugin_t *p, const mamgate_opt_t *opts, int nopts) {
  mamgate_plugin_init_fn init = enter_plugin(p, &run_offer);
  if (!init) return -1;
  int err = init(&p->host, opts, nopts, &p->userdata);
  if (err != MAMGATE_OK) {
    mgd_logf(MGD_LOG_HOST, MAMGATE_LOG_ERROR, "plugin %s: init failed with error %d (%s)", p->path, err,
             mamgate_strerror(err));
    return -1;
  }
  return 0;
}

/* A new plugin record with the shared object loaded; NULL (logged) on failure. */
static mgd_plugin_t *plugin_open(const char *path) {
  mgd_plugin_t *p = plugin_new(path);
  if (!p) {
    mgd_logf(MGD_LOG_HOST, MAMGATE_LOG_ERROR, "plugin %s: out of memory", path);
    return NULL;
  }
  if (!(p->handle = dlopen(p->path, RTLD_NOW | RTLD_LOCAL))) {
    mgd_logf(MGD_LOG_HOST, MAMGATE_LOG_ERROR, "cannot load plugin: %s", dlerror());
    plugin_free(p);
    return NULL;
  }
  return p;
}

static void plugin_close(mgd_plugin_t *p) {
  dlclose(p->handle);
  plugin_free(p);
}

mgd_plugin_t *mgd_plugin_start(const char *path, const mamgate_opt_t *opts, int nopts) {
  mgd_plugin_t *p = plugin_open(path);
  if (!p) return NULL;
  if (init_plugin(p, opts, nopts) != 0) {
    plugin_close(p);
    return NULL;
  }
  mgd_logf(MGD_LOG_HOST, MAMGATE_LOG_INFO, "plugin %s started (%s, ABI version %u)", p->name, p->path,
           (unsigned)p->host.abi_version);
  return p;
}

int mgd_plugin_stop(mgd_plugin_t *p) {
  int err = p->cleanup(p->userdata);
  if (err != MAMGATE_OK) {
    /* Its threads may still run its code and log through p: both stay. */
    mgd_logf(MGD_LOG_HOST, MAMGATE_LOG_ERROR, "plugin %s: cleanup failed with error %d (%s); left loaded", p->name,
             err, mamgate_strerror(err));
    return -1;
  }
  if (dlclose(p->handle) != 0)
    mgd_logf(MGD_LOG_HOST, MAMGATE_LOG_WARNING, "plugin %s: cannot unload: %s", p->name, dlerror());
  mgd_logf(MGD_LOG_HOST, MAMGATE_LOG_INFO, "plugin %s stopped", p->name);
  plugin_free(p);
  return 0;
}

mgd_check_t mgd_plugin_check(const char *path, const mamgate_opt_t *opts, int nopts) {
  mgd_plugin_t *p = plugin_open(path);
  if (!p) return MGD_CHECK_FAILED;
  mamgate_plugin_init_fn init = enter_plugin(p, &check_offer);
  if (!init) {
    mgd_logf(MGD_LOG_HOST, MAMGATE_LOG_ERROR, "plugin %s cannot check options without starting", p->path);
    plugin_close(p);
    return MGD_CHECK_FAILED;
  }
  p->host.flags = MAMGATE_HOST_CHECK_ONLY;
  int err = init(&p->host, opts, nopts, &p->userdata);
  if (p->userdata) { /* a plugin that started after all: stop it before unloading */
    mgd_logf(MGD_LOG_HOST, MAMGATE_LOG_WARNING, "plugin %s started when asked only to check; stopping it", p->path);
    p->cleanup(p->userdata);
  }
  mgd_check_t result = err == MAMGATE_OK ? MGD_CHECK_VALID : err == MAMGATE_ERR_CONFIG ? MGD_CHECK_INVALID : MGD_CHECK_FAILED;
  if (result == MGD_CHECK_FAILED)
    mgd_logf(MGD_LOG_HOST, MAMGATE_LOG_ERROR, "plugin %s: the check failed with error %d (%s)", p->path, err,
             mamgate_strerror(err));
  plugin_close(p);
  return result;
}
