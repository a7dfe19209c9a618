/* node/client_internal.h: the transport under the node commands (not installed). */
#ifndef NODE_CLIENT_INTERNAL_H
#define NODE_CLIENT_INTERNAL_H

#include <jansson.h>

#include "node/client.h"

/* Sends one command object and, on HTTP 200 with a JSON object body, returns that object in
 * *answer (the caller releases it). Retries connection failures as documented in client.h and
 * records the message of any failure in the client. */
mg_node_err_t mg_node_call(mg_node_client_t *client, const json_t *request,
                           json_t **answer) MAM_WARN_UNUSED;

/* Records a failure message (printf format) in the client and returns err. */
mg_node_err_t mg_node_fail(mg_node_client_t *client, mg_node_err_t err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Forgets the last message and status (start of every public call). */
void mg_node_clear(mg_node_client_t *client);

/* The limits the client was created with, defaults applied. */
const mg_node_config_t *mg_node_client_config(const mg_node_client_t *client);

#endif
