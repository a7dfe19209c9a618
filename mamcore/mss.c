#include "mamcore/mss.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mamcore/bytes.h"
#include "mamcore/spongos.h"

#define HASH MAM_MSS_HASH_TRITS
#define PACKED (HASH / 3) /* 81 tryte values per stored hash */
#define LEAF_NONCE_TRITS 18
/* Leaves generated together: their 81 chains each nearly fill whole words of the widest Troika
 * batch (25 * 81 = 2025 of 4 * 512 lanes; 12 filled 972 of 2 * 512, and a height-8 tree then
 * took 43 words of chains where 25 take 41), and the batches of a tree split evenly over two
 * threads. Measured on one core (best CPU time of 15 keys of height 8, loaded machine): 12
 * leaves 126-137 ms, 25 leaves 115-122 ms, 44 leaves 118-123 ms. */
#define LEAVES_PER_BATCH 25

/* ---- packed tree storage ---- */

static void pack_hash(const mam_trit_t *h, int8_t *p) {
  for (size_t i = 0; i < PACKED; i++) p[i] = (int8_t)(h[3 * i] + 3 * h[3 * i + 1] + 9 * h[3 * i + 2]);
}

static void unpack_hash(const int8_t *p, mam_trit_t *h) {
  for (size_t i = 0; i < PACKED; i++) mam_trits_from_int(p[i], h + 3 * i, 3);
}

static size_t tree_nodes(unsigned height) { return ((size_t)2 << height) - 1; }

static mam_err_t tree_alloc(mam_mss_tree_t *t, unsigned height) {
  t->height = height;
  t->nodes = calloc(tree_nodes(height), PACKED);
  return t->nodes ? MAM_OK : MAM_ERR_NO_MEMORY;
}

static void tree_free(mam_mss_tree_t *t) {
  free(t->nodes);
  t->nodes = NULL;
}

/* Node `index` (0-based) of `level` (0 = root, height = leaves). */
static int8_t *tree_node(const mam_mss_tree_t *t, unsigned level, uint32_t index) {
  return t->nodes + (((size_t)1 << level) + index - 1) * PACKED;
}

/* Node(l, r) = Hash_243(l || r) for `count` pairs stored one after another. */
static void hash_pairs(const mam_trit_t *pairs, mam_trit_t *parents, size_t count) {
  mam_troika_hash_batch(pairs, 2 * HASH, parents, HASH, count);
}

/* Fills every internal node of a tree whose leaves are set. */
static mam_err_t tree_build(mam_mss_tree_t *t) {
  size_t width = (size_t)1 << t->height;
  mam_trit_t *pairs = malloc(width * HASH);
  mam_trit_t *parents = malloc((width / 2 + 1) * HASH);
  mam_err_t err = (pairs && parents) ? MAM_OK : MAM_ERR_NO_MEMORY;
  for (unsigned level = t->height; err == MAM_OK && level > 0; level--, width /= 2) {
    for (size_t i = 0; i < width; i++) unpack_hash(tree_node(t, level, (uint32_t)i), pairs + i * HASH);
    hash_pairs(pairs, parents, width / 2);
    for (size_t i = 0; i < width / 2; i++) pack_hash(parents + i * HASH, tree_node(t, level - 1, (uint32_t)i));
  }
  free(pairs);
  free(parents);
  return err;
}

/* After leaf `index` of a tree built left to right is set, fills the parents it completes. */
static void tree_complete_path(mam_mss_tree_t *t, uint32_t index) {
  mam_trit_t pair[2 * HASH], parent[HASH];
  for (unsigned level = t->height; level > 0 && (index & 1); level--, index >>= 1) {
    unpack_hash(tree_node(t, level, index - 1), pair);
    unpack_hash(tree_node(t, level, index), pair + HASH);
    hash_pairs(pair, parent, 1);
    pack_hash(parent, tree_node(t, level - 1, index >> 1));
  }
}

/* ---- leaf generation ---- */

typedef struct leaf_job {
  const mam_mss_t *mss;
  const mam_prng_t *prng;
  uint32_t first;      /* first leaf index */
  uint32_t count;      /* leaves to compute */
  mam_trit_t *pks;         /* count public keys */
  atomic_uint next_batch;
  atomic_int err;
} leaf_job_t;

/* Public keys of leaves first .. first+count-1 of one batch. */
static mam_err_t compute_leaf_batch(const mam_mss_t *mss, const mam_prng_t *prng, uint32_t first,
                                    uint32_t count, mam_trit_t *pks) {
  mam_trit_t *sks = malloc((size_t)count * MAM_WOTS_SK_TRITS);
  mam_trit_t idx[LEAVES_PER_BATCH][LEAF_NONCE_TRITS];
  mam_trits_view_t nonces[2 * LEAVES_PER_BATCH];
  if (!sks) return MAM_ERR_NO_MEMORY;
  for (uint32_t j = 0; j < count; j++) {
    mam_trits_from_int((int64_t)first + j, idx[j], LEAF_NONCE_TRITS);
    nonces[2 * j] = (mam_trits_view_t){mss->nonce, mss->nonce_len};
    nonces[2 * j + 1] = (mam_trits_view_t){idx[j], LEAF_NONCE_TRITS};
  }
  mam_err_t err = mam_prng_gen_batch(prng, MAM_PRNG_WOTSKEY, nonces, 2, count, sks, MAM_WOTS_SK_TRITS);
  if (err == MAM_OK) err = mam_wots_pk_from_sk_consume(sks, count, pks);
  mam_wipe(sks, (size_t)count * MAM_WOTS_SK_TRITS);
  free(sks);
  return err;
}

static void *leaf_worker(void *arg) {
  leaf_job_t *job = arg;
  uint32_t batches = (job->count + LEAVES_PER_BATCH - 1) / LEAVES_PER_BATCH;
  for (;;) {
    uint32_t b = atomic_fetch_add(&job->next_batch, 1);
    if (b >= batches || atomic_load(&job->err) != MAM_OK) break;
    uint32_t off = b * LEAVES_PER_BATCH;
    uint32_t n = job->count - off < LEAVES_PER_BATCH ? job->count - off : LEAVES_PER_BATCH;
    mam_err_t err = compute_leaf_batch(job->mss, job->prng, job->first + off, n, job->pks + (size_t)off * HASH);
    if (err != MAM_OK) atomic_store(&job->err, err);
  }
  return NULL;
}

static unsigned effective_threads(unsigned threads, uint32_t count) {
  if (threads == 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    threads = n > 0 ? (unsigned)n : 1;
  }
  uint32_t batches = (count + LEAVES_PER_BATCH - 1) / LEAVES_PER_BATCH;
  return threads < batches ? threads : (batches ? batches : 1);
}

/* Public keys of leaves first .. first+count-1, spread over threads (0 = every CPU). */
static mam_err_t compute_leaves(const mam_mss_t *mss, const mam_prng_t *prng, uint32_t first,
                                uint32_t count, mam_trit_t *pks, unsigned threads) {
  leaf_job_t job = {.mss = mss, .prng = prng, .first = first, .count = count, .pks = pks};
  atomic_init(&job.next_batch, 0);
  atomic_init(&job.err, MAM_OK);
  threads = effective_threads(threads, count);
  pthread_t tids[64];
  if (threads > 64) threads = 64;
  unsigned started = 0;
  for (; started + 1 < threads; started++)
    if (pthread_create(&tids[started], NULL, leaf_worker, &job) != 0) break;
  leaf_worker(&job); /* the calling thread works too */
  for (unsigned i = 0; i < started; i++) pthread_join(tids[i], NULL);
  return (mam_err_t)atomic_load(&job.err);
}

/* Computes bottom subtree `s` completely into t. */
static mam_err_t build_subtree(const mam_mss_t *mss, const mam_prng_t *prng, uint32_t s,
                               mam_mss_tree_t *t, unsigned threads) {
  uint32_t width = (uint32_t)1 << mss->bottom_height;
  mam_trit_t *pks = malloc((size_t)width * HASH);
  if (!pks) return MAM_ERR_NO_MEMORY;
  mam_err_t err = compute_leaves(mss, prng, s * width, width, pks, threads);
  for (uint32_t i = 0; err == MAM_OK && i < width; i++)
    pack_hash(pks + (size_t)i * HASH, tree_node(t, mss->bottom_height, i));
  if (err == MAM_OK) err = tree_build(t);
  free(pks);
  return err;
}

/* ---- public API ---- */

mam_err_t mam_mss_init(mam_mss_t *mss, unsigned height, const mam_trits_view_t *nonces, size_t nonce_count) {
  if (!mss || (nonce_count && !nonces)) return MAM_ERR_NULL_ARG;
  memset(mss, 0, sizeof *mss);
  if (height > MAM_MSS_MAX_HEIGHT) return MAM_ERR_MSS_HEIGHT;
  if (nonce_count > 4) return MAM_ERR_INVALID_ARG;
  for (size_t i = 0; i < nonce_count; i++) {
    if (nonces[i].n > MAM_MSS_NONCE_MAX_TRITS - mss->nonce_len) return MAM_ERR_LIMIT;
    if (nonces[i].n) memcpy(mss->nonce + mss->nonce_len, nonces[i].p, nonces[i].n);
    mss->nonce_len += nonces[i].n;
  }
  mss->height = height;
  mss->bottom_height = height < MAM_MSS_LAYER_HEIGHT ? height : MAM_MSS_LAYER_HEIGHT;
  mss->top_height = height - mss->bottom_height;
  return MAM_OK;
}

mam_err_t mam_mss_set_layer_height(mam_mss_t *mss, unsigned layer) {
  if (!mss) return MAM_ERR_NULL_ARG;
  if (layer < 1 || layer > MAM_MSS_LAYER_HEIGHT || mss->current.nodes) return MAM_ERR_INVALID_ARG;
  mss->bottom_height = mss->height < layer ? mss->height : layer;
  mss->top_height = mss->height - mss->bottom_height;
  return MAM_OK;
}

void mam_mss_destroy(mam_mss_t *mss) {
  if (!mss) return;
  tree_free(&mss->top);
  tree_free(&mss->current);
  tree_free(&mss->next);
}

static uint32_t subtree_count(const mam_mss_t *mss) { return (uint32_t)1 << mss->top_height; }

/* (Re)builds the traversal around leaf skn: the current subtree complete, the next one empty. */
static mam_err_t load_subtree_of(mam_mss_t *mss, const mam_prng_t *prng, uint32_t skn, unsigned threads) {
  uint32_t s = skn >> mss->bottom_height;
  if (s >= subtree_count(mss)) return MAM_OK; /* exhausted: nothing left to sign */
  mam_err_t err = build_subtree(mss, prng, s, &mss->current, threads);
  mss->next_index = s + 1;
  mss->next_filled = 0;
  return err;
}

static mam_err_t alloc_trees(mam_mss_t *mss) {
  mam_err_t err = tree_alloc(&mss->current, mss->bottom_height);
  if (err == MAM_OK && mss->top_height > 0) err = tree_alloc(&mss->next, mss->bottom_height);
  if (err == MAM_OK && mss->top_height > 0) err = tree_alloc(&mss->top, mss->top_height);
  return err;
}

mam_err_t mam_mss_gen(mam_mss_t *mss, const mam_prng_t *prng, unsigned threads) {
  if (!mss || !prng) return MAM_ERR_NULL_ARG;
  mam_mss_destroy(mss);
  mam_err_t err = alloc_trees(mss);
  mam_mss_tree_t scratch = {0};
  if (err == MAM_OK && subtree_count(mss) > 2) err = tree_alloc(&scratch, mss->bottom_height);
  /* Subtree 0 becomes the current one, subtree 1 a finished next one; the others only give their
   * roots to the top tree. */
  for (uint32_t s = 0; err == MAM_OK && s < subtree_count(mss); s++) {
    mam_mss_tree_t *t = s == 0 ? &mss->current : (s == 1 ? &mss->next : &scratch);
    err = build_subtree(mss, prng, s, t, threads);
    if (err == MAM_OK && mss->top_height > 0) memcpy(tree_node(&mss->top, mss->top_height, s), t->nodes, PACKED);
  }
  tree_free(&scratch);
  if (err == MAM_OK && mss->top_height > 0) {
    err = tree_build(&mss->top);
    mss->next_index = 1;
    mss->next_filled = (uint32_t)1 << mss->bottom_height;
  }
  if (err != MAM_OK) {
    mam_mss_destroy(mss);
    return err;
  }
  unpack_hash(mss->top_height > 0 ? mss->top.nodes : mss->current.nodes, mss->root);
  mss->skn = 0;
  return MAM_OK;
}

uint64_t mam_mss_remaining(const mam_mss_t *mss) { return ((uint64_t)1 << mss->height) - mss->skn; }

size_t mam_mss_sig_trits(const mam_mss_t *mss) { return MAM_MSS_SIG_TRITS(mss->height); }

void mam_mss_skn_encode(unsigned height, uint32_t skn, mam_trit_t out[MAM_MSS_SKN_TRITS]) {
  mam_trit_t h[6], n[18];
  mam_trits_from_int(height, h, 6);
  mam_trits_from_int(skn, n, 18);
  memcpy(out, h, 4);
  memcpy(out + 4, n, 14);
}

mam_err_t mam_mss_skn_decode(const mam_trit_t in[MAM_MSS_SKN_TRITS], unsigned *height, uint32_t *skn) {
  int64_t h = mam_trits_to_int(in, 4), n = mam_trits_to_int(in + 4, 14);
  if (h < 0 || h > MAM_MSS_MAX_HEIGHT) return MAM_ERR_MSS_HEIGHT;
  if (n < 0 || n > ((int64_t)1 << h) - 1) return MAM_ERR_MSS_SKN;
  *height = (unsigned)h;
  *skn = (uint32_t)n;
  return MAM_OK;
}

/* Appends the siblings of leaf `index` in tree t, leaf level first (spec 7.4). */
static mam_trit_t *append_auth_path(const mam_mss_tree_t *t, uint32_t index, mam_trit_t *out) {
  for (unsigned level = t->height; level > 0; level--, index >>= 1, out += HASH)
    unpack_hash(tree_node(t, level, index ^ 1), out);
  return out;
}

/* Builds `next` up to the point needed after signing local leaf m of the current subtree: the
 * remaining leaves are spread evenly over the remaining signatures, one per signature in the steady
 * state (more right after a load in the middle of a subtree). */
static mam_err_t advance_next(mam_mss_t *mss, const mam_prng_t *prng, uint32_t m) {
  uint32_t width = (uint32_t)1 << mss->bottom_height;
  if (mss->top_height == 0 || mss->next_index >= subtree_count(mss)) return MAM_OK;
  uint32_t missing = width - mss->next_filled, left = width - m;
  uint32_t todo = (missing + left - 1) / left;
  if (todo == 0) return MAM_OK;
  mam_trit_t pks[LEAVES_PER_BATCH * HASH];
  while (todo > 0) {
    uint32_t n = todo < LEAVES_PER_BATCH ? todo : LEAVES_PER_BATCH;
    mam_err_t err = compute_leaf_batch(mss, prng, mss->next_index * width + mss->next_filled, n, pks);
    if (err != MAM_OK) return err;
    for (uint32_t j = 0; j < n; j++) {
      pack_hash(pks + j * HASH, tree_node(&mss->next, mss->bottom_height, mss->next_filled));
      tree_complete_path(&mss->next, mss->next_filled);
      mss->next_filled++;
    }
    todo -= n;
  }
  return MAM_OK;
}

/* Moves to the next subtree when skn crosses into it. */
static void rotate_subtrees(mam_mss_t *mss) {
  uint32_t width = (uint32_t)1 << mss->bottom_height;
  if (mss->top_height == 0 || (mss->skn & (width - 1)) != 0 || mss->skn >> mss->bottom_height >= subtree_count(mss))
    return;
  mam_mss_tree_t t = mss->current;
  mss->current = mss->next;
  mss->next = t;
  mss->next_index++;
  mss->next_filled = 0;
}

mam_err_t mam_mss_sign(mam_mss_t *mss, const mam_prng_t *prng, const mam_trit_t hash[MAM_WOTS_HASH_TRITS],
                       mam_trit_t *sig, size_t sig_len) {
  if (!mss || !prng || !hash || !sig) return MAM_ERR_NULL_ARG;
  if (sig_len < mam_mss_sig_trits(mss)) return MAM_ERR_BUFFER_TOO_SMALL;
  if (mam_mss_remaining(mss) == 0) return MAM_ERR_MSS_EXHAUSTED;
  if (!mss->current.nodes) return MAM_ERR_INVALID_ARG; /* never generated */
  uint32_t skn = mss->skn, width = (uint32_t)1 << mss->bottom_height;
  mam_trit_t sk[MAM_WOTS_SK_TRITS], idx[LEAF_NONCE_TRITS];
  mam_trits_from_int(skn, idx, LEAF_NONCE_TRITS);
  mam_trits_view_t nonces[2] = {{mss->nonce, mss->nonce_len}, {idx, LEAF_NONCE_TRITS}};
  mam_err_t err = mam_wots_gen_sk(prng, nonces, 2, sk);
  if (err != MAM_OK) return err;
  mam_mss_skn_encode(mss->height, skn, sig);
  mam_wots_sign(sk, hash, sig + MAM_MSS_SKN_TRITS);
  mam_wipe(sk, sizeof sk);
  mam_trit_t *path = append_auth_path(&mss->current, skn & (width - 1), sig + MAM_MSS_SKN_TRITS + MAM_WOTS_SIG_TRITS);
  if (mss->top_height > 0) append_auth_path(&mss->top, skn >> mss->bottom_height, path);
  err = advance_next(mss, prng, skn & (width - 1));
  mss->skn = skn + 1; /* the leaf is spent whatever happens next */
  rotate_subtrees(mss);
  return err;
}

mam_err_t mam_mss_skip_to(mam_mss_t *mss, const mam_prng_t *prng, uint32_t new_skn, unsigned threads) {
  if (!mss || !prng) return MAM_ERR_NULL_ARG;
  if (new_skn < mss->skn || (uint64_t)new_skn > ((uint64_t)1 << mss->height)) return MAM_ERR_MSS_SKN;
  uint32_t from = mss->skn >> mss->bottom_height, to = new_skn >> mss->bottom_height;
  mss->skn = new_skn;
  if (mss->top_height == 0 || from == to) return MAM_OK;
  return load_subtree_of(mss, prng, new_skn, threads);
}

/* The format checks of a signature: its height and leaf index when it is well formed. */
static mam_err_t check_format(const mam_trit_t *sig, size_t sig_len, unsigned *height, uint32_t *skn) {
  if (sig_len < MAM_MSS_SIG_MIN_TRITS) return MAM_ERR_TRUNCATED;
  mam_err_t err = mam_mss_skn_decode(sig, height, skn);
  if (err != MAM_OK) return err;
  return sig_len == MAM_MSS_SIG_TRITS(*height) ? MAM_OK : MAM_ERR_INVALID_VALUE;
}

/* pair = (node, sibling) ordered by the node's side at this level (spec 7.4). */
static void place_pair(mam_trit_t pair[2 * HASH], const mam_trit_t *node, const mam_trit_t *sibling, uint32_t index) {
  memcpy(pair + (index & 1 ? HASH : 0), node, HASH);
  memcpy(pair + (index & 1 ? 0 : HASH), sibling, HASH);
}

static const mam_trit_t *auth_path(const mam_trit_t *sig) { return sig + MAM_MSS_SKN_TRITS + MAM_WOTS_SIG_TRITS; }

mam_err_t mam_mss_verify(const mam_trit_t hash[MAM_WOTS_HASH_TRITS], const mam_trit_t *sig, size_t sig_len,
                         const mam_trit_t pk[MAM_MSS_HASH_TRITS]) {
  if (!hash || !sig || !pk) return MAM_ERR_NULL_ARG;
  unsigned height;
  uint32_t skn;
  mam_err_t err = check_format(sig, sig_len, &height, &skn);
  if (err != MAM_OK) return err;
  mam_trit_t pair[2 * HASH], node[HASH];
  mam_wots_recover(hash, sig + MAM_MSS_SKN_TRITS, node);
  const mam_trit_t *path = auth_path(sig);
  for (unsigned level = 0; level < height; level++, skn >>= 1, path += HASH) {
    place_pair(pair, node, path, skn);
    hash_pairs(pair, node, 1);
  }
  return mam_trits_equal_ct(node, pk, HASH) ? MAM_OK : MAM_ERR_BAD_SIGNATURE;
}

/* The well-formed signatures of a batch and their nodes on the way up to the root. */
typedef struct {
  size_t count;
  size_t *check;     /* index into the checks */
  unsigned *height;
  uint32_t *index;   /* the node's index at the current level */
  mam_trit_t *node;      /* count nodes of HASH trits */
  mam_trit_t *pairs;     /* count pairs of 2 * HASH trits */
  mam_trit_t *parents;   /* count hashes */
} batch_t;

static void batch_free(batch_t *b) {
  free(b->check);
  free(b->height);
  free(b->index);
  free(b->node);
  free(b->pairs);
  free(b->parents);
}

static mam_err_t batch_alloc(batch_t *b, size_t n) {
  memset(b, 0, sizeof *b);
  if (n > SIZE_MAX / (2 * HASH)) return MAM_ERR_LIMIT;
  size_t m = n ? n : 1;
  b->check = malloc(m * sizeof *b->check);
  b->height = malloc(m * sizeof *b->height);
  b->index = malloc(m * sizeof *b->index);
  b->node = malloc(m * HASH);
  b->pairs = malloc(m * 2 * HASH);
  b->parents = malloc(m * HASH);
  if (b->check && b->height && b->index && b->node && b->pairs && b->parents) return MAM_OK;
  batch_free(b);
  return MAM_ERR_NO_MEMORY;
}

/* The WOTS public keys of the batch's signatures, all chains together. */
static mam_err_t batch_leaves(batch_t *b, const mam_mss_check_t *checks) {
  const mam_trit_t **hashes = malloc((b->count ? b->count : 1) * sizeof *hashes);
  const mam_trit_t **sigs = malloc((b->count ? b->count : 1) * sizeof *sigs);
  mam_err_t err = hashes && sigs ? MAM_OK : MAM_ERR_NO_MEMORY;
  for (size_t j = 0; err == MAM_OK && j < b->count; j++) {
    hashes[j] = checks[b->check[j]].hash;
    sigs[j] = checks[b->check[j]].sig + MAM_MSS_SKN_TRITS;
  }
  if (err == MAM_OK) err = mam_wots_recover_batch(hashes, sigs, b->count, b->node);
  free(hashes);
  free(sigs);
  return err;
}

/* Climbs every path to its root, one level for all signatures at a time. The signatures still
 * climbing are compacted to the front of `pairs` for the batch hash. */
static void batch_climb(batch_t *b, const mam_mss_check_t *checks) {
  for (unsigned level = 0;; level++) {
    size_t climbing = 0;
    for (size_t j = 0; j < b->count; j++) {
      if (b->height[j] <= level) continue;
      const mam_trit_t *sibling = auth_path(checks[b->check[j]].sig) + (size_t)level * HASH;
      place_pair(b->pairs + climbing * 2 * HASH, b->node + j * HASH, sibling, b->index[j]);
      climbing++;
    }
    if (climbing == 0) return;
    hash_pairs(b->pairs, b->parents, climbing);
    for (size_t j = 0, k = 0; j < b->count; j++) {
      if (b->height[j] <= level) continue;
      memcpy(b->node + j * HASH, b->parents + k * HASH, HASH);
      b->index[j] >>= 1;
      k++;
    }
  }
}

mam_err_t mam_mss_verify_batch(const mam_mss_check_t *checks, size_t count, mam_err_t *results) {
  if (count == 0) return MAM_OK;
  if (!checks || !results) return MAM_ERR_NULL_ARG;
  batch_t b;
  mam_err_t err = batch_alloc(&b, count);
  if (err != MAM_OK) return err;
  for (size_t j = 0; j < count; j++) {
    const mam_mss_check_t *c = &checks[j];
    unsigned height;
    uint32_t skn;
    results[j] = !c->hash || !c->sig || !c->pk ? MAM_ERR_NULL_ARG : check_format(c->sig, c->sig_len, &height, &skn);
    if (results[j] != MAM_OK) continue;
    b.check[b.count] = j;
    b.height[b.count] = height;
    b.index[b.count] = skn;
    b.count++;
  }
  err = batch_leaves(&b, checks);
  if (err == MAM_OK) batch_climb(&b, checks);
  for (size_t j = 0; err == MAM_OK && j < b.count; j++)
    if (!mam_trits_equal_ct(b.node + j * HASH, checks[b.check[j]].pk, HASH))
      results[b.check[j]] = MAM_ERR_BAD_SIGNATURE;
  batch_free(&b);
  return err;
}

/* ---- signatures checked ahead (memo) ---- */

void mam_mss_memo_init(mam_mss_memo_t *m, size_t max) {
  memset(m, 0, sizeof *m);
  m->max = max;
  m->collecting = true;
}

void mam_mss_memo_clear(mam_mss_memo_t *m) {
  for (size_t i = 0; i < m->n; i++) free(m->entries[i].sig);
  m->n = 0;
}

void mam_mss_memo_destroy(mam_mss_memo_t *m) {
  if (!m) return;
  mam_mss_memo_clear(m);
  free(m->entries);
  memset(m, 0, sizeof *m);
}

size_t mam_mss_memo_pending(const mam_mss_memo_t *m) {
  size_t pending = 0;
  for (size_t i = 0; i < m->n; i++) pending += m->entries[i].result == MAM_ERR_SIG_DEFERRED;
  return pending;
}

static mam_mss_memo_entry_t *memo_find(const mam_mss_memo_t *m, const mam_trit_t *hash, const mam_trit_t *sig,
                                       size_t sig_len, const mam_trit_t *pk) {
  for (size_t i = 0; i < m->n; i++) {
    mam_mss_memo_entry_t *e = &m->entries[i];
    if (e->sig_len == sig_len && memcmp(e->hash, hash, MAM_WOTS_HASH_TRITS) == 0 &&
        memcmp(e->pk, pk, HASH) == 0 && memcmp(e->sig, sig, sig_len) == 0)
      return e;
  }
  return NULL;
}

/* Notes a check to verify later; false when there is no room or memory for it. */
static bool memo_note(mam_mss_memo_t *m, const mam_trit_t *hash, const mam_trit_t *sig, size_t sig_len,
                      const mam_trit_t *pk) {
  if (m->n >= m->max) return false;
  if (m->n == m->cap) {
    size_t cap = m->cap ? 2 * m->cap : 16;
    mam_mss_memo_entry_t *grown = realloc(m->entries, cap * sizeof *grown);
    if (!grown) return false;
    m->entries = grown;
    m->cap = cap;
  }
  mam_mss_memo_entry_t *e = &m->entries[m->n];
  if (!(e->sig = malloc(sig_len))) return false;
  memcpy(e->sig, sig, sig_len);
  memcpy(e->hash, hash, MAM_WOTS_HASH_TRITS);
  memcpy(e->pk, pk, HASH);
  e->sig_len = sig_len;
  e->result = MAM_ERR_SIG_DEFERRED;
  m->n++;
  return true;
}

mam_err_t mam_mss_memo_check(mam_mss_memo_t *m, const mam_trit_t hash[MAM_WOTS_HASH_TRITS], const mam_trit_t *sig,
                             size_t sig_len, const mam_trit_t pk[MAM_MSS_HASH_TRITS]) {
  if (!m || !hash || !sig || !pk) return mam_mss_verify(hash, sig, sig_len, pk);
  const mam_mss_memo_entry_t *e = memo_find(m, hash, sig, sig_len, pk);
  if (e && (e->result != MAM_ERR_SIG_DEFERRED || m->collecting)) return e->result;
  if (!e && m->collecting && memo_note(m, hash, sig, sig_len, pk)) return MAM_ERR_SIG_DEFERRED;
  return mam_mss_verify(hash, sig, sig_len, pk);
}

mam_err_t mam_mss_memo_verify(mam_mss_memo_t *m) {
  size_t pending = mam_mss_memo_pending(m);
  if (pending == 0) return MAM_OK;
  mam_mss_check_t *checks = malloc(pending * sizeof *checks);
  mam_err_t *results = malloc(pending * sizeof *results);
  mam_err_t err = checks && results ? MAM_OK : MAM_ERR_NO_MEMORY;
  for (size_t i = 0, k = 0; err == MAM_OK && i < m->n; i++) {
    const mam_mss_memo_entry_t *e = &m->entries[i];
    if (e->result == MAM_ERR_SIG_DEFERRED) checks[k++] = (mam_mss_check_t){e->hash, e->sig, e->sig_len, e->pk};
  }
  if (err == MAM_OK) err = mam_mss_verify_batch(checks, pending, results);
  for (size_t i = 0, k = 0; err == MAM_OK && i < m->n; i++)
    if (m->entries[i].result == MAM_ERR_SIG_DEFERRED) m->entries[i].result = results[k++];
  free(checks);
  free(results);
  return err;
}

/* ---- saved form ---- */

static void encode_tree(const mam_mss_tree_t *t, mam_benc_t *e) {
  mam_benc_bytes(e, t->nodes, tree_nodes(t->height) * PACKED);
}

static bool decode_tree(mam_mss_tree_t *t, unsigned height, mam_bdec_t *d) {
  if (tree_alloc(t, height) != MAM_OK) return false;
  size_t n = tree_nodes(height) * PACKED;
  const uint8_t *p = mam_bdec_take(d, n);
  if (!p) return false;
  memcpy(t->nodes, p, n);
  for (size_t i = 0; i < n; i++)
    if (t->nodes[i] < -13 || t->nodes[i] > 13) return false;
  return true;
}

void mam_mss_encode(const mam_mss_t *mss, mam_benc_t *e) {
  mam_benc_uint(e, mss->height, 1);
  mam_benc_uint(e, mss->bottom_height, 1);
  mam_benc_uint(e, mss->skn, 4);
  mam_benc_uint(e, mss->nonce_len, 2);
  mam_benc_trits(e, mss->nonce, mss->nonce_len);
  mam_benc_trits(e, mss->root, HASH);
  encode_tree(&mss->current, e);
  if (mss->top_height == 0) return;
  encode_tree(&mss->top, e);
  encode_tree(&mss->next, e);
  mam_benc_uint(e, mss->next_index, 4);
  mam_benc_uint(e, mss->next_filled, 4);
}

/* The stored root must be the root of the stored tree. */
static bool root_consistent(const mam_mss_t *mss) {
  mam_trit_t root[HASH];
  unpack_hash(mss->top_height > 0 ? mss->top.nodes : mss->current.nodes, root);
  return memcmp(root, mss->root, HASH) == 0;
}

mam_err_t mam_mss_decode(mam_mss_t *mss, mam_bdec_t *d) {
  memset(mss, 0, sizeof *mss);
  unsigned height = (unsigned)mam_bdec_uint(d, 1), bottom = (unsigned)mam_bdec_uint(d, 1);
  uint32_t skn = (uint32_t)mam_bdec_uint(d, 4);
  size_t nonce_len = (size_t)mam_bdec_uint(d, 2);
  bool ok = !d->bad && height <= MAM_MSS_MAX_HEIGHT && bottom <= MAM_MSS_LAYER_HEIGHT && bottom <= height &&
            (bottom > 0 || height == 0) && (uint64_t)skn <= ((uint64_t)1 << height) &&
            nonce_len <= MAM_MSS_NONCE_MAX_TRITS;
  if (ok) {
    mss->height = height;
    mss->bottom_height = bottom;
    mss->top_height = height - bottom;
    mss->skn = skn;
    mss->nonce_len = nonce_len;
    mam_bdec_trits(d, mss->nonce, nonce_len);
    mam_bdec_trits(d, mss->root, HASH);
    ok = !d->bad && decode_tree(&mss->current, bottom, d);
  }
  if (ok && mss->top_height > 0) {
    ok = decode_tree(&mss->top, mss->top_height, d) && decode_tree(&mss->next, bottom, d);
    mss->next_index = (uint32_t)mam_bdec_uint(d, 4);
    mss->next_filled = (uint32_t)mam_bdec_uint(d, 4);
    ok = ok && !d->bad && mss->next_filled <= ((uint32_t)1 << bottom) &&
         mss->next_index <= subtree_count(mss);
  }
  if (ok) ok = root_consistent(mss);
  if (!ok) {
    mam_mss_destroy(mss);
    return MAM_ERR_STATE_FORMAT;
  }
  return MAM_OK;
}
