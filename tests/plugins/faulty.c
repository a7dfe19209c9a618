/* tests/plugins/faulty.c: broken plugins for the host's tests, one per build flag:
 *   FAULTY_NO_CLEANUP       mamgate_plugin_cleanup is missing;
 *   FAULTY_REFUSE_VERSION   mamgate_plugin_version accepts none of the host's versions;
 *   FAULTY_INIT_ERROR=code  init fails with that code.
 * Where the host must stop before init, init fails loudly so that a test notices the call. */
#include "mamgate/mamgate_plugin.h"

#ifndef FAULTY_INIT_ERROR
#define FAULTY_INIT_ERROR MAMGATE_ERR_STATE
#endif

int mamgate_plugin_version(int count, const int *supported) {
#ifdef FAULTY_REFUSE_VERSION
  (void)count;
  (void)supported;
#else
  for (int i = 0; i < count; i++)
    if (supported[i] == MAMGATE_PLUGIN_ABI_V1) return MAMGATE_PLUGIN_ABI_V1;
#endif
  return -1;
}

int mamgate_plugin_init(const mamgate_host_t *host, const mamgate_opt_t *opts, int nopts, void **userdata) {
  (void)opts;
  (void)nopts;
  *userdata = NULL;
  host->log(host->host_data, MAMGATE_LOG_ERROR, "init refuses to start");
  return FAULTY_INIT_ERROR;
}

#ifndef FAULTY_NO_CLEANUP
int mamgate_plugin_cleanup(void *userdata) {
  (void)userdata;
  return MAMGATE_ERR_STATE;
}
#endif
