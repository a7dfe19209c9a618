/* services/rest/rest.h: the REST API routes (design "REST API"), on the http/ adapter. */
#ifndef SERVICES_REST_REST_H
#define SERVICES_REST_REST_H

#include "plugin/gateway.h"

int mg_rest_start(mg_gateway_t *g, char *err, size_t err_len);
void mg_rest_stop(mg_gateway_t *g);

#endif
