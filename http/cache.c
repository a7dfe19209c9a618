/* The answer cache (see http/cache.h): a hash table of chained entries under a read-write lock,
 * and a first-in first-out list of the same entries for eviction. */
#include "http/cache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS 4096u /* a power of two */

typedef struct entry {
  struct entry *next_in_bucket, *newer;
  char *key, *content_type, *etag; /* one allocation with the body behind them */
  const unsigned char *body;
  size_t len, bytes;
} entry_t;

struct mg_http_cache {
  pthread_rwlock_t lock;
  entry_t *buckets[BUCKETS];
  entry_t *oldest, *newest;
  size_t max_bytes, bytes, entries;
};

/* FNV-1a */
static uint32_t hash_key(const char *key) {
  uint32_t h = 2166136261u;
  for (const unsigned char *p = (const unsigned char *)key; *p; p++) h = (h ^ *p) * 16777619u;
  return h;
}

mg_http_cache_t *mg_http_cache_new(size_t max_bytes) {
  mg_http_cache_t *c = calloc(1, sizeof *c);
  if (c == NULL) return NULL;
  if (pthread_rwlock_init(&c->lock, NULL) != 0) {
    free(c);
    return NULL;
  }
  c->max_bytes = max_bytes;
  return c;
}

void mg_http_cache_free(mg_http_cache_t *c) {
  if (c == NULL) return;
  for (entry_t *e = c->oldest, *next; e != NULL; e = next) {
    next = e->newer;
    free(e);
  }
  pthread_rwlock_destroy(&c->lock);
  free(c);
}

static entry_t *find(const mg_http_cache_t *c, const char *key, uint32_t h) {
  for (entry_t *e = c->buckets[h % BUCKETS]; e != NULL; e = e->next_in_bucket)
    if (strcmp(e->key, key) == 0) return e;
  return NULL;
}

/* Removes the oldest entry (the cache holds one at least). */
static void evict_oldest(mg_http_cache_t *c) {
  entry_t *e = c->oldest, **link = &c->buckets[hash_key(e->key) % BUCKETS];
  while (*link != e) link = &(*link)->next_in_bucket;
  *link = e->next_in_bucket;
  c->oldest = e->newer;
  if (c->oldest == NULL) c->newest = NULL;
  c->bytes -= e->bytes;
  c->entries--;
  free(e);
}

/* A new entry holding copies of everything, or NULL (too large, out of memory). */
static entry_t *new_entry(const char *key, const char *content_type, const char *etag, const void *body, size_t len,
                          size_t max_bytes) {
  size_t nk = strlen(key) + 1, nt = strlen(content_type) + 1, ne = strlen(etag) + 1;
  if (len > max_bytes || nk + nt + ne + sizeof(entry_t) > max_bytes - len) return NULL;
  size_t bytes = sizeof(entry_t) + nk + nt + ne + len;
  entry_t *e = malloc(bytes);
  if (e == NULL) return NULL;
  memset(e, 0, sizeof *e);
  char *p = (char *)(e + 1);
  e->key = memcpy(p, key, nk);
  e->content_type = memcpy(p + nk, content_type, nt);
  e->etag = memcpy(p + nk + nt, etag, ne);
  e->body = memcpy(p + nk + nt + ne, body, len);
  e->len = len;
  e->bytes = bytes;
  return e;
}

void mg_http_cache_put(mg_http_cache_t *c, const char *key, const char *content_type, const char *etag,
                       const void *body, size_t len) {
  entry_t *e = new_entry(key, content_type, etag, body, len, c->max_bytes);
  if (e == NULL) return;
  uint32_t h = hash_key(key);
  pthread_rwlock_wrlock(&c->lock);
  if (find(c, key, h) != NULL) {
    pthread_rwlock_unlock(&c->lock);
    free(e);
    return;
  }
  while (c->oldest != NULL && c->max_bytes - c->bytes < e->bytes) evict_oldest(c);
  e->next_in_bucket = c->buckets[h % BUCKETS];
  c->buckets[h % BUCKETS] = e;
  if (c->newest != NULL) c->newest->newer = e;
  else c->oldest = e;
  c->newest = e;
  c->bytes += e->bytes;
  c->entries++;
  pthread_rwlock_unlock(&c->lock);
}

bool mg_http_cache_read(mg_http_cache_t *c, const char *key, mg_http_cache_fn fn, void *ctx) {
  uint32_t h = hash_key(key);
  pthread_rwlock_rdlock(&c->lock);
  entry_t *e = find(c, key, h);
  if (e != NULL) fn(ctx, e->content_type, e->etag, e->body, e->len);
  pthread_rwlock_unlock(&c->lock);
  return e != NULL;
}

void mg_http_cache_usage(mg_http_cache_t *c, size_t *bytes, size_t *entries) {
  pthread_rwlock_rdlock(&c->lock);
  *bytes = c->bytes;
  *entries = c->entries;
  pthread_rwlock_unlock(&c->lock);
}
