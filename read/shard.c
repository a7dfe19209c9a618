#include "read/shard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamcore/transport.h"

#define FNV_OFFSET UINT64_C(14695981039346656037)
#define FNV_PRIME UINT64_C(1099511628211)

/* A decimal number of 1 to 4 digits ending at `end` ('/' or NUL); -1 otherwise. */
static long parse_part(const char *text, char end, const char **next) {
  size_t digits = strspn(text, "0123456789");
  if (digits == 0 || digits > 4 || text[digits] != end) return -1;
  *next = text + digits + (end != '\0');
  return strtol(text, NULL, 10);
}

int mg_shard_parse(const char *text, mg_shard_t *out) {
  if (!text || !out) return -1;
  if (!*text) return *out = (mg_shard_t){0}, 0;
  const char *rest;
  long k = parse_part(text, '/', &rest), n = k < 0 ? -1 : parse_part(rest, '\0', &rest);
  if (k < 0 || n < 1 || n > MG_SHARD_COUNT_MAX || k >= n) return -1;
  *out = (mg_shard_t){.index = (uint32_t)k, .count = (uint32_t)n};
  return 0;
}

int mg_shard_format(mg_shard_t shard, char *buf, size_t len) {
  if (shard.count == 0) return snprintf(buf, len, "%s", "");
  return snprintf(buf, len, "%u/%u", (unsigned)shard.index, (unsigned)shard.count);
}

uint64_t mg_shard_hash(const char *channel_id) {
  uint64_t h = FNV_OFFSET;
  for (size_t i = 0; i < MAM_ID_TRYTES && channel_id[i]; i++) h = (h ^ (uint8_t)channel_id[i]) * FNV_PRIME;
  return h;
}

bool mg_shard_decodes(mg_shard_t self, const bool *live, const char *channel_id) {
  if (self.count == 0) return true;
  uint64_t h = mg_shard_hash(channel_id);
  uint32_t home = (uint32_t)(h % self.count);
  if (home == self.index) return true;
  if (live[home]) return false;
  uint32_t n_live = 0;
  for (uint32_t i = 0; i < self.count; i++) n_live += live[i] || i == self.index;
  if (n_live == 0) return false; /* not reached: this instance itself counts (index < count) */
  uint64_t pick = (h / self.count) % n_live; /* the pick-th live shard, in index order */
  for (uint32_t i = 0; i < self.count; i++)
    if ((live[i] || i == self.index) && pick-- == 0) return i == self.index;
  return false; /* not reached: pick < n_live */
}
