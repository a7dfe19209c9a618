/* The web console's static files (see plugin/console.h). */
#include "plugin/console.h"

#include "http/negotiate.h"

#include <stdbool.h>
#include <string.h>

#define INDEX_NAME "index.html"
#define HEADER_SLOTS 14 /* five name/value pairs, the NULL end, room to spare */

/* default-src 'none' refuses everything not named; 'self' only, so no inline script or style, no
 * eval, no other origin; base-uri and form-action stop injected <base> and <form> tricks. */
static const char CSP[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

static const mg_console_asset_t *find_asset(const char *name) {
  for (size_t i = 0; name != NULL && i < mg_console_asset_count; i++)
    if (strcmp(mg_console_assets[i].name, name) == 0) return &mg_console_assets[i];
  return NULL;
}

static void serve(mg_http_request_t *req, const mg_console_asset_t *a) {
  if (a == NULL) return mg_http_respond_error(req, 404, "not_found", "no such console file");
  const char *headers[HEADER_SLOTS] = {"ETag", a->etag,
                                       "Cache-Control", "no-cache",
                                       "Content-Security-Policy", CSP,
                                       "X-Content-Type-Options", "nosniff",
                                       "Referrer-Policy", "no-referrer",
                                       NULL};
  if (mg_http_if_none_match(mg_http_header(req, "If-None-Match"), a->etag))
    return mg_http_respond_static(req, 304, a->content_type, "", 0, headers);
  mg_http_respond_static(req, 200, a->content_type, a->data, a->len, headers);
}

void mg_console_index(void *ctx, mg_http_request_t *req) {
  (void)ctx;
  serve(req, find_asset(INDEX_NAME));
}

void mg_console_file(void *ctx, mg_http_request_t *req) {
  (void)ctx;
  const char *name = mg_http_param(req, "file");
  serve(req, name != NULL && strcmp(name, INDEX_NAME) != 0 ? find_asset(name) : NULL);
}
