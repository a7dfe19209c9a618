/* read/addrset.c: open-addressing set of 81-tryte addresses.
 *
 * Layout: the addresses sit densely in `keys` (81 bytes each, no padding); the probe table holds
 * 8-byte slots {32-bit fingerprint, key index + 1}, 0 meaning empty. A slot's home is its
 * fingerprint masked to the table size, so growth and deletion never rehash a key, and a miss
 * compares fingerprints only: the keys are touched on a hit (or a 2^-32-ish fingerprint clash).
 * Linear probing, load at most 70%, deletion by backward shift (no tombstones); the key array is
 * kept dense by moving the last key into a removed one's place. */
#include "read/addrset.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define MIN_SLOTS 16
#define MIN_KEYS 8
#define MAX_LOAD_NUM 7 /* grow past 70% load */
#define MAX_LOAD_DEN 10
#define MAX_KEYS (UINT32_MAX - 1) /* key index + 1 must fit a slot */

typedef struct slot {
  uint32_t fp;
  uint32_t entry; /* key index + 1; 0 = empty */
} slot_t;

struct mg_addrset {
  slot_t *slots;
  size_t mask; /* slot count - 1; the slot count is a power of two */
  char (*keys)[MG_ADDRESS_TRYTES];
  void **values; /* parallel to keys */
  size_t count, keys_cap;
  uint64_t seed;
};

/* ---- hash ---- */

#define HASH_K1 UINT64_C(0x87c37b91114253d5)
#define HASH_K2 UINT64_C(0x4cf5ad432745937f)

static uint64_t rotl64(uint64_t x, unsigned r) { return x << r | x >> (64 - r); }

/* One 8-byte block, mixed as MurmurHash3 mixes its blocks. */
static uint64_t hash_word(uint64_t h, uint64_t w) {
  h ^= rotl64(w * HASH_K1, 31) * HASH_K2;
  return rotl64(h, 27) * 5 + 0x52dce729;
}

/* The 64-bit finaliser of MurmurHash3: every input bit affects every output bit. */
static uint64_t hash_finish(uint64_t h) {
  h ^= h >> 33;
  h *= UINT64_C(0xff51afd7ed558ccd);
  h ^= h >> 33;
  h *= UINT64_C(0xc4ceb9fe1a85ec53);
  return h ^ (h >> 33);
}

uint64_t mg_hash_bytes(const void *data, size_t n, uint64_t seed) {
  const unsigned char *p = data;
  uint64_t h = seed ^ (uint64_t)n * HASH_K2, w;
  for (; n >= sizeof w; n -= sizeof w, p += sizeof w) {
    memcpy(&w, p, sizeof w);
    h = hash_word(h, w);
  }
  if (n > 0) {
    w = 0;
    memcpy(&w, p, n);
    h = hash_word(h, w);
  }
  return hash_finish(h);
}

uint64_t mg_hash_seed(void) {
  uint64_t seed;
  if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) == (ssize_t)sizeof seed) return seed;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  uint64_t clock_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
  return hash_finish(clock_ns ^ (uint64_t)(uintptr_t)&ts);
}

/* ---- table ---- */

static uint32_t fingerprint(const mg_addrset_t *s, const char address[MG_ADDRESS_TRYTES]) {
  return (uint32_t)mg_hash_bytes(address, MG_ADDRESS_TRYTES, s->seed);
}

static size_t slots_for(size_t keys) {
  size_t n = MIN_SLOTS;
  while (n / MAX_LOAD_DEN * MAX_LOAD_NUM < keys && n <= SIZE_MAX / 4) n *= 2;
  return n;
}

static bool load_ok(size_t keys, size_t slots) { return keys <= slots / MAX_LOAD_DEN * MAX_LOAD_NUM; }

/* Index of the slot holding address, or the empty slot where it would go. */
static size_t probe(const mg_addrset_t *s, const char address[MG_ADDRESS_TRYTES], uint32_t fp, bool *found) {
  for (size_t i = fp & s->mask;; i = (i + 1) & s->mask) {
    slot_t slot = s->slots[i];
    if (slot.entry == 0 || (slot.fp == fp && memcmp(s->keys[slot.entry - 1], address, MG_ADDRESS_TRYTES) == 0)) {
      *found = slot.entry != 0;
      return i;
    }
  }
}

/* Places a slot at the first empty position from its home (the slot is known to be absent). */
static void place(slot_t *slots, size_t mask, slot_t slot) {
  size_t i = slot.fp & mask;
  while (slots[i].entry != 0) i = (i + 1) & mask;
  slots[i] = slot;
}

static int resize_slots(mg_addrset_t *s, size_t n) {
  slot_t *slots = calloc(n, sizeof *slots);
  if (slots == NULL) return -1;
  for (size_t i = 0; i <= s->mask; i++)
    if (s->slots[i].entry != 0) place(slots, n - 1, s->slots[i]);
  free(s->slots);
  s->slots = slots;
  s->mask = n - 1;
  return 0;
}

static int reserve_keys(mg_addrset_t *s, size_t n) {
  if (n <= s->keys_cap) return 0;
  size_t cap = s->keys_cap * 2 > n ? s->keys_cap * 2 : n;
  if (cap > SIZE_MAX / MG_ADDRESS_TRYTES) return -1;
  void *keys = realloc(s->keys, cap * MG_ADDRESS_TRYTES);
  if (keys == NULL) return -1;
  s->keys = keys;
  void **values = realloc(s->values, cap * sizeof *values);
  if (values == NULL) return -1; /* keys_cap unchanged: the larger key array is simply spare */
  s->values = values;
  s->keys_cap = cap;
  return 0;
}

mg_addrset_t *mg_addrset_new(size_t expected) {
  if (expected > MAX_KEYS) return NULL;
  mg_addrset_t *s = calloc(1, sizeof *s);
  if (s == NULL) return NULL;
  size_t n = slots_for(expected);
  s->slots = calloc(n, sizeof *s->slots);
  s->mask = n - 1;
  s->seed = mg_hash_seed();
  if (s->slots == NULL || reserve_keys(s, expected > MIN_KEYS ? expected : MIN_KEYS) != 0) {
    mg_addrset_free(s);
    return NULL;
  }
  return s;
}

void mg_addrset_free(mg_addrset_t *s) {
  if (s == NULL) return;
  free(s->slots);
  free(s->keys);
  free(s->values);
  free(s);
}

/* Adds the address when absent (with value NULL) and gives its key index. */
static int insert(mg_addrset_t *s, const char address[MG_ADDRESS_TRYTES], size_t *index) {
  uint32_t fp = fingerprint(s, address);
  bool found;
  size_t i = probe(s, address, fp, &found);
  if (found) {
    *index = s->slots[i].entry - 1;
    return 0;
  }
  if (s->count >= MAX_KEYS || reserve_keys(s, s->count + 1) != 0) return -1;
  if (!load_ok(s->count + 1, s->mask + 1) && resize_slots(s, (s->mask + 1) * 2) != 0) return -1;
  memcpy(s->keys[s->count], address, MG_ADDRESS_TRYTES);
  s->values[s->count] = NULL;
  *index = s->count++;
  place(s->slots, s->mask, (slot_t){.fp = fp, .entry = (uint32_t)s->count});
  return 0;
}

int mg_addrset_add(mg_addrset_t *s, const char address[MG_ADDRESS_TRYTES]) {
  size_t index;
  if (s == NULL || address == NULL) return -1;
  return insert(s, address, &index);
}

int mg_addrset_put(mg_addrset_t *s, const char address[MG_ADDRESS_TRYTES], void *value) {
  size_t index;
  if (s == NULL || address == NULL || insert(s, address, &index) != 0) return -1;
  s->values[index] = value;
  return 0;
}

void *mg_addrset_get(const mg_addrset_t *s, const char address[MG_ADDRESS_TRYTES]) {
  if (s == NULL || address == NULL) return NULL;
  bool found;
  size_t i = probe(s, address, fingerprint(s, address), &found);
  return found ? s->values[s->slots[i].entry - 1] : NULL;
}

/* Empties slot `hole` and shifts later members of its probe run back (linear-probing delete). */
static void delete_slot(mg_addrset_t *s, size_t hole) {
  for (size_t j = (hole + 1) & s->mask; s->slots[j].entry != 0; j = (j + 1) & s->mask) {
    size_t home = s->slots[j].fp & s->mask;
    /* Movable when the hole lies on the way from its home to j. */
    if (((j - home) & s->mask) >= ((j - hole) & s->mask)) {
      s->slots[hole] = s->slots[j];
      hole = j;
    }
  }
  s->slots[hole].entry = 0;
}

/* Moves the last key into position `index` and repoints its slot. */
static void move_last_key(mg_addrset_t *s, size_t index) {
  size_t last = s->count - 1;
  if (index == last) return;
  memcpy(s->keys[index], s->keys[last], MG_ADDRESS_TRYTES);
  s->values[index] = s->values[last];
  uint32_t fp = fingerprint(s, s->keys[index]);
  size_t i = fp & s->mask;
  while (s->slots[i].entry != last + 1) i = (i + 1) & s->mask;
  s->slots[i].entry = (uint32_t)(index + 1);
}

bool mg_addrset_remove(mg_addrset_t *s, const char address[MG_ADDRESS_TRYTES]) {
  if (s == NULL || address == NULL) return false;
  bool found;
  size_t i = probe(s, address, fingerprint(s, address), &found);
  if (!found) return false;
  size_t index = s->slots[i].entry - 1;
  delete_slot(s, i);
  move_last_key(s, index);
  s->count--;
  return true;
}

bool mg_addrset_has(const mg_addrset_t *s, const char address[MG_ADDRESS_TRYTES]) {
  if (s == NULL || address == NULL) return false;
  bool found;
  probe(s, address, fingerprint(s, address), &found);
  return found;
}

size_t mg_addrset_count(const mg_addrset_t *s) { return s ? s->count : 0; }

void *mg_addrset_value_at(const mg_addrset_t *s, size_t index) {
  return s && index < s->count ? s->values[index] : NULL;
}

size_t mg_addrset_memory(const mg_addrset_t *s) {
  if (s == NULL) return 0;
  return sizeof *s + (s->mask + 1) * sizeof *s->slots + s->keys_cap * (MG_ADDRESS_TRYTES + sizeof *s->values);
}
