/* plugin/openapi.h: the OpenAPI 3 document of the REST API (plugin/openapi.json, compiled in). */
#ifndef PLUGIN_OPENAPI_H
#define PLUGIN_OPENAPI_H

extern const char mg_openapi_document[];

#endif
