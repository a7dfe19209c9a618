/* read/shard.h: which instance of a sharded fleet decodes a watched channel (pure, no threads).
 *
 * With `shard = K/N` an instance decodes the channels whose id hashes to K mod N (its "home"
 * share). When the instance of a share is not live (its heartbeat is older than
 * shard_takeover_s), its channels are spread over the live shards: channel c, whose home shard h
 * is down, goes to live[(hash(c) / N) mod L], where live[] lists the L live shard indexes in
 * increasing order (the deciding instance counts itself live). Every instance computes the same
 * answer from the same live set, so each channel has one decoder once the heartbeats agree; while
 * they do not (for one heartbeat at most) two instances may decode a channel, and the store keeps
 * each packet once. */
#ifndef READ_SHARD_H
#define READ_SHARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MG_SHARD_COUNT_MAX 1024 /* N of K/N at most */
#define MG_SHARD_TEXT_MAX 16    /* "1023/1024" with its NUL, and room */

typedef struct mg_shard {
  uint32_t index; /* K */
  uint32_t count; /* N; 0: no shard (the instance decodes every watched channel) */
} mg_shard_t;

/* Parses "K/N" (decimal, 0 <= K < N <= MG_SHARD_COUNT_MAX, no signs or spaces) or "" (no shard).
 * 0, or -1 with *out untouched. */
int mg_shard_parse(const char *text, mg_shard_t *out);
/* "K/N", or "" for no shard; the length written, as snprintf. */
int mg_shard_format(mg_shard_t shard, char *buf, size_t len);

/* The channel id's hash (64-bit FNV-1a over its 81 trytes): the same on every instance. */
uint64_t mg_shard_hash(const char *channel_id);

/* Whether the instance of shard `self` decodes the channel now. live[i] (i < self.count) tells
 * whether shard i has a live instance; self is taken as live whatever live[] says. Without a shard
 * (self.count 0; live may be NULL): always. */
bool mg_shard_decodes(mg_shard_t self, const bool *live, const char *channel_id);

#endif
