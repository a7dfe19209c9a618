/* The fast Troika everything uses: one state at a time in packed lanes (troika_lanes.c), or many
 * states at once bit-sliced across the widest words the CPU offers (troika_sliced_*.c). This file
 * picks the implementation, converts between trits and the bit-sliced form, and drives the
 * batches, hashes and hash chains of troika.h. */
#include <stdlib.h>
#include <string.h>

#include "mamcore/troika_fast.h"
#include "mamcore/troika_tiles.h"

#if defined(__x86_64__) || defined(__i386__)
#define TROIKA_X86 1
#else
#define TROIKA_X86 0
#endif

/* The widest word of any implementation, in lanes. */
#define MAX_LANES 512

void mam_troika_f(mam_trit_t state[MAM_TROIKA_STATE_TRITS]) {
#if TROIKA_X86
  if (__builtin_cpu_supports("avx512f")) {
    mam_troika_lanes_f_avx512(state);
    return;
  }
#endif
  mam_troika_lanes_f(state);
}

/* ---- Choosing an implementation ---- */

bool mam_troika_impl_supported(mam_troika_impl_t impl) {
  switch (impl) {
    case MAM_TROIKA_AUTO:
    case MAM_TROIKA_SINGLE:
    case MAM_TROIKA_SLICED_64:
    case MAM_TROIKA_PACKED:
      return true;
#if TROIKA_X86
    case MAM_TROIKA_SLICED_AVX2:
      return __builtin_cpu_supports("avx2");
    case MAM_TROIKA_SLICED_AVX512:
    case MAM_TROIKA_PACKED_AVX512:
      return __builtin_cpu_supports("avx512f");
#endif
    default:
      return false;
  }
}

static const mam_troika_sliced_t *sliced_of(mam_troika_impl_t impl) {
  switch (impl) {
    case MAM_TROIKA_SLICED_64:
      return &mam_troika_sliced_portable;
#if TROIKA_X86
    case MAM_TROIKA_SLICED_AVX2:
      return &mam_troika_sliced_avx2;
    case MAM_TROIKA_SLICED_AVX512:
      return &mam_troika_sliced_avx512;
#endif
    default:
      return NULL;
  }
}

/* F on states in packed lanes, several at a time. */
typedef struct {
  size_t width; /* states per call that run interleaved */
  void (*f)(mam_troika_lanes_t *states, size_t n);
} packed_t;

#define MAX_PACKED_WIDTH MAM_TROIKA_PACKED_AVX512_WIDTH

static const packed_t *packed_of(mam_troika_impl_t impl) {
  static const packed_t plain = {1, mam_troika_packed_f};
#if TROIKA_X86
  static const packed_t avx512 = {MAM_TROIKA_PACKED_AVX512_WIDTH, mam_troika_packed_f_avx512};
  if (impl == MAM_TROIKA_PACKED_AVX512) return &avx512;
#endif
  return impl == MAM_TROIKA_PACKED ? &plain : NULL;
}

size_t mam_troika_impl_lanes(mam_troika_impl_t impl) {
  const mam_troika_sliced_t *sliced = sliced_of(impl);
  if (sliced) return sliced->lanes;
  const packed_t *packed = packed_of(impl);
  if (packed) return packed->width;
  return impl == MAM_TROIKA_SINGLE ? 1 : 0;
}

/* Time of one step of an implementation in nanoseconds (F on one state, on a group of packed
 * states, or on a full word of sliced states, conversions included), as bench/bench_troika
 * measures it on a Zen 4 core. */
static size_t step_ns(mam_troika_impl_t impl) {
  switch (impl) {
    case MAM_TROIKA_SINGLE:
      return mam_troika_impl_supported(MAM_TROIKA_SLICED_AVX512) ? 900 : 3500;
    case MAM_TROIKA_PACKED:
      return 3000;
    case MAM_TROIKA_PACKED_AVX512:
      return 1600;
    case MAM_TROIKA_SLICED_64:
      return 100000;
    case MAM_TROIKA_SLICED_AVX2:
      return 75000;
    default:
      return 130000;
  }
}

static size_t steps_for(size_t count, size_t lanes) { return count / lanes + (count % lanes != 0); }

/* The work of a call: `states` F evaluations for a batch, or for hash chains the total of their
 * steps, with (for the bit-sliced implementations) a step count per word of lanes. */
typedef struct {
  size_t states;
  const uint8_t *steps; /* chains' steps, NULL for a batch */
  const size_t *order;  /* the chains by steps non-increasing */
} work_t;

/* Time the implementation needs for the work, in nanoseconds. */
static size_t cost_ns(mam_troika_impl_t impl, const work_t *work) {
  size_t lanes = mam_troika_impl_lanes(impl), steps = 0;
  if (!work->steps) {
    steps = steps_for(work->states, lanes);
  } else if (sliced_of(impl)) {
    for (size_t first = 0; first < work->states; first += lanes)
      steps += work->steps[work->order[first]];
  } else {
    for (size_t j = 0; j < work->states; j++) steps += work->steps[work->order[j]];
    steps = steps_for(steps, lanes);
  }
  return steps * step_ns(impl);
}

/* The implementation to run: `impl` if the CPU supports it, else the one that needs the least
 * time for the work. */
static mam_troika_impl_t resolve(mam_troika_impl_t impl, const work_t *work) {
  static const mam_troika_impl_t candidates[] = {
      MAM_TROIKA_PACKED,      MAM_TROIKA_PACKED_AVX512, MAM_TROIKA_SLICED_64,
      MAM_TROIKA_SLICED_AVX2, MAM_TROIKA_SLICED_AVX512};
  if (impl != MAM_TROIKA_AUTO && mam_troika_impl_supported(impl)) return impl;
  mam_troika_impl_t best = MAM_TROIKA_PACKED;
  size_t best_cost = SIZE_MAX;
  for (size_t k = 0; k < sizeof candidates / sizeof candidates[0]; k++) {
    if (!mam_troika_impl_supported(candidates[k])) continue;
    size_t cost = cost_ns(candidates[k], work);
    if (cost < best_cost) {
      best = candidates[k];
      best_cost = cost;
    }
  }
  return best;
}

/* ---- Converting to and from the bit-sliced form (layout in troika_fast.h) ---- */

static inline size_t plane_offset(size_t trit, unsigned plane, size_t word_bytes) {
  return (2 * trit + plane) * word_bytes;
}

static inline size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* Lanes are bytes of a sliced word: a tile's 16 lanes are 2 bytes starting at byte j0 / 8. */
static inline void put_mask(uint8_t *word, size_t j0, unsigned mask) {
  word[j0 / 8] = (uint8_t)mask;
  word[j0 / 8 + 1] = (uint8_t)(mask >> 8);
}

static inline unsigned get_mask(const uint8_t *word, size_t j0) {
  return word[j0 / 8] | (unsigned)word[j0 / 8 + 1] << 8;
}

/* Bit-slices trits [0, len) of the sources src[0..n) into lanes 0..n-1 of `state` (n <= the
 * word's lanes). Other lanes and trits are left as they are. */
static void sliced_load(uint8_t *state, size_t word_bytes, const mam_trit_t *const *src, size_t n,
                        size_t len) {
  for (size_t j0 = 0; j0 < n; j0 += TILE)
    for (size_t i0 = 0; i0 < len; i0 += TILE) {
      size_t trits = min_size(TILE, len - i0);
      bytes16_t m[TILE];
      tile_read(m, src + j0, min_size(TILE, n - j0), i0, trits);
      tile_transpose(m);
      for (size_t k = 0; k < trits; k++) {
        put_mask(state + plane_offset(i0 + k, 0, word_bytes), j0, trits_pos_mask(m[k]));
        put_mask(state + plane_offset(i0 + k, 1, word_bytes), j0, trits_neg_mask(m[k]));
      }
    }
}

/* The inverse of sliced_load: trits [0, len) of lanes 0..n-1 to dst[0..n). */
static void sliced_store(const uint8_t *state, size_t word_bytes, mam_trit_t *const *dst, size_t n,
                         size_t len) {
  for (size_t j0 = 0; j0 < n; j0 += TILE)
    for (size_t i0 = 0; i0 < len; i0 += TILE) {
      size_t trits = min_size(TILE, len - i0);
      bytes16_t m[TILE];
      if (trits < TILE) memset(m, 0, sizeof m);
      for (size_t k = 0; k < trits; k++)
        m[k] = masks_to_trits(get_mask(state + plane_offset(i0 + k, 0, word_bytes), j0),
                              get_mask(state + plane_offset(i0 + k, 1, word_bytes), j0));
      tile_transpose(m);
      tile_write(dst + j0, min_size(TILE, n - j0), i0, trits, m);
    }
}

/* Copies trits [0, len) of lanes 0..m-1 from src to dst. */
static void copy_lane_prefix(uint8_t *dst, const uint8_t *src, size_t word_bytes, size_t len,
                             size_t m) {
  size_t whole = m / 8;
  uint8_t part = (uint8_t)((1u << (m % 8)) - 1);
  for (size_t w = 0; w < 2 * len; w++) {
    uint8_t *d = dst + w * word_bytes;
    const uint8_t *s = src + w * word_bytes;
    memcpy(d, s, whole);
    if (part) d[whole] = (uint8_t)((d[whole] & ~part) | (s[whole] & part));
  }
}

/* ---- Working memory of a bit-sliced run ---- */

typedef struct {
  const mam_troika_sliced_t *impl;
  size_t word_bytes;
  uint8_t *state;   /* 729 trits */
  uint8_t *scratch; /* MAM_TROIKA_SLICED_SCRATCH_TRITS trits */
  uint8_t *chain;   /* MAM_TROIKA_RATE_TRITS trits, for hash chains */
  size_t size;
} sliced_work_t;

/* False when the memory cannot be had; the caller then works one state at a time. */
static bool work_init(sliced_work_t *w, const mam_troika_sliced_t *impl) {
  size_t trit_bytes = impl->lanes / 4;
  size_t trits = MAM_TROIKA_STATE_TRITS + MAM_TROIKA_SLICED_SCRATCH_TRITS + MAM_TROIKA_RATE_TRITS;
  w->impl = impl;
  w->word_bytes = impl->lanes / 8;
  w->size = (trits * trit_bytes + 63) / 64 * 64;
  w->state = aligned_alloc(64, w->size);
  if (!w->state) return false;
  memset(w->state, 0, w->size);
  w->scratch = w->state + MAM_TROIKA_STATE_TRITS * trit_bytes;
  w->chain = w->scratch + MAM_TROIKA_SLICED_SCRATCH_TRITS * trit_bytes;
  return true;
}

/* The states may hold secrets: wipe them before the memory goes back to the heap. */
static void work_free(sliced_work_t *w) {
  mam_wipe(w->state, w->size);
  free(w->state);
}

/* Sets trits [from, 729) of every lane to 0. */
static void clear_trits_from(sliced_work_t *w, size_t from) {
  memset(w->state + plane_offset(from, 0, w->word_bytes), 0,
         plane_offset(MAM_TROIKA_STATE_TRITS - from, 0, w->word_bytes));
}

/* out_j = F(in_j || 0)[0..out_len) for j < n <= lanes. */
static void sliced_hash_block(sliced_work_t *w, const mam_trit_t *const *in, size_t in_len,
                              mam_trit_t *const *out, size_t out_len, size_t n) {
  clear_trits_from(w, 0);
  sliced_load(w->state, w->word_bytes, in, n, in_len);
  w->impl->permute(w->state, w->scratch);
  sliced_store(w->state, w->word_bytes, out, n, out_len);
}

/* Hash chains of n <= lanes values, ordered by steps[j] non-increasing so that the lanes still
 * running after k steps are always a prefix. Finished lanes are copied out to w->chain as soon
 * as their count is reached, and the chain values stay sliced across all steps. */
static void sliced_chains_block(sliced_work_t *w, mam_trit_t *const *chains, size_t len,
                                const uint8_t *steps, size_t n) {
  clear_trits_from(w, 0);
  sliced_load(w->state, w->word_bytes, (const mam_trit_t *const *)chains, n, len);
  size_t running = n;
  for (unsigned k = 0; k < steps[0]; k++) {
    while (running > 0 && steps[running - 1] <= k) running--;
    clear_trits_from(w, len);
    w->impl->permute(w->state, w->scratch);
    copy_lane_prefix(w->chain, w->state, w->word_bytes, len, running);
  }
  sliced_store(w->chain, w->word_bytes, chains, n, len);
}

/* ---- Packed lanes, a few states at a time ---- */

/* mask[l] has bit s set where trit 27 s + l is one of the first len trits. */
static void prefix_masks(uint32_t mask[32], size_t len) {
  for (size_t l = 0; l < 32; l++) {
    mask[l] = 0;
    for (size_t s = 0; s < MAM_TROIKA_SLICES; s++)
      if (l < MAM_TROIKA_SLICES && MAM_TROIKA_SLICES * s + l < len) mask[l] |= UINT32_C(1) << s;
  }
}

/* Keeps the trits under the mask, setting the others to 0. */
static void packed_truncate(mam_troika_lanes_t *state, const uint32_t mask[32]) {
  for (size_t l = 0; l < 32; l++) {
    state->pos[l] &= mask[l];
    state->neg[l] &= mask[l];
  }
}

/* state = x || 0^(729 - len) */
static void packed_load(mam_troika_lanes_t *state, const mam_trit_t *x, size_t len) {
  mam_trit_t s[MAM_TROIKA_STATE_TRITS] = {0};
  memcpy(s, x, len);
  mam_troika_lanes_load(state, s);
  mam_wipe(s, len);
}

/* out = state[0..len) */
static void packed_store(mam_trit_t *out, size_t len, const mam_troika_lanes_t *state) {
  mam_trit_t s[MAM_TROIKA_STATE_TRITS];
  mam_troika_lanes_store(s, state);
  memcpy(out, s, len);
  mam_wipe(s, len);
}

/* out_j = F(in_j || 0)[0..out_len), `width` states at a time. */
static void packed_hash_batch(const packed_t *p, const mam_trit_t *in, size_t in_len, mam_trit_t *out,
                              size_t out_len, size_t count) {
  mam_troika_lanes_t group[MAX_PACKED_WIDTH];
  for (size_t first = 0; first < count; first += p->width) {
    size_t n = min_size(count - first, p->width);
    for (size_t j = 0; j < n; j++) packed_load(&group[j], in + (first + j) * in_len, in_len);
    p->f(group, n);
    for (size_t j = 0; j < n; j++) packed_store(out + (first + j) * out_len, out_len, &group[j]);
  }
  mam_wipe(group, sizeof group);
}

/* A chain being hashed in one of the packed slots. */
typedef struct {
  size_t chain;   /* its index */
  unsigned left;  /* steps still to do */
} slot_t;

/* Hash chains in the order given (active chains, steps > 0). Each of the `width` slots holds a
 * chain from start to end without leaving the packed form (one step is F, then clearing the trits
 * from len on); a finished chain's slot goes to the next chain, so no slot idles until the last
 * chains. */
static void packed_chains(const packed_t *p, mam_trit_t *chains, size_t len, const uint8_t *steps,
                          const size_t *order, size_t active) {
  mam_troika_lanes_t state[MAX_PACKED_WIDTH];
  slot_t slot[MAX_PACKED_WIDTH];
  uint32_t mask[32];
  prefix_masks(mask, len);
  size_t next = 0, busy = 0;
  for (;;) {
    for (; busy < p->width && next < active; busy++, next++) {
      slot[busy] = (slot_t){order[next], steps[order[next]]};
      packed_load(&state[busy], chains + slot[busy].chain * len, len);
    }
    if (busy == 0) break;
    p->f(state, busy);
    for (size_t i = 0; i < busy;) {
      packed_truncate(&state[i], mask);
      if (--slot[i].left > 0) {
        i++;
        continue;
      }
      packed_store(chains + slot[i].chain * len, len, &state[i]);
      busy--;
      state[i] = state[busy];
      slot[i] = slot[busy];
    }
  }
  mam_wipe(state, sizeof state);
}

/* ---- One state at a time ---- */

static void hash_one(const mam_trit_t *in, size_t in_len, mam_trit_t *out, size_t out_len) {
  mam_trit_t s[MAM_TROIKA_STATE_TRITS] = {0};
  memcpy(s, in, in_len);
  mam_troika_f(s);
  memcpy(out, s, out_len);
}

static void chain_one(mam_trit_t *x, size_t len, unsigned steps) {
  for (unsigned k = 0; k < steps; k++) hash_one(x, len, x, len);
}

/* ---- The batch functions ---- */

static bool lengths_ok(size_t in_len, size_t out_len) {
  return in_len > 0 && in_len <= MAM_TROIKA_RATE_TRITS && out_len <= MAM_TROIKA_RATE_TRITS;
}

/* Hashes of `count` inputs of in_len trits (in_len <= 729 here), outputs out_len trits. */
static void hash_batch(mam_troika_impl_t impl, const mam_trit_t *in, size_t in_len, mam_trit_t *out,
                       size_t out_len, size_t count) {
  work_t work = {count, NULL, NULL};
  mam_troika_impl_t chosen = resolve(impl, &work);
  const packed_t *packed = packed_of(chosen);
  if (packed) {
    packed_hash_batch(packed, in, in_len, out, out_len, count);
    return;
  }
  const mam_troika_sliced_t *sliced = sliced_of(chosen);
  sliced_work_t w;
  if (!sliced || !work_init(&w, sliced)) {
    for (size_t j = 0; j < count; j++)
      hash_one(in + j * in_len, in_len, out + j * out_len, out_len);
    return;
  }
  const mam_trit_t *src[MAX_LANES];
  mam_trit_t *dst[MAX_LANES];
  for (size_t first = 0; first < count; first += sliced->lanes) {
    size_t n = min_size(count - first, sliced->lanes);
    for (size_t j = 0; j < n; j++) {
      src[j] = in + (first + j) * in_len;
      dst[j] = out + (first + j) * out_len;
    }
    sliced_hash_block(&w, src, in_len, dst, out_len, n);
  }
  work_free(&w);
}

void mam_troika_f_batch_impl(mam_troika_impl_t impl, mam_trit_t *states, size_t count) {
  hash_batch(impl, states, MAM_TROIKA_STATE_TRITS, states, MAM_TROIKA_STATE_TRITS, count);
}

void mam_troika_f_batch(mam_trit_t *states, size_t count) {
  mam_troika_f_batch_impl(MAM_TROIKA_AUTO, states, count);
}

void mam_troika_hash_batch_impl(mam_troika_impl_t impl, const mam_trit_t *in, size_t in_len,
                                mam_trit_t *out, size_t out_len, size_t count) {
  if (lengths_ok(in_len, out_len)) hash_batch(impl, in, in_len, out, out_len, count);
}

void mam_troika_hash_batch(const mam_trit_t *in, size_t in_len, mam_trit_t *out, size_t out_len,
                           size_t count) {
  mam_troika_hash_batch_impl(MAM_TROIKA_AUTO, in, in_len, out, out_len, count);
}

/* Indices of the chains with steps > 0, by steps non-increasing (a counting sort); returns
 * how many there are. */
static size_t order_by_steps(size_t *order, const uint8_t *steps, size_t count) {
  size_t start[UINT8_MAX + 2] = {0};
  for (size_t j = 0; j < count; j++) start[UINT8_MAX - steps[j] + 1]++;
  for (unsigned v = 1; v <= UINT8_MAX + 1; v++) start[v] += start[v - 1];
  for (size_t j = 0; j < count; j++)
    if (steps[j] > 0) order[start[UINT8_MAX - steps[j]]++] = j;
  return start[UINT8_MAX];
}

static void sliced_chains(sliced_work_t *w, mam_trit_t *chains, size_t len, const uint8_t *steps,
                          const size_t *order, size_t active) {
  mam_trit_t *block[MAX_LANES];
  uint8_t block_steps[MAX_LANES];
  size_t lanes = w->impl->lanes;
  for (size_t first = 0; first < active; first += lanes) {
    size_t n = min_size(active - first, lanes);
    for (size_t j = 0; j < n; j++) {
      block[j] = chains + order[first + j] * len;
      block_steps[j] = steps[order[first + j]];
    }
    sliced_chains_block(w, block, len, block_steps, n);
  }
}

/* The chains one by one, with mam_troika_f (MAM_TROIKA_SINGLE, or no memory for the others). */
static void chains_one_by_one(mam_trit_t *chains, size_t len, const uint8_t *steps, size_t count) {
  for (size_t j = 0; j < count; j++) chain_one(chains + j * len, len, steps[j]);
}

/* The active chains in `order`, run by the implementation that suits their steps. */
static void ordered_chains(mam_troika_impl_t impl, mam_trit_t *chains, size_t len,
                           const uint8_t *steps, const size_t *order, size_t active) {
  work_t work = {active, steps, order};
  mam_troika_impl_t chosen = resolve(impl, &work);
  const packed_t *packed = packed_of(chosen);
  const mam_troika_sliced_t *sliced = sliced_of(chosen);
  sliced_work_t w;
  if (packed) {
    packed_chains(packed, chains, len, steps, order, active);
  } else if (sliced && work_init(&w, sliced)) {
    sliced_chains(&w, chains, len, steps, order, active);
    work_free(&w);
  } else {
    for (size_t j = 0; j < active; j++) chain_one(chains + order[j] * len, len, steps[order[j]]);
  }
}

void mam_troika_chains_impl(mam_troika_impl_t impl, mam_trit_t *chains, size_t len,
                            const uint8_t *steps, size_t count) {
  if (!lengths_ok(len, len)) return;
  size_t *order = impl == MAM_TROIKA_SINGLE ? NULL : malloc(count * sizeof *order);
  if (!order) {
    chains_one_by_one(chains, len, steps, count);
    return;
  }
  ordered_chains(impl, chains, len, steps, order, order_by_steps(order, steps, count));
  free(order);
}

void mam_troika_chains(mam_trit_t *chains, size_t len, const uint8_t *steps, size_t count) {
  mam_troika_chains_impl(MAM_TROIKA_AUTO, chains, len, steps, count);
}
