/* store/store.c: the front of the storage layer (store/store.h): picks the engine named by the
 * location, checks every argument once for all engines, and dispatches to the engine's table.
 * Secrets (sealed with the fleet key) are in store/secrets.c, the batch writes in store/batch.c. */
#include "store/store.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamcore/trits.h"
#include "store/front.h"
#include "store/pg/pg.h"
#include "store/sqlite/sqlite.h"

/* The engines built in; the first one also opens a location without a scheme. A new engine is one
 * more entry here (and its folder). */
static const mg_store_engine_t *const engines[] = {&mg_store_sqlite_engine, &mg_store_pg_engine};

/* ---- errors ---- */

static const char *const store_errors[MG_STORE_ERR__COUNT] = {
    [MG_STORE_OK] = "ok",
    [MG_STORE_NOT_FOUND] = "not found",
    [MG_STORE_EXISTS] = "already exists",
    [MG_STORE_ERR_ARG] = "invalid argument",
    [MG_STORE_ERR_NO_MEMORY] = "out of memory",
    [MG_STORE_ERR_FULL] = "database or disk is full",
    [MG_STORE_ERR_BUSY] = "database is locked by another connection",
    [MG_STORE_ERR_CORRUPT] = "file is not a database or is damaged",
    [MG_STORE_ERR_SCHEMA] = "database was written by a newer mamgate",
    [MG_STORE_ERR_IO] = "cannot open or access the database file",
    [MG_STORE_ERR_DB] = "database error",
    [MG_STORE_ERR_ENGINE] = "no storage engine for this location (use sqlite:PATH, a path or postgresql://...)",
    [MG_STORE_ERR_KEY] = "the fleet key is missing or is not this database's",
    [MG_STORE_ERR_UNAVAILABLE] = "the database server cannot be reached now",
    [MG_STORE_ERR_REFUSED] = "the database server refuses the connection (not retried)",
};

const char *mg_store_strerror(mg_store_err_t err) {
  if ((unsigned)err >= MG_STORE_ERR__COUNT) return "unknown store error";
  return store_errors[err];
}

const char *mg_store_errmsg(const mg_store_t *s) { return s ? s->errmsg : "no store"; }

const char *mg_store_engine_name(const mg_store_t *s) { return s ? s->engine->name : ""; }

/* ---- argument checks ---- */

mg_store_err_t store_fail(mg_store_t *s, mg_store_err_t err, const char *what) {
  snprintf(s->errmsg, sizeof s->errmsg, "%s", what);
  return err;
}

bool store_valid_id(const char *id, size_t trytes) {
  return id && strnlen(id, trytes + 1) == trytes && mam_trytes_valid(id, trytes);
}

bool store_start_id_list(char ***ids, size_t *n) {
  if (!ids || !n) return false;
  *ids = NULL;
  *n = 0;
  return true;
}

bool store_valid_blob(const void *data, size_t len) { return (data == NULL) == (len == 0); }

static bool valid_meta_key(const char *key) {
  size_t len = key ? strnlen(key, MG_META_KEY_MAX + 1) : 0;
  return len >= 1 && len <= MG_META_KEY_MAX;
}

static bool valid_hex_hash(const char *h) {
  if (!h || strnlen(h, MG_IDEM_HASH_CHARS + 1) != MG_IDEM_HASH_CHARS) return false;
  return strspn(h, "0123456789abcdef") == MG_IDEM_HASH_CHARS;
}

static bool valid_idem_key(const char *key) {
  size_t len = key ? strnlen(key, MG_IDEM_KEY_MAX + 1) : 0;
  return len >= 1 && len <= MG_IDEM_KEY_MAX;
}

/* ---- opening ---- */

/* The length of the scheme that begins location ("name:"), or 0 when it begins with none. */
static size_t scheme_length(const char *location) {
  if (!isalpha((unsigned char)location[0])) return 0;
  size_t len = 1;
  while (isalnum((unsigned char)location[len]) || (location[len] && strchr("+-.", location[len]))) len++;
  return location[len] == ':' ? len : 0;
}

static bool scheme_is(const char *name, const char *location, size_t scheme) {
  return name && strlen(name) == scheme && strncmp(name, location, scheme) == 0;
}

/* The engine a location names and where within it the engine's own part begins; NULL when none. */
static const mg_store_engine_t *engine_for(const char *location, const char **where) {
  size_t scheme = scheme_length(location);
  *where = scheme ? location + scheme + 1 : location;
  if (!scheme) return engines[0];
  for (size_t i = 0; i < sizeof engines / sizeof engines[0]; i++)
    if (scheme_is(engines[i]->name, location, scheme) || scheme_is(engines[i]->alias, location, scheme))
      return engines[i];
  return NULL;
}

static bool engine_usable(const mg_store_engine_t *e) {
  return e && e->struct_size == sizeof(mg_store_engine_t) && e->version == MG_STORE_ENGINE_VERSION;
}

static void store_free(mg_store_t *s) {
  if (s->conn) s->engine->close(s->conn);
  mg_seal_key_wipe(&s->key);
  free(s);
}

/* Opens s's engine at where and checks the fleet key; s->errmsg says why it failed. */
static mg_store_err_t open_engine(mg_store_t *s, const char *where, const mg_seal_key_t *key) {
  snprintf(s->errmsg, sizeof s->errmsg, "%s", "");
  if (key) {
    s->sealed = true;
    s->key = *key;
  }
  mg_store_err_t err = s->engine->open(where, s->errmsg, &s->conn);
  if (!err) err = key ? store_check_fleet_key(s) : store_check_no_fleet_key(s);
  return err;
}

/* Copies why the open failed into why (the engine's message, or the error's own). */
static mg_store_err_t open_failed(mg_store_err_t err, const char *message, char *why, size_t why_len) {
  if (why && why_len) snprintf(why, why_len, "%s", message && *message ? message : mg_store_strerror(err));
  return err;
}

mg_store_err_t mg_store_open_why(const char *location, const mg_seal_key_t *key, mg_store_t **out, char *why,
                                 size_t why_len) {
  if (!out) return open_failed(MG_STORE_ERR_ARG, NULL, why, why_len);
  *out = NULL;
  if (!location || !*location) return open_failed(MG_STORE_ERR_ARG, NULL, why, why_len);
  const char *where;
  const mg_store_engine_t *engine = engine_for(location, &where);
  if (!engine_usable(engine)) return open_failed(MG_STORE_ERR_ENGINE, NULL, why, why_len);
  if (!*where) return open_failed(MG_STORE_ERR_ARG, NULL, why, why_len);
  if ((engine->flags & MG_STORE_ENGINE_SHARED) && !key) return open_failed(MG_STORE_ERR_KEY, NULL, why, why_len);
  mg_store_t *s = calloc(1, sizeof *s);
  if (!s) return open_failed(MG_STORE_ERR_NO_MEMORY, NULL, why, why_len);
  s->engine = engine;
  mg_store_err_t err = open_engine(s, where, key);
  if (err) {
    open_failed(err, s->errmsg, why, why_len);
    store_free(s);
    return err;
  }
  snprintf(s->errmsg, sizeof s->errmsg, "not an error");
  *out = s;
  return MG_STORE_OK;
}

mg_store_err_t mg_store_open_sealed(const char *location, const mg_seal_key_t *key, mg_store_t **out) {
  return mg_store_open_why(location, key, out, NULL, 0);
}

mg_store_err_t mg_store_open(const char *location, mg_store_t **out) { return mg_store_open_why(location, NULL, out, NULL, 0); }

void mg_store_close(mg_store_t *s) {
  if (s) store_free(s);
}

mg_store_err_t mg_store_set_size_limit(mg_store_t *s, uint64_t max_bytes) {
  if (!s) return MG_STORE_ERR_ARG;
  return s->engine->set_size_limit(s->conn, max_bytes);
}

mg_store_err_t mg_store_schema_version(mg_store_t *s, int64_t *version) {
  if (!s || !version) return MG_STORE_ERR_ARG;
  return s->engine->schema_version(s->conn, version);
}

/* ---- decoded messages ---- */

mg_store_err_t mg_store_list_messages(mg_store_t *s, const char *channel_id, int64_t after, size_t limit,
                                      mg_message_t **out, size_t *n) {
  if (!s || !out || !n) return MG_STORE_ERR_ARG;
  *out = NULL;
  *n = 0;
  if (!store_valid_id(channel_id, MG_ID_TRYTES)) return store_fail(s, MG_STORE_ERR_ARG, "invalid channel id");
  if (limit == 0) return MG_STORE_OK;
  char *const one[1] = {(char *)channel_id};
  return s->engine->list_messages(s->conn, one, 1, after, limit, out, n);
}

mg_store_err_t mg_store_list_messages_of(mg_store_t *s, char *const *channel_ids, size_t n_channels, int64_t after,
                                         size_t limit, mg_message_t **out, size_t *n) {
  if (!s || !out || !n || (n_channels && !channel_ids)) return MG_STORE_ERR_ARG;
  *out = NULL;
  *n = 0;
  for (size_t i = 0; i < n_channels; i++)
    if (!store_valid_id(channel_ids[i], MG_ID_TRYTES)) return store_fail(s, MG_STORE_ERR_ARG, "invalid channel id");
  if (limit == 0) return MG_STORE_OK;
  return s->engine->list_messages(s->conn, channel_ids, n_channels, after, limit, out, n);
}

mg_store_err_t mg_store_get_message(mg_store_t *s, const char *channel_id, const char *message_id,
                                    mg_message_t **out, size_t *n) {
  if (!s || !out || !n) return MG_STORE_ERR_ARG;
  *out = NULL;
  *n = 0;
  if (!store_valid_id(channel_id, MG_ID_TRYTES) || !store_valid_id(message_id, MG_MSG_ID_TRYTES))
    return store_fail(s, MG_STORE_ERR_ARG, "invalid channel or message id");
  mg_store_err_t err = s->engine->get_message(s->conn, channel_id, message_id, out, n);
  if (!err && *n == 0) return store_fail(s, MG_STORE_NOT_FOUND, "no such message");
  return err;
}

mg_store_err_t mg_store_count_messages(mg_store_t *s, const char *channel_id, int64_t *count) {
  if (!s || !count) return MG_STORE_ERR_ARG;
  if (channel_id && !store_valid_id(channel_id, MG_ID_TRYTES)) return store_fail(s, MG_STORE_ERR_ARG, "invalid channel id");
  return s->engine->count_messages(s->conn, channel_id, count);
}

mg_store_err_t mg_store_last_cursor(mg_store_t *s, int64_t *cursor) {
  if (!s || !cursor) return MG_STORE_ERR_ARG;
  *cursor = 0;
  return s->engine->last_cursor(s->conn, cursor);
}

mg_store_err_t mg_store_wait_messages(mg_store_t *s, int64_t after, int timeout_ms, int64_t *last) {
  if (!s || !last) return MG_STORE_ERR_ARG;
  *last = 0;
  if (timeout_ms < 0) return store_fail(s, MG_STORE_ERR_ARG, "negative time-out");
  return s->engine->wait_messages(s->conn, after, timeout_ms, last);
}

mg_store_err_t mg_store_list_message_channels(mg_store_t *s, char ***ids, size_t *n) {
  if (!s || !store_start_id_list(ids, n)) return MG_STORE_ERR_ARG;
  return s->engine->list_message_channels(s->conn, ids, n);
}

mg_store_err_t mg_store_channel_known(mg_store_t *s, const char *channel_id, int *known) {
  if (!s || !known) return MG_STORE_ERR_ARG;
  if (!store_valid_id(channel_id, MG_ID_TRYTES)) return store_fail(s, MG_STORE_ERR_ARG, "invalid channel id");
  return s->engine->channel_known(s->conn, channel_id, known);
}

/* ---- watched channels ---- */

mg_store_err_t mg_store_set_watch_state(mg_store_t *s, const char *channel_id, const uint8_t *state, size_t len) {
  if (!s) return MG_STORE_ERR_ARG;
  if (!store_valid_id(channel_id, MG_ID_TRYTES) || !store_valid_blob(state, len))
    return store_fail(s, MG_STORE_ERR_ARG, "invalid channel id or state");
  return s->engine->set_watch_state(s->conn, channel_id, state, len);
}

mg_store_err_t mg_store_remove_watch(mg_store_t *s, const char *channel_id) {
  if (!s) return MG_STORE_ERR_ARG;
  if (!store_valid_id(channel_id, MG_ID_TRYTES)) return store_fail(s, MG_STORE_ERR_ARG, "invalid id");
  return s->engine->remove_watch(s->conn, channel_id);
}

mg_store_err_t mg_store_list_watches(mg_store_t *s, mg_watch_t **out, size_t *n) {
  if (!s || !out || !n) return MG_STORE_ERR_ARG;
  *out = NULL;
  *n = 0;
  return s->engine->list_watches(s->conn, out, n);
}

void mg_watches_free(mg_watch_t *w, size_t n) {
  if (!w) return;
  for (size_t i = 0; i < n; i++) {
    free(w[i].options);
    free(w[i].state);
  }
  free(w);
}

void mg_strings_free(char **list, size_t n) {
  if (!list) return;
  for (size_t i = 0; i < n; i++) free(list[i]);
  free(list);
}

/* ---- writer channels and key safety ---- */

mg_store_err_t mg_store_put_channel(mg_store_t *s, const char *channel_id, int64_t number, const uint8_t *state,
                                    size_t len) {
  if (!s) return MG_STORE_ERR_ARG;
  if (!store_valid_id(channel_id, MG_ID_TRYTES) || number < 0 || !store_valid_blob(state, len))
    return store_fail(s, MG_STORE_ERR_ARG, "invalid channel id, number or state");
  return s->engine->put_channel(s->conn, channel_id, number, state, len);
}

mg_store_err_t mg_store_get_channel(mg_store_t *s, const char *channel_id, int64_t *number, uint8_t **state,
                                    size_t *len) {
  if (!s || (state == NULL) != (len == NULL)) return MG_STORE_ERR_ARG;
  if (!store_valid_id(channel_id, MG_ID_TRYTES)) return store_fail(s, MG_STORE_ERR_ARG, "invalid channel id");
  return s->engine->get_channel(s->conn, channel_id, number, state, len);
}

mg_store_err_t mg_store_list_channels(mg_store_t *s, char ***ids, size_t *n) {
  if (!s || !store_start_id_list(ids, n)) return MG_STORE_ERR_ARG;
  return s->engine->list_channels(s->conn, ids, n);
}

mg_store_err_t mg_store_next_channel_number(mg_store_t *s, int64_t *number) {
  if (!s || !number) return MG_STORE_ERR_ARG;
  return s->engine->next_channel_number(s->conn, number);
}

static mg_store_err_t reserve(mg_store_t *s, mg_store_counter_t kind, const char *tree_id, uint64_t floor,
                              uint64_t count, uint64_t *first) {
  if (!s || !first) return MG_STORE_ERR_ARG;
  if (!store_valid_id(tree_id, MG_ID_TRYTES) || count == 0 || count > (uint64_t)INT64_MAX || floor > (uint64_t)INT64_MAX)
    return store_fail(s, MG_STORE_ERR_ARG, "invalid tree id or range");
  return s->engine->reserve(s->conn, kind, tree_id, floor, count, first);
}

static mg_store_err_t next_free(mg_store_t *s, mg_store_counter_t kind, const char *tree_id, uint64_t *next) {
  if (!s || !next) return MG_STORE_ERR_ARG;
  if (!store_valid_id(tree_id, MG_ID_TRYTES)) return store_fail(s, MG_STORE_ERR_ARG, "invalid tree id");
  return s->engine->next_free(s->conn, kind, tree_id, next);
}

mg_store_err_t mg_store_list_trees(mg_store_t *s, mg_store_counter_t kind, char ***ids, size_t *n) {
  if (!s || !store_start_id_list(ids, n) || (kind != MG_COUNTER_LEAF && kind != MG_COUNTER_MSG_NUMBER)) return MG_STORE_ERR_ARG;
  return s->engine->list_trees(s->conn, kind, ids, n);
}

mg_store_err_t mg_store_raise_channel_number(mg_store_t *s, int64_t floor) {
  if (!s) return MG_STORE_ERR_ARG;
  if (floor < 0) return store_fail(s, MG_STORE_ERR_ARG, "negative channel number");
  return s->engine->raise_channel_number(s->conn, floor);
}

mg_store_err_t mg_store_reserve_leaves(mg_store_t *s, const char *tree_id, uint64_t floor, uint64_t count,
                                       uint64_t *first) {
  return reserve(s, MG_COUNTER_LEAF, tree_id, floor, count, first);
}

mg_store_err_t mg_store_next_free_leaf(mg_store_t *s, const char *tree_id, uint64_t *next) {
  return next_free(s, MG_COUNTER_LEAF, tree_id, next);
}

mg_store_err_t mg_store_reserve_msg_numbers(mg_store_t *s, const char *tree_id, uint64_t floor, uint64_t count,
                                            uint64_t *first) {
  return reserve(s, MG_COUNTER_MSG_NUMBER, tree_id, floor, count, first);
}

mg_store_err_t mg_store_next_msg_number(mg_store_t *s, const char *tree_id, uint64_t *next) {
  return next_free(s, MG_COUNTER_MSG_NUMBER, tree_id, next);
}

/* ---- small durable settings ---- */

mg_store_err_t mg_store_get_meta(mg_store_t *s, const char *key, char **value) {
  if (!s || !value) return MG_STORE_ERR_ARG;
  *value = NULL;
  if (!valid_meta_key(key)) return store_fail(s, MG_STORE_ERR_ARG, "invalid setting name");
  return s->engine->get_meta(s->conn, key, value);
}

mg_store_err_t mg_store_set_meta(mg_store_t *s, const char *key, const char *value) {
  if (!s) return MG_STORE_ERR_ARG;
  if (!valid_meta_key(key) || !value) return store_fail(s, MG_STORE_ERR_ARG, "invalid setting name or value");
  return s->engine->set_meta(s->conn, key, value);
}

/* ---- idempotency keys ---- */

mg_store_err_t mg_store_idem_reserve(mg_store_t *s, const char *scope, const char *key, const char *request_hash,
                                     int64_t now_ms, int64_t expire_before_ms, mg_idem_entry_t *found) {
  if (!s || !found) return MG_STORE_ERR_ARG;
  *found = (mg_idem_entry_t){0};
  if (!valid_hex_hash(scope) || !valid_idem_key(key) || !valid_hex_hash(request_hash) || now_ms < 0)
    return store_fail(s, MG_STORE_ERR_ARG, "invalid idempotency key, scope or hash");
  mg_store_err_t err = s->engine->idem_reserve(s->conn, scope, key, request_hash, now_ms, expire_before_ms, found);
  if (err != MG_STORE_EXISTS) mg_idem_entry_free(found);
  return err;
}

mg_store_err_t mg_store_idem_finish(mg_store_t *s, const char *scope, const char *key, int status, const char *body) {
  if (!s) return MG_STORE_ERR_ARG;
  if (!valid_hex_hash(scope) || !valid_idem_key(key) || status < 200 || status > 599 || !body)
    return store_fail(s, MG_STORE_ERR_ARG, "invalid idempotency key, scope, status or body");
  return s->engine->idem_finish(s->conn, scope, key, status, body);
}

mg_store_err_t mg_store_idem_release(mg_store_t *s, const char *scope, const char *key) {
  if (!s) return MG_STORE_ERR_ARG;
  if (!valid_hex_hash(scope) || !valid_idem_key(key)) return store_fail(s, MG_STORE_ERR_ARG, "invalid idempotency key or scope");
  return s->engine->idem_release(s->conn, scope, key);
}

void mg_idem_entry_free(mg_idem_entry_t *e) {
  if (!e) return;
  free(e->body);
  e->body = NULL;
}

/* ---- fleet instances ---- */

static bool valid_instance_id(const char *id) {
  size_t len = id ? strnlen(id, MG_INSTANCE_ID_MAX + 1) : 0;
  if (len < 1 || len > MG_INSTANCE_ID_MAX) return false;
  for (size_t i = 0; i < len; i++)
    if (!isalnum((unsigned char)id[i]) && !strchr("._-", id[i])) return false;
  return true;
}

mg_store_err_t mg_store_heartbeat(mg_store_t *s, const char *instance_id, const char *info, int64_t now_ms) {
  if (!s) return MG_STORE_ERR_ARG;
  if (!valid_instance_id(instance_id) || !info || now_ms < 0)
    return store_fail(s, MG_STORE_ERR_ARG, "invalid instance id, info or time");
  return s->engine->heartbeat(s->conn, instance_id, info, now_ms);
}

mg_store_err_t mg_store_list_instances(mg_store_t *s, int64_t seen_since_ms, mg_instance_t **out, size_t *n) {
  if (!s || !out || !n) return MG_STORE_ERR_ARG;
  *out = NULL;
  *n = 0;
  return s->engine->list_instances(s->conn, seen_since_ms, out, n);
}

void mg_instances_free(mg_instance_t *v, size_t n) {
  if (!v) return;
  for (size_t i = 0; i < n; i++) free(v[i].info);
  free(v);
}
