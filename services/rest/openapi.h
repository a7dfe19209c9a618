/* services/rest/openapi.h: the OpenAPI 3 document of the REST API (services/rest/openapi.json, compiled in). */
#ifndef SERVICES_REST_OPENAPI_H
#define SERVICES_REST_OPENAPI_H

extern const char mg_openapi_document[];

#endif
