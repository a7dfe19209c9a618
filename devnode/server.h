/* devnode/server.h: the HTTP side of devnode's API (libmicrohttpd, one thread per connection).
 * Like IRI it answers every path and method with the command in the JSON body, needs the
 * X-IOTA-API-Version header, and refuses bodies longer than DEVNODE_MAX_BODY with 400
 * "Request too long" (spec node-interface.md 5.1). */
#ifndef DEVNODE_SERVER_H
#define DEVNODE_SERVER_H

#include <stddef.h>

#include "devnode/api.h"

typedef struct devnode_server devnode_server_t;

/* Listens on `address` ("host:port", "[v6addr]:port"; port 0 picks a free one) and answers with
 * `api`, which must outlive the server. On failure returns NULL with a reason in `why`. */
devnode_server_t *devnode_server_start(const char *address, devnode_api_t *api, char *why,
                                       size_t why_size);

/* Stops accepting, waits for the requests in progress, frees the server. */
void devnode_server_stop(devnode_server_t *server);

/* "http://host:port" with the port actually bound. */
const char *devnode_server_url(const devnode_server_t *server);

#endif
