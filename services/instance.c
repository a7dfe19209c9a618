#include "services/instance.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define ID_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"
#define HOST_NAME_BYTES 256

bool mg_instance_id_valid(const char *id) {
  size_t len = id ? strlen(id) : 0;
  return len >= 1 && len <= MG_INSTANCE_ID_MAX && strspn(id, ID_CHARS) == len;
}

int mg_instance_id_default(const char *http, char *out, size_t out_size) {
  char host[HOST_NAME_BYTES] = "";
  if (gethostname(host, sizeof host - 1) != 0 || !host[0]) snprintf(host, sizeof host, "mamgate");
  const char *colon = http ? strrchr(http, ':') : NULL;
  const char *port = colon ? colon + 1 : "0";
  char id[MG_INSTANCE_ID_MAX + 1];
  size_t port_len = strnlen(port, MG_INSTANCE_ID_MAX / 2);
  /* the port is kept whole (up to half the id): two instances on one host differ by it */
  snprintf(id, sizeof id, "%.*s-%.*s", (int)(MG_INSTANCE_ID_MAX - 1 - port_len), host, (int)port_len, port);
  for (char *p = id; *p; p++)
    if (!strchr(ID_CHARS, *p)) *p = '-';
  if (strlen(id) + 1 > out_size) return -1;
  memcpy(out, id, strlen(id) + 1);
  return 0;
}
