/* read/addrset.h: the set of watched addresses (channel ids) the feed is filtered against, with an
 * optional value per address (the watch it belongs to).
 *
 * Open addressing over the 81 address trytes: constant time per look-up, no allocation and no
 * lock on the look-up path (the caller serialises writers against readers). Sized for hundreds of
 * thousands of channels within a few tens of megabytes. */
#ifndef READ_ADDRSET_H
#define READ_ADDRSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tangle/transaction.h"

#define MG_ADDRESS_TRYTES TANGLE_TX_HASH_TRYTES

typedef struct mg_addrset mg_addrset_t;

mg_addrset_t *mg_addrset_new(size_t expected);
void mg_addrset_free(mg_addrset_t *s);
/* 0 when added or already present, -1 when out of memory (the set is unchanged then). */
int mg_addrset_add(mg_addrset_t *s, const char address[MG_ADDRESS_TRYTES]);
/* Adds the address if absent and sets its value (a map use of the set); 0 or -1 (out of memory). */
int mg_addrset_put(mg_addrset_t *s, const char address[MG_ADDRESS_TRYTES], void *value);
/* The value of a present address (NULL when absent or set to NULL). */
void *mg_addrset_get(const mg_addrset_t *s, const char address[MG_ADDRESS_TRYTES]);
/* true when it was present. */
bool mg_addrset_remove(mg_addrset_t *s, const char address[MG_ADDRESS_TRYTES]);
bool mg_addrset_has(const mg_addrset_t *s, const char address[MG_ADDRESS_TRYTES]);
size_t mg_addrset_count(const mg_addrset_t *s);
/* The values in storage order, index < count: for visiting every entry (a removal moves the last
 * entry into the removed one's place). */
void *mg_addrset_value_at(const mg_addrset_t *s, size_t index);
/* Bytes of memory held. */
size_t mg_addrset_memory(const mg_addrset_t *s);

/* The keyed 64-bit hash of the read path's tables (this set and the bundle assembler). Keyed with
 * a random seed so that peers cannot craft keys that pile into one bucket; not a MAC. */
uint64_t mg_hash_bytes(const void *data, size_t n, uint64_t seed);
/* A fresh random seed (getrandom; the clock when the kernel has no entropy to give). */
uint64_t mg_hash_seed(void);

#endif
