/* services/instance.h: the name of a gateway instance in a fleet (its heartbeat row's key). libc
 * only: the settings check it too. */
#ifndef SERVICES_INSTANCE_H
#define SERVICES_INSTANCE_H

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h" /* MG_INSTANCE_ID_MAX */

/* Whether id is a usable instance id: 1 to MG_INSTANCE_ID_MAX characters of [A-Za-z0-9._-]. */
bool mg_instance_id_valid(const char *id);
/* The default instance id: the host name and the REST address's port ("host-8088"), characters
 * outside [A-Za-z0-9._-] replaced by '-', cut to MG_INSTANCE_ID_MAX. 0, or -1 when out is too small. */
int mg_instance_id_default(const char *http, char *out, size_t out_size);

#endif
