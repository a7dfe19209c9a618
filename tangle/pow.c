/* Proof of work (spec node-interface.md 3.3, 3.4): mid-state, workers, nonce layout, checks. */
#include "tangle/pow.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tangle/pow_internal.h"

#define RATE TANGLE_CURL_HASH_TRITS
#define TX_NONCE_TRYTE (TANGLE_TX_OFF_NONCE / 3)
#define NONCE_AT_STATE (TANGLE_TX_OFF_NONCE - (TANGLE_TX_TRITS - RATE)) /* 162 */
#define PRE_NONCE_TRITS (TANGLE_TX_TRITS - RATE) /* the 32 chunks absorbed once */
#define SEARCH_PASS_ROUNDS (TANGLE_CURL_P81 - POW_FINAL_ROUNDS)

/* Nonce layout: trits 0..5 tell the lanes of one transform apart (3^6 >= 512 lanes), trits 6..46
 * hold the worker's iteration counter, the rest stay zero. Worker w of n runs counters w, w + n,
 * w + 2n, ..., so no two trials repeat a nonce. */
#define NONCE_LANE_TRITS 6
#define NONCE_COUNTER_TRITS 41 /* (3^41 - 1) / 2 > INT64_MAX */
#define COUNTER_LIMIT ((uint64_t)INT64_MAX - TANGLE_POW_MAX_THREADS)

/* The kernel built for a named variant, or NULL. */
static const tangle_pow_kernel_t *built_kernel(tangle_pow_variant_t variant) {
  switch (variant) {
    case TANGLE_POW_PORTABLE:
      return &tangle_pow_kernel_portable;
#ifdef POW_X86_SIMD
    case TANGLE_POW_AVX2:
      return &tangle_pow_kernel_avx2;
    case TANGLE_POW_AVX512:
      return &tangle_pow_kernel_avx512;
#endif
    default:
      return NULL;
  }
}

const tangle_pow_kernel_t *tangle_pow_kernel(tangle_pow_variant_t variant) {
  if (variant == TANGLE_POW_AUTO) {
    for (int v = TANGLE_POW__VARIANTS - 1; v > TANGLE_POW_AUTO; v--) {
      const tangle_pow_kernel_t *k = tangle_pow_kernel((tangle_pow_variant_t)v);
      if (k) return k;
    }
    return NULL;
  }
  const tangle_pow_kernel_t *k = built_kernel(variant);
  return k && k->supported() ? k : NULL;
}

/* ---- bit-sliced states as uint64_t words (layout in pow_internal.h) ---- */

static size_t sliced_words(const tangle_pow_kernel_t *k) { return k->lanes / 64; }

static size_t sliced_bytes(const tangle_pow_kernel_t *k) {
  size_t n = (size_t)POW_STATE * 2 * sliced_words(k) * sizeof(uint64_t);
  return (n + POW_ALIGN - 1) / POW_ALIGN * POW_ALIGN;
}

/* `count` sliced states in one aligned block (NULL when out of memory). */
static uint64_t *sliced_alloc(const tangle_pow_kernel_t *k, size_t count) {
  return aligned_alloc(POW_ALIGN, count * sliced_bytes(k));
}

static uint64_t *sliced_at(const tangle_pow_kernel_t *k, uint64_t *block, size_t index) {
  return block + index * (sliced_bytes(k) / sizeof(uint64_t));
}

static void sliced_broadcast(const tangle_pow_kernel_t *k, uint64_t *state, unsigned pos,
                             mam_trit_t t) {
  size_t words = sliced_words(k);
  uint64_t *lo = state + 2 * pos * words, *hi = lo + words;
  for (size_t w = 0; w < words; w++) {
    lo[w] = t != 1 ? ~UINT64_C(0) : 0;
    hi[w] = t != -1 ? ~UINT64_C(0) : 0;
  }
}

static void sliced_set(const tangle_pow_kernel_t *k, uint64_t *state, unsigned pos, unsigned lane,
                       mam_trit_t t) {
  size_t words = sliced_words(k);
  uint64_t *lo = state + 2 * pos * words + lane / 64, *hi = lo + words;
  uint64_t bit = UINT64_C(1) << (lane % 64);
  *lo = t != 1 ? *lo | bit : *lo & ~bit;
  *hi = t != -1 ? *hi | bit : *hi & ~bit;
}

static mam_trit_t sliced_get(const tangle_pow_kernel_t *k, const uint64_t *state, unsigned pos,
                         unsigned lane) {
  size_t words = sliced_words(k);
  const uint64_t *lo = state + 2 * pos * words + lane / 64, *hi = lo + words;
  return (mam_trit_t)((int)((*hi >> (lane % 64)) & 1) - (int)((*lo >> (lane % 64)) & 1));
}

/* Runs `passes` kernel passes from src (identity frame): the first into work, the others in place.
 * Returns the state the result is in (src when passes is 0) and sets *frame to its frame. */
static const uint64_t *sliced_passes(const tangle_pow_kernel_t *k, const uint64_t *src,
                                     uint64_t *work, unsigned passes, pow_frame_t *frame) {
  *frame = (pow_frame_t){1, 0};
  for (unsigned p = 0; p < passes; p++) {
    k->pass(src, work, frame);
    *frame = pow_frame_after_pass(frame);
    src = work;
  }
  return src;
}

tangle_err_t tangle_pow_sliced_transform(tangle_pow_variant_t variant, mam_trit_t *states,
                                         unsigned rounds) {
  const tangle_pow_kernel_t *k = tangle_pow_kernel(variant);
  if (!states) return TANGLE_ERR_NULL_ARG;
  if (!k || rounds < POW_FINAL_ROUNDS || (rounds - POW_FINAL_ROUNDS) % POW_DEPTH != 0)
    return TANGLE_ERR_INVALID_ARG;
  uint64_t *block = sliced_alloc(k, 3);
  if (!block) return TANGLE_ERR_NO_MEMORY;
  uint64_t *in = sliced_at(k, block, 0), *work = sliced_at(k, block, 1);
  uint64_t *out = sliced_at(k, block, 2);
  for (unsigned lane = 0; lane < k->lanes; lane++)
    for (unsigned pos = 0; pos < POW_STATE; pos++)
      sliced_set(k, in, pos, lane, states[(size_t)lane * POW_STATE + pos]);
  pow_frame_t frame;
  const uint64_t *mid =
      sliced_passes(k, in, work, (rounds - POW_FINAL_ROUNDS) / POW_DEPTH, &frame);
  size_t pair = 2 * sliced_words(k);
  for (unsigned pos = 0; pos < POW_STATE; pos++) k->final_trit(mid, &frame, pos, out + pos * pair);
  for (unsigned lane = 0; lane < k->lanes; lane++)
    for (unsigned pos = 0; pos < POW_STATE; pos++)
      states[(size_t)lane * POW_STATE + pos] = sliced_get(k, out, pos, lane);
  free(block);
  return TANGLE_OK;
}

/* ---- the search ---- */

typedef struct pow_search {
  const tangle_pow_kernel_t *kernel;
  mam_trit_t mid[POW_STATE]; /* state after 32 chunks, chunk 33 in the rate, nonce zeroed */
  unsigned mwm, threads;
  const atomic_int *cancel;
  atomic_int stop;  /* set on a hit, an error or cancellation */
  atomic_int found; /* the first worker to turn it to 1 owns lane and counter */
  atomic_int error; /* first worker error, TANGLE_OK if none */
  atomic_ullong trials;
  unsigned lane;
  uint64_t counter;
} pow_search_t;

typedef struct pow_worker {
  pow_search_t *search;
  unsigned index;
} pow_worker_t;

void tangle_pow_nonce(unsigned lane, uint64_t counter, mam_trit_t nonce[TANGLE_TX_TAG_TRITS]) {
  memset(nonce, 0, TANGLE_TX_TAG_TRITS);
  mam_trits_from_int((int64_t)lane, nonce, NONCE_LANE_TRITS);
  mam_trits_from_int((int64_t)counter, nonce + NONCE_LANE_TRITS, NONCE_COUNTER_TRITS);
}

/* The mid-state (spec 3.3): absorb trits 0..7775, then place the last chunk, untransformed. */
static void search_mid_state(pow_search_t *s, const mam_trit_t tx[TANGLE_TX_TRITS]) {
  tangle_curl_t curl;
  tangle_curl_init(&curl, TANGLE_CURL_P81);
  tangle_curl_absorb(&curl, tx, PRE_NONCE_TRITS);
  memcpy(s->mid, curl.state, POW_STATE);
  memcpy(s->mid, tx + PRE_NONCE_TRITS, RATE);
  memset(s->mid + NONCE_AT_STATE, 0, TANGLE_TX_TAG_TRITS);
}

static bool search_stopped(pow_search_t *s) {
  return atomic_load(&s->stop) || (s->cancel && atomic_load(s->cancel));
}

static void search_fail(pow_search_t *s, tangle_err_t err) {
  int none = TANGLE_OK;
  atomic_compare_exchange_strong(&s->error, &none, (int)err);
  atomic_store(&s->stop, 1);
}

static void search_hit(pow_search_t *s, unsigned lane, uint64_t counter) {
  int none = 0;
  if (atomic_compare_exchange_strong(&s->found, &none, 1)) {
    s->lane = lane;
    s->counter = counter;
  }
  atomic_store(&s->stop, 1);
}

/* The worker's first state: the mid-state in every lane, each lane with its own lane trits. */
static void worker_seed(const pow_search_t *s, uint64_t *state) {
  const tangle_pow_kernel_t *k = s->kernel;
  for (unsigned pos = 0; pos < POW_STATE; pos++) sliced_broadcast(k, state, pos, s->mid[pos]);
  mam_trit_t lane_trits[NONCE_LANE_TRITS];
  for (unsigned lane = 0; lane < k->lanes; lane++) {
    mam_trits_from_int((int64_t)lane, lane_trits, NONCE_LANE_TRITS);
    for (unsigned j = 0; j < NONCE_LANE_TRITS; j++)
      sliced_set(k, state, NONCE_AT_STATE + j, lane, lane_trits[j]);
  }
}

static void worker_set_counter(const tangle_pow_kernel_t *k, uint64_t *state, uint64_t counter) {
  mam_trit_t trits[NONCE_COUNTER_TRITS];
  mam_trits_from_int((int64_t)counter, trits, NONCE_COUNTER_TRITS);
  for (unsigned j = 0; j < NONCE_COUNTER_TRITS; j++)
    sliced_broadcast(k, state, NONCE_AT_STATE + NONCE_LANE_TRITS + j, trits[j]);
}

/* One search transform: the worker's state for `counter`, POW_DEPTH-round passes into work, and
 * the frame of the result. */
static const uint64_t *worker_transform(const tangle_pow_kernel_t *k, uint64_t *state,
                                        uint64_t *work, uint64_t counter, pow_frame_t *frame) {
  worker_set_counter(k, state, counter);
  return sliced_passes(k, state, work, SEARCH_PASS_ROUNDS / POW_DEPTH, frame);
}

tangle_err_t tangle_pow_search_hashes(tangle_pow_variant_t variant,
                                      const mam_trit_t tx[TANGLE_TX_TRITS], uint64_t counter,
                                      mam_trit_t *hashes) {
  const tangle_pow_kernel_t *k = tangle_pow_kernel(variant);
  if (!tx || !hashes) return TANGLE_ERR_NULL_ARG;
  if (!k || counter > COUNTER_LIMIT || !mam_trits_valid(tx, TANGLE_TX_TRITS))
    return TANGLE_ERR_INVALID_ARG;
  pow_search_t s;
  memset(&s, 0, sizeof s);
  s.kernel = k;
  search_mid_state(&s, tx);
  uint64_t *block = sliced_alloc(k, 3);
  if (!block) return TANGLE_ERR_NO_MEMORY;
  uint64_t *state = sliced_at(k, block, 0), *out = sliced_at(k, block, 2);
  worker_seed(&s, state);
  pow_frame_t frame;
  const uint64_t *last = worker_transform(k, state, sliced_at(k, block, 1), counter, &frame);
  size_t pair = 2 * sliced_words(k);
  for (unsigned pos = 0; pos < RATE; pos++) k->final_trit(last, &frame, pos, out + pos * pair);
  for (unsigned lane = 0; lane < k->lanes; lane++)
    for (unsigned pos = 0; pos < RATE; pos++)
      hashes[(size_t)lane * RATE + pos] = sliced_get(k, out, pos, lane);
  free(block);
  return TANGLE_OK;
}

/* Lanes whose hash ends in mwm zero trits, as a bit mask in `mask` (words); true if any. Checks
 * from trit 242 down and stops once no lane is left. */
static bool worker_hits(const tangle_pow_kernel_t *k, const uint64_t *state,
                        const pow_frame_t *frame, unsigned mwm, uint64_t *mask) {
  _Alignas(POW_ALIGN) uint64_t trit[2 * POW_MAX_WORDS];
  size_t words = sliced_words(k);
  uint64_t any = ~UINT64_C(0);
  for (size_t w = 0; w < words; w++) mask[w] = ~UINT64_C(0);
  for (unsigned i = 0; i < mwm && any; i++) {
    k->final_trit(state, frame, RATE - 1 - i, trit);
    any = 0;
    for (size_t w = 0; w < words; w++) {
      mask[w] &= ~(trit[w] ^ trit[words + w]);
      any |= mask[w];
    }
  }
  return any != 0;
}

static unsigned first_lane(const uint64_t *mask) {
  unsigned w = 0;
  while (mask[w] == 0) w++;
  return 64 * w + (unsigned)__builtin_ctzll(mask[w]);
}

static void *worker_run(void *arg) {
  const pow_worker_t *me = arg;
  pow_search_t *s = me->search;
  const tangle_pow_kernel_t *k = s->kernel;
  uint64_t *block = sliced_alloc(k, 2);
  if (!block) {
    search_fail(s, TANGLE_ERR_NO_MEMORY);
    return NULL;
  }
  uint64_t *state = sliced_at(k, block, 0), *work = sliced_at(k, block, 1);
  worker_seed(s, state);
  uint64_t mask[POW_MAX_WORDS], iterations = 0;
  for (uint64_t counter = me->index; !search_stopped(s); counter += s->threads) {
    if (counter > COUNTER_LIMIT) {
      search_fail(s, TANGLE_ERR_POW_FAILED);
      break;
    }
    pow_frame_t frame;
    const uint64_t *out = worker_transform(k, state, work, counter, &frame);
    iterations++;
    if (worker_hits(k, out, &frame, s->mwm, mask)) {
      search_hit(s, first_lane(mask), counter);
      break;
    }
  }
  atomic_fetch_add(&s->trials, iterations * k->lanes);
  free(block);
  return NULL;
}

/* Runs workers 1..n-1 on new threads and worker 0 on this one, then waits for all. */
static tangle_err_t search_run(pow_search_t *s) {
  pthread_t tids[TANGLE_POW_MAX_THREADS];
  pow_worker_t workers[TANGLE_POW_MAX_THREADS];
  unsigned started = 1;
  tangle_err_t err = TANGLE_OK;
  for (unsigned i = 0; i < s->threads; i++) workers[i] = (pow_worker_t){s, i};
  for (; started < s->threads; started++) {
    if (pthread_create(&tids[started], NULL, worker_run, &workers[started]) != 0) {
      atomic_store(&s->stop, 1);
      err = TANGLE_ERR_THREAD;
      break;
    }
  }
  if (err == TANGLE_OK) worker_run(&workers[0]);
  for (unsigned i = 1; i < started; i++) pthread_join(tids[i], NULL);
  return err;
}

static unsigned online_cpus(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1) return 1;
  return n > TANGLE_POW_MAX_THREADS ? TANGLE_POW_MAX_THREADS : (unsigned)n;
}

static bool hash_has_weight(const mam_trit_t hash[RATE], unsigned mwm) {
  for (unsigned i = RATE - mwm; i < RATE; i++)
    if (hash[i] != 0) return false;
  return true;
}

/* Writes the winning nonce and checks it with the plain hash; restores tx if it fails. */
static tangle_err_t search_commit(const pow_search_t *s, mam_trit_t tx[TANGLE_TX_TRITS],
                                  mam_trit_t *hash_out) {
  mam_trit_t saved[TANGLE_TX_TAG_TRITS], hash[RATE];
  mam_trit_t *nonce = tx + TANGLE_TX_OFF_NONCE;
  memcpy(saved, nonce, sizeof saved);
  tangle_pow_nonce(s->lane, s->counter, nonce);
  tangle_curl_hash_tx(tx, hash);
  if (!hash_has_weight(hash, s->mwm)) {
    memcpy(nonce, saved, sizeof saved);
    return TANGLE_ERR_POW_FAILED;
  }
  if (hash_out) memcpy(hash_out, hash, RATE);
  return TANGLE_OK;
}

tangle_err_t tangle_pow_with_variant(tangle_pow_variant_t variant, mam_trit_t tx[TANGLE_TX_TRITS],
                                     unsigned mwm, unsigned threads, const atomic_int *cancel,
                                     mam_trit_t *hash_out, tangle_pow_stats_t *stats) {
  if (!tx) return TANGLE_ERR_NULL_ARG;
  const tangle_pow_kernel_t *k = tangle_pow_kernel(variant);
  if (!k || mwm > TANGLE_POW_MAX_MWM || threads > TANGLE_POW_MAX_THREADS ||
      !mam_trits_valid(tx, TANGLE_TX_TRITS))
    return TANGLE_ERR_INVALID_ARG;
  if (cancel && atomic_load(cancel)) return TANGLE_ERR_POW_CANCELLED;
  pow_search_t s;
  memset(&s, 0, sizeof s);
  s.kernel = k;
  s.mwm = mwm;
  s.threads = threads ? threads : online_cpus();
  s.cancel = cancel;
  atomic_init(&s.stop, 0);
  atomic_init(&s.found, 0);
  atomic_init(&s.error, TANGLE_OK);
  atomic_init(&s.trials, 0);
  search_mid_state(&s, tx);

  tangle_err_t err = search_run(&s);
  if (stats) *stats = (tangle_pow_stats_t){atomic_load(&s.trials), s.threads, k->lanes, k->name};
  if (err != TANGLE_OK) return err;
  if (atomic_load(&s.found)) return search_commit(&s, tx, hash_out);
  if (atomic_load(&s.error) != TANGLE_OK) return (tangle_err_t)atomic_load(&s.error);
  return TANGLE_ERR_POW_CANCELLED;
}

tangle_err_t tangle_pow(mam_trit_t tx[TANGLE_TX_TRITS], unsigned mwm, unsigned threads,
                        const atomic_int *cancel, mam_trit_t *hash_out, tangle_pow_stats_t *stats) {
  return tangle_pow_with_variant(TANGLE_POW_AUTO, tx, mwm, threads, cancel, hash_out, stats);
}

tangle_err_t tangle_pow_trytes(char tx_trytes[TANGLE_TX_TRYTES], unsigned mwm, unsigned threads,
                               const atomic_int *cancel) {
  if (!tx_trytes) return TANGLE_ERR_NULL_ARG;
  mam_trit_t tx[TANGLE_TX_TRITS];
  if (mam_trytes_to_trits(tx_trytes, TANGLE_TX_TRYTES, tx) != MAM_OK)
    return TANGLE_ERR_INVALID_TRYTE;
  tangle_err_t err = tangle_pow(tx, mwm, threads, cancel, NULL, NULL);
  if (err == TANGLE_OK)
    mam_trits_to_trytes(tx + TANGLE_TX_OFF_NONCE, TANGLE_TX_TAG_TRITS,
                        tx_trytes + TX_NONCE_TRYTE);
  return err;
}
