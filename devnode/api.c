#include "devnode/api.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "devnode/attach.h"
#include "devnode/consistency.h"
#include "devnode/options.h"
#include "mamcore/trits.h"

#define STATUS_OK 200
#define STATUS_ERROR 400     /* {"error"}: the request was refused */
#define STATUS_LIMITED 401   /* {"error"}: command not available to this caller */
#define STATUS_EXCEPTION 500 /* {"exception"}: invalid parameters or an internal failure */

#define MESSAGE_SIZE 512

/* IRI's messages (spec 5.1), kept so that clients matching on them keep working. */
#define MSG_INVALID_PARAMS "Invalid parameters"
#define MSG_OVER_MAX "Could not complete request"
#define MSG_NO_COMMAND "COMMAND parameter has not been specified in the request."

struct devnode_api {
  devnode_store_t *store;
  devnode_feed_t *feed;
  unsigned mwm;
  const atomic_int *stop;
  pthread_mutex_t attach_lock; /* one proof of work at a time, as IRI */
  char null_hash[TANGLE_TX_HASH_TRYTES + 1];
  char null_trytes[TANGLE_TX_TRYTES + 1]; /* getTrytes' answer for an unknown hash */
};

/* One request being answered. */
typedef struct call {
  devnode_api_t *api;
  const json_t *req;
  bool trusted;
  unsigned status; /* 0 while no failure */
  char message[MESSAGE_SIZE];
  json_t *answer; /* success body */
} call_t;

devnode_api_t *devnode_api_new(devnode_store_t *store, devnode_feed_t *feed, unsigned mwm,
                               const atomic_int *stop) {
  devnode_api_t *api = calloc(1, sizeof *api);
  if (api == NULL) return NULL;
  *api = (devnode_api_t){.store = store, .feed = feed, .mwm = mwm, .stop = stop};
  pthread_mutex_init(&api->attach_lock, NULL);
  memset(api->null_hash, '9', TANGLE_TX_HASH_TRYTES);
  memset(api->null_trytes, '9', TANGLE_TX_TRYTES);
  return api;
}

void devnode_api_free(devnode_api_t *api) {
  if (api == NULL) return;
  pthread_mutex_destroy(&api->attach_lock);
  free(api);
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool fail(call_t *c, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail(call_t *c, unsigned status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->message, sizeof c->message, fmt, ap);
  va_end(ap);
  c->status = status;
  return false;
}

static bool out_of_memory(call_t *c) { return fail(c, STATUS_EXCEPTION, "out of memory"); }

/* Makes `answer` the success body (consumed); fails when it could not be built. */
static bool succeed(call_t *c, json_t *answer) {
  if (answer == NULL) return out_of_memory(c);
  c->answer = answer;
  return true;
}

/* ---- parameters (IRI raises these as exceptions: HTTP 500) ---- */

static const json_t *param(call_t *c, const char *name) {
  const json_t *v = json_object_get(c->req, name);
  if (v == NULL) fail(c, STATUS_EXCEPTION, MSG_INVALID_PARAMS ": %s is missing", name);
  return v;
}

static bool trytes_string(const json_t *v, size_t len) {
  const char *s = json_string_value(v);
  return s != NULL && json_string_length(v) == len && mam_trytes_valid(s, len);
}

static bool hash_param(call_t *c, const char *name, char out[TANGLE_TX_HASH_TRYTES + 1]) {
  const json_t *v = param(c, name);
  if (v == NULL) return false;
  if (!trytes_string(v, TANGLE_TX_HASH_TRYTES))
    return fail(c, STATUS_EXCEPTION, "Invalid %s input: expected 81 trytes (9, A-Z)", name);
  memcpy(out, json_string_value(v), TANGLE_TX_HASH_TRYTES + 1);
  return true;
}

/* A JSON number, truncated towards zero as IRI does. */
static bool int_param(call_t *c, const char *name, long *out) {
  const json_t *v = param(c, name);
  if (v == NULL) return false;
  double d = json_number_value(v);
  if (!json_is_number(v) || !isfinite(d) || d < -1e9 || d > 1e9)
    return fail(c, STATUS_EXCEPTION, "Invalid %s input: expected a number", name);
  *out = (long)d;
  return true;
}

/* A list of at most DEVNODE_MAX_LIST entries, each `len` trytes unless len is 0. */
static const json_t *list_param(call_t *c, const char *name, size_t len) {
  const json_t *v = param(c, name);
  if (v == NULL) return NULL;
  if (!json_is_array(v)) {
    fail(c, STATUS_EXCEPTION, "Invalid %s input: expected a list", name);
    return NULL;
  }
  if (json_array_size(v) > DEVNODE_MAX_LIST) {
    fail(c, STATUS_EXCEPTION, MSG_OVER_MAX ": %s has more than %d entries", name, DEVNODE_MAX_LIST);
    return NULL;
  }
  for (size_t i = 0; i < json_array_size(v); i++) {
    const json_t *item = json_array_get(v, i);
    if (len == 0 && !json_is_string(item)) {
      fail(c, STATUS_EXCEPTION, "Invalid %s input: %s[%zu] is not a string", name, name, i);
      return NULL;
    }
    if (len != 0 && !trytes_string(item, len)) {
      fail(c, STATUS_EXCEPTION, "Invalid %s input: %s[%zu] is not %zu trytes (9, A-Z)", name, name,
           i, len);
      return NULL;
    }
  }
  return v;
}

/* ---- getNodeInfo, getNodeAPIConfiguration ---- */

static bool cmd_get_node_info(call_t *c) {
  devnode_store_stats_t st;
  if (!devnode_store_stats(c->api->store, &st)) return fail(c, STATUS_EXCEPTION, "database error");
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  const char *null_hash = c->api->null_hash;
  /* A development node: no milestones, so it always counts as synced (index 0 == 0). */
  return succeed(
      c, json_pack("{s:s, s:s, s:I, s:I, s:s, s:I, s:I, s:s, s:I, s:s, s:I, s:I, "
                   "s:I, s:I, s:I, s:I, s:I, s:I, s:[s,s,s], s:s, s:I, s:b}",
                   "appName", "devnode", "appVersion", PACKAGE_VERSION, "jreAvailableProcessors",
                   (json_int_t)(cpus > 0 ? cpus : 1), "jreFreeMemory", (json_int_t)0, "jreVersion",
                   "none", "jreMaxMemory", (json_int_t)0, "jreTotalMemory", (json_int_t)0,
                   "latestMilestone", null_hash, "latestMilestoneIndex", (json_int_t)0,
                   "latestSolidSubtangleMilestone", null_hash, "latestSolidSubtangleMilestoneIndex",
                   (json_int_t)0, "milestoneStartIndex", (json_int_t)0,
                   "lastSnapshottedMilestoneIndex", (json_int_t)0, "neighbors", (json_int_t)0,
                   "packetsQueueSize", (json_int_t)0, "time", (json_int_t)now_ms(), "tips",
                   (json_int_t)st.tips, "transactionsToRequest", (json_int_t)0, "features",
                   "RemotePOW", "zeroMessageQueue", "testnet", "coordinatorAddress", null_hash,
                   "dbSizeInBytes", (json_int_t)st.db_bytes, "isSynced", 1));
}

static bool cmd_get_api_configuration(call_t *c) {
  return succeed(
      c, json_pack("{s:i, s:i, s:i, s:i, s:b, s:i}", "maxFindTransactions", DEVNODE_MAX_FIND,
                   "maxRequestsList", DEVNODE_MAX_LIST, "maxGetTrytes", DEVNODE_MAX_GET_TRYTES,
                   "maxBodyLength", DEVNODE_MAX_BODY, "testNet", 1, "milestoneStartIndex", 0));
}

/* ---- getTransactionsToApprove ---- */

/* Tips are random tails nothing approves yet. A `reference` (which must be stored) becomes the
 * branch, so the new transactions approve it directly. */
static bool cmd_get_transactions_to_approve(call_t *c) {
  char reference[TANGLE_TX_HASH_TRYTES + 1], trunk[TANGLE_TX_HASH_TRYTES + 1],
      branch[TANGLE_TX_HASH_TRYTES + 1];
  bool has_reference = json_object_get(c->req, "reference") != NULL;
  long depth;
  if (has_reference && !hash_param(c, "reference", reference)) return false;
  if (!int_param(c, "depth", &depth)) return false;
  if (depth < 0 || depth > DEVNODE_MAX_DEPTH)
    return fail(c, STATUS_ERROR, "Invalid depth input: %ld is outside 0..%d", depth,
                DEVNODE_MAX_DEPTH);
  char trytes[TANGLE_TX_TRYTES + 1];
  if (has_reference && !devnode_store_get_trytes(c->api->store, reference, trytes))
    return fail(c, STATUS_ERROR, "reference transaction not found");
  if (!devnode_store_pick_tips(c->api->store, trunk, branch))
    return fail(c, STATUS_EXCEPTION, "database error");
  if (has_reference) memcpy(branch, reference, sizeof branch);
  return succeed(c,
                 json_pack("{s:s, s:s}", "trunkTransaction", trunk, "branchTransaction", branch));
}

/* ---- storeTransactions, broadcastTransactions ---- */

static json_t *empty_answer(void) { return json_object(); }

/* Reads, validates, stores and publishes the transactions of `list`. */
static bool store_list(call_t *c, const json_t *list) {
  size_t n = json_array_size(list);
  devnode_tx_t *txs = calloc(n ? n : 1, sizeof *txs);
  bool *is_new = calloc(n ? n : 1, sizeof *is_new);
  if (txs == NULL || is_new == NULL) {
    free(txs);
    free(is_new);
    return out_of_memory(c);
  }
  bool ok = true;
  char why[256];
  int64_t arrival = now_ms();
  for (size_t i = 0; ok && i < n; i++) {
    const json_t *item = json_array_get(list, i);
    if (devnode_tx_read(json_string_value(item), json_string_length(item), c->api->mwm, &txs[i],
                        why, sizeof why))
      txs[i].arrival_ms = arrival;
    else
      ok = fail(c, STATUS_ERROR, "Error: %s (trytes[%zu])", why, i);
  }
  if (ok && !devnode_store_put(c->api->store, txs, n, is_new))
    ok = fail(c, STATUS_EXCEPTION, "database error: nothing stored");
  for (size_t i = 0; ok && i < n; i++)
    if (is_new[i]) (void)devnode_feed_publish(c->api->feed, &txs[i]);
  free(txs);
  free(is_new);
  return ok && succeed(c, empty_answer());
}

/* IRI answers storeTransactions failures, parameter errors included, as 400 "Error: ...". */
static bool cmd_store_transactions(call_t *c) {
  const json_t *list = list_param(c, "trytes", TANGLE_TX_TRYTES);
  if (list == NULL) {
    char inner[MESSAGE_SIZE];
    memcpy(inner, c->message, sizeof inner);
    return fail(c, STATUS_ERROR, "Error: %.*s", (int)(sizeof inner - 16), inner);
  }
  return store_list(c, list);
}

/* devnode has no neighbours: broadcasting stores (and publishes) what is not stored yet. */
static bool cmd_broadcast_transactions(call_t *c) {
  const json_t *list = list_param(c, "trytes", TANGLE_TX_TRYTES);
  return list != NULL && store_list(c, list);
}

/* ---- attachToTangle ---- */

static json_t *string_array(const char *const *items, size_t n) {
  json_t *array = json_array();
  for (size_t i = 0; array != NULL && i < n; i++) {
    if (json_array_append_new(array, json_string(items[i])) != 0) {
      json_decref(array);
      array = NULL;
    }
  }
  return array;
}

static bool attach_list(call_t *c, const json_t *list, const char *trunk, const char *branch,
                        unsigned mwm) {
  size_t n = json_array_size(list);
  const char **in = calloc(n ? n : 1, sizeof *in);
  char(*out)[TANGLE_TX_TRYTES + 1] = calloc(n ? n : 1, sizeof *out);
  const char **out_ptrs = calloc(n ? n : 1, sizeof *out_ptrs);
  if (in == NULL || out == NULL || out_ptrs == NULL) {
    free(in), free(out), free(out_ptrs);
    return out_of_memory(c);
  }
  for (size_t i = 0; i < n; i++) {
    in[i] = json_string_value(json_array_get(list, i));
    out_ptrs[i] = out[i];
  }
  char why[256] = "";
  pthread_mutex_lock(&c->api->attach_lock);
  devnode_attach_result_t r =
      devnode_attach(in, n, trunk, branch, mwm, c->api->stop, out, why, sizeof why);
  pthread_mutex_unlock(&c->api->attach_lock);
  bool ok;
  if (r == DEVNODE_ATTACH_OK)
    ok = succeed(c, json_pack("{s:o}", "trytes", string_array(out_ptrs, n)));
  else if (r == DEVNODE_ATTACH_CANCELLED)
    ok = fail(c, STATUS_EXCEPTION, "attachToTangle interrupted: the node is stopping");
  else /* IRI raises these as exceptions too */
    ok = fail(c, STATUS_EXCEPTION, "%s", why);
  free(in), free(out), free(out_ptrs);
  return ok;
}

static bool cmd_attach_to_tangle(call_t *c) {
  char trunk[TANGLE_TX_HASH_TRYTES + 1], branch[TANGLE_TX_HASH_TRYTES + 1];
  long mwm;
  if (!hash_param(c, "trunkTransaction", trunk) || !hash_param(c, "branchTransaction", branch) ||
      !int_param(c, "minWeightMagnitude", &mwm))
    return false;
  const json_t *list = list_param(c, "trytes", TANGLE_TX_TRYTES);
  if (list == NULL) return false;
  /* IRI fails (500 "Invalid transaction hash") when the result is lighter than its own MWM;
   * devnode says so before doing the work. */
  if (mwm < (long)c->api->mwm || mwm > DEVNODE_MAX_MWM)
    return fail(c, STATUS_EXCEPTION,
                "Invalid minWeightMagnitude input: %ld is outside %u..%d (this node's minimum "
                "weight magnitude is %u)",
                mwm, c->api->mwm, DEVNODE_MAX_MWM, c->api->mwm);
  return attach_list(c, list, trunk, branch, (unsigned)mwm);
}

/* ---- findTransactions ---- */

/* A growing set of transaction hashes; sorted and made unique before use. */
typedef struct hash_set {
  char (*items)[TANGLE_TX_HASH_TRYTES + 1];
  size_t count, cap;
  bool no_memory;
} hash_set_t;

static bool hash_set_add(const char *hash, void *ctx) {
  hash_set_t *set = ctx;
  if (set->count == set->cap) {
    size_t cap = set->cap ? 2 * set->cap : 64;
    void *grown = realloc(set->items, cap * sizeof *set->items);
    if (grown == NULL) {
      set->no_memory = true;
      return false;
    }
    set->items = grown;
    set->cap = cap;
  }
  memcpy(set->items[set->count], hash, TANGLE_TX_HASH_TRYTES);
  set->items[set->count++][TANGLE_TX_HASH_TRYTES] = '\0';
  return true;
}

static int compare_hashes(const void *a, const void *b) { return strcmp(a, b); }

static void hash_set_normalise(hash_set_t *set) {
  if (set->count < 2) return;
  qsort(set->items, set->count, sizeof *set->items, compare_hashes);
  size_t kept = 1;
  for (size_t i = 1; i < set->count; i++)
    if (strcmp(set->items[i], set->items[kept - 1]) != 0)
      memmove(set->items[kept++], set->items[i], sizeof *set->items);
  set->count = kept;
}

/* Keeps in `acc` only the hashes also in `other` (both normalised). */
static void hash_set_intersect(hash_set_t *acc, const hash_set_t *other) {
  size_t kept = 0, j = 0;
  for (size_t i = 0; i < acc->count; i++) {
    while (j < other->count && strcmp(other->items[j], acc->items[i]) < 0) j++;
    if (j < other->count && strcmp(other->items[j], acc->items[i]) == 0)
      memmove(acc->items[kept++], acc->items[i], sizeof *acc->items);
  }
  acc->count = kept;
}

typedef struct find_field {
  const char *name;
  devnode_store_key_t key;
} find_field_t;

static const find_field_t find_fields[] = {{"bundles", DEVNODE_KEY_BUNDLE},
                                           {"addresses", DEVNODE_KEY_ADDRESS},
                                           {"tags", DEVNODE_KEY_TAG},
                                           {"approvees", DEVNODE_KEY_APPROVEE}};

/* The value a field entry is looked up by: hashes as given, tags padded with 9 to 27 trytes.
 * All-9 values are refused, as IRI does. */
static bool lookup_value(call_t *c, const find_field_t *f, const json_t *item, size_t i,
                         char out[TANGLE_TX_HASH_TRYTES + 1]) {
  const char *s = json_string_value(item);
  size_t len = json_string_length(item);
  bool is_tag = f->key == DEVNODE_KEY_TAG;
  size_t width = is_tag ? TANGLE_TX_TAG_TRYTES : TANGLE_TX_HASH_TRYTES;
  if (len == 0 || len > width || !mam_trytes_valid(s, len) || (!is_tag && len != width))
    return fail(c, STATUS_EXCEPTION, "Invalid %s input: %s[%zu] is not %s trytes (9, A-Z)", f->name,
                f->name, i, is_tag ? "1..27" : "81");
  memcpy(out, s, len);
  memset(out + len, '9', width - len);
  out[width] = '\0';
  if (strspn(out, "9") == width)
    return fail(c, STATUS_EXCEPTION, "Invalid %s input: %s[%zu] is all 9s", f->name, f->name, i);
  return true;
}

static bool collect(call_t *c, const json_t *list, devnode_store_key_t key, hash_set_t *set) {
  for (size_t i = 0; i < json_array_size(list); i++) {
    const char *value = json_string_value(json_array_get(list, i));
    if (!devnode_store_find(c->api->store, key, value, hash_set_add, set) && !set->no_memory)
      return fail(c, STATUS_EXCEPTION, "database error");
    if (set->no_memory) return out_of_memory(c);
  }
  return true;
}

/* The padded look-up values of one field, as a JSON list. */
static const json_t *field_values(call_t *c, const find_field_t *f, json_t **owned) {
  const json_t *list = list_param(c, f->name, 0);
  if (list == NULL) return NULL;
  json_t *values = json_array();
  char value[TANGLE_TX_HASH_TRYTES + 1];
  for (size_t i = 0; values != NULL && i < json_array_size(list); i++) {
    if (!lookup_value(c, f, json_array_get(list, i), i, value) ||
        json_array_append_new(values, json_string(value)) != 0) {
      json_decref(values);
      if (c->status == 0) out_of_memory(c);
      return NULL;
    }
  }
  if (values == NULL) out_of_memory(c);
  *owned = values;
  return values;
}

/* The union of the matches of one field; tags fall back to obsoleteTag when nothing matches. */
static bool find_field(call_t *c, const find_field_t *f, hash_set_t *set) {
  json_t *values = NULL;
  bool ok = field_values(c, f, &values) != NULL && collect(c, values, f->key, set);
  if (ok && f->key == DEVNODE_KEY_TAG && set->count == 0)
    ok = collect(c, values, DEVNODE_KEY_OBSOLETE_TAG, set);
  json_decref(values);
  hash_set_normalise(set);
  return ok;
}

static json_t *hash_set_json(const hash_set_t *set) {
  json_t *array = json_array();
  for (size_t i = 0; array != NULL && i < set->count; i++) {
    if (json_array_append_new(array, json_string(set->items[i])) != 0) {
      json_decref(array);
      array = NULL;
    }
  }
  return array;
}

/* IRI: the intersection over the fields given, the union within each field. */
static bool cmd_find_transactions(call_t *c) {
  hash_set_t result = {0};
  bool any = false, ok = true;
  for (size_t i = 0; ok && i < sizeof find_fields / sizeof find_fields[0]; i++) {
    if (json_object_get(c->req, find_fields[i].name) == NULL) continue;
    hash_set_t set = {0};
    ok = find_field(c, &find_fields[i], &set);
    if (ok && any) hash_set_intersect(&result, &set);
    if (ok && !any) {
      free(result.items);
      result = set;
      set = (hash_set_t){0};
    }
    free(set.items);
    any = true;
  }
  if (ok && !any)
    ok = fail(c, STATUS_EXCEPTION,
              MSG_INVALID_PARAMS ": give addresses, bundles, tags or approvees");
  if (ok && result.count > DEVNODE_MAX_FIND)
    ok = fail(c, STATUS_ERROR, MSG_OVER_MAX ": more than %d transactions match", DEVNODE_MAX_FIND);
  if (ok) ok = succeed(c, json_pack("{s:o}", "hashes", hash_set_json(&result)));
  free(result.items);
  return ok;
}

/* ---- getTrytes ---- */

static bool cmd_get_trytes(call_t *c) {
  const json_t *hashes = list_param(c, "hashes", TANGLE_TX_HASH_TRYTES);
  if (hashes == NULL) return false;
  json_t *array = json_array();
  char trytes[TANGLE_TX_TRYTES + 1];
  for (size_t i = 0; array != NULL && i < json_array_size(hashes); i++) {
    const char *hash = json_string_value(json_array_get(hashes, i));
    bool known = devnode_store_get_trytes(c->api->store, hash, trytes);
    if (json_array_append_new(array, json_string(known ? trytes : c->api->null_trytes)) != 0) {
      json_decref(array);
      array = NULL;
    }
  }
  return succeed(c, json_pack("{s:o}", "trytes", array));
}

/* ---- checkConsistency ---- */

static bool cmd_check_consistency(call_t *c) {
  const json_t *tails = list_param(c, "tails", TANGLE_TX_HASH_TRYTES);
  if (tails == NULL) return false;
  char info[MESSAGE_SIZE] = "";
  for (size_t i = 0; info[0] == '\0' && i < json_array_size(tails); i++) {
    const char *tail = json_string_value(json_array_get(tails, i));
    switch (devnode_check_tail(c->api->store, tail)) {
      case DEVNODE_CONSISTENT: break;
      case DEVNODE_TAIL_MISSING:
        return fail(c, STATUS_ERROR, "Invalid transaction, missing: %s", tail);
      case DEVNODE_NOT_A_TAIL:
        return fail(c, STATUS_ERROR, "Invalid transaction, not a tail: %s", tail);
      case DEVNODE_NOT_SOLID:
        snprintf(info, sizeof info, "tails are not solid (missing a referenced tx): %s", tail);
        break;
      case DEVNODE_BUNDLE_INVALID:
        snprintf(info, sizeof info, "tails are not consistent (bundle is invalid): %s", tail);
        break;
      case DEVNODE_CHECK_FAILED: return fail(c, STATUS_EXCEPTION, "database error");
    }
  }
  return succeed(c, json_pack("{s:b, s:s}", "state", info[0] == '\0', "info", info));
}

/* ---- dispatch ---- */

typedef struct command {
  const char *name;
  bool (*run)(call_t *c);
  bool loopback_only; /* IRI's default remote-limit-api */
} command_t;

static const command_t commands[] = {
    {"getNodeInfo", cmd_get_node_info, false},
    {"getNodeAPIConfiguration", cmd_get_api_configuration, false},
    {"getTransactionsToApprove", cmd_get_transactions_to_approve, false},
    {"attachToTangle", cmd_attach_to_tangle, true},
    {"storeTransactions", cmd_store_transactions, false},
    {"broadcastTransactions", cmd_broadcast_transactions, false},
    {"findTransactions", cmd_find_transactions, false},
    {"getTrytes", cmd_get_trytes, false},
    {"checkConsistency", cmd_check_consistency, false},
};

static bool is_blank(const char *body, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (body[i] != ' ' && body[i] != '\t' && body[i] != '\r' && body[i] != '\n') return false;
  return true;
}

static void dispatch(call_t *c, const char *body, size_t len) {
  if (is_blank(body, len)) {
    fail(c, STATUS_ERROR, "Invalid request payload: '%.*s'", (int)len, body);
    return;
  }
  json_error_t jerr;
  json_t *req = json_loadb(body, len, 0, &jerr);
  if (req == NULL) {
    fail(c, STATUS_ERROR, "Invalid JSON syntax: %s (line %d, column %d)", jerr.text, jerr.line,
         jerr.column);
    return;
  }
  c->req = req;
  const char *name = json_string_value(json_object_get(req, "command"));
  if (!json_is_object(req))
    fail(c, STATUS_ERROR, "Invalid request payload: expected a JSON object");
  else if (name == NULL)
    fail(c, STATUS_ERROR, MSG_NO_COMMAND);
  else {
    const command_t *cmd = NULL;
    for (size_t i = 0; cmd == NULL && i < sizeof commands / sizeof commands[0]; i++)
      if (strcmp(commands[i].name, name) == 0) cmd = &commands[i];
    if (cmd == NULL)
      fail(c, STATUS_ERROR, "Command [%.100s] is unknown", name);
    else if (cmd->loopback_only && !c->trusted)
      fail(c, STATUS_LIMITED, "COMMAND %s is not available on this node", name);
    else
      cmd->run(c);
  }
  json_decref(req);
  c->req = NULL;
}

static devnode_reply_t render(unsigned status, json_t *doc, int64_t duration_ms) {
  devnode_reply_t reply = {.status = status};
  if (doc != NULL && json_object_set_new(doc, "duration", json_integer(duration_ms)) == 0) {
    reply.body = json_dumps(doc, JSON_COMPACT);
    reply.len = reply.body ? strlen(reply.body) : 0;
  }
  json_decref(doc);
  return reply;
}

/* Messages may quote the request; keep them printable ASCII so they always encode as JSON. */
static void make_printable(char *s) {
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) *s = '?';
}

devnode_reply_t devnode_api_handle(devnode_api_t *api, const char *body, size_t len, bool trusted) {
  int64_t start = now_ms();
  call_t c = {.api = api, .trusted = trusted};
  dispatch(&c, body, len);
  if (c.status == 0) return render(STATUS_OK, c.answer, now_ms() - start);
  json_decref(c.answer);
  make_printable(c.message);
  const char *key = c.status == STATUS_EXCEPTION ? "exception" : "error";
  return render(c.status, json_pack("{s:s}", key, c.message), now_ms() - start);
}

devnode_reply_t devnode_api_error(const char *message) {
  return render(STATUS_ERROR, json_pack("{s:s}", "error", message), 0);
}
