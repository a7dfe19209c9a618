/* services/watcher_watch.c: one watched channel of the watcher (services/watcher.h): its
 * construction from the persisted options, its keys (listed in the options, or the gateway's own
 * from the control store), their reload, and its decoder made on demand. The feed thread and the
 * public calls are in services/watcher.c. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "mamcore/transport.h"
#include "read/decoder.h"
#include "services/watcher_internal.h"

#define PENDING_MAX 256    /* bundles waiting for their message's earlier parts, per channel */
#define PENDING_TTL_MS (30 * 60 * 1000)

static void free_watch_keys(watch_t *w) {
  if (w->psks) mam_wipe(w->psks, w->n_psks * sizeof *w->psks);
  for (size_t i = 0; i < w->n_ntru; i++) mam_ntru_sk_destroy(&w->ntru[i]);
  free(w->psks);
  free(w->ntru);
  w->psks = NULL;
  w->ntru = NULL;
  w->n_psks = w->n_ntru = 0;
}

void mg_watcher_watch_free(watch_t *w) {
  if (!w) return;
  mg_decoder_free(w->decoder);
  free_watch_keys(w);
  free(w->options);
  free(w);
}

/* ---- watch construction (any thread; uses the control store for NTRU keys) ---- */

/* The persisted description of a watch's keys: {"psks":[{"id","key"}],"ntru_key_ids":[...],
 * "own_keys":bool}. */
char *mg_watcher_watch_options(const mam_psk_t *psks, size_t n_psks, char (*ntru_ids)[28], size_t n_ntru, bool own_keys) {
  json_t *o = json_object(), *pa = json_array(), *na = json_array();
  for (size_t i = 0; i < n_psks; i++) {
    char id[28] = {0}, key[82] = {0};
    mam_trits_to_trytes(psks[i].id, MAM_PSK_ID_TRITS, id);
    mam_trits_to_trytes(psks[i].key, MAM_PSK_KEY_TRITS, key);
    json_array_append_new(pa, json_pack("{s:s, s:s}", "id", id, "key", key));
    mam_wipe(key, sizeof key);
  }
  for (size_t i = 0; i < n_ntru; i++) json_array_append_new(na, json_string(ntru_ids[i]));
  json_object_set_new(o, "psks", pa);
  json_object_set_new(o, "ntru_key_ids", na);
  json_object_set_new(o, "own_keys", json_boolean(own_keys));
  char *text = json_dumps(o, JSON_COMPACT);
  json_decref(o);
  return text;
}

static mg_watch_err_t load_ntru_key(mg_watcher_t *wt, const char *id, mam_ntru_sk_t *out) {
  char sk[MG_NTRU_SK_TRYTES + 1], pk[MG_NTRU_PK_TRYTES + 1];
  pthread_mutex_lock(wt->d.control_lock);
  mg_store_err_t err = mg_store_get_ntru(wt->d.control, id, sk, pk);
  pthread_mutex_unlock(wt->d.control_lock);
  if (err != MG_STORE_OK) return err == MG_STORE_NOT_FOUND ? MG_WATCH_BAD_KEY : MG_WATCH_STORE;
  mam_trit_t *f = malloc(MG_NTRU_SK_TRYTES * 3), *p = malloc(MG_NTRU_PK_TRYTES * 3);
  mg_watch_err_t result = MG_WATCH_NO_MEMORY;
  if (f && p) {
    result = mam_trytes_to_trits(sk, MG_NTRU_SK_TRYTES, f) == MAM_OK &&
                     mam_trytes_to_trits(pk, MG_NTRU_PK_TRYTES, p) == MAM_OK && mam_ntru_sk_load(out, f, p) == MAM_OK
                 ? MG_WATCH_OK
                 : MG_WATCH_BAD_KEY;
  }
  if (f) mam_wipe(f, MG_NTRU_SK_TRYTES * 3);
  mam_wipe(sk, sizeof sk);
  free(f);
  free(p);
  return result;
}

/* The gateway's own keys (ids; lists malloc'd) when the options ask for them (the default) and the
 * channel is the gateway's own. */
typedef struct own_keys {
  char **psk_ids, **ntru_ids;
  size_t n_psk, n_ntru;
} own_keys_t;

static mg_watch_err_t list_own_keys(mg_watcher_t *wt, const char *id, json_t *options, own_keys_t *out) {
  *out = (own_keys_t){0};
  if (json_is_false(json_object_get(options, "own_keys"))) return MG_WATCH_OK;
  pthread_mutex_lock(wt->d.control_lock);
  mg_store_err_t err = mg_store_get_channel(wt->d.control, id, NULL, NULL, NULL);
  if (err == MG_STORE_OK) err = mg_store_list_psks(wt->d.control, &out->psk_ids, &out->n_psk);
  if (err == MG_STORE_OK) err = mg_store_list_ntru(wt->d.control, &out->ntru_ids, &out->n_ntru);
  pthread_mutex_unlock(wt->d.control_lock);
  return err == MG_STORE_OK || err == MG_STORE_NOT_FOUND ? MG_WATCH_OK : MG_WATCH_STORE;
}

static void own_keys_free(own_keys_t *k) {
  mg_strings_free(k->psk_ids, k->n_psk);
  mg_strings_free(k->ntru_ids, k->n_ntru);
}

static bool psk_from_trytes(const char *id, const char *key, mam_psk_t *out) {
  return id && key && strlen(id) == MG_PSK_ID_TRYTES && strlen(key) == MG_PSK_KEY_TRYTES &&
         mam_trytes_to_trits(id, MG_PSK_ID_TRYTES, out->id) == MAM_OK &&
         mam_trytes_to_trits(key, MG_PSK_KEY_TRYTES, out->key) == MAM_OK;
}

static mg_watch_err_t load_own_psk(mg_watcher_t *wt, const char *id, mam_psk_t *out) {
  char key[MG_PSK_KEY_TRYTES + 1];
  pthread_mutex_lock(wt->d.control_lock);
  mg_store_err_t err = mg_store_get_psk(wt->d.control, id, key);
  pthread_mutex_unlock(wt->d.control_lock);
  mg_watch_err_t result = err != MG_STORE_OK ? MG_WATCH_STORE : psk_from_trytes(id, key, out) ? MG_WATCH_OK : MG_WATCH_BAD_KEY;
  mam_wipe(key, sizeof key);
  return result;
}

/* The keys of a watch: those the options list, and the gateway's own for its own channels. Most
 * watches hold no keys: only what is there is allocated (an NTRU key is 12 KB). */
static mg_watch_err_t load_watch_keys(mg_watcher_t *wt, watch_t *w, json_t *o) {
  json_t *psks = json_object_get(o, "psks"), *ntru = json_object_get(o, "ntru_key_ids");
  size_t listed_psks = json_array_size(psks), listed_ntru = json_array_size(ntru);
  own_keys_t own;
  mg_watch_err_t err = list_own_keys(wt, w->id, o, &own);
  size_t all_psks = listed_psks + own.n_psk, all_ntru = listed_ntru + own.n_ntru;
  if (err == MG_WATCH_OK && all_psks && !(w->psks = calloc(all_psks, sizeof *w->psks))) err = MG_WATCH_NO_MEMORY;
  if (err == MG_WATCH_OK && all_ntru && !(w->ntru = calloc(all_ntru, sizeof *w->ntru))) err = MG_WATCH_NO_MEMORY;
  for (size_t i = 0; err == MG_WATCH_OK && i < all_psks; i++, w->n_psks = i) {
    json_t *p = json_array_get(psks, i);
    if (i < listed_psks)
      err = psk_from_trytes(json_string_value(json_object_get(p, "id")), json_string_value(json_object_get(p, "key")), &w->psks[i])
                ? MG_WATCH_OK
                : MG_WATCH_BAD_KEY;
    else
      err = load_own_psk(wt, own.psk_ids[i - listed_psks], &w->psks[i]);
  }
  for (size_t i = 0; err == MG_WATCH_OK && i < all_ntru; i++, w->n_ntru = i) {
    const char *kid = i < listed_ntru ? json_string_value(json_array_get(ntru, i)) : own.ntru_ids[i - listed_ntru];
    err = kid ? load_ntru_key(wt, kid, &w->ntru[i]) : MG_WATCH_BAD_KEY;
  }
  own_keys_free(&own);
  return err;
}

static void give_reader_keys(watch_t *w) {
  if (w->decoder) mg_decoder_set_keys(w->decoder, w->psks, w->n_psks, w->ntru, w->n_ntru);
}

/* Loads a watch's keys again (the gateway's own keys changed); the old ones stay on failure. */
static void reload_watch_keys(mg_watcher_t *wt, watch_t *w) {
  json_t *o = json_loads(w->options, 0, NULL);
  if (!o || json_is_false(json_object_get(o, "own_keys"))) return json_decref(o);
  watch_t fresh = {0};
  memcpy(fresh.id, w->id, ID);
  mg_watch_err_t err = load_watch_keys(wt, &fresh, o);
  json_decref(o);
  if (err != MG_WATCH_OK) {
    mg_env_log(wt->d.env, MAMGATE_LOG_WARNING, "watch %.81s: keys not reloaded: %s", w->id, mg_watch_strerror(err));
    return free_watch_keys(&fresh);
  }
  free_watch_keys(w);
  w->psks = fresh.psks;
  w->n_psks = fresh.n_psks;
  w->ntru = fresh.ntru;
  w->n_ntru = fresh.n_ntru;
  give_reader_keys(w);
}

/* ---- the gateway's own keys, as the store lists them ---- */

void mg_watcher_key_ids_free(key_ids_t *k) {
  mg_strings_free(k->psk, k->n_psk);
  mg_strings_free(k->ntru, k->n_ntru);
  *k = (key_ids_t){0};
}

/* The key ids the store holds now (through the feed thread's own connection); false when it
 * cannot tell. */
static bool list_key_ids(mg_watcher_t *wt, key_ids_t *out) {
  *out = (key_ids_t){0};
  if (mg_store_list_psks(wt->store, &out->psk, &out->n_psk) == MG_STORE_OK &&
      mg_store_list_ntru(wt->store, &out->ntru, &out->n_ntru) == MG_STORE_OK)
    return true;
  mg_watcher_key_ids_free(out);
  return false;
}

static bool same_list(char **a, size_t na, char **b, size_t nb) {
  for (size_t i = 0; na == nb && i < na; i++)
    if (strcmp(a[i], b[i]) != 0) return false;
  return na == nb;
}

static bool same_ids(const key_ids_t *a, const key_ids_t *b) {
  return same_list(a->psk, a->n_psk, b->psk, b->n_psk) && same_list(a->ntru, a->n_ntru, b->ntru, b->n_ntru);
}

static void remember_key_ids(mg_watcher_t *wt, key_ids_t *listed) {
  mg_watcher_key_ids_free(&wt->own_keys);
  wt->own_keys = *listed;
}

static void reload_every_watch(mg_watcher_t *wt) {
  for (size_t i = 0; i < mg_addrset_count(wt->watches); i++) reload_watch_keys(wt, mg_addrset_value_at(wt->watches, i));
}

void mg_watcher_reload_own_keys(mg_watcher_t *wt) {
  key_ids_t listed;
  if (list_key_ids(wt, &listed)) remember_key_ids(wt, &listed);
  reload_every_watch(wt);
}

bool mg_watcher_follow_own_keys(mg_watcher_t *wt, uint64_t now_ms) {
  if (wt->own_keys_checked_ms && now_ms - wt->own_keys_checked_ms < MG_WATCHER_KEY_CHECK_MS) return false;
  wt->own_keys_checked_ms = now_ms;
  key_ids_t listed;
  if (!list_key_ids(wt, &listed)) return false; /* the database is away: asked again later */
  bool same = same_ids(&listed, &wt->own_keys);
  remember_key_ids(wt, &listed);
  if (same) return false;
  mg_env_log(wt->d.env, MAMGATE_LOG_INFO, "PSKs or NTRU keys changed in the store (%zu and %zu now): watches of own"
             " channels load them", wt->own_keys.n_psk, wt->own_keys.n_ntru);
  reload_every_watch(wt);
  return true;
}

/* The watch's decoder, made when the channel's first bundle comes (or a saved state is loaded):
 * most watched channels are quiet, and a decoder with its reader is most of a watch's memory.
 * NULL when out of memory. */
mg_decoder_t *mg_watcher_decoder_of(mg_watcher_t *wt, watch_t *w) {
  if (w->decoder) return w->decoder;
  const mg_decoder_limits_t limits = {.max_contexts = wt->d.settings.reader_max_contexts,
                                      .max_payload_trytes = 2 * wt->d.settings.max_payload_bytes,
                                      .max_pending = PENDING_MAX,
                                      .pending_ttl_ms = PENDING_TTL_MS};
  mam_trit_t chid[MAM_ID_TRITS];
  if (mam_trytes_to_trits(w->id, ID, chid) != MAM_OK || !(w->decoder = mg_decoder_new(chid, &limits))) return NULL;
  mg_decoder_join(w->decoder, wt->decode_batch, w);
  give_reader_keys(w);
  return w->decoder;
}

/* A watch of channel `id` with the keys the options describe, its reader trusting the channel
 * (or restored from state). */
mg_watch_err_t mg_watcher_watch_new(mg_watcher_t *wt, const char *id, const char *options, const uint8_t *state,
                                    size_t state_len, watch_t **out) {
  watch_t *w = calloc(1, sizeof *w);
  json_t *o = json_loads(options, 0, NULL);
  if (!w || !o || !(w->options = strdup(options))) {
    json_decref(o);
    mg_watcher_watch_free(w);
    return MG_WATCH_NO_MEMORY;
  }
  memcpy(w->id, id, ID);
  mg_watch_err_t err = mam_trytes_valid(id, ID) ? MG_WATCH_OK : MG_WATCH_BAD_KEY;
  if (err == MG_WATCH_OK) err = load_watch_keys(wt, w, o);
  json_decref(o);
  if (err == MG_WATCH_OK && state && !mg_watcher_decoder_of(wt, w)) err = MG_WATCH_NO_MEMORY;
  if (err == MG_WATCH_OK && state && mg_decoder_state_load(w->decoder, state, state_len) != MAM_OK)
    mg_env_log(wt->d.env, MAMGATE_LOG_WARNING, "watch %.81s: saved reader state unusable, starting afresh", id);
  if (err != MG_WATCH_OK) {
    mg_watcher_watch_free(w);
    return err;
  }
  *out = w;
  return MG_WATCH_OK;
}
