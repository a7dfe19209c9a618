#include "services/writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mamcore/state.h"
#include "mamcore/transport.h"
#include "node/client.h"
#include "tangle/bundle.h"
#include "tangle/mam_bundle.h"
#include "tangle/pow.h"

#define ID MG_ID_TRYTES
#define TIP_DEPTH 3
#define SESSION_ENTROPY_TRITS 81 /* fresh random trits per message for its session key */

typedef struct wchannel {
  char id[ID + 1];
  int64_t number;
  pthread_mutex_t lock; /* serialises everything done with this channel's keys */
  mam_channel_t ch;
  mam_endpoint_t *eps;
  size_t n_eps;
  int active; /* endpoint used when a publish names none, -1: the channel */
} wchannel_t;

struct mg_writer {
  mg_writer_deps_t d;
  pthread_mutex_t lock; /* guards the list, not the channels */
  wchannel_t **channels;
  size_t n, cap;
};

/* ---- small helpers ---- */

static const char *const pub_err_names[MG_PUB_ERR__COUNT] = {
    [MG_PUB_OK] = "ok",
    [MG_PUB_NOT_FOUND] = "unknown channel or endpoint",
    [MG_PUB_EXHAUSTED] = "not enough signatures left",
    [MG_PUB_INVALID] = "a request field is out of range",
    [MG_PUB_NODE] = "the node is unreachable or refused the transactions",
    [MG_PUB_STORE] = "the database failed",
    [MG_PUB_STORE_FULL] = "the database is full",
    [MG_PUB_STORE_UNAVAILABLE] = "the database cannot be reached now",
    [MG_PUB_NO_MEMORY] = "out of memory",
    [MG_PUB_INTERNAL] = "internal error",
};

const char *mg_pub_strerror(mg_pub_err_t err) {
  return (unsigned)err < MG_PUB_ERR__COUNT ? pub_err_names[err] : "unknown publish error";
}

/* The publish error of a store failure. */
static mg_pub_err_t pub_store_err(mg_store_err_t err) {
  if (err == MG_STORE_ERR_UNAVAILABLE) return MG_PUB_STORE_UNAVAILABLE;
  if (err == MG_STORE_NOT_FOUND) return MG_PUB_NOT_FOUND;
  return err == MG_STORE_ERR_FULL ? MG_PUB_STORE_FULL : MG_PUB_STORE;
}

static void trytes_of(const mam_trit_t *t, size_t n_trits, char *out) {
  mam_trits_to_trytes(t, n_trits, out);
  out[n_trits / 3] = 0;
}

static void tree_info(const char *id, const mam_mss_t *mss, mg_tree_info_t *out) {
  memcpy(out->id, id, ID + 1);
  out->height = mss->height;
  out->remaining = mam_mss_remaining(mss);
}

void mg_channel_info_free(mg_channel_info_t *info) {
  free(info->endpoints);
  info->endpoints = NULL;
}

void mg_publish_result_free(mg_publish_result_t *r) {
  free(r->bundles);
  r->bundles = NULL;
}

static void channel_free(wchannel_t *c) {
  if (!c) return;
  for (size_t i = 0; i < c->n_eps; i++) mam_endpoint_destroy(&c->eps[i]);
  free(c->eps);
  mam_channel_destroy(&c->ch);
  pthread_mutex_destroy(&c->lock);
  free(c);
}

static const char *active_key(const char *id, char *buf) {
  sprintf(buf, "active:%.81s", id);
  return buf;
}

/* Saves the channel with its endpoints (durably: the store runs synchronous=FULL). Callers took in
 * what other writers saved first (merge_stored); an endpoint another writer saves in between is
 * missing from this save, and back in the next save of any writer that holds it. */
static mg_pub_err_t save_channel(mg_writer_t *w, const wchannel_t *c) {
  size_t len = mam_channel_state_size(&c->ch, c->eps, c->n_eps), written;
  uint8_t *buf = malloc(len);
  if (!buf) return MG_PUB_NO_MEMORY;
  mg_pub_err_t err = MG_PUB_INTERNAL;
  if (mam_channel_state_save(&c->ch, c->eps, c->n_eps, buf, len, &written) == MAM_OK) {
    pthread_mutex_lock(w->d.store_lock);
    mg_store_err_t serr = mg_store_put_channel(w->d.store, c->id, c->number, buf, written);
    char key[ID + 16], value[16];
    snprintf(value, sizeof value, "%d", c->active);
    if (serr == MG_STORE_OK) serr = mg_store_set_meta(w->d.store, active_key(c->id, key), value);
    pthread_mutex_unlock(w->d.store_lock);
    err = serr == MG_STORE_OK ? MG_PUB_OK : pub_store_err(serr);
    if (serr != MG_STORE_OK) mg_env_log(w->d.env, MAMGATE_LOG_ERROR, "saving channel %.81s: %s", c->id, mg_store_strerror(serr));
  }
  free(buf);
  return err;
}

/* Moves a tree past every leaf reserved before (a crash may have burned some). */
static mam_err_t skip_reserved(mg_writer_t *w, const char *tree_id, mam_mss_t *mss) {
  uint64_t next = 0;
  pthread_mutex_lock(w->d.store_lock);
  mg_store_err_t serr = mg_store_next_free_leaf(w->d.store, tree_id, &next);
  pthread_mutex_unlock(w->d.store_lock);
  if (serr != MG_STORE_OK && serr != MG_STORE_NOT_FOUND) return MAM_ERR_INVALID_ARG;
  uint64_t end = (uint64_t)1 << mss->height;
  if (next > end) next = end;
  return next > mss->skn ? mam_mss_skip_to(mss, w->d.prng, (uint32_t)next, (unsigned)w->d.settings.pow_threads) : MAM_OK;
}

static mg_pub_err_t load_channel(mg_writer_t *w, const char *id, wchannel_t **out) {
  int64_t number;
  uint8_t *state = NULL;
  size_t len = 0;
  pthread_mutex_lock(w->d.store_lock);
  mg_store_err_t serr = mg_store_get_channel(w->d.store, id, &number, &state, &len);
  char key[ID + 16], *active = NULL;
  if (serr == MG_STORE_OK && mg_store_get_meta(w->d.store, active_key(id, key), &active) != MG_STORE_OK) active = NULL;
  pthread_mutex_unlock(w->d.store_lock);
  if (serr != MG_STORE_OK) return pub_store_err(serr);
  wchannel_t *c = calloc(1, sizeof *c);
  mg_pub_err_t err = c ? MG_PUB_OK : MG_PUB_NO_MEMORY;
  if (c) {
    pthread_mutex_init(&c->lock, NULL);
    memcpy(c->id, id, ID + 1);
    c->number = number;
    c->active = active ? atoi(active) : -1;
    if (mam_channel_state_load(state, len, &c->ch, &c->eps, &c->n_eps) != MAM_OK) err = MG_PUB_STORE;
  }
  if (err == MG_PUB_OK && skip_reserved(w, id, &c->ch.mss) != MAM_OK) err = MG_PUB_STORE;
  for (size_t i = 0; err == MG_PUB_OK && i < c->n_eps; i++) {
    char epid[ID + 1];
    trytes_of(mam_endpoint_id(&c->eps[i]), MAM_ID_TRITS, epid);
    if (skip_reserved(w, epid, &c->eps[i].mss) != MAM_OK) err = MG_PUB_STORE;
  }
  if (c && (c->active < -1 || c->active >= (int)c->n_eps)) c->active = -1;
  free(state);
  free(active);
  if (err != MG_PUB_OK) {
    channel_free(c);
    return err;
  }
  *out = c;
  return MG_PUB_OK;
}

/* ---- what other writers sharing the store saved (channel locked) ---- */

static int64_t endpoint_ord(const mam_endpoint_t *ep) { return mam_trits_to_int(ep->name, ep->name_len); }

static bool holds_endpoint(const wchannel_t *c, const mam_endpoint_t *ep) {
  for (size_t i = 0; i < c->n_eps; i++)
    if (memcmp(mam_endpoint_id(&c->eps[i]), mam_endpoint_id(ep), MAM_ID_TRITS * sizeof(mam_trit_t)) == 0) return true;
  return false;
}

/* Moves *ep into c->eps, kept in the order of endpoint names (creation order), so that an index
 * (the active endpoint) means the same endpoint in every writer; past every leaf reserved. */
static mg_pub_err_t adopt_endpoint(mg_writer_t *w, wchannel_t *c, mam_endpoint_t *ep) {
  char epid[ID + 1];
  trytes_of(mam_endpoint_id(ep), MAM_ID_TRITS, epid);
  if (skip_reserved(w, epid, &ep->mss) != MAM_OK) return MG_PUB_STORE;
  mam_endpoint_t *grown = realloc(c->eps, (c->n_eps + 1) * sizeof *grown);
  if (!grown) return MG_PUB_NO_MEMORY;
  c->eps = grown;
  size_t at = c->n_eps;
  while (at > 0 && endpoint_ord(&c->eps[at - 1]) > endpoint_ord(ep)) at--;
  memmove(&c->eps[at + 1], &c->eps[at], (c->n_eps - at) * sizeof *c->eps);
  c->eps[at] = *ep;
  c->n_eps++;
  if (c->active >= (int)at) c->active++;
  return MG_PUB_OK;
}

/* Takes in the stored channel's endpoints this writer does not hold, its endpoint counter and its
 * active endpoint. This writer's own trees stay (their traversal caches are
 * its own; the store's reservations say which leaves are free). NOT_FOUND: the channel is not
 * stored (yet). */
static mg_pub_err_t merge_stored(mg_writer_t *w, wchannel_t *c) {
  uint8_t *state = NULL;
  size_t len = 0;
  char key[ID + 16], *active = NULL;
  pthread_mutex_lock(w->d.store_lock);
  mg_store_err_t serr = mg_store_get_channel(w->d.store, c->id, NULL, &state, &len);
  if (serr == MG_STORE_OK && mg_store_get_meta(w->d.store, active_key(c->id, key), &active) != MG_STORE_OK)
    active = NULL;
  pthread_mutex_unlock(w->d.store_lock);
  if (serr != MG_STORE_OK) return pub_store_err(serr);
  mam_channel_t stored;
  mam_endpoint_t *eps = NULL;
  size_t n = 0;
  bool loaded = mam_channel_state_load(state, len, &stored, &eps, &n) == MAM_OK;
  mg_pub_err_t err = loaded ? MG_PUB_OK : MG_PUB_STORE;
  free(state);
  for (size_t i = 0; i < n; i++) {
    if (err == MG_PUB_OK && !holds_endpoint(c, &eps[i]) && (err = adopt_endpoint(w, c, &eps[i])) == MG_PUB_OK) continue;
    mam_endpoint_destroy(&eps[i]); /* held already, or not taken */
  }
  free(eps);
  if (err == MG_PUB_OK && stored.endpoint_ord > c->ch.endpoint_ord) c->ch.endpoint_ord = stored.endpoint_ord;
  if (err == MG_PUB_OK && active && atoi(active) >= -1 && atoi(active) < (int)c->n_eps) c->active = atoi(active);
  if (loaded) mam_channel_destroy(&stored);
  free(active);
  return err;
}

/* ---- the list of channels ---- */

/* Appends c; w->lock held. */
static mg_pub_err_t add_channel_locked(mg_writer_t *w, wchannel_t *c) {
  if (w->n == w->cap) {
    size_t cap = w->cap ? 2 * w->cap : 8;
    wchannel_t **grown = realloc(w->channels, cap * sizeof *grown);
    if (!grown) return MG_PUB_NO_MEMORY;
    w->channels = grown;
    w->cap = cap;
  }
  w->channels[w->n++] = c;
  return MG_PUB_OK;
}

static mg_pub_err_t add_channel(mg_writer_t *w, wchannel_t *c) {
  pthread_mutex_lock(&w->lock);
  mg_pub_err_t err = add_channel_locked(w, c);
  pthread_mutex_unlock(&w->lock);
  return err;
}

/* The channel of that id: held, or loaded from the store when another writer created it. */
static wchannel_t *find_channel(mg_writer_t *w, const char *id) {
  wchannel_t *found = NULL;
  pthread_mutex_lock(&w->lock);
  for (size_t i = 0; i < w->n && !found; i++)
    if (strcmp(w->channels[i]->id, id) == 0) found = w->channels[i];
  if (!found && strlen(id) == ID && load_channel(w, id, &found) == MG_PUB_OK && add_channel_locked(w, found) != MG_PUB_OK) {
    channel_free(found);
    found = NULL;
  }
  pthread_mutex_unlock(&w->lock);
  return found;
}

/* ---- start and stop ---- */

mg_writer_t *mg_writer_new(const mg_writer_deps_t *deps, char *err, size_t err_len) {
  mg_writer_t *w = calloc(1, sizeof *w);
  if (!w) return snprintf(err, err_len, "out of memory"), NULL;
  w->d = *deps;
  pthread_mutex_init(&w->lock, NULL);
  char **ids = NULL;
  size_t n = 0;
  pthread_mutex_lock(w->d.store_lock);
  mg_store_err_t serr = mg_store_list_channels(w->d.store, &ids, &n);
  pthread_mutex_unlock(w->d.store_lock);
  if (serr != MG_STORE_OK) {
    snprintf(err, err_len, "cannot list channels: %s", mg_store_strerror(serr));
    mg_writer_free(w);
    return NULL;
  }
  bool loaded = true;
  for (size_t i = 0; i < n && loaded; i++) {
    wchannel_t *c;
    loaded = load_channel(w, ids[i], &c) == MG_PUB_OK && add_channel(w, c) == MG_PUB_OK;
    if (!loaded) snprintf(err, err_len, "cannot load writer channel %.81s", ids[i]);
  }
  mg_strings_free(ids, n);
  if (loaded) return w;
  mg_writer_free(w);
  return NULL;
}

void mg_writer_free(mg_writer_t *w) {
  if (!w) return;
  for (size_t i = 0; i < w->n; i++) channel_free(w->channels[i]);
  free(w->channels);
  pthread_mutex_destroy(&w->lock);
  free(w);
}

/* ---- channels and endpoints ---- */

static void channel_info_locked(const wchannel_t *c, mg_channel_info_t *out) {
  tree_info(c->id, &c->ch.mss, &out->channel);
  out->endpoints = calloc(c->n_eps + 1, sizeof *out->endpoints);
  out->n_endpoints = out->endpoints ? c->n_eps : 0;
  for (size_t i = 0; i < out->n_endpoints; i++) {
    char epid[ID + 1];
    trytes_of(mam_endpoint_id(&c->eps[i]), MAM_ID_TRITS, epid);
    tree_info(epid, &c->eps[i].mss, &out->endpoints[i]);
  }
  out->active_endpoint = c->active;
}

mg_pub_err_t mg_writer_create_channel(mg_writer_t *w, unsigned height, mg_channel_info_t *out) {
  if (height > w->d.settings.max_height) return MG_PUB_INVALID;
  int64_t number;
  pthread_mutex_lock(w->d.store_lock);
  mg_store_err_t serr = mg_store_next_channel_number(w->d.store, &number);
  pthread_mutex_unlock(w->d.store_lock);
  if (serr != MG_STORE_OK) return pub_store_err(serr);
  wchannel_t *c = calloc(1, sizeof *c);
  if (!c) return MG_PUB_NO_MEMORY;
  pthread_mutex_init(&c->lock, NULL);
  c->number = number;
  c->active = -1;
  mam_trit_t name[MAM_API_NAME_TRITS];
  mam_trits_from_int(number, name, MAM_API_NAME_TRITS);
  mam_err_t merr = mam_channel_create(&c->ch, w->d.prng, name, sizeof name, height, (unsigned)w->d.settings.pow_threads);
  if (merr != MAM_OK) {
    channel_free(c);
    return merr == MAM_ERR_NO_MEMORY ? MG_PUB_NO_MEMORY : MG_PUB_INTERNAL;
  }
  trytes_of(mam_channel_id(&c->ch), MAM_ID_TRITS, c->id);
  mg_pub_err_t err = save_channel(w, c);
  if (err == MG_PUB_OK) err = add_channel(w, c);
  if (err != MG_PUB_OK) {
    channel_free(c);
    return err;
  }
  channel_info_locked(c, out);
  mg_env_log(w->d.env, MAMGATE_LOG_INFO, "created channel %s (number %lld, height %u)", c->id, (long long)number, height);
  return MG_PUB_OK;
}

/* Takes in what other writers saved and moves every tree past the leaves they reserved, so that
 * what this writer tells is what the store holds; channel locked. */
static mg_pub_err_t refresh_locked(mg_writer_t *w, wchannel_t *c) {
  mg_pub_err_t err = merge_stored(w, c);
  if (err == MG_PUB_OK && skip_reserved(w, c->id, &c->ch.mss) != MAM_OK) err = MG_PUB_STORE;
  for (size_t i = 0; err == MG_PUB_OK && i < c->n_eps; i++) {
    char epid[ID + 1];
    trytes_of(mam_endpoint_id(&c->eps[i]), MAM_ID_TRITS, epid);
    if (skip_reserved(w, epid, &c->eps[i].mss) != MAM_OK) err = MG_PUB_STORE;
  }
  return err;
}

mg_pub_err_t mg_writer_channel_info(mg_writer_t *w, const char *channel_id, mg_channel_info_t *out) {
  wchannel_t *c = find_channel(w, channel_id);
  if (!c) return MG_PUB_NOT_FOUND;
  pthread_mutex_lock(&c->lock);
  mg_pub_err_t err = refresh_locked(w, c);
  if (err == MG_PUB_OK) channel_info_locked(c, out);
  pthread_mutex_unlock(&c->lock);
  return err;
}

mg_pub_err_t mg_writer_list_channels(mg_writer_t *w, char ***ids, size_t *n) {
  pthread_mutex_lock(w->d.store_lock);
  mg_store_err_t serr = mg_store_list_channels(w->d.store, ids, n); /* also those other writers created */
  pthread_mutex_unlock(w->d.store_lock);
  return serr == MG_STORE_OK ? MG_PUB_OK : pub_store_err(serr);
}

/* ---- composing messages (under the channel lock) ---- */

/* Reserves `count` leaves of a tree durably and moves the tree to the first of them. */
static mg_pub_err_t reserve_leaves(mg_writer_t *w, const mam_trit_t *tree_id_trits, mam_mss_t *mss, uint64_t count) {
  if (count == 0) return MG_PUB_OK;
  if (mam_mss_remaining(mss) < count) return MG_PUB_EXHAUSTED;
  char tree_id[ID + 1];
  trytes_of(tree_id_trits, MAM_ID_TRITS, tree_id);
  uint64_t first = 0;
  pthread_mutex_lock(w->d.store_lock);
  mg_store_err_t serr = mg_store_reserve_leaves(w->d.store, tree_id, mss->skn, count, &first);
  pthread_mutex_unlock(w->d.store_lock);
  if (serr != MG_STORE_OK) return pub_store_err(serr);
  if (first + count > ((uint64_t)1 << mss->height)) return MG_PUB_EXHAUSTED; /* those leaves are burned */
  if (first > mss->skn && mam_mss_skip_to(mss, w->d.prng, (uint32_t)first, (unsigned)w->d.settings.pow_threads) != MAM_OK)
    return MG_PUB_INTERNAL;
  return MG_PUB_OK;
}

/* Reserves the channel's next message number durably (never handed out twice, also not to another
 * writer sharing the store) and moves the channel's counter to it. */
static mg_pub_err_t reserve_msg_number(mg_writer_t *w, wchannel_t *c) {
  uint64_t first = 0;
  int64_t floor = mam_trits_to_int(c->ch.msg_ord, MAM_MSG_ORD_TRITS);
  pthread_mutex_lock(w->d.store_lock);
  mg_store_err_t serr = mg_store_reserve_msg_numbers(w->d.store, c->id, floor > 0 ? (uint64_t)floor : 0, 1, &first);
  pthread_mutex_unlock(w->d.store_lock);
  if (serr != MG_STORE_OK) return pub_store_err(serr);
  if (first > INT64_MAX) return MG_PUB_INTERNAL;
  mam_trits_from_int((int64_t)first, c->ch.msg_ord, MAM_MSG_ORD_TRITS);
  return MG_PUB_OK;
}

typedef struct composed {
  mam_bundle_t *bundles;
  size_t n;
  char message_id[22];
  uint64_t first_leaf, n_leaves; /* the signing tree's leaves the packets spend */
} composed_t;

/* Writes one message on channel c: reserves the leaves it signs with and its message number, then
 * writes. header.ch and msg_id are filled in here. */
static mg_pub_err_t compose(mg_writer_t *w, wchannel_t *c, mam_message_spec_t *spec, mam_mss_t *signing,
                            const mam_trit_t *signing_id, composed_t *out) {
  mam_header_params_t *hp = &spec->header;
  uint64_t sigs = spec->checksum == MAM_CHECKSUM_SIG ? spec->packets : 0;
  bool announces = hp->announce_ch || hp->announce_ep;
  mg_pub_err_t err = reserve_leaves(w, mam_channel_id(&c->ch), &c->ch.mss, announces ? 1 : 0);
  if (err == MG_PUB_OK) err = reserve_leaves(w, signing_id, signing, sigs);
  if (err != MG_PUB_OK) return err;
  out->first_leaf = signing->skn; /* packets sign with consecutive leaves from here */
  out->n_leaves = sigs;
  mam_trit_t msg_id[MAM_MSG_ID_TRITS], entropy[SESSION_ENTROPY_TRITS];
  err = reserve_msg_number(w, c); /* the message id is spent before anything leaves */
  if (err != MG_PUB_OK) return err;
  mam_channel_next_msg_id(&c->ch, msg_id);
  /* fresh per-message randomness for the session key */
  uint8_t rnd[SESSION_ENTROPY_TRITS];
  if (getentropy(rnd, sizeof rnd) != 0) return MG_PUB_INTERNAL;
  for (size_t i = 0; i < sizeof rnd; i++) entropy[i] = (mam_trit_t)(rnd[i] % 3 - 1);
  hp->ch = &c->ch;
  hp->msg_id = msg_id;
  hp->entropy = entropy;
  hp->entropy_len = sizeof entropy;
  mam_err_t merr = mam_message_write(w->d.prng, spec, &out->bundles, &out->n);
  mam_wipe(entropy, sizeof entropy);
  if (merr != MAM_OK) return merr == MAM_ERR_MSS_EXHAUSTED ? MG_PUB_EXHAUSTED : MG_PUB_INTERNAL;
  trytes_of(msg_id, MAM_MSG_ID_TRITS, out->message_id);
  /* nothing to save: the leaves and the message number are reserved in the store, and a writer
   * loading the channel moves its trees past what was reserved */
  return MG_PUB_OK;
}

/* ---- submitting to the node ---- */

typedef struct pow_ctx {
  mg_writer_t *w;
} pow_ctx_t;

static tangle_err_t local_pow(tangle_tx_t *tx, void *arg) {
  pow_ctx_t *p = arg;
  mam_trit_t *trits = malloc(TANGLE_TX_TRITS);
  if (!trits) return TANGLE_ERR_NO_MEMORY;
  uint64_t start = mg_env_now_ms(p->w->d.env);
  tangle_err_t err = tangle_tx_to_trits(tx, trits);
  if (err == TANGLE_OK)
    err = tangle_pow(trits, (unsigned)p->w->d.settings.mwm, (unsigned)p->w->d.settings.pow_threads, p->w->d.stopping, NULL, NULL);
  if (err == TANGLE_OK) err = tangle_tx_from_trits(tx, trits);
  atomic_fetch_add(&p->w->d.metrics->pow_count, 1);
  atomic_fetch_add(&p->w->d.metrics->pow_ms_total, mg_env_now_ms(p->w->d.env) - start);
  free(trits);
  return err;
}

/* The tangle transactions of one MAM bundle (obsoleteTag = tag makes its hash unique). */
static mg_pub_err_t build_bundle(mg_writer_t *w, const mam_bundle_t *b, tangle_tx_t *txs) {
  tangle_err_t err = tangle_bundle_from_mam(b, (int64_t)(mg_env_now_ms(w->d.env) / 1000), txs);
  return err == TANGLE_OK ? MG_PUB_OK : err == TANGLE_ERR_NO_MEMORY ? MG_PUB_NO_MEMORY : MG_PUB_INTERNAL;
}

static mg_pub_err_t node_failed(mg_node_client_t *client, mg_node_err_t err, const char *what, char *msg, size_t msg_len) {
  snprintf(msg, msg_len, "%s: %s%s%s", what, mg_node_strerror(err), mg_node_client_message(client)[0] ? ": " : "",
           mg_node_client_message(client));
  return MG_PUB_NODE;
}

/* Attaches (local or remote PoW) and returns the final trytes, tail first. */
static mg_pub_err_t attach(mg_writer_t *w, mg_node_client_t *client, tangle_tx_t *txs, size_t n, char **trytes,
                           char *msg, size_t msg_len) {
  mg_node_tips_t tips;
  mg_node_err_t nerr = mg_node_get_transactions_to_approve(client, TIP_DEPTH, NULL, &tips);
  if (nerr != MG_NODE_OK) return node_failed(client, nerr, "getTransactionsToApprove", msg, msg_len);
  mam_trit_t trunk[MAM_ID_TRITS], branch[MAM_ID_TRITS];
  if (mam_trytes_to_trits(tips.trunk, ID, trunk) != MAM_OK || mam_trytes_to_trits(tips.branch, ID, branch) != MAM_OK)
    return snprintf(msg, msg_len, "the node returned invalid tips"), MG_PUB_NODE;
  if (!w->d.settings.pow_remote) {
    pow_ctx_t ctx = {w};
    tangle_err_t terr = tangle_bundle_attach(txs, n, trunk, branch, (int64_t)mg_env_now_ms(w->d.env), local_pow, &ctx);
    if (terr != TANGLE_OK) return snprintf(msg, msg_len, "proof of work: %s", tangle_strerror(terr)), MG_PUB_INTERNAL;
    for (size_t i = 0; i < n; i++)
      if (tangle_tx_to_trytes(&txs[i], trytes[i]) != TANGLE_OK) return MG_PUB_INTERNAL;
    return MG_PUB_OK;
  }
  const char **head_first = malloc(n * sizeof *head_first);
  if (!head_first) return MG_PUB_NO_MEMORY;
  for (size_t i = 0; i < n; i++) {
    if (tangle_tx_to_trytes(&txs[i], trytes[i]) != TANGLE_OK) {
      free(head_first);
      return MG_PUB_INTERNAL;
    }
    head_first[n - 1 - i] = trytes[i];
  }
  mg_node_strings_t attached = {0};
  nerr = mg_node_attach_to_tangle(client, tips.trunk, tips.branch, (unsigned)w->d.settings.mwm, head_first, n, &attached);
  free(head_first);
  if (nerr != MG_NODE_OK) return node_failed(client, nerr, "attachToTangle", msg, msg_len);
  for (size_t i = 0; i < n && i < attached.count; i++) memcpy(trytes[i], attached.items[i], TANGLE_TX_TRYTES);
  mg_node_strings_free(&attached);
  return MG_PUB_OK;
}

/* Sends every bundle of a message to the node; records the bundle hashes. */
static mg_pub_err_t submit(mg_writer_t *w, const composed_t *m, mg_publish_result_t *out, char *msg, size_t msg_len) {
  mg_node_config_t cfg;
  mg_node_config_init(&cfg, w->d.settings.node_api);
  cfg.timeout_ms = (long)w->d.settings.node_timeout_ms;
  cfg.cancel = w->d.stopping;
  mg_node_client_t *client = NULL;
  if (mg_node_client_new(&cfg, &client) != MG_NODE_OK) return MG_PUB_NO_MEMORY;
  out->bundles = calloc(m->n, sizeof *out->bundles);
  mg_pub_err_t err = out->bundles ? MG_PUB_OK : MG_PUB_NO_MEMORY;
  for (size_t b = 0; err == MG_PUB_OK && b < m->n; b++) {
    size_t n = m->bundles[b].n;
    tangle_tx_t *txs = calloc(n, sizeof *txs);
    char **trytes = calloc(n, sizeof *trytes);
    char *flat = malloc(n * (TANGLE_TX_TRYTES + 1));
    err = txs && trytes && flat ? build_bundle(w, &m->bundles[b], txs) : MG_PUB_NO_MEMORY;
    for (size_t i = 0; err == MG_PUB_OK && i < n; i++) {
      trytes[i] = flat + i * (TANGLE_TX_TRYTES + 1);
      trytes[i][TANGLE_TX_TRYTES] = 0;
    }
    if (err == MG_PUB_OK) err = attach(w, client, txs, n, trytes, msg, msg_len);
    mg_node_err_t nerr = MG_NODE_OK;
    if (err == MG_PUB_OK && (nerr = mg_node_store_transactions(client, (const char *const *)trytes, n)) != MG_NODE_OK)
      err = node_failed(client, nerr, "storeTransactions", msg, msg_len);
    if (err == MG_PUB_OK && (nerr = mg_node_broadcast_transactions(client, (const char *const *)trytes, n)) != MG_NODE_OK)
      err = node_failed(client, nerr, "broadcastTransactions", msg, msg_len);
    if (err == MG_PUB_OK) {
      memcpy(out->bundles[b], trytes[0] + TANGLE_TX_OFF_BUNDLE / 3, ID); /* the tail's bundle field */
      out->bundles[b][ID] = 0;
      out->n_bundles = b + 1;
    }
    free(txs);
    free(trytes);
    free(flat);
  }
  mg_node_client_free(client);
  return err;
}

/* ---- public calls ---- */

static void free_composed(composed_t *m) { mam_bundles_free(m->bundles, m->n); }

/* Creates endpoint number endpoint_ord under c and optionally announces it; channel locked. */
static mg_pub_err_t new_endpoint_locked(mg_writer_t *w, wchannel_t *c, unsigned height, bool announce,
                                        mg_tree_info_t *out, char *msg, size_t msg_len) {
  if (announce && mam_mss_remaining(&c->ch.mss) == 0) return MG_PUB_EXHAUSTED;
  mam_endpoint_t *grown = realloc(c->eps, (c->n_eps + 1) * sizeof *grown);
  if (!grown) return MG_PUB_NO_MEMORY;
  c->eps = grown;
  mam_endpoint_t *ep = &c->eps[c->n_eps];
  mam_trit_t name[MAM_API_NAME_TRITS];
  mam_trits_from_int(c->ch.endpoint_ord, name, MAM_API_NAME_TRITS);
  if (mam_endpoint_create(ep, &c->ch, w->d.prng, name, sizeof name, height, (unsigned)w->d.settings.pow_threads) != MAM_OK)
    return MG_PUB_INTERNAL;
  c->n_eps++;
  c->ch.endpoint_ord++;
  char epid[ID + 1];
  trytes_of(mam_endpoint_id(ep), MAM_ID_TRITS, epid);
  mg_pub_err_t err = save_channel(w, c);
  if (err == MG_PUB_OK && announce) {
    /* the header's signature by the channel is what makes readers trust the endpoint; its packet
     * needs no signature of its own, so announcing costs no endpoint leaf */
    mam_message_spec_t spec = {.header = {.announce_ep = ep}, .checksum = MAM_CHECKSUM_MAC, .packets = 1};
    composed_t m = {0};
    mg_publish_result_t r = {0};
    err = compose(w, c, &spec, &ep->mss, mam_endpoint_id(ep), &m);
    if (err == MG_PUB_OK) err = submit(w, &m, &r, msg, msg_len);
    free_composed(&m);
    mg_publish_result_free(&r);
  }
  if (err == MG_PUB_OK) tree_info(epid, &ep->mss, out);
  return err;
}

mg_pub_err_t mg_writer_create_endpoint(mg_writer_t *w, const char *channel_id, unsigned height, bool announce,
                                       mg_tree_info_t *out, char *msg, size_t msg_len) {
  if (height > w->d.settings.max_height) return MG_PUB_INVALID;
  wchannel_t *c = find_channel(w, channel_id);
  if (!c) return MG_PUB_NOT_FOUND;
  pthread_mutex_lock(&c->lock);
  mg_pub_err_t err = merge_stored(w, c); /* the endpoint counter as other writers left it */
  if (err == MG_PUB_OK) err = new_endpoint_locked(w, c, height, announce, out, msg, msg_len);
  pthread_mutex_unlock(&c->lock);
  return err;
}

/* The endpoint a request addresses: its index, -1 for the channel itself, or -2 when unknown. */
static int pick_signer(const wchannel_t *c, const char *endpoint_id) {
  if (!endpoint_id) return c->active;
  for (size_t i = 0; i < c->n_eps; i++) {
    char epid[ID + 1];
    trytes_of(mam_endpoint_id(&c->eps[i]), MAM_ID_TRITS, epid);
    if (strcmp(epid, endpoint_id) == 0) return (int)i;
  }
  return strcmp(endpoint_id, c->id) == 0 ? -1 : -2;
}

static mg_pub_err_t check_request(const mg_writer_t *w, const mg_publish_request_t *req) {
  if (!req->channel_id || (!req->payload_trytes && req->payload_len)) return MG_PUB_INVALID;
  if (req->packets < 1 || req->packets > w->d.settings.max_list || (unsigned)req->checksum > MAM_CHECKSUM_SIG) return MG_PUB_INVALID;
  if (req->n_psks + req->n_ntru > w->d.settings.max_list) return MG_PUB_INVALID;
  if (!mam_trytes_valid(req->payload_trytes, req->payload_len)) return MG_PUB_INVALID;
  return MG_PUB_OK;
}

/* Announces a fresh endpoint when the signing tree runs low (rotation); channel locked. */
static void rotate_if_low(mg_writer_t *w, wchannel_t *c, const mam_mss_t *signing, mg_publish_result_t *out) {
  if (w->d.settings.rotate_threshold == 0 || mam_mss_remaining(signing) > w->d.settings.rotate_threshold) return;
  mg_tree_info_t ep;
  char msg[256] = "";
  if (new_endpoint_locked(w, c, signing->height, true, &ep, msg, sizeof msg) != MG_PUB_OK) {
    mg_env_log(w->d.env, MAMGATE_LOG_WARNING, "channel %s: rotation to a new endpoint failed: %s", c->id, msg);
    return;
  }
  c->active = (int)c->n_eps - 1;
  if (save_channel(w, c) == MG_PUB_OK) memcpy(out->rotated_to, ep.id, ID + 1);
  mg_env_log(w->d.env, MAMGATE_LOG_INFO, "channel %s: signatures low, rotated to endpoint %s", c->id, ep.id);
}

mg_pub_err_t mg_writer_publish(mg_writer_t *w, const mg_publish_request_t *req, mg_publish_result_t *out, char *msg,
                               size_t msg_len) {
  memset(out, 0, sizeof *out);
  mg_pub_err_t err = check_request(w, req);
  if (err != MG_PUB_OK) return snprintf(msg, msg_len, "invalid publish request"), err;
  wchannel_t *c = find_channel(w, req->channel_id);
  if (!c) return snprintf(msg, msg_len, "unknown channel"), MG_PUB_NOT_FOUND;
  mam_trit_t *payload = malloc(3 * req->payload_len + 1);
  if (!payload || mam_trytes_to_trits(req->payload_trytes, req->payload_len, payload) != MAM_OK) {
    free(payload);
    return MG_PUB_NO_MEMORY;
  }
  composed_t m = {0};
  pthread_mutex_lock(&c->lock);
  err = merge_stored(w, c); /* endpoints and rotations of other writers sharing the store */
  if (err != MG_PUB_OK) snprintf(msg, msg_len, "cannot read the channel's state: %s", mg_pub_strerror(err));
  int signer = pick_signer(c, req->endpoint_id);
  mam_mss_t *signing = signer >= 0 ? &c->eps[signer].mss : &c->ch.mss;
  if (err == MG_PUB_OK && signer == -2) err = MG_PUB_NOT_FOUND, snprintf(msg, msg_len, "unknown endpoint");
  if (err == MG_PUB_OK) {
    mam_message_spec_t spec = {.header = {.ep = signer >= 0 ? &c->eps[signer] : NULL,
                                          .psks = req->psks, .n_psks = req->n_psks,
                                          .ntru_pks = req->ntru_pks, .n_ntru = req->n_ntru},
                               .payload = payload, .payload_trits = 3 * req->payload_len,
                               .checksum = req->checksum, .packets = req->packets, .unit_trytes = req->unit_trytes};
    err = compose(w, c, &spec, signing, signer >= 0 ? mam_endpoint_id(&c->eps[signer]) : mam_channel_id(&c->ch), &m);
    if (err == MG_PUB_EXHAUSTED) snprintf(msg, msg_len, "not enough signatures left (%llu)", (unsigned long long)mam_mss_remaining(signing));
  }
  if (err == MG_PUB_OK) {
    trytes_of(signer >= 0 ? mam_endpoint_id(&c->eps[signer]) : mam_channel_id(&c->ch), MAM_ID_TRITS, out->signer_id);
    memcpy(out->message_id, m.message_id, sizeof out->message_id);
    out->remaining = mam_mss_remaining(signing);
    out->first_leaf = m.first_leaf;
    out->n_leaves = m.n_leaves;
  }
  pthread_mutex_unlock(&c->lock);
  free(payload);
  if (err == MG_PUB_OK) err = submit(w, &m, out, msg, msg_len);
  free_composed(&m);
  if (err == MG_PUB_OK) {
    atomic_fetch_add(&w->d.metrics->messages_published, 1);
    /* rotation follows signatures being spent, not a tree that merely sits at the threshold; with
     * rotation off, no second read of the channel under its lock (two store round trips a publish) */
    if (req->checksum == MAM_CHECKSUM_SIG && w->d.settings.rotate_threshold != 0) {
      pthread_mutex_lock(&c->lock);
      if (merge_stored(w, c) == MG_PUB_OK) { /* a rotation by another writer is seen; indexes may move */
        int now = pick_signer(c, out->signer_id);
        rotate_if_low(w, c, now >= 0 ? &c->eps[now].mss : &c->ch.mss, out);
      }
      pthread_mutex_unlock(&c->lock);
    }
  } else {
    atomic_fetch_add(&w->d.metrics->publish_failures, 1);
  }
  return err;
}
