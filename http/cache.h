/* http/cache.h: answers kept for reuse: bytes as sent (after their content coding) under a key,
 * with their content type and entity tag. For representations that cannot change while the server
 * runs (a full page of an append-only log): nothing here expires or validates; the first answer
 * kept under a key stays until it is evicted. Bounded in bytes; when full, the oldest answers go
 * first. Safe to use from every worker thread. */
#ifndef HTTP_CACHE_H
#define HTTP_CACHE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct mg_http_cache mg_http_cache_t;

/* An empty cache holding at most max_bytes of keys, types, tags and bodies; NULL when out of memory. */
mg_http_cache_t *mg_http_cache_new(size_t max_bytes);
void mg_http_cache_free(mg_http_cache_t *c);

/* Keeps a copy of the answer under key (NUL-terminated strings; body of len bytes). Nothing happens
 * when the key is kept already, or when the answer is larger than the cache or memory runs out. */
void mg_http_cache_put(mg_http_cache_t *c, const char *key, const char *content_type, const char *etag,
                       const void *body, size_t len);

/* Calls fn with the answer kept under key (valid during the call only) and returns true; false when
 * none is kept. */
typedef void (*mg_http_cache_fn)(void *ctx, const char *content_type, const char *etag, const void *body, size_t len);
bool mg_http_cache_read(mg_http_cache_t *c, const char *key, mg_http_cache_fn fn, void *ctx);

/* The bytes and answers kept now. */
void mg_http_cache_usage(mg_http_cache_t *c, size_t *bytes, size_t *entries);

#endif
