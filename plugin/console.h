/* plugin/console.h: the web console, static files compiled into the plugin (plugin/console/,
 * turned into plugin/console_assets.c by plugin/console/embed.sh at build time).
 *
 * GET / answers index.html and GET /console/{file} the other files, each with its content type,
 * an ETag (304 on a matching If-None-Match), Cache-Control: no-cache (so the browser revalidates
 * and a new plugin version is picked up at once) and a strict Content-Security-Policy: scripts,
 * styles, images and fetches from this origin only, no inline code, no framing. The console then
 * talks to the public REST API like any other client. */
#ifndef PLUGIN_CONSOLE_H
#define PLUGIN_CONSOLE_H

#include <stddef.h>

#include "http/server.h"

typedef struct mg_console_asset {
  const char *name;         /* file name, e.g. "app.js" */
  const char *content_type;
  const char *etag;         /* quoted, e.g. "\"0123456789abcdef\"" */
  const unsigned char *data;
  size_t len;
} mg_console_asset_t;

extern const mg_console_asset_t mg_console_assets[];
extern const size_t mg_console_asset_count;

/* Route handlers (ctx unused): "GET /" and "GET /console/{file}". */
void mg_console_index(void *ctx, mg_http_request_t *req);
void mg_console_file(void *ctx, mg_http_request_t *req);

#endif
